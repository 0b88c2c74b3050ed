/*
 * check_notify.c - pages by SMS, chat and program: the SMS body (summary
 * first, within 160 bytes when the link leaves room, no control byte) and
 * Twilio's form, each chat format's JSON with Slack's markup and
 * Mattermost's mentions defused, the program's JSON, hostile text (CR,
 * LF, NUL, ESC, C1, invalid UTF-8) in all of them, and what answers and
 * exits mean.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "incident.h"
#include "notify.h"
#include "util.h"

#define LINK "http://127.0.0.1:8080/ack/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define HOSTILE "disk \r\nBcc: x\x1b[31m\xc2\x85 <!channel> @all & caf\xe9 \xff"

static struct incident inc;

static struct notify_page
page(const char *summary, size_t len)
{
	memset(&inc, 0, sizeof(inc));
	inc.id = 42;
	strcpy(inc.key, "disk/sda");
	strcpy(inc.host, "db1");
	strcpy(inc.rule, "disk");
	memcpy(inc.summary, summary, len < INCIDENT_SUMMARY_MAX ? len : INCIDENT_SUMMARY_MAX);
	inc.count = 3;
	inc.first_seen = 1767225600LL * USEC_PER_SEC; /* 2026-01-01T00:00:00Z */
	return (struct notify_page) { .inc = &inc,
		.agent = "it-host",
		.contact = "alice",
		.level = 1,
		.policy = "ops",
		.ack_link = LINK };
}

/* No control byte (C0, DEL, or C1 as UTF-8), and valid UTF-8. */
static void
assert_clean(const char *s)
{
	json_t *j = json_string(s); /* jansson refuses invalid UTF-8 */

	ck_assert_msg(j != NULL, "not UTF-8: %s", s);
	json_decref(j);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		ck_assert_msg(*p >= 0x20 && *p != 0x7f, "control byte %02x in %s", *p, s);
		ck_assert_msg(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f), "C1 in %s", s);
	}
}

START_TEST(test_sms_body)
{
	struct notify_page pg = page("db1 kernel: disk sda full", 25);
	char *b = notify_sms_body(&pg), big[600];

	ck_assert_str_eq(
	    b, "PAGE: db1 kernel: disk sda full | db1 x3 since 01-01 00:00Z | ack " LINK);
	ck_assert_uint_le(strlen(b), NOTIFY_SMS_MAX);
	free(b);
	/* A long summary is cut so the whole fits one SMS; the summary still comes first. */
	memset(big, 'x', sizeof(big));
	pg = page(big, sizeof(big));
	b = notify_sms_body(&pg);
	ck_assert_uint_eq(strlen(b), NOTIFY_SMS_MAX);
	ck_assert_int_eq(strncmp(b, "PAGE: xxxx", 10), 0);
	ck_assert_ptr_nonnull(strstr(b, LINK));
	free(b);
	pg.resolved = true;
	b = notify_sms_body(&pg);
	ck_assert_int_eq(strncmp(b, "RESOLVED: xxx", 13), 0);
	ck_assert_ptr_null(strstr(b, "ack"));
	free(b);
	pg = page(HOSTILE, sizeof(HOSTILE) - 1);
	b = notify_sms_body(&pg);
	assert_clean(b);
	ck_assert_ptr_nonnull(strstr(b, "#015#012Bcc: x#033[31m"));
	free(b);
}
END_TEST

