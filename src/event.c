/*
 * event.c - accessors for the normalized event and the syslog facility and
 * severity names shared by the parser, the config and the tables.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

static const char *const facility_names[24] = {
	"kern",	  "user",   "mail",   "daemon", "auth",	  "syslog", "lpr",    "news",
	"uucp",	  "cron",   "authpriv", "ftp",	"ntp",	  "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

static const char *const severity_names[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void
event_reset(struct event *ev, size_t need)
{
	char *scratch = ev->scratch;
	size_t cap = ev->scratch_cap;

	if (cap < need) {
		free(scratch);
		cap = need < 4096 ? 4096 : need;
		scratch = xmalloc(cap);
	}
	memset(ev, 0, offsetof(struct event, fields));
	ev->nfields = 0;
	ev->scratch = scratch;
	ev->scratch_cap = cap;
	ev->scratch_len = 0;
	ev->text_len = 0;
	ev->host = ev->program = ev->pid = ev->msgid = STR_EMPTY;
	ev->sd = ev->message = ev->raw = ev->source = STR_EMPTY;
	ev->listener = "";
}

void
event_free(struct event *ev)
{
	free(ev->scratch);
	ev->scratch = NULL;
	ev->scratch_cap = ev->scratch_len = 0;
	free(ev->text);
	ev->text = NULL;
	ev->text_cap = ev->text_len = 0;
}

/* Every text slot of ev, so the two passes of event_normalize() see the same list. */
static size_t
text_slots(struct event *ev, struct str **slots, size_t max)
{
	struct str *fixed[] = { &ev->host, &ev->program, &ev->pid, &ev->msgid, &ev->sd,
		&ev->message, &ev->source };
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fixed) && n < max; i++)
		slots[n++] = fixed[i];
	for (size_t i = 0; i < ev->nfields && n + 2 <= max; i++) {
		slots[n++] = &ev->fields[i].name;
		slots[n++] = &ev->fields[i].value;
	}
	return n;
}

void
event_normalize(struct event *ev)
{
	struct str *slots[7 + 2 * EVENT_MAX_FIELDS];
	size_t n = text_slots(ev, slots, ARRAY_SIZE(slots)), need = 0;
	uint32_t dirty[ARRAY_SIZE(slots) / 32 + 1] = { 0 };

	for (size_t i = 0; i < n; i++) {
		if (text_is_clean(slots[i]->p, slots[i]->n, ev->charset, TEXT_KEEP_TAB))
			continue;
		dirty[i / 32] |= 1u << (i % 32);
		need += text_normalized_max(slots[i]->n) + 1;
	}
	if (need == 0)
		return;
	/* Grown before any slot points into it, so realloc moves nothing we hold. */
	if (ev->text_cap - ev->text_len < need) {
		ev->text_cap = ev->text_len + need;
		ev->text = xreallocarray(ev->text, ev->text_cap, 1);
	}
	for (size_t i = 0; i < n; i++) {
		if (!(dirty[i / 32] & (1u << (i % 32))))
			continue;
		unsigned flags = TEXT_KEEP_TAB;
		if (slots[i] == &ev->message && (ev->flags & EVENT_TRUNCATED))
			flags |= TEXT_CUT;
		char *out = ev->text + ev->text_len;
		size_t len = text_normalize(slots[i]->p, slots[i]->n, ev->charset, flags, out);
		out[len] = '\0';
		ev->text_len += len + 1;
		*slots[i] = str_make(out, len);
	}
}

int
event_add_field(struct event *ev, struct str name, struct str value)
{
	if (ev->nfields >= EVENT_MAX_FIELDS)
		return -ENOSPC;
	ev->fields[ev->nfields].name = name;
	ev->fields[ev->nfields].value = value;
	ev->nfields++;
	return 0;
}

struct str
event_scratch_put(struct event *ev, const char *p, size_t n)
{
	size_t room = ev->scratch_cap - ev->scratch_len;
	char *dst;

	if (room == 0)
		return STR_EMPTY;
	if (n + 1 > room)
		n = room - 1;
	dst = ev->scratch + ev->scratch_len;
	memcpy(dst, p, n);
	dst[n] = '\0';
	ev->scratch_len += n + 1;
	return str_make(dst, n);
}

int
event_get(const struct event *ev, struct str name, struct str *value)
{
	/* Later fields win, so a rule's capture can shadow a structured-data param. */
	for (size_t i = ev->nfields; i-- > 0;) {
		if (str_eq(ev->fields[i].name, name)) {
			*value = ev->fields[i].value;
			return 0;
		}
	}
	if (str_eq_cstr(name, "host"))
		*value = ev->host;
	else if (str_eq_cstr(name, "program"))
		*value = ev->program;
	else if (str_eq_cstr(name, "pid"))
		*value = ev->pid;
	else if (str_eq_cstr(name, "msgid"))
		*value = ev->msgid;
	else if (str_eq_cstr(name, "message"))
		*value = ev->message;
	else if (str_eq_cstr(name, "source"))
		*value = ev->source;
	else if (str_eq_cstr(name, EVENT_ORIGINAL_HOST))
		*value = ev->host; /* not renamed by a host alias (hosts.c) */
	else if (str_eq_cstr(name, "facility")) {
		const char *s = event_facility_name(ev->facility);
		*value = str_make(s, strlen(s));
	} else if (str_eq_cstr(name, "severity")) {
		const char *s = event_severity_name(ev->severity);
		*value = str_make(s, strlen(s));
	} else
		return -ENOENT;
	return 0;
}

const char *
event_facility_name(int facility)
{
	if (facility < 0 || facility >= (int)ARRAY_SIZE(facility_names))
		return "unknown";
	return facility_names[facility];
}

const char *
event_severity_name(int severity)
{
	if (severity < 0 || severity >= (int)ARRAY_SIZE(severity_names))
		return "unknown";
	return severity_names[severity];
}

int
event_facility_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(facility_names); i++)
		if (strcmp(name, facility_names[i]) == 0)
			return (int)i;
	if (strcmp(name, "auth-priv") == 0)
		return 10;
	return -1;
}

int
event_severity_from_name(const char *name)
{
	static const struct {
		const char *alias;
		int sev;
	} aliases[] = {
		{ "emergency", 0 }, { "panic", 0 },   { "critical", 2 }, { "error", 3 },
		{ "warn", 4 },	    { "informational", 6 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(severity_names); i++)
		if (strcmp(name, severity_names[i]) == 0)
			return (int)i;
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (strcmp(name, aliases[i].alias) == 0)
			return aliases[i].sev;
	return -1;
}
