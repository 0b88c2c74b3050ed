/*
 * postmortem.c - the postmortem draft in Markdown (see postmortem.h).
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "ctl_format.h"
#include "incident.h"
#include "markup.h"
#include "postmortem.h"
#include "util.h"

/* Which timeline lines a section lists. */
struct section {
	const char *title;
	const char *kind;  /* NULL: any */
	const char *state; /* NULL: any */
};

#define ACKS { "Acknowledgements", "state", "acknowledged" }

static const struct section acks = ACKS;
static const struct section sections[] = {
	{ "Events", "event", NULL },
	{ "State changes", "state", NULL },
	{ "Deliveries", "delivery", NULL },
	{ "Pages", "delivery", "triggered" },
	ACKS,
	{ "Notes", "comment", NULL },
	{ "Other notes", "note", NULL },
	{ "Resolution", "state", "resolved" },
};

/* From one time to a later one; 0 when the clocks say otherwise. */
static int64_t
elapsed(int64_t from, int64_t to)
{
	return to > from ? to - from : 0;
}

static bool
takes(const struct section *s, const struct pm_line *l)
{
	return strcmp(l->kind, s->kind) == 0 &&
	    (s->state == NULL || strcmp(l->state, s->state) == 0);
}

void
postmortem_durations(const struct pm_incident *inc, int64_t now, struct pm_durations *out)
{
	out->alerted = out->to_ack = out->to_resolve = -1;
	for (size_t i = 0; i < inc->nlines && out->alerted < 0; i++) {
		int st = incident_state_from_name(inc->lines[i].state);
		if (strcmp(inc->lines[i].kind, "state") == 0 && st >= 0 && incident_state_alerts(st))
			out->alerted = inc->lines[i].at;
	}
	if (out->alerted >= 0 && inc->acked_at > 0)
		out->to_ack = elapsed(out->alerted, inc->acked_at);
	if (out->alerted >= 0 && inc->resolved_at > 0)
		out->to_resolve = elapsed(out->alerted, inc->resolved_at);
	out->impact = elapsed(inc->first_seen, inc->resolved_at > 0 ? inc->resolved_at : now);
}

/* Whole seconds, as people read a duration: "1h10m5s", "0s". */
static void
span(int64_t usec, char *buf, size_t size)
{
	format_duration(usec - usec % USEC_PER_SEC, buf, size);
}

static void
put_time(FILE *f, const struct pm_draft *d, int64_t at)
{
	char buf[64];

	ctl_format_time(at, d->utc, buf, sizeof(buf));
	fputs(buf, f);
}

/* A summary row: | name | value |, the value escaped. */
static void
row(FILE *f, const char *name, const char *value)
{
	fprintf(f, "| %s | ", name);
	markup_md(f, value);
	fputs(" |\n", f);
}

/* "5m (acknowledged: by alice (uid 1001))" or what stands for it. */
static void
row_span(FILE *f, const char *name, int64_t usec, const char *none, const char *who)
{
	char buf[64];

	fprintf(f, "| %s | ", name);
	if (usec < 0) {
		fprintf(f, "%s |\n", none);
		return;
	}
	span(usec, buf, sizeof(buf));
	fputs(buf, f);
	if (who != NULL) {
		fputs(" (", f);
		markup_md(f, who);
		fputc(')', f);
	}
	fputs(" |\n", f);
}

/* The text of the first line of the section, or NULL. */
static const char *
first_text(const struct pm_incident *inc, const struct section *s)
{
	for (size_t i = 0; i < inc->nlines; i++)
		if (takes(s, &inc->lines[i]))
			return inc->lines[i].text;
	return NULL;
}

