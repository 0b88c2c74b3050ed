/*
 * upstream_pagerduty.c - PagerDuty Events API v2 bodies and answers.
 * https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "jsonutil.h"
#include "text.h"
#include "upstream_pagerduty.h"
#include "util.h"

#define PD_SUMMARY_MAX 1024
#define PD_DETAIL_MAX  2048 /* each event text in custom_details */

const char *
pagerduty_severity(int sev)
{
	if (sev <= 2)
		return "critical"; /* emerg, alert, crit */
	if (sev == 3)
		return "error";
	if (sev == 4)
		return "warning";
	return "info";
}

static void
set_opt(json_t *o, const char *name, const char *value, size_t max)
{
	if (value != NULL && *value != '\0')
		json_object_set_new(o, name, json_text_cut(value, max));
}

/* The incident's summary; a flapping one says so first, as a page is read from its summary. */
static json_t *
summary(const struct incident *inc)
{
	const char *s = inc->summary[0] ? inc->summary : inc->key;
	char *text;
	json_t *j;

	if (!inc->flap.active)
		return json_text_cut(s, PD_SUMMARY_MAX);
	xasprintf(&text, "flapping (%" PRIu32 " cycles): %s", inc->flap.cycles, s);
	j = json_text_cut(text, PD_SUMMARY_MAX);
	free(text);
	return j;
}

static json_t *
trigger_payload(const struct incident *inc, const struct pagerduty_details *det)
{
	char ts[40];
	json_t *details = json_object(), *p = json_object();

	format_rfc3339(inc->first_seen, ts, sizeof(ts));
	json_object_set_new(p, "summary", summary(inc));
	json_object_set_new(p, "source", json_text_cut(inc->host[0] ? inc->host : "unknown", 255));
	json_object_set_new(p, "severity", json_string(pagerduty_severity(inc->severity)));
	json_object_set_new(p, "timestamp", json_string(ts));
	set_opt(p, "component", det->component, 255);
	set_opt(p, "group", det->group, 255);
	set_opt(p, "class", det->class_, 255);
	json_object_set_new(details, "count", json_integer((json_int_t)inc->count));
	json_object_set_new(details, "rule", json_text_cut(inc->rule, 255));
	set_opt(details, "first_event", det->first_event, PD_DETAIL_MAX);
	set_opt(details, "last_event", det->last_event, PD_DETAIL_MAX);
	set_opt(details, "host", det->agent_host, 255);
	format_rfc3339(inc->last_seen, ts, sizeof(ts));
	json_object_set_new(details, "last_seen", json_string(ts));
	if (inc->flap.cycles > 0) {
		json_object_set_new(details, "cycles", json_integer((json_int_t)inc->flap.cycles));
		json_object_set_new(details, "flapping", json_boolean(inc->flap.active));
	}
	json_object_set_new(p, "custom_details", details);
	return p;
}

char *
pagerduty_payload(const struct conf_upstream *u, const struct incident *inc,
    enum outbox_action action, const struct pagerduty_details *det)
{
	/* An update is a trigger with the same dedup_key: PagerDuty folds it into the alert. */
	static const char *const actions[] = { "trigger", "acknowledge", "resolve", "trigger" };
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "event_action", json_string(actions[action]));
	json_object_set_new(o, "dedup_key", json_text_cut(inc->key, INCIDENT_KEY_MAX));
	if (action == OUTBOX_TRIGGER || action == OUTBOX_UPDATE) {
		json_object_set_new(o, "payload", trigger_payload(inc, det));
		set_opt(o, "client", u && u->client ? u->client : "triaged", 255);
		set_opt(o, "client_url", u ? u->client_url : NULL, 1024);
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/*
 * The stored payload is this file's own compact dump of an object, so the
 * routing key is spliced in as its first member instead of parsing and
 * dumping it again for every delivery (a tenth of a drain's CPU).  What
 * is not an object's text is refused here; damage inside one is refused
 * by PagerDuty (400) and dead-lettered the same way.
 */
char *
pagerduty_body(const char *payload, const char *routing_key)
{
	size_t n = strlen(payload);
	json_t *k;
	char *key, *s;

	if (n < 2 || payload[0] != '{' || payload[n - 1] != '}')
		return NULL;
	k = json_string(routing_key);
	key = json_dumps(k, JSON_ENCODE_ANY);
	json_decref(k);
	if (key == NULL)
		return NULL;
	xasprintf(&s, "{\"routing_key\":%s%s%s", key, n > 2 ? "," : "", payload + 1);
	explicit_bzero(key, strlen(key));
	free(key);
	return s;
}

/* PagerDuty's 400 body: {"status": ..., "message": ..., "errors": [...]}. */
static void
error_text(const struct http_response *resp, char *why, size_t size)
{
	json_t *o = json_loadb(resp->body ? resp->body : "", resp->body_len, 0, NULL);
	json_t *errors = json_object_get(o, "errors"), *e;
	const char *msg = json_string_value(json_object_get(o, "message"));
	size_t off, i;

	off = (size_t)snprintf(why, size, "HTTP %ld: %s", resp->status, msg ? msg : "rejected");
	json_array_foreach(errors, i, e) {
		if (off >= size || !json_is_string(e))
			break;
		off += (size_t)snprintf(why + off, size - off, "%s %s", i ? ";" : ":",
		    json_string_value(e));
	}
	if (o == NULL && resp->body_len > 0 && off < size)
		snprintf(why + off, size - off, ": %.200s", resp->body);
	json_decref(o);
}

enum outbox_verdict
pagerduty_classify(const struct http_response *resp, char *why, size_t size)
{
	long st = resp->status;

	if (st == 0) {
		snprintf(why, size, "%s", *resp->error_text ? resp->error_text :
		    strerror(-resp->error));
		return OUTBOX_RETRY;
	}
	if (st >= 200 && st < 300) {
		snprintf(why, size, "HTTP %ld", st);
		return OUTBOX_DELIVERED;
	}
	error_text(resp, why, size);
	if (st == 429)
		return OUTBOX_THROTTLED;
	if (st == 401 || st == 403 || st == 404)
		return OUTBOX_HOLD;
	if (st == 400 || st == 413 || st == 422)
		return OUTBOX_DEAD;
	return OUTBOX_RETRY; /* 5xx and anything unexpected: never drop */
}
