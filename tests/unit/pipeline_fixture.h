/*
 * pipeline_fixture.h - a daemon's pipeline over a real store, batch,
 * outbox and sd-event loop in a temporary directory, for the tests of the
 * pipeline's timed and holding halves (check_sweep, check_pipeline_inhibit):
 * a config with upstream "pd" on a port that refuses, so that what is sent
 * waits in the outbox where it can be read, and syslog lines through the
 * real parser.  Included by one test program each: the functions are static.
 */
#ifndef TRIAGED_TEST_PIPELINE_FIXTURE_H
#define TRIAGED_TEST_PIPELINE_FIXTURE_H

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "event.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "parse_syslog.h"
#include "pipeline.h"
#include "store.h"
#include "util.h"

static char fixture_dir[] = "/tmp/check_pipeline.XXXXXX";
static struct daemon d;

/* Open it all with rules (config text after the upstream). */
static void
fixture_open(const char *rules)
{
	struct store_opts so = { 0 };
	char *cause = NULL, *text, path[128];
	FILE *f;

	log_init(false, false);
	memset(&d, 0, sizeof(d));
	ck_assert_ptr_nonnull(mkdtemp(strcpy(fixture_dir, "/tmp/check_pipeline.XXXXXX")));
	snprintf(path, sizeof(path), "%s/pd.key", fixture_dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("0123456789abcdef0123456789abcdef\n", f);
	fclose(f);
	/* Port 1 on loopback refuses: a trigger waits in the outbox, where it can be counted. */
	xasprintf(&text, "upstream \"pd\" pagerduty {\n url \"http://127.0.0.1:1/v2/enqueue\"\n"
	    " routing-key-file \"%s\"\n backoff-initial 10s\n backoff-max 10s\n}\n%s", path, rules);
	if (conf_load_buffer("t.conf", text, strlen(text), &d.conf, &cause) < 0)
		ck_abort_msg("load failed: %s", cause);
	free(text);
	ck_assert_int_ge(sd_event_new(&d.event), 0);
	ck_assert_int_eq(store_open(fixture_dir, &so, &d.store, &cause), 0);
	ck_assert_int_eq(batch_new(d.event, d.store, &d.batch), 0);
	ck_assert_int_eq(pipeline_new(&d, &d.pipeline), 0);
	ck_assert_int_eq(outbox_new(&d, &d.outbox), 0);
}

static void
fixture_close(void)
{
	char cmd[64];

	outbox_free(d.outbox);
	pipeline_free(d.pipeline);
	batch_free(d.batch);
	store_close(d.store);
	sd_event_unref(d.event);
	conf_free(d.conf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fixture_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A syslog line received at recv, through the parser and the pipeline. */
static void
fixture_submit(const char *line, int64_t recv)
{
	struct parse_ctx ctx = { .now_usec = recv };
	struct event ev = { 0 };
	size_t n = strlen(line);

	event_reset(&ev, n + 64);
	ev.recv_usec = recv;
	ev.source = ev.host = STR_LIT("127.0.0.1");
	ev.raw = str_make(line, n);
	parse_syslog(&ev, line, n, &ctx);
	ck_assert_int_eq(pipeline_submit(d.pipeline, &ev), 0);
	event_free(&ev);
}

/* The incident under key, which must exist. */
static struct incident
incident(const char *key)
{
	struct incident inc;
	struct store_txn *t;

	ck_assert_int_eq(store_txn_begin(d.store, false, &t), 0);
	ck_assert_int_eq(store_incident_by_key(t, key, &inc), 0);
	store_txn_abort(t);
	return inc;
}

/* Deliveries waiting (for key only, unless NULL), as "key:action" each. */
static const char *
queued(const char *key)
{
	static char buf[1024];
	bool more;
	json_t *arr = outbox_list_json(d.outbox, 1024, &more), *v;
	const char *k;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(arr, i, v) {
		k = json_string_value(json_object_get(v, "key"));
		if (key == NULL || strcmp(k, key) == 0)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s:%s", n ? " " : "", k,
			    json_string_value(json_object_get(v, "action")));
	}
	json_decref(arr);
	return buf;
}

#endif
