/*
 * send_test.c - triagectl send-test UPSTREAM: a test trigger and its
 * resolve through the real upstream, to check a routing key end to end
 * (what pd-send is to PagerDuty's agent).  Both go through the durable
 * outbox like any delivery, in order, the resolve after the trigger was
 * accepted; they are marked test: never shed, never suppressed as resolved
 * before delivery, and each answer is logged.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "send_test.h"
#include "upstream.h"
#include "upstream_pagerduty.h"
#include "util.h"

#define SEND_TEST_SEVERITY 6 /* info: PagerDuty's lowest */

/* Both deliveries into the open batch: 0 or -errno. */
static int
queue_pair(struct daemon *d, const struct conf_upstream *cu, const struct incident *inc)
{
	struct pagerduty_details det = { .agent_host = d->conf->hostname,
		.last_event = inc->summary };
	struct store_txn *t = batch_txn(d->batch, BATCH_URGENT);
	char *trigger, *resolve;
	int r;

	if (t == NULL)
		return -EIO;
	trigger = upstream_payload(cu, inc, OUTBOX_TRIGGER, &det);
	resolve = upstream_payload(cu, inc, OUTBOX_RESOLVE, &det);
	r = outbox_push_test(d->outbox, t, cu->name, inc, OUTBOX_TRIGGER, trigger);
	if (r == 0)
		r = outbox_push_test(d->outbox, t, cu->name, inc, OUTBOX_RESOLVE, resolve);
	free(trigger);
	free(resolve);
	return r;
}

int
send_test(struct daemon *d, const char *upstream, const char *actor, char **key, char **cause)
{
	const struct conf_upstream *cu = conf_upstream_find(d->conf, upstream);
	int64_t now = now_realtime_usec();
	char summary[INCIDENT_SUMMARY_MAX + 1];
	struct incident inc;
	int r = 0;

	*key = NULL;
	if (cu == NULL || d->outbox == NULL) {
		xasprintf(cause, "no upstream '%s' in the configuration", upstream);
		return -ENOENT;
	}
	xasprintf(key, "triaged-test/%s/%lld", d->conf->hostname, (long long)(now / USEC_PER_SEC));
	snprintf(summary, sizeof(summary), "triaged test from %s (send-test by %s)",
	    d->conf->hostname, actor);
	/* Id 0: no incident in the store, so no timeline; the log tells instead. */
	incident_start(&inc, 0, *key, "send-test", d->conf->hostname, summary,
	    SEND_TEST_SEVERITY, 0, now);
	/* Committed at once; a batch redone in a grown map does not replay this: again. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((r = queue_pair(d, cu, &inc)) < 0 || (r = batch_flush(d->batch)) <= 0)
			break;
		r = -ENOSPC;
	}
	if (r < 0) {
		xasprintf(cause, "queueing the test failed: %s", strerror(-r));
		free(*key);
		*key = NULL;
		return r;
	}
	log_info("send-test by %s: a test trigger and its resolve queued to %s, dedup key '%s'",
	    actor, upstream, inc.key);
	return 0;
}
