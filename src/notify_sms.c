/*
 * notify_sms.c - pages by SMS through Twilio's Messages API (notify.h): a
 * short body with the summary first, the form it is posted as, and what
 * Twilio's answers mean.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "incident.h"
#include "notify.h"
#include "text.h"
#include "util.h"

#define SMS_SUMMARY_MIN 40 /* bytes of the summary kept however long the rest is */
#define SMS_HOST_MAX 32
#define SMS_REASON_MAX 200 /* bytes of Twilio's message in a dead letter's reason */

/* s cleaned again and cut to max bytes between code points.  New string. */
static char *
clean(const char *s, size_t max)
{
	char *c = text_clean_dup(s, strlen(s));

	c[text_cut(c, strlen(c), max)] = '\0';
	return c;
}

/* " | h x3 since 12-05 03:05Z | ack URL": all but the summary, short. */
static char *
sms_tail(const struct notify_page *pg)
{
	const struct incident *inc = pg->inc;
	char first[32], *host = clean(inc->host[0] ? inc->host : "unknown", SMS_HOST_MAX), *s;
	time_t t = (time_t)(inc->first_seen / USEC_PER_SEC);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(first, sizeof(first), "%m-%d %H:%MZ", &tm);
	xasprintf(&s, " | %s x%" PRIu64 " since %s%s%s", host, inc->count, first,
	    pg->ack_link && !pg->resolved ? " | ack " : "",
	    pg->ack_link && !pg->resolved ? pg->ack_link : "");
	free(host);
	return s;
}

char *
notify_sms_body(const struct notify_page *pg)
{
	const struct incident *inc = pg->inc;
	const char *head = pg->resolved ? "RESOLVED: " : "PAGE: ";
	char *tail = sms_tail(pg), *summary, *s;
	size_t used = strlen(head) + strlen(tail), room;

	room = used + SMS_SUMMARY_MIN < NOTIFY_SMS_MAX ? NOTIFY_SMS_MAX - used : SMS_SUMMARY_MIN;
	summary = clean(inc->summary[0] ? inc->summary : inc->key, room);
	xasprintf(&s, "%s%s%s", head, summary, tail);
	free(summary);
	free(tail);
	return s;
}

char *
notify_sms_payload(const struct notify_page *pg, const char *to)
{
	char *body = notify_sms_body(pg), *s;
	json_t *o = json_pack("{s:s, s:s}", "to", to, "body", body);

	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	free(body);
	return s;
}

/* application/x-www-form-urlencoded: unreserved bytes as they are, the rest %XX. */
static void
form_put(char **p, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	char *q = *p;

	q += sprintf(q, "%s=", name);
	for (const unsigned char *v = (const unsigned char *)value; *v; v++) {
		if ((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') || (*v >= '0' && *v <= '9')
		    || strchr("-._~", *v) != NULL) {
			*q++ = (char)*v;
			continue;
		}
		*q++ = '%';
		*q++ = hex[*v >> 4];
		*q++ = hex[*v & 15];
	}
	*q = '\0';
	*p = q;
}

char *
notify_sms_form(const char *payload, const char *from)
{
	json_t *o = json_loads(payload, 0, NULL);
	const char *to = json_string_value(json_object_get(o, "to"));
	const char *body = json_string_value(json_object_get(o, "body"));
	char *s = NULL, *p;

	if (to != NULL && body != NULL) {
		s = xmalloc(3 * (strlen(to) + strlen(from) + strlen(body)) + 32);
		p = s;
		form_put(&p, "To", to);
		*p++ = '&';
		form_put(&p, "From", from);
		*p++ = '&';
		form_put(&p, "Body", body);
	}
	json_decref(o);
	return s;
}

/* "HTTP 400: Twilio 21211: The 'To' number ..." from Twilio's error JSON, cleaned. */
static void
twilio_reason(const struct http_response *resp, char *why, size_t size)
{
	json_t *o = resp->body ? json_loadb(resp->body, resp->body_len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(o, "message"));
	json_int_t code = json_integer_value(json_object_get(o, "code"));
	char *m = msg ? clean(msg, SMS_REASON_MAX) : NULL;

	if (m != NULL)
		snprintf(why, size, "HTTP %ld: Twilio %" JSON_INTEGER_FORMAT ": %s", resp->status,
		    code, m);
	else
		snprintf(why, size, "HTTP %ld", resp->status);
	text_fix_tail(why);
	free(m);
	json_decref(o);
}

enum outbox_verdict
notify_sms_classify(const struct http_response *resp, char *why, size_t size)
{
	long st = resp->status;

	if (st == 0) {
		snprintf(why, size, "%s", *resp->error_text ? resp->error_text : "no answer");
		return OUTBOX_RETRY;
	}
	twilio_reason(resp, why, size);
	if (st >= 200 && st < 300)
		return OUTBOX_DELIVERED; /* 201 Created: queued at Twilio */
	if (st == 429)
		return OUTBOX_THROTTLED;
	if (st == 401 || st == 403 || st == 404)
		return OUTBOX_HOLD; /* our account SID, token or URL: every page would fail */
	if (st >= 400 && st < 500 && st != 408)
		return OUTBOX_DEAD; /* this message, this number: never better */
	return OUTBOX_RETRY;
}
