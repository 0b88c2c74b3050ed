/*
 * check_webhook.c - the webhook upstream's version 1 body (every field,
 * hostile text as valid JSON, an update and a resolve), its signature
 * against HMAC-SHA256 computed by Python's hmac module, and what each
 * answer means for the delivery.
 */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "upstream_webhook.h"

static json_t *
body_of(enum outbox_action action, const char *summary)
{
	struct incident inc = { .id = 42, .severity = 2, .count = 7, .state = INCIDENT_TRIGGERED,
		.first_seen = 1796428800000000LL, .last_seen = 1796428801500000LL };
	struct pagerduty_details det = { .agent_host = "agent-1", .component = "eth0" };
	json_error_t err;
	json_t *j;
	char *s;

	strcpy(inc.key, "sw1/link/Gi0/1");
	strcpy(inc.rule, "link");
	strcpy(inc.host, "sw1");
	strcpy(inc.summary, summary);
	s = webhook_payload(&inc, action, &det);
	j = json_loads(s, 0, &err);
	ck_assert_msg(j != NULL, "not JSON: %s: %s", err.text, s);
	free(s);
	return j;
}

#define STR(j, path) json_string_value(json_object_get(j, path))
#define INT(j, path) json_integer_value(json_object_get(j, path))

START_TEST(trigger_body)
{
	json_t *b = body_of(OUTBOX_TRIGGER, "sw1: Gi0/1 down"), *i = json_object_get(b, "incident");

	ck_assert_int_eq(INT(b, "version"), 1);
	ck_assert_str_eq(STR(b, "event"), "trigger");
	ck_assert_str_eq(STR(b, "key"), "sw1/link/Gi0/1");
	ck_assert_int_eq(INT(i, "id"), 42);
	ck_assert_str_eq(STR(i, "rule"), "link");
	ck_assert_str_eq(STR(i, "host"), "sw1");
	ck_assert_str_eq(STR(i, "summary"), "sw1: Gi0/1 down");
	ck_assert_str_eq(STR(i, "state"), "triggered");
	ck_assert_str_eq(STR(i, "severity"), "critical");
	ck_assert_int_eq(INT(i, "syslog_severity"), 2);
	ck_assert_int_eq(INT(i, "count"), 7);
	ck_assert_str_eq(STR(i, "first_seen"), "2026-12-05T00:00:00.000Z");
	ck_assert_str_eq(STR(i, "last_seen"), "2026-12-05T00:00:01.500Z");
	ck_assert_str_eq(STR(i, "component"), "eth0");
	ck_assert_ptr_null(json_object_get(i, "group"));
	ck_assert_str_eq(STR(json_object_get(b, "agent"), "host"), "agent-1");
	json_decref(b);
}
END_TEST

START_TEST(other_events)
{
	static const char *const names[] = { "trigger", "acknowledge", "resolve", "update" };

	for (int a = OUTBOX_TRIGGER; a <= OUTBOX_UPDATE; a++) {
		json_t *b = body_of((enum outbox_action)a, "x");

		ck_assert_str_eq(STR(b, "event"), names[a]);
		json_decref(b);
	}
}
END_TEST

/* Bytes that are not UTF-8 reach the JSON as U+FFFD, quotes and backslashes escaped. */
START_TEST(hostile_text_is_valid_json)
{
	json_t *b = body_of(OUTBOX_TRIGGER, "a \"q\" \\ caf\xe9 \x01");
	const char *s = STR(json_object_get(b, "incident"), "summary");

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(strstr(s, "a \"q\" \\ caf"));
	ck_assert_ptr_null(strchr(s, '\x01'));
	json_decref(b);
}
END_TEST

START_TEST(signature)
{
	char h[160];

	webhook_signature("key", "{\"version\":1}", 13, h, sizeof(h));
	ck_assert_str_eq(h, "X-Triaged-Signature: sha256="
			    "13aadcd2d4df5c7527b811b8ecbe551596908f9609939aa1123c35f116ffb733");
}
END_TEST

START_TEST(answers)
{
	static const struct {
		long status;
		enum outbox_verdict v;
	} cases[] = {
		{ 0, OUTBOX_RETRY }, { 200, OUTBOX_DELIVERED }, { 202, OUTBOX_DELIVERED },
		{ 204, OUTBOX_DELIVERED }, { 301, OUTBOX_RETRY }, { 400, OUTBOX_DEAD },
		{ 401, OUTBOX_HOLD }, { 403, OUTBOX_HOLD }, { 404, OUTBOX_HOLD },
		{ 408, OUTBOX_RETRY }, { 410, OUTBOX_DEAD }, { 422, OUTBOX_DEAD },
		{ 429, OUTBOX_THROTTLED }, { 500, OUTBOX_RETRY }, { 503, OUTBOX_RETRY },
	};
	char why[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_response r = { .status = cases[i].status, .error_text = "refused" };

		ck_assert_msg(webhook_classify(&r, why, sizeof(why)) == cases[i].v, "HTTP %ld",
		    cases[i].status);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("webhook");
	TCase *tc = tcase_create("webhook");

	tcase_add_test(tc, trigger_body);
	tcase_add_test(tc, other_events);
	tcase_add_test(tc, hostile_text_is_valid_json);
	tcase_add_test(tc, signature);
	tcase_add_test(tc, answers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
