/*
 * store_codec.c - encode and decode store.c's records.  The format is
 * described in store_codec.h; a reader that runs out of bytes stays
 * "bad" and yields zeros, so each decoder checks once at the end.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "store_codec.h"

#define CODEC_VERSION 1
/*
 * Incidents: version 2 adds the hold, the expanded payload fields and
 * flap detection's state at the end; a version 1 record reads as one with
 * none of them.
 */
#define INCIDENT_VERSION 2

/* Writer: with p == NULL it only counts, which sizes an MDB_RESERVE. */
struct wbuf {
	uint8_t *p;
	size_t len;
};

static void
w_bytes(struct wbuf *w, const void *src, size_t n)
{
	if (w->p != NULL && n > 0)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void
w_uint(struct wbuf *w, uint64_t v, size_t width)
{
	uint8_t b[8];

	for (size_t i = 0; i < width; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	w_bytes(w, b, width);
}

static void
w_str(struct wbuf *w, const char *s, size_t n, size_t width)
{
	w_uint(w, n, width);
	w_bytes(w, s, n);
	w_uint(w, 0, 1);
}

/* Only the used part of a fixed array; the caller checked it is terminated. */
#define W_FIELD(w, f)	w_str((w), (f), strlen(f), 2)
#define UNTERMINATED(f) (strnlen((f), sizeof(f)) == sizeof(f))

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	bool bad;
	unsigned version;
};

static const uint8_t *
r_bytes(struct rbuf *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static uint64_t
r_uint(struct rbuf *r, size_t width)
{
	const uint8_t *b = r_bytes(r, width);
	uint64_t v = 0;

	for (size_t i = width; b != NULL && i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

/* A string as w_str wrote it; text forbids embedded NULs so strlen() is its length. */
static const char *
r_cstr(struct rbuf *r, size_t width, bool text, size_t *len)
{
	size_t n = (size_t)r_uint(r, width);
	const uint8_t *b = r_bytes(r, n);
	const uint8_t *nul = r_bytes(r, 1);

	if (b == NULL || nul == NULL || *nul != '\0' || (text && memchr(b, '\0', n) != NULL)) {
		r->bad = true;
		return "";
	}
	if (len != NULL)
		*len = n;
	return (const char *)b;
}

/* Copy a string into a fixed array, refusing anything that would not fit with its NUL. */
static void
r_str(struct rbuf *r, char *dst, size_t size)
{
	size_t n = 0;
	const char *s = r_cstr(r, 2, true, &n);

	if (r->bad || n >= size) {
		r->bad = true;
		return;
	}
	memcpy(dst, s, n + 1);
}

/* A record of a version from 1 up to newest. */
static struct rbuf
r_open_upto(const void *p, size_t len, unsigned newest)
{
	struct rbuf r = { p, len, 0, false, 0 };

	r.version = (unsigned)r_uint(&r, 1);
	if (r.version < 1 || r.version > newest)
		r.bad = true;
	return r;
}

static struct rbuf
r_open(const void *p, size_t len)
{
	return r_open_upto(p, len, CODEC_VERSION);
}

static int
r_done(const struct rbuf *r)
{
	return r->bad || r->off != r->len ? -EBADMSG : 0;
}

static void
w_flap(struct wbuf *w, const struct incident_flap *f)
{
	w_uint(w, f->cycles, 4);
	w_uint(w, (uint64_t)f->active | (uint64_t)f->down << 1, 1);
	w_uint(w, (uint64_t)f->changed, 8);
	w_uint(w, f->nstarts, 1);
	for (uint32_t i = 0; i < f->nstarts; i++)
		w_uint(w, (uint64_t)f->starts[i], 8);
}

static void
r_flap(struct rbuf *r, struct incident_flap *f)
{
	unsigned flags;

	f->cycles = (uint32_t)r_uint(r, 4);
	flags = (unsigned)r_uint(r, 1);
	f->active = flags & 1;
	f->down = flags & 2;
	f->changed = (int64_t)r_uint(r, 8);
	f->nstarts = (uint32_t)r_uint(r, 1);
	if (flags > 3 || f->nstarts > INCIDENT_FLAP_MAX) {
		r->bad = true;
		f->nstarts = 0;
	}
	for (uint32_t i = 0; i < f->nstarts; i++)
		f->starts[i] = (int64_t)r_uint(r, 8);
}

int
store_codec_encode_incident(uint8_t *buf, const struct incident *inc, size_t *len)
{
	struct wbuf w = { buf, 0 };

	if (inc->key[0] == '\0' || UNTERMINATED(inc->key) || UNTERMINATED(inc->rule) ||
	    UNTERMINATED(inc->host) || UNTERMINATED(inc->summary) || UNTERMINATED(inc->route) ||
	    UNTERMINATED(inc->component) || UNTERMINATED(inc->group) || UNTERMINATED(inc->class_) ||
	    !incident_state_valid((unsigned)inc->state) || inc->nrecent > INCIDENT_RECENT_MAX ||
	    inc->flap.nstarts > INCIDENT_FLAP_MAX)
		return -EINVAL;
	w_uint(&w, INCIDENT_VERSION, 1);
	w_uint(&w, inc->id, 8);
	W_FIELD(&w, inc->key);
	W_FIELD(&w, inc->rule);
	W_FIELD(&w, inc->host);
	W_FIELD(&w, inc->summary);
	w_uint(&w, (uint64_t)inc->state, 1);
	w_uint(&w, (uint32_t)inc->severity, 4);
	w_uint(&w, inc->count, 8);
	w_uint(&w, (uint64_t)inc->first_seen, 8);
	w_uint(&w, (uint64_t)inc->last_seen, 8);
	w_uint(&w, (uint64_t)inc->state_since, 8);
	w_uint(&w, (uint64_t)inc->acked_at, 8);
	w_uint(&w, (uint64_t)inc->resolved_at, 8);
	w_uint(&w, inc->nrecent, 1);
	for (uint32_t i = 0; i < inc->nrecent; i++)
		w_uint(&w, (uint64_t)inc->recent[i], 8);
	W_FIELD(&w, inc->route);
	w_uint(&w, (uint64_t)inc->held_since, 8);
	W_FIELD(&w, inc->component);
	W_FIELD(&w, inc->group);
	W_FIELD(&w, inc->class_);
	w_flap(&w, &inc->flap);
	*len = w.len;
	return 0;
}

int
store_codec_decode_incident(const void *p, size_t len, struct incident *out)
{
	struct rbuf r = r_open_upto(p, len, INCIDENT_VERSION);
	unsigned state;

	memset(out, 0, sizeof *out);
	out->id = r_uint(&r, 8);
	r_str(&r, out->key, sizeof out->key);
	r_str(&r, out->rule, sizeof out->rule);
	r_str(&r, out->host, sizeof out->host);
	r_str(&r, out->summary, sizeof out->summary);
	state = (unsigned)r_uint(&r, 1);
	out->severity = (int32_t)(uint32_t)r_uint(&r, 4);
	out->count = r_uint(&r, 8);
	out->first_seen = (int64_t)r_uint(&r, 8);
	out->last_seen = (int64_t)r_uint(&r, 8);
	out->state_since = (int64_t)r_uint(&r, 8);
	out->acked_at = (int64_t)r_uint(&r, 8);
	out->resolved_at = (int64_t)r_uint(&r, 8);
	out->nrecent = (uint32_t)r_uint(&r, 1);
	if (r.bad || !incident_state_valid(state) || out->nrecent > INCIDENT_RECENT_MAX)
		return -EBADMSG;
	out->state = (enum incident_state)state;
	for (uint32_t i = 0; i < out->nrecent; i++)
		out->recent[i] = (int64_t)r_uint(&r, 8);
	r_str(&r, out->route, sizeof out->route);
	if (r.version >= 2) {
		out->held_since = (int64_t)r_uint(&r, 8);
		r_str(&r, out->component, sizeof out->component);
		r_str(&r, out->group, sizeof out->group);
		r_str(&r, out->class_, sizeof out->class_);
		r_flap(&r, &out->flap);
	}
	return r_done(&r);
}

int
store_codec_encode_silence(uint8_t *buf, const struct store_silence *s, size_t *len)
{
	struct wbuf w = { buf, 0 };

	if (UNTERMINATED(s->creator) || UNTERMINATED(s->comment) || s->nmatchers > MATCHER_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < s->nmatchers; i++)
		if (UNTERMINATED(s->matchers[i]))
			return -EINVAL;
	w_uint(&w, CODEC_VERSION, 1);
	w_uint(&w, s->id, 8);
	w_uint(&w, (uint64_t)s->created, 8);
	w_uint(&w, (uint64_t)s->start, 8);
	w_uint(&w, (uint64_t)s->end, 8);
	W_FIELD(&w, s->creator);
	W_FIELD(&w, s->comment);
	w_uint(&w, s->nmatchers, 1);
	for (uint32_t i = 0; i < s->nmatchers; i++)
		W_FIELD(&w, s->matchers[i]);
	*len = w.len;
	return 0;
}

int
store_codec_decode_silence(const void *p, size_t len, struct store_silence *out)
{
	struct rbuf r = r_open(p, len);

	memset(out, 0, sizeof *out);
	out->id = r_uint(&r, 8);
	out->created = (int64_t)r_uint(&r, 8);
	out->start = (int64_t)r_uint(&r, 8);
	out->end = (int64_t)r_uint(&r, 8);
	r_str(&r, out->creator, sizeof out->creator);
	r_str(&r, out->comment, sizeof out->comment);
	out->nmatchers = (uint32_t)r_uint(&r, 1);
	if (r.bad || out->nmatchers > MATCHER_MAX)
		return -EBADMSG;
	for (uint32_t i = 0; i < out->nmatchers; i++)
		r_str(&r, out->matchers[i], sizeof out->matchers[i]);
	return r_done(&r);
}

int
store_codec_encode_timeline(uint8_t *buf, const struct timeline_entry *e, size_t *len)
{
	struct wbuf w = { buf, 0 };

	if (UNTERMINATED(e->text) || (unsigned)e->kind >= TIMELINE_NKINDS ||
	    !incident_state_valid((unsigned)e->state))
		return -EINVAL;
	w_uint(&w, CODEC_VERSION, 1);
	w_uint(&w, (uint64_t)e->at, 8);
	w_uint(&w, (uint64_t)e->kind, 1);
	w_uint(&w, (uint64_t)e->state, 1);
	w_uint(&w, e->count, 8);
	W_FIELD(&w, e->text);
	*len = w.len;
	return 0;
}

int
store_codec_decode_timeline(const void *p, size_t len, struct timeline_entry *out)
{
	struct rbuf r = r_open(p, len);
	unsigned kind, state;

	memset(out, 0, sizeof *out);
	out->at = (int64_t)r_uint(&r, 8);
	kind = (unsigned)r_uint(&r, 1);
	state = (unsigned)r_uint(&r, 1);
	out->count = r_uint(&r, 8);
	r_str(&r, out->text, sizeof out->text);
	if (kind >= TIMELINE_NKINDS || !incident_state_valid(state))
		return -EBADMSG;
	out->kind = (enum timeline_kind)kind;
	out->state = (enum incident_state)state;
	return r_done(&r);
}

int
store_codec_encode_event(uint8_t *buf, const struct store_event *ev, size_t *len)
{
	struct wbuf w = { buf, 0 };
	const char *l = ev->listener != NULL ? ev->listener : "";
	const char *s = ev->source != NULL ? ev->source : "";
	size_t llen = strlen(l), slen = strlen(s);

	if (llen > UINT16_MAX || slen > UINT16_MAX || ev->raw_len > UINT32_MAX ||
	    ev->packed_len > UINT32_MAX || (ev->raw == NULL && ev->raw_len > 0) ||
	    (ev->packed == NULL && ev->packed_len > 0))
		return -EINVAL;
	w_uint(&w, CODEC_VERSION, 1);
	w_uint(&w, (uint64_t)ev->recv_usec, 8);
	w_str(&w, l, llen, 2);
	w_str(&w, s, slen, 2);
	w_str(&w, ev->raw != NULL ? ev->raw : "", ev->raw_len, 4);
	if (ev->packed_len > 0) /* absent in records written before it existed */
		w_str(&w, ev->packed, ev->packed_len, 4);
	*len = w.len;
	return 0;
}

int
store_codec_decode_event(const void *p, size_t len, struct store_event *ev)
{
	struct rbuf r = r_open(p, len);

	ev->recv_usec = (int64_t)r_uint(&r, 8);
	ev->listener = r_cstr(&r, 2, true, NULL);
	ev->source = r_cstr(&r, 2, true, NULL);
	ev->raw = r_cstr(&r, 4, false, &ev->raw_len);
	ev->packed = NULL;
	ev->packed_len = 0;
	if (!r.bad && r.off < r.len)
		ev->packed = r_cstr(&r, 4, false, &ev->packed_len);
	return r_done(&r);
}

void
store_codec_encode_tally(uint8_t buf[STORE_CODEC_TALLY_LEN], const struct store_tally *n)
{
	struct wbuf w = { buf, 0 };

	w_uint(&w, CODEC_VERSION, 1);
	w_uint(&w, n->events, 8);
	w_uint(&w, n->dropped, 8);
	w_uint(&w, n->opened, 8);
	w_uint(&w, n->deliveries, 8);
	w_uint(&w, n->pages, 8);
}

int
store_codec_decode_tally(const void *p, size_t len, struct store_tally *n)
{
	struct rbuf r = r_open(p, len);

	n->events = r_uint(&r, 8);
	n->dropped = r_uint(&r, 8);
	n->opened = r_uint(&r, 8);
	n->deliveries = r_uint(&r, 8);
	n->pages = r_uint(&r, 8);
	return r_done(&r);
}

int
store_codec_get_name(const uint8_t **p, const uint8_t *end, char *out, size_t size)
{
	const uint8_t *nul = memchr(*p, '\0', (size_t)(end - *p));

	if (nul == NULL || (size_t)(nul - *p) >= size)
		return -EBADMSG;
	memcpy(out, *p, (size_t)(nul - *p) + 1);
	*p = nul + 1;
	return 0;
}
