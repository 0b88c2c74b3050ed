/*
 * eventlog_read.c - reading the raw-event log back: one record for
 * `explain --event`, the newest for `triagectl events`, both from the
 * blocks still in memory first and then from the segments; and the
 * read-only reader `triagectl replay` runs beside the daemon.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eventlog.h"
#include "eventlog_int.h"
#include "store_codec.h"
#include "util.h"

static int
record_copy(const struct store_event *ev, struct eventlog_record *out)
{
	size_t len;
	int rc;

	if ((rc = store_codec_encode_event(NULL, ev, &len)) < 0)
		return rc;
	out->mem = xmalloc(len);
	store_codec_encode_event(out->mem, ev, &len);
	if ((rc = store_codec_decode_event(out->mem, len, &out->ev)) < 0) {
		eventlog_record_free(out);
		return rc;
	}
	out->ev.seq = ev->seq;
	return 0;
}

void
eventlog_record_free(struct eventlog_record *r)
{
	free(r->mem);
	memset(r, 0, sizeof(*r));
}

/* Record seq of block b, if it holds it: 1, 0, -EBADMSG. */
static int
block_get(const struct evlog_block *b, uint64_t seq, struct store_event *ev)
{
	size_t off = 0;
	int rc = 0;

	if (b == NULL || seq < b->first_seq || seq - b->first_seq >= b->count)
		return 0;
	for (uint64_t i = b->first_seq; i <= seq; i++)
		if ((rc = evseg_record(b->data, b->len, &off, ev)) != 1)
			return rc < 0 ? rc : -EBADMSG;
	ev->seq = seq;
	return 1;
}

struct get_one {
	uint64_t seq;
	struct eventlog_record *out;
	int rc;
};

static int
get_cb(const struct store_event *ev, void *arg)
{
	struct get_one *g = arg;

	g->rc = ev->seq == g->seq ? record_copy(ev, g->out) : -ENOENT;
	return 1;
}

int
eventlog_get(struct eventlog *l, uint64_t seq, struct eventlog_record *out)
{
	struct get_one g = { seq, out, -ENOENT };
	struct store_event ev;
	uint64_t last;
	int rc;

	memset(out, 0, sizeof(*out));
	if (seq == 0 || seq >= l->next_seq)
		return -ENOENT;
	if ((rc = block_get(l->cur, seq, &ev)) != 0)
		return rc < 0 ? rc : record_copy(&ev, out);
	for (const struct evlog_block *b = l->head; b != NULL; b = b->next)
		if ((rc = block_get(b, seq, &ev)) != 0)
			return rc < 0 ? rc : record_copy(&ev, out);
	rc = evseg_read(&l->rd, l->dir, seq - 1, 1, get_cb, &g, &last);
	return rc < 0 ? rc : g.rc;
}

/* A block's records, newest first, while fewer than max have been seen. */
static int
block_recent(const struct evlog_block *b, size_t max, evseg_cb cb, void *arg, size_t *seen)
{
	size_t *at = xreallocarray(NULL, b->count ? b->count : 1, sizeof(*at)), off = 0;
	struct store_event ev;
	int rc = 0;

	for (uint32_t i = 0; i < b->count && rc == 0; i++) {
		at[i] = off;
		rc = evseg_record(b->data, b->len, &off, &ev) == 1 ? 0 : -EBADMSG;
	}
	for (uint32_t i = b->count; rc == 0 && i > 0 && *seen < max;) {
		off = at[--i];
		if ((rc = evseg_record(b->data, b->len, &off, &ev)) != 1)
			break;
		ev.seq = b->first_seq + i;
		(*seen)++;
		rc = cb(&ev, arg);
	}
	free(at);
	return rc < 0 ? rc : rc > 0 ? rc : 0;
}

int
eventlog_recent(struct eventlog *l, size_t max, evseg_cb cb, void *arg)
{
	const struct evlog_block **mem;
	size_t n = 0, seen = 0, from_disk;
	uint64_t below = l->next_seq;
	int rc = 0;

	mem = xreallocarray(NULL, EVLOG_QUEUE_MAX + 1, sizeof(*mem));
	for (const struct evlog_block *b = l->head; b != NULL && n < EVLOG_QUEUE_MAX; b = b->next)
		mem[n++] = b;
	if (l->cur != NULL)
		mem[n++] = l->cur;
	/* Newest first from memory; the disk then gives only what is older than all of it. */
	for (size_t i = n; rc == 0 && i > 0 && seen < max;) {
		const struct evlog_block *b = mem[--i];
		rc = block_recent(b, max, cb, arg, &seen);
		below = b->first_seq;
	}
	free(mem);
	if (rc == 0 && seen < max)
		rc = evseg_recent(&l->rd, l->dir, below, max - seen, cb, arg, &from_disk);
	return rc < 0 ? rc : 0;
}

struct eventlog_reader {
	char *dir;
	struct evseg_reader rd;
};

int
eventlog_reader_open(const char *state_dir, struct eventlog_reader **ret, char **cause)
{
	struct eventlog_reader *r = xcalloc(1, sizeof(*r));
	struct stat st;

	*ret = NULL;
	xasprintf(&r->dir, "%s/%s", state_dir, EVENTLOG_DIR);
	evseg_reader_init(&r->rd);
	/* A state dir whose log was never written (event-log off) holds no events: not an error. */
	int rc = stat(r->dir, &st) < 0 ? -errno : !S_ISDIR(st.st_mode) ? -ENOTDIR : 0;
	if (rc == -ENOENT)
		rc = stat(state_dir, &st) < 0 ? -errno : !S_ISDIR(st.st_mode) ? -ENOTDIR : 0;
	if (rc < 0) {
		xasprintf(cause, "cannot read the raw-event log %s: %s", r->dir, strerror(-rc));
		eventlog_reader_close(r);
		return rc;
	}
	*ret = r;
	return 0;
}

void
eventlog_reader_close(struct eventlog_reader *r)
{
	if (r == NULL)
		return;
	evseg_reader_free(&r->rd);
	free(r->dir);
	free(r);
}

int
eventlog_reader_read(
    struct eventlog_reader *r, uint64_t after, size_t max, evseg_cb cb, void *arg, uint64_t *last)
{
	return evseg_read(&r->rd, r->dir, after, max, cb, arg, last);
}
