/*
 * eventlog_writer.c - the thread that compresses the raw-event log's
 * blocks and appends them to segment files, starts a new segment past its
 * size, and prunes whole segments by age and size.  It shares only the
 * queue (under its mutex) and the published counters with the loop, so
 * the receive path pays a copy per line and never waits on the disk.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zstd.h>

#include "eventlog_int.h"
#include "eventlog_segment.h"
#include "util.h"

struct segment {
	uint64_t first, bytes, records;
	int64_t newest;
};

struct evlog_writer {
	struct evlog_writer_opts o;
	char *dir;
	struct evlog_counters *c;
	pthread_t thread;
	bool started;

	/* Under mu. */
	pthread_mutex_t mu;
	pthread_cond_t work;
	struct evlog_block *queue[EVLOG_QUEUE_MAX]; /* taken from head; the head is in progress */
	size_t head, n;
	bool stop, paused;

	/* The thread's own (and the starter's before it runs). */
	int fd; /* the newest segment, open for appending */
	struct segment *segs;
	size_t nsegs, cap;
	uint64_t total; /* bytes of all segments */
	ZSTD_CCtx *cctx;
	uint8_t *z;
	size_t zcap;
};

static void
publish(struct evlog_writer *w)
{
	uint64_t records = 0;

	for (size_t i = 0; i < w->nsegs; i++)
		records += w->segs[i].records;
	atomic_store(&w->c->records, records);
	atomic_store(&w->c->bytes, w->total);
	atomic_store(&w->c->segments, w->nsegs);
}

static struct segment *
seg_add(struct evlog_writer *w, uint64_t first)
{
	if (w->nsegs == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->segs = xreallocarray(w->segs, w->cap, sizeof(*w->segs));
	}
	w->segs[w->nsegs] = (struct segment) { first, 0, 0, INT64_MIN };
	return &w->segs[w->nsegs++];
}

/* Delete the oldest segment; never the one being written. */
static void
seg_drop_oldest(struct evlog_writer *w)
{
	char path[4096];

	if (evseg_path(path, sizeof(path), w->dir, w->segs[0].first) == 0)
		unlink(path);
	w->total -= w->segs[0].bytes;
	memmove(w->segs, w->segs + 1, (w->nsegs - 1) * sizeof(*w->segs));
	w->nsegs--;
	atomic_fetch_add(&w->c->pruned, 1);
}

static void
prune(struct evlog_writer *w, int64_t newest)
{
	const struct evlog_writer_opts *o = &w->o;

	while (w->nsegs > 1) {
		bool too_big = o->max_size > 0 && w->total > o->max_size;
		bool too_old = o->max_age > 0 && newest > INT64_MIN + o->max_age
		    && w->segs[0].newest < newest - o->max_age;
		if (!too_big && !too_old)
			break;
		seg_drop_oldest(w);
	}
}

/* Open (creating) the segment that starts with record first, for appending. */
static int
seg_open(struct evlog_writer *w, uint64_t first, bool truncate)
{
	char path[4096];
	int rc;

	if ((rc = evseg_path(path, sizeof(path), w->dir, first)) < 0)
		return rc;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = open(
	    path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0640);
	return w->fd < 0 ? -errno : 0;
}

/* The newest segment until it is full (reopened after a start), then a new one from first. */
static int
rotate_if_due(struct evlog_writer *w, uint64_t first)
{
	struct segment *last = w->nsegs ? &w->segs[w->nsegs - 1] : NULL;
	int rc;

	if (last != NULL && last->bytes < w->o.segment_max)
		return w->fd >= 0 ? 0 : seg_open(w, last->first, false);
	if ((rc = seg_open(w, first, true)) < 0)
		return rc;
	seg_add(w, first);
	return 0;
}

/* Write all of iov or undo what part of it was written: 0 or -errno. */
static int
append(struct evlog_writer *w, struct iovec *iov, size_t len)
{
	struct segment *s = &w->segs[w->nsegs - 1];
	ssize_t n = writev(w->fd, iov, 2);
	int rc = n < 0 ? -errno : (size_t)n != len ? -ENOSPC : 0;

	if (rc < 0 && n > 0 && ftruncate(w->fd, (off_t)s->bytes) < 0)
		rc = -errno;
	return rc;
}

static int
write_block(struct evlog_writer *w, const struct evlog_block *b)
{
	uint8_t hb[EVSEG_HDR];
	struct evseg_hdr h = { b->first_seq, b->count, b->oldest, b->newest, (uint32_t)b->len, 0 };
	size_t bound = ZSTD_compressBound(b->len), zn;
	int rc;

	if (w->zcap < bound) {
		free(w->z);
		w->z = xmalloc(bound);
		w->zcap = bound;
	}
	zn = ZSTD_compress2(w->cctx, w->z, w->zcap, b->data, b->len);
	if (ZSTD_isError(zn))
		return -EINVAL;
	h.zlen = (uint32_t)zn;
	evseg_hdr_encode(hb, &h);
	if ((rc = rotate_if_due(w, b->first_seq)) < 0
	    || (rc = append(
	            w, (struct iovec[]) { { hb, sizeof(hb) }, { w->z, zn } }, sizeof(hb) + zn))
	        < 0)
		return rc;
	struct segment *s = &w->segs[w->nsegs - 1];
	s->bytes += sizeof(hb) + zn;
	s->records += b->count;
	if (b->newest > s->newest)
		s->newest = b->newest;
	w->total += sizeof(hb) + zn;
	prune(w, b->newest);
	atomic_fetch_add(&w->c->blocks, 1);
	atomic_fetch_add(&w->c->raw_bytes, b->len);
	return 0;
}