static void
summary(FILE *f, const struct pm_draft *d, const struct pm_durations *du)
{
	const struct pm_incident *inc = d->inc;
	char num[32], buf[64];

	fputs("## Summary\n\n| | |\n|---|---|\n", f);
	snprintf(num, sizeof(num), "%" PRIu64, inc->id);
	row(f, "Incident", num);
	row(f, "Key", inc->key);
	row(f, "Rule", inc->rule);
	row(f, "Host", inc->host);
	row(f, "Severity", inc->severity);
	row(f, "State", inc->state);
	snprintf(num, sizeof(num), "%" PRIu64, inc->count);
	row(f, "Events", num);
	fputs("| Impact window | ", f);
	put_time(f, d, inc->first_seen);
	fputs(" to ", f);
	if (inc->resolved_at > 0)
		put_time(f, d, inc->resolved_at);
	else
		fputs("now (still open)", f);
	span(du->impact, buf, sizeof(buf));
	fprintf(f, ", %s |\n", buf);
	row_span(f, "Time to acknowledge", du->to_ack,
	    du->alerted < 0 ? "never alerted" : "not acknowledged",
	    first_text(inc, &acks));
	row_span(f, "Time to resolve", du->to_resolve,
	    du->alerted < 0 ? "never alerted" : "not resolved", NULL);
}

/* "- TIME (+5m): text" for each line the section takes; "- none" when it takes none. */
static void
section_lines(FILE *f, const struct pm_draft *d, const struct section *s)
{
	const struct pm_incident *inc = d->inc;
	char after[64];
	size_t n = 0;

	fprintf(f, "\n## %s\n\n", s->title);
	for (size_t i = 0; i < inc->nlines; i++) {
		const struct pm_line *l = &inc->lines[i];
		if (!takes(s, l))
			continue;
		span(elapsed(inc->first_seen, l->at), after, sizeof(after));
		fputs("- ", f);
		put_time(f, d, l->at);
		fprintf(f, " (+%s): ", after);
		markup_md(f, l->text);
		fputc('\n', f);
		n++;
	}
	if (n == 0)
		fputs("- none\n", f);
}

/* "- #11 resolved, opened TIME, lasted 3m, 2 events" for each earlier incarnation. */
static void
past_list(FILE *f, const struct pm_draft *d)
{
	char lasted[64];

	if (d->npast > 0)
		fputs("\n## Earlier incidents with this key\n\n", f);
	for (size_t i = 0; i < d->npast; i++) {
		const struct pm_incident *o = &d->past[i];
		if (o->resolved_at > 0)
			span(elapsed(o->first_seen, o->resolved_at), lasted, sizeof(lasted));
		else
			strlcpy_t(lasted, "-", sizeof(lasted));
		fprintf(f, "- #%" PRIu64 " ", o->id);
		markup_md(f, o->state);
		fputs(", opened ", f);
		put_time(f, d, o->first_seen);
		fprintf(f, ", lasted %s, %" PRIu64 " events\n", lasted, o->count);
	}
}

/* "- #12 KEY (STATE): SUMMARY" for each related open incident. */
static void
related_list(FILE *f, const struct pm_draft *d)
{
	if (d->nrelated > 0)
		fputs("\n## Related incidents (same host, within 10 minutes)\n\n", f);
	for (size_t i = 0; i < d->nrelated; i++) {
		const struct pm_incident *o = &d->related[i];
		fprintf(f, "- #%" PRIu64 " ", o->id);
		markup_md(f, o->key);
		fputs(" (", f);
		markup_md(f, o->state);
		fputs("): ", f);
		markup_md(f, o->summary);
		fputc('\n', f);
	}
}

void
postmortem_write(FILE *f, const struct pm_draft *d)
{
	struct pm_durations du;

	postmortem_durations(d->inc, d->now, &du);
	fputs("# Postmortem: ", f);
	markup_md(f, d->inc->summary);
	fputs("\n\n*Draft made by triagectl at ", f);
	put_time(f, d, d->now);
	fputs(" from the timeline of the incident; edit it freely.*\n\n", f);
	summary(f, d, &du);
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
		section_lines(f, d, &sections[i]);
	past_list(f, d);
	related_list(f, d);
	fputs("\n## What went well\n\n\n## What went wrong\n\n\n## Action items\n\n- [ ] \n", f);
}
