/*
 * upstream_webhook.c - the webhook upstream's body, signature and answers.
 *
 * {"version": 1, "event": "trigger", "key": "...", "incident": {...},
 *  "agent": {"host": "...", "version": "..."}}: every text is valid JSON
 * whatever bytes the network sent (json_text), and cut to a bound.
 */
#include "config.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "text.h"
#include "upstream_webhook.h"
#include "util.h"

#define TEXT_MAX 2048

static const char *const events[] = { "trigger", "acknowledge", "resolve", "update" };

static void
set_text(json_t *o, const char *name, const char *value)
{
	if (value != NULL && *value != '\0')
		json_object_set_new(o, name, json_text_cut(value, TEXT_MAX));
}

static json_t *
incident_object(const struct incident *inc, const struct pagerduty_details *det)
{
	json_t *o = json_object();
	char ts[40];

	json_object_set_new(o, "id", json_integer((json_int_t)inc->id));
	json_object_set_new(o, "key", json_text_cut(inc->key, TEXT_MAX));
	json_object_set_new(o, "rule", json_text_cut(inc->rule, TEXT_MAX));
	json_object_set_new(o, "host", json_text_cut(inc->host, TEXT_MAX));
	json_object_set_new(o, "summary",
	    json_text_cut(inc->summary[0] ? inc->summary : inc->key, TEXT_MAX));
	json_object_set_new(o, "state", json_string(incident_state_name(inc->state)));
	json_object_set_new(o, "severity", json_string(pagerduty_severity(inc->severity)));
	json_object_set_new(o, "syslog_severity", json_integer(inc->severity));
	json_object_set_new(o, "count", json_integer((json_int_t)inc->count));
	format_rfc3339(inc->first_seen, ts, sizeof(ts));
	json_object_set_new(o, "first_seen", json_string(ts));
	format_rfc3339(inc->last_seen, ts, sizeof(ts));
	json_object_set_new(o, "last_seen", json_string(ts));
	set_text(o, "component", det->component);
	set_text(o, "group", det->group);
	set_text(o, "class", det->class_);
	set_text(o, "first_event", det->first_event);
	set_text(o, "last_event", det->last_event);
	if (inc->flap.cycles > 0) {
		json_object_set_new(o, "cycles", json_integer((json_int_t)inc->flap.cycles));
		json_object_set_new(o, "flapping", json_boolean(inc->flap.active));
	}
	return o;
}

char *
webhook_payload(const struct incident *inc, enum outbox_action action,
    const struct pagerduty_details *det)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "version", json_integer(WEBHOOK_VERSION));
	json_object_set_new(o, "event", json_string(events[action]));
	json_object_set_new(o, "key", json_text_cut(inc->key, TEXT_MAX));
	json_object_set_new(o, "incident", incident_object(inc, det));
	json_object_set_new(o, "agent", json_pack("{s:o, s:s}", "host",
	    json_text(det->agent_host ? det->agent_host : ""), "version", PACKAGE_VERSION));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

void
webhook_signature(const char *secret, const char *body, size_t len, char *out, size_t size)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t off;

	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, mac, &n);
	off = (size_t)snprintf(out, size, "%s: sha256=", WEBHOOK_SIGNATURE_HEADER);
	for (unsigned int i = 0; i < n && off + 2 < size; i++, off += 2)
		snprintf(out + off, size - off, "%02x", mac[i]);
}

enum outbox_verdict
webhook_classify(const struct http_response *resp, char *why, size_t size)
{
	long st = resp->status;

	if (st == 0) {
		snprintf(why, size, "%s", *resp->error_text ? resp->error_text :
		    "no answer");
		return OUTBOX_RETRY;
	}
	snprintf(why, size, "HTTP %ld", st);
	if (st >= 200 && st < 300)
		return OUTBOX_DELIVERED;
	if (st == 429)
		return OUTBOX_THROTTLED;
	if (st == 401 || st == 403 || st == 404)
		return OUTBOX_HOLD;
	if (st >= 400 && st < 500 && st != 408)
		return OUTBOX_DEAD;
	return OUTBOX_RETRY; /* 408, 5xx, anything unexpected: never drop */
}
