/*
 * mail.c - pages as e-mail (mail.h): headers that hostile text cannot
 * break, a short subject, a plain-text body.
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
#include "mail.h"
#include "text.h"
#include "util.h"

#define ENCODED_CHUNK 45 /* bytes per encoded-word: 60 base64 characters, within 75 */

/* Cleaned again (control bytes escaped, valid UTF-8), cut between code points. */
static char *
clean(const char *s, size_t max)
{
	char *c = text_clean_dup(s, strlen(s));

	c[text_cut(c, strlen(c), max)] = '\0';
	return c;
}

static bool
ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static void
base64(struct strbuf *b, const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
		    (i + 2 < n ? p[i + 2] : 0);
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		strbuf_put(b, q, 4);
	}
}

/*
 * "Name: value" CRLF; value clean text.  Non-ASCII goes as RFC 2047
 * encoded-words, cut between code points, folded one to a line.
 */
static void
header(struct strbuf *b, const char *name, const char *value)
{
	const char *p = value;
	size_t left = strlen(value);

	strbuf_puts(b, name);
	strbuf_puts(b, ": ");
	if (ascii(value)) {
		strbuf_puts(b, value);
		strbuf_puts(b, "\r\n");
		return;
	}
	while (left > 0) {
		size_t n = text_cut(p, left, ENCODED_CHUNK);
		if (n == 0)
			n = left < ENCODED_CHUNK ? left : ENCODED_CHUNK;
		strbuf_puts(b, p == value ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
		base64(b, (const unsigned char *)p, n);
		strbuf_puts(b, "?=");
		p += n;
		left -= n;
	}
	strbuf_puts(b, "\r\n");
}

/* A body line "label: value" CRLF, value cleaned and cut. */
static void
line(struct strbuf *b, const char *label, const char *value)
{
	char *c = clean(value, MAIL_LINE_MAX);

	strbuf_puts(b, label);
	strbuf_puts(b, c);
	strbuf_puts(b, "\r\n");
	free(c);
}

static void
headers(struct strbuf *b, const struct mail_page *pg)
{
	const struct incident *inc = pg->inc;
	char date[64], *summary, *subject, *agent = clean(pg->agent, 255), mid[400];
	time_t t = (time_t)(pg->now / USEC_PER_SEC);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	header(b, "Date", date);
	/* Only [A-Za-z0-9.-] of the host name: a Message-ID is no place for text. */
	for (char *p = agent; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			*p = '-';
	snprintf(mid, sizeof(mid), "<%" PRIu64 ".%" PRId64 ".%" PRIx64 "@%s>", inc->id, pg->now,
	    pg->unique, agent[0] ? agent : "triaged");
	header(b, "Message-ID", mid);
	header(b, "From", pg->from);
	header(b, "To", pg->to);
	summary = clean(inc->summary[0] ? inc->summary : inc->key, MAIL_SUBJECT_TEXT_MAX);
	xasprintf(&subject, "[triaged] %s: %s", pg->resolved ? "RESOLVED" : "PAGE", summary);
	header(b, "Subject", subject);
	strbuf_puts(b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		 "Content-Transfer-Encoding: 8bit\r\n\r\n");
	free(subject);
	free(summary);
	free(agent);
}

char *
mail_render(const struct mail_page *pg)
{
	const struct incident *inc = pg->inc;
	struct strbuf b = { 0 };
	char ts[40], num[64], by[160];

	headers(&b, pg);
	strbuf_puts(&b, pg->resolved ? "Resolved:\r\n\r\n" : "You are paged:\r\n\r\n");
	line(&b, "Summary:    ", inc->summary[0] ? inc->summary : inc->key);
	line(&b, "Host:       ", inc->host[0] ? inc->host : "unknown");
	snprintf(num, sizeof(num), "%" PRIu64, inc->count);
	line(&b, "Count:      ", num);
	format_rfc3339(inc->first_seen, ts, sizeof(ts));
	line(&b, "First seen: ", ts);
	line(&b, "Key:        ", inc->key);
	line(&b, "Rule:       ", inc->rule);
	if (!pg->resolved) {
		snprintf(by, sizeof(by), "level %" PRIu32 " of policy %s", pg->level + 1,
		    pg->policy);
		line(&b, "Paged by:   ", by);
	}
	if (!pg->resolved && pg->ack_link != NULL)
		line(&b, "Acknowledge: ", pg->ack_link);
	line(&b, "From:       triaged on ", pg->agent);
	return b.s;
}

char *
mail_payload(const struct mail_page *pg)
{
	char *msg = mail_render(pg), *s;
	json_t *o = json_pack("{s:s, s:s}", "rcpt", pg->to, "message", msg);

	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	free(msg);
	return s;
}

int
mail_payload_parse(const char *payload, void **obj, const char **rcpt, const char **message)
{
	json_t *o = json_loads(payload, 0, NULL);

	*obj = o;
	*rcpt = json_string_value(json_object_get(o, "rcpt"));
	*message = json_string_value(json_object_get(o, "message"));
	return *rcpt != NULL && *message != NULL ? 0 : -EBADMSG;
}

enum outbox_verdict
mail_classify(const struct http_response *resp, char *why, size_t size)
{
	long st = resp->status;

	if (resp->error == 0) {
		snprintf(why, size, "SMTP %ld", st);
		return OUTBOX_DELIVERED;
	}
	if (st != 0)
		snprintf(why, size, "SMTP %ld: %s", st, *resp->error_text ? resp->error_text :
		    strerror(-resp->error));
	else
		snprintf(why, size, "%s", *resp->error_text ? resp->error_text :
		    strerror(-resp->error));
	if (st == 530 || st == 534 || st == 535)
		return OUTBOX_HOLD; /* our credentials: hold, raise the alarm */
	if (st >= 500 && st < 600)
		return OUTBOX_DEAD; /* this mailbox refuses for good */
	return OUTBOX_RETRY;
}
