/*
 * check_alertmanager.c - the alertmanager upstream's alerts: labels and
 * annotations of a trigger, a resolve's fixed endsAt and a firing alert's
 * endsAt set ahead at send time, hostile text in labels and annotations
 * reaching valid JSON, no acknowledge, the Watchdog, the peer URL, and
 * what each answer (with Alertmanager's 400 reason) means for the delivery.
 */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "upstream_alertmanager.h"
#include "util.h"

#define T0 1796428800000000LL /* 2026-12-05T00:00:00Z */

static void
incident_of(struct incident *inc, const char *rule, const char *host, const char *summary)
{
	*inc = (struct incident) { .id = 42,
		.severity = 2,
		.count = 7,
		.state = INCIDENT_TRIGGERED,
		.first_seen = T0,
		.last_seen = T0 + 1500000 };
	snprintf(inc->key, sizeof(inc->key), "%s/link/Gi0/1", host);
	snprintf(inc->rule, sizeof(inc->rule), "%s", rule);
	snprintf(inc->host, sizeof(inc->host), "%s", host);
	snprintf(inc->summary, sizeof(inc->summary), "%s", summary);
}

/* The body POSTed for action at now: the array's one alert. */
static json_t *
alert_of(const struct incident *inc, enum outbox_action action, const struct pagerduty_details *det,
    int64_t now)
{
	char *p = alertmanager_payload(inc, action, det, now);
	char *s = alertmanager_body(p, NULL, now, 60 * USEC_PER_SEC);
	json_error_t err;
	json_t *arr = json_loads(s, 0, &err), *a;

	ck_assert_msg(
	    arr != NULL && json_array_size(arr) == 1, "not one alert: %s: %s", err.text, s);
	a = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	free(p);
	free(s);
	return a;
}

#define STR(j, k) json_string_value(json_object_get(j, k))

START_TEST(trigger_alert)
{
	struct pagerduty_details det = { .agent_host = "agent-1",
		.component = "eth0",
		.last_event = "Gi0/1 changed state to down",
		.ack_url = "http://h:8080/ack/TOK" };
	struct incident inc;
	json_t *a, *l, *an;

	incident_of(&inc, "interface down", "sw1", "sw1: Gi0/1 down");
	a = alert_of(&inc, OUTBOX_TRIGGER, &det, T0 + 5 * USEC_PER_SEC);
	l = json_object_get(a, "labels");
	an = json_object_get(a, "annotations");
	ck_assert_int_eq(json_object_size(l), 5);
	ck_assert_str_eq(STR(l, "alertname"), "interface down");
	ck_assert_str_eq(STR(l, "instance"), "sw1");
	ck_assert_str_eq(STR(l, "severity"), "critical");
	ck_assert_str_eq(STR(l, "key"), "sw1/link/Gi0/1");
	ck_assert_str_eq(STR(l, "component"), "eth0");
	ck_assert_str_eq(STR(an, "summary"), "sw1: Gi0/1 down");
	ck_assert_str_eq(STR(an, "description"), "Gi0/1 changed state to down");
	ck_assert_str_eq(STR(an, "count"), "7");
	ck_assert_str_eq(STR(an, "first_seen"), "2026-12-05T00:00:00.000Z");
	ck_assert_str_eq(STR(an, "last_seen"), "2026-12-05T00:00:01.500Z");
	ck_assert_str_eq(STR(an, "agent"), "agent-1");
	ck_assert_str_eq(STR(an, "ack_url"), "http://h:8080/ack/TOK");
	ck_assert_str_eq(STR(a, "generatorURL"), "http://h:8080/ack/TOK");
	ck_assert_str_eq(STR(a, "startsAt"), "2026-12-05T00:00:00.000Z");
	/* Firing: endsAt is ahead of the send, not of the incident. */
	ck_assert_str_eq(STR(a, "endsAt"), "2026-12-05T00:01:05.000Z");
	json_decref(a);
}
END_TEST

/* The agent is not a label: two agents that saw the same thing send one alert. */
START_TEST(same_labels_from_two_agents)
{
	struct pagerduty_details d1 = { .agent_host = "agent-1" }, d2 = { .agent_host = "agent-2" };
	struct incident inc;
	json_t *a1, *a2;

	incident_of(&inc, "r", "sw1", "s");
	a1 = alert_of(&inc, OUTBOX_TRIGGER, &d1, T0);
	a2 = alert_of(&inc, OUTBOX_TRIGGER, &d2, T0 + USEC_PER_SEC);
	ck_assert(json_equal(json_object_get(a1, "labels"), json_object_get(a2, "labels")));
	json_decref(a1);
	json_decref(a2);
}
END_TEST

