/*
 * upstream_alertmanager.c - Alertmanager API v2 alerts and answers
 * (upstream_alertmanager.h).
 * https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml
 *
 * Labels make an alert's identity: two agents that saw the same trap send
 * the same labels (none of them names the agent), so a cluster folds them
 * into one alert.  Annotations may differ between agents and carry the
 * rest.  Every text is valid JSON whatever bytes the network sent
 * (json_text), and cut to a bound.
 */
#include "config.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "upstream_alertmanager.h"
#include "upstream_webhook.h"
#include "util.h"

static void
set_text(json_t *o, const char *name, const char *value, size_t max)
{
	if (value != NULL && *value != '\0')
		json_object_set_new(o, name, json_text_cut(value, max));
}

static void
set_time(json_t *o, const char *name, int64_t usec)
{
	char ts[40];

	format_rfc3339(usec, ts, sizeof(ts));
	json_object_set_new(o, name, json_string(ts));
}

static json_t *
labels_of(const struct incident *inc, const struct pagerduty_details *det)
{
	json_t *l = json_object();

	set_text(l, "alertname", inc->rule[0] ? inc->rule : "triaged", AM_LABEL_MAX);
	set_text(l, "instance", inc->host[0] ? inc->host : "unknown", AM_LABEL_MAX);
	json_object_set_new(l, "severity", json_string(pagerduty_severity(inc->severity)));
	set_text(l, "key", inc->key, AM_LABEL_MAX);
	set_text(l, "component", det->component, AM_LABEL_MAX);
	set_text(l, "group", det->group, AM_LABEL_MAX);
	set_text(l, "class", det->class_, AM_LABEL_MAX);
	return l;
}

static json_t *
annotations_of(const struct incident *inc, const struct pagerduty_details *det)
{
	json_t *a = json_object();
	char n[32];

	set_text(a, "summary", inc->summary[0] ? inc->summary : inc->key, AM_ANNOTATION_MAX);
	set_text(a, "description", det->last_event, AM_ANNOTATION_MAX);
	snprintf(n, sizeof(n), "%" PRIu64, inc->count);
	json_object_set_new(a, "count", json_string(n));
	set_time(a, "first_seen", inc->first_seen);
	set_time(a, "last_seen", inc->last_seen);
	set_text(a, "agent", det->agent_host, AM_LABEL_MAX);
	set_text(a, "ack_url", det->ack_url, AM_ANNOTATION_MAX);
	if (inc->flap.cycles > 0) {
		snprintf(n, sizeof(n), "%" PRIu32, inc->flap.cycles);
		json_object_set_new(a, "flap_cycles", json_string(n));
	}
	return a;
}

char *
alertmanager_payload(const struct incident *inc, enum outbox_action action,
    const struct pagerduty_details *det, int64_t now)
{
	json_t *o;
	char *s;

	if (action == OUTBOX_ACKNOWLEDGE)
		return NULL;
	o = json_object();
	json_object_set_new(o, "labels", labels_of(inc, det));
	json_object_set_new(o, "annotations", annotations_of(inc, det));
	set_time(o, "startsAt", inc->first_seen);
	/* The ack link's page shows the incident (and acks only when asked): its source. */
	set_text(o, "generatorURL", det->ack_url, AM_ANNOTATION_MAX);
	/* A resolve ends the alert when it was made, however late it arrives. */
	if (action == OUTBOX_RESOLVE)
		set_time(o, "endsAt", inc->resolved_at > 0 ? inc->resolved_at : now);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* The payload's count, last_seen and ack link as they are now. */
static void
refresh(json_t *o, const struct alertmanager_now *cur)
{
	json_t *an = json_object_get(o, "annotations");
	char n[32];

	if (!json_is_object(an))
		return;
	if (cur->inc != NULL) {
		snprintf(n, sizeof(n), "%" PRIu64, cur->inc->count);
		json_object_set_new(an, "count", json_string(n));
		set_time(an, "last_seen", cur->inc->last_seen);
	}
	if (cur->ack_url != NULL && json_object_get(an, "ack_url") != NULL) {
		set_text(an, "ack_url", cur->ack_url, AM_ANNOTATION_MAX);
		set_text(o, "generatorURL", cur->ack_url, AM_ANNOTATION_MAX);
	}
}

char *
alertmanager_body(const char *payload, const struct alertmanager_now *cur, int64_t now,
    int64_t ahead)
{
	json_t *o = json_loads(payload, 0, NULL), *arr;
	char *s;

	if (o == NULL || !json_is_object(o) || !json_is_object(json_object_get(o, "labels"))) {
		json_decref(o);
		return NULL;
	}
	if (cur != NULL)
		refresh(o, cur);
	if (json_object_get(o, "endsAt") == NULL)
		set_time(o, "endsAt", now + ahead);
	arr = json_array();
	json_array_append_new(arr, o);
	s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return s;
}

char *
alertmanager_watchdog(const char *host, int64_t since, int64_t now, int64_t ahead)
{
	json_t *o = json_object(), *arr = json_array();
	char *s;

	json_object_set_new(o, "labels",
	    json_pack("{s:s, s:o, s:s}", "alertname", "Watchdog", "instance",
	        json_text_cut(host, AM_LABEL_MAX), "severity", "none"));
	json_object_set_new(o, "annotations",
	    json_pack("{s:s}", "summary",
	        "triaged is alive: this alert fires for as long as it runs and can deliver"));
	set_time(o, "startsAt", since);
	set_time(o, "endsAt", now + ahead);
	json_array_append_new(arr, o);
	s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return s;
}

char *
alertmanager_url(const char *peer)
{
	size_t n = strlen(peer);
	char *s;

	while (n > 0 && peer[n - 1] == '/')
		n--;
	xasprintf(&s, "%.*s%s", (int)n, peer, AM_PATH);
	return s;
}

/* Alertmanager's 400 body: a JSON string, or {"code":..., "message":...}. */
static void
error_text(const struct http_response *resp, char *why, size_t size)
{
	json_t *o = json_loadb(resp->body ? resp->body : "", resp->body_len, JSON_DECODE_ANY, NULL);
	const char *msg = json_is_string(o) ? json_string_value(o)
	                                    : json_string_value(json_object_get(o, "message"));

	if (msg != NULL)
		snprintf(why, size, "HTTP %ld: %.300s", resp->status, msg);
	else if (resp->body_len > 0)
		snprintf(why, size, "HTTP %ld: %.300s", resp->status, resp->body);
	else
		snprintf(why, size, "HTTP %ld", resp->status);
	json_decref(o);
}

/* The webhook's rules (upstream_webhook.h), with Alertmanager's reason for a refusal. */
enum outbox_verdict
alertmanager_classify(const struct http_response *resp, char *why, size_t size)
{
	enum outbox_verdict v = webhook_classify(resp, why, size);

	if (resp->status >= 300)
		error_text(resp, why, size);
	return v;
}
