/*
 * store_codec.h - the byte format of the records store.c keeps in LMDB.
 * Pure functions over buffers, no LMDB, so the decoders can be fuzzed.
 *
 * Every record starts with a version byte.  Integers are fixed-width
 * little-endian; strings are a length, the bytes and a NUL, so decoded
 * event strings can point straight into the map.  Keys are big-endian so
 * LMDB's byte order is numeric order.  Decoders never write past the
 * destination and return -EBADMSG for anything malformed.
 */
#ifndef TRIAGED_STORE_CODEC_H
#define TRIAGED_STORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "incident.h"
#include "store.h"

/*
 * Encoders write into buf (NULL: only measure) and set *len.  They return
 * -EINVAL for a record that could not be read back (an unterminated
 * array, an out-of-range enum or count, an over-long event string).
 */
int store_codec_encode_incident(uint8_t *buf, const struct incident *inc, size_t *len);
int store_codec_encode_timeline(uint8_t *buf, const struct timeline_entry *e, size_t *len);
int store_codec_encode_event(uint8_t *buf, const struct store_event *ev, size_t *len);
#define STORE_CODEC_TALLY_LEN 41
void store_codec_encode_tally(uint8_t buf[STORE_CODEC_TALLY_LEN], const struct store_tally *n);

int store_codec_encode_silence(uint8_t *buf, const struct store_silence *s, size_t *len);

int store_codec_decode_incident(const void *p, size_t len, struct incident *out);
int store_codec_decode_silence(const void *p, size_t len, struct store_silence *out);
int store_codec_decode_timeline(const void *p, size_t len, struct timeline_entry *out);
/* Fills all of ev but seq; its strings point into p. */
int store_codec_decode_event(const void *p, size_t len, struct store_event *ev);
int store_codec_decode_tally(const void *p, size_t len, struct store_tally *n);

/*
 * One NUL-terminated name of at most size - 1 bytes from [*p, end) into
 * out, *p moved past it; -EBADMSG when there is none that fits.
 */
int store_codec_get_name(const uint8_t **p, const uint8_t *end, char *out, size_t size);

static inline void
store_codec_be_put(uint8_t *p, uint64_t v, size_t width)
{
	for (size_t i = width; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t
store_codec_be_get(const void *p, size_t width)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (size_t i = 0; i < width; i++)
		v = v << 8 | b[i];
	return v;
}

#endif