static void *
writer_main(void *arg)
{
	struct evlog_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && (w->paused || w->n == 0))
			pthread_cond_wait(&w->work, &w->mu);
		if (w->n == 0)
			break;
		struct evlog_block *b = w->queue[w->head];
		pthread_mutex_unlock(&w->mu);
		int rc = write_block(w, b);
		if (rc < 0) {
			atomic_store(&w->c->last_error, rc);
			atomic_fetch_add(&w->c->errors, 1);
			atomic_fetch_add(&w->c->lost, b->count);
		}
		publish(w);
		pthread_mutex_lock(&w->mu);
		b->done = true;
		w->head = (w->head + 1) % EVLOG_QUEUE_MAX;
		w->n--;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int
evlog_writer_push(struct evlog_writer *w, struct evlog_block *b)
{
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	if (w->n == EVLOG_QUEUE_MAX)
		rc = -ENOBUFS;
	else {
		w->queue[(w->head + w->n) % EVLOG_QUEUE_MAX] = b;
		w->n++;
		pthread_cond_signal(&w->work);
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

bool
evlog_writer_done(struct evlog_writer *w, const struct evlog_block *b)
{
	bool done;

	pthread_mutex_lock(&w->mu);
	done = b->done;
	pthread_mutex_unlock(&w->mu);
	return done;
}

void
evlog_writer_resume(struct evlog_writer *w)
{
	pthread_mutex_lock(&w->mu);
	w->paused = false;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
}

void
evlog_writer_stop(struct evlog_writer *w)
{
	if (w == NULL)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		w->paused = false; /* what was handed over is written before the end */
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	if (w->fd >= 0)
		close(w->fd);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->work);
	ZSTD_freeCCtx(w->cctx);
	free(w->z);
	free(w->segs);
	free(w->dir);
	free(w);
}

/* A segment's whole blocks into the index; what lies past them (a write cut short) is cut off. */
static int
scan_segment(struct evlog_writer *w, struct evseg_reader *r, uint64_t first, uint64_t *next_seq)
{
	struct segment *s;
	struct stat st;
	int rc;

	if ((rc = evseg_open(r, w->dir, first)) < 0)
		return rc;
	s = seg_add(w, first);
	while ((rc = evseg_next(r)) == 1) {
		s->bytes = r->off;
		s->records += r->h.count;
		if (r->h.newest > s->newest)
			s->newest = r->h.newest;
		if (r->h.first_seq + r->h.count > *next_seq)
			*next_seq = r->h.first_seq + r->h.count;
	}
	if (rc == 0 && fstat(r->fd, &st) == 0 && (uint64_t)st.st_size > s->bytes) {
		char path[4096];
		if ((rc = evseg_path(path, sizeof(path), w->dir, first)) == 0
		    && truncate(path, (off_t)s->bytes) < 0)
			rc = -errno;
	}
	if (*next_seq < first)
		*next_seq = first; /* an empty newest segment: its name is the next number */
	w->total += s->bytes;
	return rc;
}

static int
scan(struct evlog_writer *w, uint64_t *next_seq, char **cause)
{
	struct evseg_reader r;
	uint64_t *firsts;
	size_t n;
	int rc;

	*next_seq = 1;
	if (mkdir(w->dir, 0750) < 0 && errno != EEXIST) {
		rc = -errno;
		xasprintf(
		    cause, "cannot make the raw-event log directory %s: %s", w->dir, strerror(-rc));
		return rc;
	}
	if ((rc = evseg_list(w->dir, &firsts, &n)) < 0) {
		xasprintf(cause, "cannot list the raw-event log %s: %s", w->dir, strerror(-rc));
		return rc;
	}
	evseg_reader_init(&r);
	for (size_t i = 0; i < n && rc == 0; i++)
		if ((rc = scan_segment(w, &r, firsts[i], next_seq)) < 0)
			xasprintf(cause, "cannot read the raw-event log segment %s/%016llx%s: %s",
			    w->dir, (unsigned long long)firsts[i], EVSEG_SUFFIX, strerror(-rc));
	evseg_reader_free(&r);
	free(firsts);
	return rc;
}

int
evlog_writer_start(const struct evlog_writer_opts *o, struct evlog_counters *c,
    struct evlog_writer **ret, uint64_t *next_seq, char **cause)
{
	struct evlog_writer *w = xcalloc(1, sizeof(*w));
	int rc;

	*ret = NULL;
	w->o = *o;
	w->dir = xstrdup(o->dir);
	w->o.dir = w->dir;
	w->c = c;
	w->fd = -1;
	w->paused = o->paused;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	if ((rc = scan(w, next_seq, cause)) < 0)
		goto fail;
	publish(w);
	if ((w->cctx = ZSTD_createCCtx()) == NULL
	    || ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, o->level))
	    || ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1))) {
		rc = -ENOMEM;
		xasprintf(cause, "cannot set up zstd compression");
		goto fail;
	}
	if ((rc = -pthread_create(&w->thread, NULL, writer_main, w)) < 0) {
		xasprintf(cause, "cannot start the raw-event log's writer: %s", strerror(-rc));
		goto fail;
	}
	w->started = true;
	(void)pthread_setname_np(w->thread, "triaged-evlog"); /* for top -H and perf */
	*ret = w;
	return 0;
fail:
	evlog_writer_stop(w);
	return rc;
}
