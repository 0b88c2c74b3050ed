/*
 * check_metrics.c - status JSON to Prometheus text: label values escaped
 * (quote, backslash, line feed), counts printed exactly, the loop's log2
 * buckets as a cumulative histogram with inclusive bounds, latencies as
 * summaries in seconds, an upstream's oldest delivery as an age, and a
 * certificate's expiry for TLS listeners only.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "metrics.h"

static char *
render(const char *status_json, int64_t now)
{
	json_error_t err;
	json_t *st = json_loads(status_json, 0, &err);
	char *text;

	ck_assert_msg(st != NULL, "%s", err.text);
	text = metrics_render(st, now);
	json_decref(st);
	return text;
}

static void
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
		p++;
	}
	ck_abort_msg("no line '%s' in:\n%s", line, text);
}

START_TEST(labels_are_escaped)
{
	char *t = render("{\"listeners\": [{\"name\": \"a\\\"b\\\\c\\nd\", \"received\": 3}],"
			 "\"rules\": [{\"name\": \"r\\\"1\", \"matched\": 5}]}", 0);

	has_line(t, "triaged_listener_received_total{listener=\"a\\\"b\\\\c\\nd\"} 3");
	has_line(t, "triaged_rule_matched_total{rule=\"r\\\"1\"} 5");
	has_line(t, "# TYPE triaged_listener_received_total counter");
	has_line(t, "# TYPE triaged_listener_connections gauge");
	free(t);
}
END_TEST

START_TEST(counts_are_exact)
{
	char *t = render("{\"events\": {\"received\": 1099511627777}, \"store\": {\"degraded\": true}}",
	    0);

	has_line(t, "triaged_events_received_total 1099511627777");
	has_line(t, "triaged_store_degraded 1");
	has_line(t, "triaged_events_malformed_total 0"); /* missing: 0, the family still there */
	has_line(t, "# TYPE triaged_page_delivery_seconds histogram");
	has_line(t, "triaged_page_delivery_seconds_count 0");
	free(t);
}
END_TEST

START_TEST(loop_histogram_is_cumulative)
{
	char *t = render("{\"loop\": {\"dispatches\": 7, \"sum_usec\": 2500000, \"buckets\": ["
			 "{\"lt_usec\": 1, \"count\": 1}, {\"lt_usec\": 2, \"count\": 2},"
			 "{\"lt_usec\": 4, \"count\": 0}, {\"lt_usec\": 8, \"count\": 4}]}}",
	    0);

	has_line(t, "# TYPE triaged_loop_dispatch_seconds histogram");
	has_line(t, "triaged_loop_dispatch_seconds_bucket{le=\"0.000000\"} 1");
	has_line(t, "triaged_loop_dispatch_seconds_bucket{le=\"0.000001\"} 3");
	has_line(t, "triaged_loop_dispatch_seconds_bucket{le=\"0.000003\"} 3");
	has_line(t, "triaged_loop_dispatch_seconds_bucket{le=\"+Inf\"} 7");
	has_line(t, "triaged_loop_dispatch_seconds_sum 2.5");
	has_line(t, "triaged_loop_dispatch_seconds_count 7");
	ck_assert_ptr_null(strstr(t, "le=\"0.000007\""));
	free(t);
}
END_TEST

START_TEST(latency_is_a_summary_in_seconds)
{
	char *t = render("{\"latency\": {\"commit\": {\"count\": 4, \"sum_usec\": 3000, "
			 "\"p50_usec\": 500, \"p99_usec\": 1500}}}",
	    0);

	has_line(t, "# TYPE triaged_commit_duration_seconds summary");
	has_line(t, "triaged_commit_duration_seconds{quantile=\"0.5\"} 0.0005");
	has_line(t, "triaged_commit_duration_seconds{quantile=\"0.99\"} 0.0015");
	has_line(t, "triaged_commit_duration_seconds_sum 0.003");
	has_line(t, "triaged_commit_duration_seconds_count 4");
	free(t);
}
END_TEST

START_TEST(oldest_delivery_is_an_age)
{
	/* 2026-12-05T00:00:00.250Z is 1796428800.25 s. */
	char *t = render("{\"upstreams\": [{\"name\": \"pd\", \"state\": \"failing\", "
			 "\"oldest\": \"2026-12-05T00:00:00.250Z\", \"queued\": 2, \"standing\": 1},"
			 "{\"name\": \"am\", \"state\": \"ok\", \"oldest\": null}]}",
	    INT64_C(1796428810) * 1000000);

	has_line(t, "triaged_upstream_oldest_age_seconds{upstream=\"pd\"} 9.75");
	has_line(t, "triaged_upstream_oldest_age_seconds{upstream=\"am\"} 0");
	has_line(t, "triaged_upstream_up{upstream=\"pd\"} 0");
	has_line(t, "triaged_upstream_up{upstream=\"am\"} 1");
	has_line(t, "triaged_upstream_queued{upstream=\"pd\"} 2");
	has_line(t, "triaged_upstream_standing{upstream=\"pd\"} 1");
	free(t);
	t = render("{\"upstreams\": [{\"name\": \"p\\\"d\", \"delivery_latency\": {\"count\": 3, "
		   "\"sum_usec\": 1500, \"buckets\": [{\"lt_usec\": 1, \"count\": 0},"
		   "{\"lt_usec\": 2, \"count\": 2}, {\"lt_usec\": 4, \"count\": 1}]}}]}",
	    0);
	has_line(t, "# TYPE triaged_upstream_delivery_seconds histogram");
	has_line(t, "triaged_upstream_delivery_seconds_bucket{upstream=\"p\\\"d\",le=\"0.000000\"} 0");
	has_line(t, "triaged_upstream_delivery_seconds_bucket{upstream=\"p\\\"d\",le=\"0.000001\"} 2");
	has_line(t, "triaged_upstream_delivery_seconds_bucket{upstream=\"p\\\"d\",le=\"+Inf\"} 3");
	has_line(t, "triaged_upstream_delivery_seconds_sum{upstream=\"p\\\"d\"} 0.0015");
	has_line(t, "triaged_upstream_delivery_seconds_count{upstream=\"p\\\"d\"} 3");
	free(t);
}
END_TEST

START_TEST(tls_expiry_only_for_tls)
{
	char *t = render("{\"listeners\": [{\"name\": \"t\", \"proto\": \"tls\", "
			 "\"tls_certificate_not_after\": \"2026-12-05T00:00:00.000Z\"},"
			 "{\"name\": \"u\", \"proto\": \"udp\"}]}",
	    0);

	has_line(t, "# TYPE triaged_listener_tls_certificate_expiry_timestamp_seconds gauge");
	has_line(t, "triaged_listener_tls_certificate_expiry_timestamp_seconds{listener=\"t\"} "
		    "1796428800");
	ck_assert_ptr_null(strstr(t, "expiry_timestamp_seconds{listener=\"u\"}"));
	has_line(t, "triaged_listener_tls_handshake_failures_total{listener=\"u\"} 0");
	free(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, labels_are_escaped);
	tcase_add_test(tc, counts_are_exact);
	tcase_add_test(tc, loop_histogram_is_cumulative);
	tcase_add_test(tc, latency_is_a_summary_in_seconds);
	tcase_add_test(tc, oldest_delivery_is_an_age);
	tcase_add_test(tc, tls_expiry_only_for_tls);
	suite_add_tcase(s, tc);
	return check_run(s);
}
