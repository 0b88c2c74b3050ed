/*
 * heartbeat.c - periodic pings to a watchdog URL (heartbeat.h).
 *
 * One timer per upstream with a heartbeat (per peer of an alertmanager
 * one), its own curl multi handle, at most one ping in flight each.  The
 * URL often holds a secret (the check's id): it is never logged, only the
 * upstream's name.  A ping gets three quarters of the interval (10 s at
 * most) to be answered, so one stuck on an upstream that never answers
 * has timed out (counted) before the next is due, and that one goes.
 * An alertmanager upstream's ping is a POST of the
 * Watchdog alert with endsAt three intervals ahead: when the pings stop,
 * Alertmanager resolves it, and a dead man's switch behind it notices.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "conf.h"
#include "curl_glue.h"
#include "daemon.h"
#include "heartbeat.h"
#include "jsonutil.h"
#include "log.h"
#include "upstream_alertmanager.h"
#include "util.h"

#define PING_TIMEOUT (10 * USEC_PER_SEC)

struct beat {
	struct heartbeat *hb;
	const struct conf_upstream *cu; /* of hb->d->conf: replaced with hb on reload */
	const char *url;		/* the heartbeat URL, or a peer's (cu->urls) */
	const char *name;		/* cu's name, or its peer's queue (cu->queues) */
	sd_event_source *timer;
	bool in_flight, failing;
	uint64_t sent, failed, skipped, timed_out;
	int64_t last_ok; /* realtime usec; 0: never */
};

struct heartbeat {
	struct daemon *d;
	struct curl_glue *http;
	struct beat *v;
	size_t n;
	int64_t since; /* realtime: the Watchdog's startsAt */
};

static void
done_cb(const struct http_response *resp, void *arg)
{
	struct beat *b = arg;

	b->in_flight = false;
	if (resp->error == -ECANCELED)
		return;
	if (resp->status >= 200 && resp->status < 300) {
		if (b->failing)
			log_info("heartbeat of upstream %s recovered", b->name);
		b->failing = false;
		b->last_ok = now_realtime_usec();
		return;
	}
	b->failed++;
	b->timed_out += resp->error == -ETIMEDOUT;
	if (!b->failing)
		log_warnx("heartbeat of upstream %s failing: %s", b->name,
		    resp->status ? "the URL answered with an error status" :
				   (*resp->error_text ? resp->error_text : "no answer"));
	b->failing = true;
}

static void
ping(struct beat *b)
{
	const struct conf_upstream *cu = b->cu;
	const char *headers[] = { "Accept: application/json", NULL };
	struct http_request req = {
		.url = b->url,
		.method = "GET",
		.connect_timeout_usec = cu->connect_timeout,
		.ca_file = cu->ca_file,
	};
	char *body = NULL;
	int r;

	/* Over before the next is due: a stuck ping never takes that one's turn. */
	req.timeout_usec = cu->heartbeat_every / 4 * 3;
	if (req.timeout_usec > PING_TIMEOUT)
		req.timeout_usec = PING_TIMEOUT;

	/* A daemon that cannot store what it receives is not alive for this purpose. */
	if (b->in_flight || batch_get_stats(b->hb->d->batch)->degraded) {
		b->skipped++;
		return;
	}
	if (cu->heartbeat_watchdog) {
		body = alertmanager_watchdog(b->hb->d->conf->hostname, b->hb->since,
		    now_realtime_usec(), 3 * cu->heartbeat_every);
		req.method = "POST";
		req.content_type = "application/json";
		req.body = body;
		req.body_len = strlen(body);
		req.headers = headers;
	}
	r = curl_glue_request(b->hb->http, &req, done_cb, b);
	free(body);
	if (r < 0) {
		b->failed++;
		return;
	}
	b->in_flight = true;
	b->sent++;
}

static int
timer_cb(sd_event_source *s, uint64_t usec, void *arg)
{
	struct beat *b = arg;

	ping(b);
	sd_event_source_set_time(s, usec + (uint64_t)b->cu->heartbeat_every);
	sd_event_source_set_enabled(s, SD_EVENT_ON);
	return 0;
}

static int
start(struct heartbeat *hb, struct beat *b, const struct conf_upstream *cu, const char *url)
{
	uint64_t now = 0;

	b->hb = hb;
	b->cu = cu;
	b->url = url;
	b->name = cu->name;
	sd_event_now(hb->d->event, CLOCK_MONOTONIC, &now);
	/* The first ping at once: a restart is news the watchdog may wait for. */
	return sd_event_add_time(hb->d->event, &b->timer, CLOCK_MONOTONIC, now,
	    (uint64_t)cu->heartbeat_every / 20, timer_cb, b);
}

int
heartbeat_new(struct daemon *d, struct heartbeat **out)
{
	const struct conf *conf = d->conf;
	struct heartbeat *hb;
	size_t n = 0;
	int r;

	*out = NULL;
	for (size_t i = 0; i < conf->nupstreams; i++)
		n += conf->upstreams[i].heartbeat_watchdog ? conf->upstreams[i].nqueues :
		    conf->upstreams[i].heartbeat_url != NULL;
	if (n == 0)
		return 0;
	hb = xcalloc(1, sizeof(*hb));
	hb->d = d;
	hb->since = now_realtime_usec();
	hb->v = xcalloc(n, sizeof(*hb->v));
	if ((r = curl_glue_new(d->event, &hb->http)) < 0) {
		heartbeat_free(hb);
		return r;
	}
	for (size_t i = 0; i < conf->nupstreams; i++) {
		const struct conf_upstream *cu = &conf->upstreams[i];
		size_t peers = cu->heartbeat_watchdog ? cu->nqueues : cu->heartbeat_url != NULL;

		for (size_t q = 0; q < peers; q++) {
			struct beat *b = &hb->v[hb->n++];
			r = start(hb, b, cu, cu->heartbeat_watchdog ? cu->urls[q] : cu->heartbeat_url);
			if (cu->heartbeat_watchdog)
				b->name = cu->queues[q];
			if (r < 0) {
				heartbeat_free(hb);
				return r;
			}
		}
	}
	*out = hb;
	return 0;
}

void
heartbeat_free(struct heartbeat *hb)
{
	if (hb == NULL)
		return;
	curl_glue_free(hb->http); /* before the beats: their callbacks see -ECANCELED */
	for (size_t i = 0; i < hb->n; i++)
		sd_event_source_disable_unref(hb->v[i].timer);
	free(hb->v);
	free(hb);
}

int
heartbeat_reconfigure(struct daemon *d, struct heartbeat **hb)
{
	heartbeat_free(*hb);
	return heartbeat_new(d, hb);
}

json_t *
heartbeat_json(const struct heartbeat *hb)
{
	json_t *arr = json_array();

	for (size_t i = 0; hb != NULL && i < hb->n; i++) {
		const struct beat *b = &hb->v[i];

		json_t *o = json_pack("{s:o, s:I, s:I, s:I, s:I, s:o, s:s}", "name",
		    json_text(b->name), "every_usec", (json_int_t)b->cu->heartbeat_every, "sent",
		    (json_int_t)b->sent, "failed", (json_int_t)b->failed, "skipped",
		    (json_int_t)b->skipped, "last_ok", b->last_ok ? json_time(b->last_ok) : json_null(),
		    "state", b->failing ? "failing" : "ok");

		json_object_set_new(o, "timed_out", json_integer((json_int_t)b->timed_out));
		json_object_set_new(o, "in_flight", json_boolean(b->in_flight));
		json_array_append_new(arr, o);
	}
	return arr;
}