START_TEST(test_sms_form)
{
	struct notify_page pg = page(HOSTILE, sizeof(HOSTILE) - 1);
	char *payload = notify_sms_payload(&pg, "+15550101"), *f;

	f = notify_sms_form(payload, "+15550100");
	ck_assert_int_eq(
	    strncmp(f, "To=%2B15550101&From=%2B15550100&Body=PAGE%3A%20disk%20%23015", 59), 0);
	/* Only unreserved bytes and %XX: nothing else can end a field or start one. */
	for (const char *p = f; *p; p++)
		ck_assert(
		    strchr(
		        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%&=", *p)
		    != NULL);
	ck_assert_int_eq((int)(strchr(f + 40, '&') == NULL), 1);
	free(f);
	free(payload);
	ck_assert_ptr_null(notify_sms_form("{\"to\":1}", "+15550100"));
	ck_assert_ptr_null(notify_sms_form("not json", "+15550100"));
}
END_TEST

static enum outbox_verdict
answer(enum outbox_verdict (*fn)(const struct http_response *, char *, size_t), long status,
    const char *body, char *why, size_t size)
{
	struct http_response r
	    = { .status = status, .error_text = "", .body = body, .body_len = strlen(body) };

	return fn(&r, why, size);
}

START_TEST(test_sms_classify)
{
	char why[256];

	ck_assert_int_eq(answer(notify_sms_classify, 201, "{\"sid\":\"SM1\"}", why, sizeof(why)),
	    OUTBOX_DELIVERED);
	ck_assert_int_eq(answer(notify_sms_classify, 400,
	                     "{\"code\":21211,\"message\":\"The 'To' "
	                     "number \\u001b[2J+1 is not valid\\r\\n\",\"status\":400}",
	                     why, sizeof(why)),
	    OUTBOX_DEAD);
	ck_assert_str_eq(
	    why, "HTTP 400: Twilio 21211: The 'To' number #033[2J+1 is not valid#015#012");
	ck_assert_int_eq(answer(notify_sms_classify, 400, "<html>", why, sizeof(why)), OUTBOX_DEAD);
	ck_assert_str_eq(why, "HTTP 400");
	ck_assert_int_eq(
	    answer(notify_sms_classify, 429, "{}", why, sizeof(why)), OUTBOX_THROTTLED);
	ck_assert_int_eq(answer(notify_sms_classify, 401, "{}", why, sizeof(why)), OUTBOX_HOLD);
	ck_assert_int_eq(answer(notify_sms_classify, 500, "", why, sizeof(why)), OUTBOX_RETRY);
	ck_assert_int_eq(answer(notify_sms_classify, 0, "", why, sizeof(why)), OUTBOX_RETRY);
}
END_TEST

static json_t *
chat(enum conf_chat_format f, bool resolved)
{
	struct notify_page pg = page(HOSTILE, sizeof(HOSTILE) - 1);
	char *s;
	json_t *j;

	pg.resolved = resolved;
	s = notify_chat_payload(&pg, f);
	assert_clean(s);
	j = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(j);
	free(s);
	return j;
}

START_TEST(test_chat_slack)
{
	json_t *j = chat(CONF_CHAT_SLACK, false);
	const char *text = json_string_value(json_object_get(j, "text"));

	ck_assert_ptr_nonnull(strstr(text,
	    "PAGE: disk #015#012Bcc: x#033[31m#205 &lt;!channel&gt;"
	    " @all &amp; caf\xef\xbf\xbd \xef\xbf\xbd\nHost: db1\nCount: 3\n"
	    "First seen: 2026-01-01T00:00:00.000Z\nKey: disk/sda\nPaged: alice, level 2 of policy "
	    "ops\n"
	    "Acknowledge: " LINK));
	ck_assert_ptr_null(strstr(text, "<!channel>"));
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_object_get(json_array_get(json_object_get(j, "blocks"), 0), "text"), "text")),
	    text);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_array_get(
	            json_object_get(json_array_get(json_object_get(j, "blocks"), 1), "elements"),
	            0),
	        "url")),
	    LINK);
	json_decref(j);
	j = chat(CONF_CHAT_SLACK, true);
	ck_assert_int_eq(
	    strncmp(json_string_value(json_object_get(j, "text")), "RESOLVED: ", 10), 0);
	ck_assert_int_eq(json_array_size(json_object_get(j, "blocks")), 1);
	json_decref(j);
}
END_TEST