/* A resolve ends the alert when it was made, whenever it is (re)sent. */
START_TEST(resolve_keeps_its_end)
{
	struct pagerduty_details det = { .agent_host = "a" };
	struct incident inc;
	json_t *a;

	incident_of(&inc, "r", "sw1", "s");
	inc.state = INCIDENT_RESOLVED;
	inc.resolved_at = T0 + 90 * USEC_PER_SEC;
	a = alert_of(&inc, OUTBOX_RESOLVE, &det, T0 + 600 * USEC_PER_SEC);
	ck_assert_str_eq(STR(a, "endsAt"), "2026-12-05T00:01:30.000Z");
	json_decref(a);
	ck_assert_ptr_null(alertmanager_payload(&inc, OUTBOX_ACKNOWLEDGE, &det, T0));
}
END_TEST

/* Quotes, backslashes, bytes that are not UTF-8 and controls: valid JSON, U+FFFD, no control. */
START_TEST(hostile_text_is_valid_json)
{
	static const char hostile[] = "a \"q\" \\ caf\xe9 \x01\x1b[31m {{ .Labels }}";
	struct pagerduty_details det
	    = { .agent_host = hostile, .component = hostile, .last_event = hostile };
	struct incident inc;
	json_t *a, *l, *an;
	const char *fields[][2] = { { "labels", "alertname" }, { "labels", "instance" },
		{ "labels", "component" }, { "annotations", "summary" },
		{ "annotations", "description" }, { "annotations", "agent" } };

	incident_of(&inc, hostile, hostile, hostile);
	a = alert_of(&inc, OUTBOX_TRIGGER, &det, T0);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *s = STR(json_object_get(a, fields[i][0]), fields[i][1]);

		ck_assert_msg(s != NULL, "%s.%s missing", fields[i][0], fields[i][1]);
		ck_assert_ptr_nonnull(strstr(s, "a \"q\" \\ caf\xef\xbf\xbd"));
		for (const char *c = s; *c != '\0'; c++)
			ck_assert_msg(
			    (unsigned char)*c >= 0x20, "control byte in %s", fields[i][1]);
	}
	l = json_object_get(a, "labels");
	an = json_object_get(a, "annotations");
	ck_assert_ptr_nonnull(l);
	ck_assert_ptr_nonnull(an);
	json_decref(a);
}
END_TEST

/* A label value is cut to its bound between code points. */
START_TEST(long_text_is_cut)
{
	struct pagerduty_details det = { .agent_host = "a" };
	struct incident inc;
	json_t *a;

	incident_of(&inc, "r", "h", "s");
	memset(inc.key, 'k', sizeof(inc.key) - 1);
	inc.key[sizeof(inc.key) - 1] = '\0';
	a = alert_of(&inc, OUTBOX_TRIGGER, &det, T0);
	ck_assert_uint_le(strlen(STR(json_object_get(a, "labels"), "key")), AM_LABEL_MAX);
	json_decref(a);
}
END_TEST

/* A re-send carries the incident's count and last event time as they are now. */
START_TEST(resend_is_not_stale)
{
	struct pagerduty_details det = { .agent_host = "a" };
	struct incident inc, now;
	char *p, *s;
	json_t *arr, *an;

	incident_of(&inc, "r", "sw1", "s");
	p = alertmanager_payload(&inc, OUTBOX_TRIGGER, &det, T0);
	now = inc;
	now.count = 1234;
	now.last_seen = T0 + 3600 * USEC_PER_SEC;
	s = alertmanager_body(p, &(struct alertmanager_now){ &now, "http://h/ack/NEW" },
	    T0 + 3600 * USEC_PER_SEC, 60 * USEC_PER_SEC);
	arr = json_loads(s, 0, NULL);
	an = json_object_get(json_array_get(arr, 0), "annotations");
	ck_assert_str_eq(STR(an, "count"), "1234");
	ck_assert_str_eq(STR(an, "last_seen"), "2026-12-05T01:00:00.000Z");
	ck_assert_str_eq(STR(an, "first_seen"), "2026-12-05T00:00:00.000Z");
	ck_assert_str_eq(STR(json_array_get(arr, 0), "endsAt"), "2026-12-05T01:01:00.000Z");
	/* Made without a link (no listen http then): none is added later. */
	ck_assert_ptr_null(json_object_get(an, "ack_url"));
	ck_assert_ptr_null(json_object_get(json_array_get(arr, 0), "generatorURL"));
	json_decref(arr);
	free(s);
	free(p);
	/* Made with one: a re-send carries a link made now, not one that may have expired. */
	det.ack_url = "http://h/ack/OLD";
	p = alertmanager_payload(&inc, OUTBOX_TRIGGER, &det, T0);
	s = alertmanager_body(p, &(struct alertmanager_now){ NULL, "http://h/ack/NEW" }, T0,
	    60 * USEC_PER_SEC);
	arr = json_loads(s, 0, NULL);
	ck_assert_str_eq(STR(json_object_get(json_array_get(arr, 0), "annotations"), "ack_url"),
	    "http://h/ack/NEW");
	ck_assert_str_eq(STR(json_array_get(arr, 0), "generatorURL"), "http://h/ack/NEW");
	ck_assert_str_eq(STR(json_object_get(json_array_get(arr, 0), "annotations"), "count"), "7");
	json_decref(arr);
	free(s);
	free(p);
}
END_TEST

