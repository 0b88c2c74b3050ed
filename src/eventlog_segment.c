/*
 * eventlog_segment.c - the raw-event log's file format and its readers
 * (see eventlog_segment.h).  Nothing here writes: the writer thread owns
 * the files, and every reader copes with a segment pruned or a block cut
 * short under it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "eventlog_segment.h"
#include "store_codec.h"
#include "util.h"

#define SKIPPABLE_MAGIC 0x184D2A5Eu
#define HDR_MAGIC "TEV1"

static void
le32_put(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void
evseg_hdr_encode(uint8_t out[EVSEG_HDR], const struct evseg_hdr *h)
{
	le32_put(out, SKIPPABLE_MAGIC);
	le32_put(out + 4, EVSEG_HDR - 8);
	memcpy(out + 8, HDR_MAGIC, 4);
	store_codec_be_put(out + 12, h->count, 4);
	store_codec_be_put(out + 16, h->first_seq, 8);
	store_codec_be_put(out + 24, (uint64_t)h->oldest, 8);
	store_codec_be_put(out + 32, (uint64_t)h->newest, 8);
	store_codec_be_put(out + 40, h->raw_len, 4);
	store_codec_be_put(out + 44, h->zlen, 4);
}

int
evseg_hdr_decode(const uint8_t in[EVSEG_HDR], struct evseg_hdr *h)
{
	if (le32_get(in) != SKIPPABLE_MAGIC || le32_get(in + 4) != EVSEG_HDR - 8
	    || memcmp(in + 8, HDR_MAGIC, 4) != 0)
		return -EBADMSG;
	h->count = (uint32_t)store_codec_be_get(in + 12, 4);
	h->first_seq = store_codec_be_get(in + 16, 8);
	h->oldest = (int64_t)store_codec_be_get(in + 24, 8);
	h->newest = (int64_t)store_codec_be_get(in + 32, 8);
	h->raw_len = (uint32_t)store_codec_be_get(in + 40, 4);
	h->zlen = (uint32_t)store_codec_be_get(in + 44, 4);
	/* Every record takes at least its length: a count beyond that is a lie. */
	if (h->raw_len > EVSEG_RAW_MAX || h->zlen > ZSTD_compressBound(EVSEG_RAW_MAX)
	    || h->count == 0 || h->count > h->raw_len / 4 || h->first_seq == 0
	    || h->first_seq > UINT64_MAX - h->count)
		return -EBADMSG;
	return 0;
}

int
evseg_path(char *buf, size_t size, const char *dir, uint64_t first)
{
	int n = snprintf(buf, size, "%s/%016" PRIx64 EVSEG_SUFFIX, dir, first);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* A segment's number from its name; false for anything else in the directory. */
static bool
name_first(const char *name, uint64_t *first)
{
	char *end;

	if (strlen(name) != 16 + strlen(EVSEG_SUFFIX) || strcmp(name + 16, EVSEG_SUFFIX) != 0)
		return false;
	for (int i = 0; i < 16; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	errno = 0;
	*first = strtoull(name, &end, 16);
	return errno == 0 && end == name + 16 && *first > 0;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
evseg_list(const char *dir, uint64_t **firsts, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = 0;

	*firsts = NULL;
	*n = 0;
	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		uint64_t first;
		if (!name_first(de->d_name, &first))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*firsts = xreallocarray(*firsts, cap, sizeof(**firsts));
		}
		(*firsts)[(*n)++] = first;
	}
	closedir(d);
	if (*n > 1)
		qsort(*firsts, *n, sizeof(**firsts), u64_cmp);
	return 0;
}

void
evseg_reader_init(struct evseg_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

void
evseg_close(struct evseg_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->off = r->hdr_off = 0;
}

void
evseg_reader_free(struct evseg_reader *r)
{
	evseg_close(r);
	free(r->z);
	free(r->raw);
	ZSTD_freeDCtx(r->dctx);
	evseg_reader_init(r);
}

int
evseg_open(struct evseg_reader *r, const char *dir, uint64_t first)
{
	char path[4096];
	int rc;

	evseg_close(r);
	if ((rc = evseg_path(path, sizeof(path), dir, first)) < 0)
		return rc;
	if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	return 0;
}

/* Exactly len bytes at off: 1, 0 when the file ends first, -errno. */
static int
read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		got += (size_t)n;
	}
	return 1;
}

int
evseg_seek(struct evseg_reader *r, uint64_t off)
{
	uint8_t hb[EVSEG_HDR];
	struct stat st;
	int rc = read_at(r->fd, hb, sizeof(hb), off);

	if (rc <= 0)
		return rc;
	/*
	 * A torn or foreign tail ends the segment (the writer cuts it off at
	 * start), and so does a block still being written.
	 */
	if (evseg_hdr_decode(hb, &r->h) < 0 || fstat(r->fd, &st) < 0
	    || off + EVSEG_HDR + r->h.zlen > (uint64_t)st.st_size)
		return 0;
	r->hdr_off = off;
	r->off = off + EVSEG_HDR + r->h.zlen;
	return 1;
}

int
evseg_next(struct evseg_reader *r)
{
	return evseg_seek(r, r->off);
}

static void
grow(uint8_t **p, size_t *cap, size_t need)
{
	if (*cap < need) {
		free(*p);
		*p = xmalloc(need);
		*cap = need;
	}
}