START_TEST(test_chat_mattermost_teams)
{
	json_t *j = chat(CONF_CHAT_MATTERMOST, false);
	const char *text = json_string_value(json_object_get(j, "text"));

	ck_assert_int_eq(json_object_size(j), 1);
	ck_assert_ptr_nonnull(strstr(text,
	    "<!channel> @\xe2\x80\x8b"
	    "all & "));
	ck_assert_ptr_nonnull(strstr(text, "Acknowledge: " LINK));
	json_decref(j);
	j = chat(CONF_CHAT_TEAMS, false);
	ck_assert_str_eq(json_string_value(json_object_get(j, "@type")), "MessageCard");
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(json_object_get(j, "title")), "&lt;!channel"));
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(json_object_get(j, "text")), "\n\nHost: db1"));
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_array_get(
	            json_object_get(
	                json_array_get(json_object_get(j, "potentialAction"), 0), "targets"),
	            0),
	        "uri")),
	    LINK);
	json_decref(j);
}
END_TEST

START_TEST(test_chat_classify)
{
	char why[256];

	ck_assert_int_eq(
	    answer(notify_chat_classify, 200, "ok", why, sizeof(why)), OUTBOX_DELIVERED);
	ck_assert_str_eq(why, "HTTP 200");
	ck_assert_int_eq(
	    answer(notify_chat_classify, 404, "no_service\x1b", why, sizeof(why)), OUTBOX_DEAD);
	ck_assert_str_eq(why, "HTTP 404: no_service#033");
	ck_assert_int_eq(
	    answer(notify_chat_classify, 400, "invalid_payload", why, sizeof(why)), OUTBOX_DEAD);
	ck_assert_int_eq(answer(notify_chat_classify, 429, "", why, sizeof(why)), OUTBOX_THROTTLED);
	ck_assert_int_eq(answer(notify_chat_classify, 503, "", why, sizeof(why)), OUTBOX_RETRY);
	ck_assert_int_eq(answer(notify_chat_classify, 408, "", why, sizeof(why)), OUTBOX_RETRY);
}
END_TEST

START_TEST(test_exec)
{
	struct notify_page pg = page(HOSTILE, sizeof(HOSTILE) - 1);
	char *s = notify_exec_payload(&pg), why[128];
	json_t *j;
	struct http_response r = { .error_text = "" };

	assert_clean(s);
	j = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(j, "summary")),
	    "#015#012Bcc: x#033[31m#205 <!channel>"));
	ck_assert_str_eq(json_string_value(json_object_get(j, "event")), "page");
	ck_assert_str_eq(json_string_value(json_object_get(j, "host")), "db1");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "count")), 3);
	ck_assert_str_eq(
	    json_string_value(json_object_get(j, "first_seen")), "2026-01-01T00:00:00.000Z");
	ck_assert_str_eq(json_string_value(json_object_get(j, "key")), "disk/sda");
	ck_assert_str_eq(json_string_value(json_object_get(j, "contact")), "alice");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "level")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(j, "ack_link")), LINK);
	json_decref(j);
	free(s);
	ck_assert_int_eq(notify_exec_classify(&r, why, sizeof(why)), OUTBOX_DELIVERED);
	r.status = 75;
	ck_assert_int_eq(notify_exec_classify(&r, why, sizeof(why)), OUTBOX_RETRY);
	ck_assert_str_eq(why, "exit 75");
	r.status = 1;
	ck_assert_int_eq(notify_exec_classify(&r, why, sizeof(why)), OUTBOX_DEAD);
	r.status = 128 + 9;
	ck_assert_int_eq(notify_exec_classify(&r, why, sizeof(why)), OUTBOX_DEAD);
	ck_assert_str_eq(why, "killed by signal 9");
	r.error = -ETIMEDOUT;
	r.error_text = "timed out after 10s, killed";
	ck_assert_int_eq(notify_exec_classify(&r, why, sizeof(why)), OUTBOX_RETRY);
	ck_assert_str_eq(why, "timed out after 10s, killed");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sms_body);
	tcase_add_test(tc, test_sms_form);
	tcase_add_test(tc, test_sms_classify);
	tcase_add_test(tc, test_chat_slack);
	tcase_add_test(tc, test_chat_mattermost_teams);
	tcase_add_test(tc, test_chat_classify);
	tcase_add_test(tc, test_exec);
	suite_add_tcase(s, tc);
	return check_run(s);
}