START_TEST(bad_payload)
{
	ck_assert_ptr_null(alertmanager_body("not json", NULL, T0, 1));
	ck_assert_ptr_null(alertmanager_body("{\"annotations\":{}}", NULL, T0, 1));
}
END_TEST

START_TEST(watchdog)
{
	char *s = alertmanager_watchdog("edge-\xff", T0, T0 + USEC_PER_SEC, 3 * USEC_PER_SEC);
	json_t *arr = json_loads(s, 0, NULL), *a = json_array_get(arr, 0);
	json_t *l = json_object_get(a, "labels");

	ck_assert_int_eq(json_object_size(l), 3);
	ck_assert_str_eq(STR(l, "alertname"), "Watchdog");
	ck_assert_str_eq(STR(l, "instance"), "edge-\xef\xbf\xbd");
	ck_assert_str_eq(STR(a, "startsAt"), "2026-12-05T00:00:00.000Z");
	ck_assert_str_eq(STR(a, "endsAt"), "2026-12-05T00:00:04.000Z");
	json_decref(arr);
	free(s);
}
END_TEST

START_TEST(peer_url)
{
	char *a = alertmanager_url("http://am1:9093"), *b = alertmanager_url("http://am1:9093//");
	char *c = alertmanager_url("https://am.example/prefix/");

	ck_assert_str_eq(a, "http://am1:9093/api/v2/alerts");
	ck_assert_str_eq(b, "http://am1:9093/api/v2/alerts");
	ck_assert_str_eq(c, "https://am.example/prefix/api/v2/alerts");
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(answers)
{
	static const struct {
		long status;
		const char *body;
		enum outbox_verdict v;
		const char *why;
	} cases[] = {
		{ 0, "", OUTBOX_RETRY, "refused" },
		{ 200, "", OUTBOX_DELIVERED, "HTTP 200" },
		{ 400, "\"start time must be before end time\"", OUTBOX_DEAD,
		    "HTTP 400: start time must be before end time" },
		{ 400, "{\"code\":400,\"message\":\"labels: invalid\"}", OUTBOX_DEAD,
		    "HTTP 400: labels: invalid" },
		{ 401, "", OUTBOX_HOLD, "HTTP 401" },
		{ 404, "404 page not found", OUTBOX_HOLD, "HTTP 404: 404 page not found" },
		{ 408, "", OUTBOX_RETRY, "HTTP 408" },
		{ 429, "", OUTBOX_THROTTLED, "HTTP 429" },
		{ 500, "", OUTBOX_RETRY, "HTTP 500" },
		{ 503, "", OUTBOX_RETRY, "HTTP 503" },
	};
	char why[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_response r = { .status = cases[i].status,
			.error_text = "refused",
			.body = cases[i].body,
			.body_len = strlen(cases[i].body) };

		ck_assert_msg(alertmanager_classify(&r, why, sizeof(why)) == cases[i].v, "HTTP %ld",
		    cases[i].status);
		ck_assert_str_eq(why, cases[i].why);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("alertmanager");
	TCase *tc = tcase_create("alertmanager");

	tcase_add_test(tc, trigger_alert);
	tcase_add_test(tc, same_labels_from_two_agents);
	tcase_add_test(tc, resolve_keeps_its_end);
	tcase_add_test(tc, hostile_text_is_valid_json);
	tcase_add_test(tc, long_text_is_cut);
	tcase_add_test(tc, resend_is_not_stale);
	tcase_add_test(tc, bad_payload);
	tcase_add_test(tc, watchdog);
	tcase_add_test(tc, peer_url);
	tcase_add_test(tc, answers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
