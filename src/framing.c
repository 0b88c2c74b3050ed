/*
 * framing.c - RFC 6587 octet counting and LF framing.  Complete frames are
 * delivered straight from the caller's buffer; only a frame split across
 * reads is copied, so the common case costs no copy at all.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"
#include "util.h"

/* "2147483647 " is the longest octet count we accept: ten digits. */
#define FRAMING_MAX_DIGITS 10

void
framer_init(struct framer *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	f->max = max;
}

void
framer_free(struct framer *f)
{
	free(f->buf);
	f->buf = NULL;
	f->len = f->cap = 0;
}

static void
carry(struct framer *f, const char *p, size_t n)
{
	if (f->len + n > f->cap) {
		size_t cap = f->cap ? f->cap : 256;
		while (cap < f->len + n)
			cap *= 2;
		f->buf = xreallocarray(f->buf, cap, 1);
		f->cap = cap;
	}
	memcpy(f->buf + f->len, p, n);
	f->len += n;
}

/* Trailers some senders add before LF: CR, and NUL from old Cisco gear. */
static size_t
trim_trailer(const char *p, size_t n)
{
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\0'))
		n--;
	return n;
}

static void
deliver(struct framer *f, const char *p, size_t n, framer_msg_cb cb, void *arg)
{
	bool cut = n > f->max;

	if (cut) {
		n = f->max;
		f->oversized++;
	}
	if (n > 0)
		cb(p, n, cut, arg);
}

/* LF mode: each LF ends a message; a line longer than max is cut and the rest skipped. */
static size_t
feed_lf(struct framer *f, const char *data, size_t n, framer_msg_cb cb, void *arg)
{
	const char *lf = memchr(data, '\n', n);

	if (lf == NULL) {
		if (f->skip) /* still discarding an oversized line */
			return n;
		size_t room = f->max + 1 - f->len;
		if (n < room) {
			carry(f, data, n);
			return n;
		}
		/* Over the limit: deliver what fits now and skip to the next LF. */
		carry(f, data, room);
		deliver(f, f->buf, f->len, cb, arg);
		f->len = 0;
		f->skip = 1;
		return n;
	}
	size_t used = (size_t)(lf - data) + 1;
	if (f->skip) {
		f->skip = 0;
	} else if (f->len == 0) {
		deliver(f, data, trim_trailer(data, used - 1), cb, arg);
	} else {
		carry(f, data, used - 1);
		deliver(f, f->buf, trim_trailer(f->buf, f->len), cb, arg);
	}
	f->len = 0;
	return used;
}

/* Octet mode, before a frame: read "DIGITS SP"; returns bytes used or -EPROTO. */
static ssize_t
feed_count(struct framer *f, const char *data, size_t n)
{
	size_t i = 0;

	for (; i < n; i++) {
		char c = data[i];
		if (c == ' ')
			break;
		if (c < '0' || c > '9' || f->len >= FRAMING_MAX_DIGITS)
			return -EPROTO;
		carry(f, &c, 1);
	}
	if (i == n)
		return (ssize_t)n;
	if (f->len == 0 || f->buf[0] == '0')
		return -EPROTO; /* empty or zero-prefixed count: not RFC 6587 */
	size_t len = 0;
	for (size_t k = 0; k < f->len; k++)
		len = len * 10 + (size_t)(f->buf[k] - '0');
	f->len = 0;
	f->in_frame = true;
	f->frame_len = len;
	return (ssize_t)i + 1;
}

/* Octet mode, inside a frame of frame_len bytes. */
static size_t
feed_frame(struct framer *f, const char *data, size_t n, framer_msg_cb cb, void *arg)
{
	size_t want = f->frame_len - f->len - f->skip;
	size_t take = n < want ? n : want;
	size_t keep = f->max - (f->len < f->max ? f->len : f->max);

	if (f->len == 0 && f->skip == 0 && take == f->frame_len && f->frame_len <= f->max) {
		deliver(f, data, f->frame_len, cb, arg); /* whole frame in this read */
	} else {
		size_t k = take < keep ? take : keep;
		carry(f, data, k);
		f->skip += take - k;
		if (f->len + f->skip == f->frame_len) {
			bool cut = f->skip > 0;
			if (cut)
				f->oversized++;
			if (f->len > 0)
				cb(f->buf, f->len, cut, arg);
		} else
			return take;
	}
	f->len = f->skip = 0;
	f->in_frame = false;
	return take;
}

int
framer_feed(struct framer *f, const char *data, size_t n, framer_msg_cb cb, void *arg)
{
	while (n > 0) {
		size_t used;
		if (f->mode == FRAMING_UNKNOWN)
			f->mode = (*data >= '1' && *data <= '9') ? FRAMING_OCTET : FRAMING_LF;
		if (f->mode == FRAMING_LF) {
			used = feed_lf(f, data, n, cb, arg);
		} else if (!f->in_frame) {
			ssize_t r = feed_count(f, data, n);
			if (r < 0)
				return (int)r;
			used = (size_t)r;
		} else {
			used = feed_frame(f, data, n, cb, arg);
		}
		data += used;
		n -= used;
	}
	return 0;
}

void
framer_finish(struct framer *f, framer_msg_cb cb, void *arg)
{
	if (f->mode == FRAMING_LF && f->len > 0 && !f->skip)
		deliver(f, f->buf, trim_trailer(f->buf, f->len), cb, arg);
	f->len = 0;
}