int
evseg_load(struct evseg_reader *r)
{
	size_t n;
	int rc;

	grow(&r->z, &r->zcap, r->h.zlen ? r->h.zlen : 1);
	grow(&r->raw, &r->rawcap, r->h.raw_len ? r->h.raw_len : 1);
	if ((rc = read_at(r->fd, r->z, r->h.zlen, r->hdr_off + EVSEG_HDR)) <= 0)
		return rc == 0 ? -EBADMSG : rc;
	if (r->dctx == NULL && (r->dctx = ZSTD_createDCtx()) == NULL)
		return -ENOMEM;
	n = ZSTD_decompressDCtx(r->dctx, r->raw, r->h.raw_len, r->z, r->h.zlen);
	if (ZSTD_isError(n) || n != r->h.raw_len)
		return -EBADMSG;
	return 0;
}

int
evseg_record(const uint8_t *raw, size_t len, size_t *off, struct store_event *ev)
{
	size_t n;

	if (*off == len)
		return 0;
	if (len - *off < 4)
		return -EBADMSG;
	n = (size_t)store_codec_be_get(raw + *off, 4);
	if (n > len - *off - 4 || store_codec_decode_event(raw + *off + 4, n, ev) < 0)
		return -EBADMSG;
	*off += 4 + n;
	return 1;
}

/* Visit the loaded block's records numbered after `after`, up to *left of them. */
static int
visit_block(
    struct evseg_reader *r, uint64_t after, size_t *left, evseg_cb cb, void *arg, uint64_t *last)
{
	struct store_event ev;
	size_t off = 0;
	int rc;

	for (uint64_t seq = r->h.first_seq; *left > 0; seq++) {
		if ((rc = evseg_record(r->raw, r->h.raw_len, &off, &ev)) <= 0)
			return rc;
		if (seq <= after)
			continue;
		ev.seq = seq;
		*last = seq;
		(*left)--;
		if ((rc = cb(&ev, arg)) != 0)
			return rc;
	}
	return 0;
}

/* The segment that may hold record after+1: the last one starting at or before it. */
static size_t
start_segment(const uint64_t *firsts, size_t n, uint64_t after)
{
	size_t i = 0;

	while (i + 1 < n && firsts[i + 1] <= after + 1)
		i++;
	return i;
}

int
evseg_read(struct evseg_reader *r, const char *dir, uint64_t after, size_t max, evseg_cb cb,
    void *arg, uint64_t *last)
{
	uint64_t *firsts;
	size_t n, left = max;
	int rc;

	*last = after;
	if ((rc = evseg_list(dir, &firsts, &n)) < 0)
		return rc;
	for (size_t i = start_segment(firsts, n, after); i < n && left > 0 && rc == 0; i++) {
		if ((rc = evseg_open(r, dir, firsts[i])) == -ENOENT) {
			rc = 0; /* pruned since the listing: what it held is gone */
			continue;
		}
		while (rc == 0 && left > 0 && (rc = evseg_next(r)) == 1) {
			rc = 0;
			if (r->h.first_seq + r->h.count - 1 <= after)
				continue; /* skipped by its header, never decompressed */
			if ((rc = evseg_load(r)) == 0)
				rc = visit_block(r, after, &left, cb, arg, last);
		}
	}
	evseg_close(r);
	free(firsts);
	return rc;
}

/* The block headers' offsets of the open segment, in order. */
static int
block_offsets(struct evseg_reader *r, uint64_t **offs, size_t *n)
{
	size_t cap = 0;
	int rc;

	*offs = NULL;
	*n = 0;
	while ((rc = evseg_next(r)) == 1) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*offs = xreallocarray(*offs, cap, sizeof(**offs));
		}
		(*offs)[(*n)++] = r->hdr_off;
	}
	return rc;
}

/* The loaded block's records below `below`, newest first. */
static int
visit_block_reverse(
    struct evseg_reader *r, uint64_t below, size_t max, evseg_cb cb, void *arg, size_t *seen)
{
	size_t *at = xreallocarray(NULL, r->h.count, sizeof(*at)), off = 0, k = 0;
	struct store_event ev;
	int rc = 0;

	while (k < r->h.count
	    && (at[k] = off, rc = evseg_record(r->raw, r->h.raw_len, &off, &ev)) == 1)
		k++;
	for (rc = rc < 0 ? rc : 0; rc == 0 && k > 0 && *seen < max;) {
		uint64_t seq = r->h.first_seq + --k;
		off = at[k];
		if (seq >= below || evseg_record(r->raw, r->h.raw_len, &off, &ev) != 1)
			continue;
		ev.seq = seq;
		(*seen)++;
		rc = cb(&ev, arg);
	}
	free(at);
	return rc;
}

static int
recent_segment(
    struct evseg_reader *r, uint64_t below, size_t max, evseg_cb cb, void *arg, size_t *seen)
{
	uint64_t *offs;
	size_t n;
	int rc = block_offsets(r, &offs, &n);

	for (size_t i = n; rc == 0 && i > 0 && *seen < max;) {
		int s = evseg_seek(r, offs[--i]);
		if (s != 1) {
			rc = s; /* 0: cut short since the scan, which leaves nothing older here */
			break;
		}
		if (r->h.first_seq >= below)
			continue;
		if ((rc = evseg_load(r)) == 0)
			rc = visit_block_reverse(r, below, max, cb, arg, seen);
	}
	free(offs);
	return rc;
}

int
evseg_recent(struct evseg_reader *r, const char *dir, uint64_t below, size_t max, evseg_cb cb,
    void *arg, size_t *seen)
{
	uint64_t *firsts;
	size_t n;
	int rc;

	*seen = 0;
	if ((rc = evseg_list(dir, &firsts, &n)) < 0)
		return rc;
	for (size_t i = n; i > 0 && *seen < max && rc == 0;) {
		if (firsts[--i] >= below)
			continue;
		if ((rc = evseg_open(r, dir, firsts[i])) == -ENOENT) {
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = recent_segment(r, below, max, cb, arg, seen);
	}
	evseg_close(r);
	free(firsts);
	return rc;
}
