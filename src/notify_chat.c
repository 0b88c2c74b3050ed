/*
 * notify_chat.c - pages to chat webhooks (notify.h): Slack's incoming
 * webhook JSON (text, and a section and a button in blocks), Mattermost's
 * (text) and Teams' MessageCard, and what the webhook's answer means.
 */
#include "config.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "jsonutil.h"
#include "notify.h"
#include "text.h"
#include "util.h"

#define REASON_MAX 200 /* bytes of the webhook's answer in a dead letter's reason */

/*
 * Text from the incident, cleaned again and cut, escaped for the format:
 * Slack and Teams read &, < and > as markup (<!channel> would mention
 * everyone, <URL|text> make a link), Mattermost an @ before a word as a
 * mention, which a zero-width space after it keeps from ringing.
 */
static void
put_text(struct strbuf *b, const char *s, enum conf_chat_format f)
{
	char *c = text_clean_dup(s, strlen(s));

	c[text_cut(c, strlen(c), NOTIFY_TEXT_MAX)] = '\0';
	for (const char *p = c; *p; p++) {
		if (f != CONF_CHAT_MATTERMOST && *p == '&')
			strbuf_put(b, "&amp;", 5);
		else if (f != CONF_CHAT_MATTERMOST && *p == '<')
			strbuf_put(b, "&lt;", 4);
		else if (f != CONF_CHAT_MATTERMOST && *p == '>')
			strbuf_put(b, "&gt;", 4);
		else if (f == CONF_CHAT_MATTERMOST && *p == '@')
			strbuf_put(b, "@\xe2\x80\x8b", 4);
		else
			strbuf_put(b, p, 1);
	}
	free(c);
}

static void
field(struct strbuf *b, const char *label, const char *value, enum conf_chat_format f)
{
	/* Teams' card text is Markdown, where one newline does not end a line. */
	strbuf_put(b, "\n\n", f == CONF_CHAT_TEAMS ? 2 : 1);
	strbuf_put(b, label, strlen(label));
	put_text(b, value, f);
}

/* The message: a title line, then one line per field. */
static char *
chat_text(const struct notify_page *pg, enum conf_chat_format f, bool with_link)
{
	const struct incident *inc = pg->inc;
	struct strbuf b = { 0 };
	char num[64], ts[40], by[200];

	strbuf_put(&b, pg->resolved ? "RESOLVED: " : "PAGE: ", pg->resolved ? 10 : 6);
	put_text(&b, inc->summary[0] ? inc->summary : inc->key, f);
	field(&b, "Host: ", inc->host[0] ? inc->host : "unknown", f);
	snprintf(num, sizeof(num), "%" PRIu64, inc->count);
	field(&b, "Count: ", num, f);
	format_rfc3339(inc->first_seen, ts, sizeof(ts));
	field(&b, "First seen: ", ts, f);
	field(&b, "Key: ", inc->key, f);
	if (!pg->resolved) {
		snprintf(by, sizeof(by), "%s, level %" PRIu32 " of policy %s", pg->contact,
		    pg->level + 1, pg->policy);
		field(&b, "Paged: ", by, f);
	}
	if (with_link && !pg->resolved && pg->ack_link != NULL)
		field(&b, "Acknowledge: ", pg->ack_link, f);
	return b.s;
}

static json_t *
slack(const struct notify_page *pg)
{
	char *text = chat_text(pg, CONF_CHAT_SLACK, true);
	json_t *o = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}]}", "text", text, "blocks", "type",
	    "section", "text", "type", "mrkdwn", "text", text);

	if (o != NULL && !pg->resolved && pg->ack_link != NULL)
		json_array_append_new(json_object_get(o, "blocks"),
		    json_pack("{s:s, s:[{s:s, "
		              "s:{s:s, s:s}, s:s, s:s}]}",
		        "type", "actions", "elements", "type", "button", "text", "type",
		        "plain_text", "text", "Acknowledge", "url", pg->ack_link, "style",
		        "danger"));
	free(text);
	return o;
}

static json_t *
teams(const struct notify_page *pg)
{
	struct strbuf title = { 0 };
	char *text = chat_text(pg, CONF_CHAT_TEAMS, false);
	json_t *o;

	strbuf_put(&title, pg->resolved ? "RESOLVED: " : "PAGE: ", pg->resolved ? 10 : 6);
	put_text(&title, pg->inc->summary[0] ? pg->inc->summary : pg->inc->key, CONF_CHAT_TEAMS);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "@type", "MessageCard", "@context",
	    "https://schema.org/extensions", "themeColor", pg->resolved ? "2EB886" : "D70000",
	    "summary", title.s, "title", title.s, "text", text);
	if (o != NULL && !pg->resolved && pg->ack_link != NULL)
		json_object_set_new(o, "potentialAction",
		    json_pack("[{s:s, s:s, s:[{s:s, s:s}]}]", "@type", "OpenUri", "name",
		        "Acknowledge", "targets", "os", "default", "uri", pg->ack_link));
	free(title.s);
	free(text);
	return o;
}

char *
notify_chat_payload(const struct notify_page *pg, enum conf_chat_format format)
{
	json_t *o;
	char *s, *text;

	if (format == CONF_CHAT_SLACK)
		o = slack(pg);
	else if (format == CONF_CHAT_TEAMS)
		o = teams(pg);
	else {
		text = chat_text(pg, format, true);
		o = json_pack("{s:s}", "text", text);
		free(text);
	}
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

enum outbox_verdict
notify_chat_classify(const struct http_response *resp, char *why, size_t size)
{
	long st = resp->status;
	char *answer;

	if (st == 0) {
		snprintf(why, size, "%s", *resp->error_text ? resp->error_text : "no answer");
		return OUTBOX_RETRY;
	}
	/* Slack says why in a word ("invalid_payload", "no_service"): keep it, cleaned. */
	answer = text_clean_dup(resp->body ? resp->body : "", resp->body ? resp->body_len : 0);
	answer[text_cut(answer, strlen(answer), REASON_MAX)] = '\0';
	snprintf(why, size, "HTTP %ld%s%s", st, answer[0] && st >= 300 ? ": " : "",
	    st >= 300 ? answer : "");
	text_fix_tail(why);
	free(answer);
	if (st >= 200 && st < 300)
		return OUTBOX_DELIVERED;
	if (st == 429)
		return OUTBOX_THROTTLED;
	if (st >= 400 && st < 500 && st != 408)
		return OUTBOX_DEAD; /* a webhook gone or a body refused: never better */
	return OUTBOX_RETRY;
}
