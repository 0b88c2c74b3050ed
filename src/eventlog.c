/*
 * eventlog.c - the raw-event log's loop side (see eventlog.h): copy each
 * record into the open block, hand full or aged blocks to the writer
 * thread, keep them readable until written, and read records back from
 * memory and from the segments.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "eventlog.h"
#include "eventlog_int.h"
#include "log.h"
#include "store_codec.h"
#include "util.h"

static struct evlog_block *
block_new(uint64_t first_seq, size_t need)
{
	struct evlog_block *b = xcalloc(1, sizeof(*b));

	b->first_seq = first_seq;
	b->cap = need > EVENTLOG_BLOCK ? need : EVENTLOG_BLOCK;
	b->data = xmalloc(b->cap);
	b->oldest = INT64_MAX;
	b->newest = INT64_MIN;
	return b;
}

static void
block_free(struct evlog_block *b)
{
	if (b != NULL)
		free(b->data);
	free(b);
}

/* Say once that writes fail, and once that they work again. */
static void
watch_errors(struct eventlog *l)
{
	uint64_t errors = atomic_load(&l->c.errors), blocks = atomic_load(&l->c.blocks);

	if (errors > l->seen_errors && !l->failing) {
		l->failing = true;
		log_warnx(
		    "event log: cannot write to %s: %s; events are dropped from the raw-event "
		    "log (not from incidents) until it can",
		    l->dir, strerror(-atomic_load(&l->c.last_error)));
	} else if (l->failing && errors == l->seen_errors && blocks > l->seen_blocks) {
		l->failing = false;
		log_info("event log: writing to %s again", l->dir);
	}
	l->seen_errors = errors;
	l->seen_blocks = blocks;
}

/* Free the blocks the writer is done with. */
static void
reap(struct eventlog *l)
{
	while (l->head != NULL && evlog_writer_done(l->w, l->head)) {
		struct evlog_block *b = l->head;
		l->head = b->next;
		if (l->head == NULL)
			l->tail = NULL;
		l->pending -= b->len;
		block_free(b);
	}
	watch_errors(l);
}

void
eventlog_flush(struct eventlog *l)
{
	struct evlog_block *b = l->cur;

	reap(l);
	if (b == NULL)
		return;
	l->cur = NULL;
	sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
	/* Full: drop the newest, so what is written stays a prefix in time of what came. */
	if (l->pending + b->len > EVENTLOG_PENDING_MAX || evlog_writer_push(l->w, b) < 0) {
		l->refused += b->count;
		block_free(b);
		return;
	}
	if (l->tail != NULL)
		l->tail->next = b;
	else
		l->head = b;
	l->tail = b;
	l->pending += b->len;
}

static int
timer_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	eventlog_flush(userdata);
	return 0;
}

int
eventlog_append(struct eventlog *l, struct store_event *ev)
{
	size_t len;
	int rc;

	if ((rc = store_codec_encode_event(NULL, ev, &len)) < 0)
		return rc;
	if (len > EVSEG_RECORD_MAX) {
		l->refused++;
		return -EMSGSIZE;
	}
	if (l->cur != NULL && l->cur->len + 4 + len > l->cur->cap)
		eventlog_flush(l);
	if (l->cur == NULL) {
		l->cur = block_new(l->next_seq, 4 + len);
		sd_event_source_set_time_relative(l->timer, EVENTLOG_WAIT);
		sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT);
	}
	struct evlog_block *b = l->cur;
	store_codec_be_put(b->data + b->len, len, 4);
	store_codec_encode_event(b->data + b->len + 4, ev, &len);
	b->len += 4 + len;
	b->count++;
	if (ev->recv_usec < b->oldest)
		b->oldest = ev->recv_usec;
	if (ev->recv_usec > b->newest)
		b->newest = ev->recv_usec;
	ev->seq = l->next_seq++;
	l->appended++;
	if (b->len >= EVENTLOG_BLOCK)
		eventlog_flush(l);
	return 0;
}

static uint64_t
segment_max(const struct eventlog_opts *o)
{
	uint64_t m = o->max_size / 8;

	if (o->segment_max > 0)
		return o->segment_max;
	if (o->max_size == 0 || m > 64 * 1024 * 1024)
		return 64 * 1024 * 1024;
	return m < 16 * 1024 ? 16 * 1024 : m;
}

int
eventlog_open(sd_event *event, const struct eventlog_opts *o, struct eventlog **ret, char **cause)
{
	struct eventlog *l = xcalloc(1, sizeof(*l));
	struct evlog_writer_opts wo
	    = { NULL, o->max_age, o->max_size, segment_max(o), 1, o->paused };
	int rc;

	*ret = NULL;
	xasprintf(&l->dir, "%s/%s", o->state_dir, EVENTLOG_DIR);
	evseg_reader_init(&l->rd);
	wo.dir = l->dir;
	if ((rc = sd_event_add_time_relative(
	         event, &l->timer, CLOCK_MONOTONIC, EVENTLOG_WAIT, 10 * 1000, timer_cb, l))
	    < 0) {
		xasprintf(cause, "event log: cannot add its timer: %s", strerror(-rc));
		eventlog_close(l);
		return rc;
	}
	sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
	if ((rc = evlog_writer_start(&wo, &l->c, &l->w, &l->next_seq, cause)) < 0) {
		eventlog_close(l);
		return rc;
	}
	*ret = l;
	return 0;
}

void
eventlog_close(struct eventlog *l)
{
	if (l == NULL)
		return;
	if (l->w != NULL) {
		eventlog_flush(l);
		evlog_writer_stop(l->w); /* writes what was handed over first */
		l->w = NULL;
	}
	while (l->head != NULL) {
		struct evlog_block *b = l->head;
		l->head = b->next;
		block_free(b);
	}
	block_free(l->cur);
	sd_event_source_disable_unref(l->timer);
	evseg_reader_free(&l->rd);
	free(l->dir);
	free(l);
}

void
eventlog_resume(struct eventlog *l)
{
	evlog_writer_resume(l->w);
}

void
eventlog_stats(struct eventlog *l, struct eventlog_stats *out)
{
	reap(l);
	*out = (struct eventlog_stats) {
		.appended = l->appended,
		.records = atomic_load(&l->c.records),
		.bytes = atomic_load(&l->c.bytes),
		.raw_bytes = atomic_load(&l->c.raw_bytes),
		.segments = atomic_load(&l->c.segments),
		.pruned = atomic_load(&l->c.pruned),
		.pending = l->pending + (l->cur ? l->cur->len : 0),
		.dropped = l->refused + atomic_load(&l->c.lost),
		.write_errors = atomic_load(&l->c.errors),
		.last_error = atomic_load(&l->c.last_error),
	};
}
