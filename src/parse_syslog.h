/*
 * parse_syslog.h - RFC 5424 and RFC 3164 (as really sent) into struct event.
 * Pure: no I/O, no allocation beyond ev->scratch, no global state.
 */
#ifndef TRIAGED_PARSE_SYSLOG_H
#define TRIAGED_PARSE_SYSLOG_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct parse_ctx {
	int64_t now_usec;   /* receive time, UTC: year inference and the default timestamp */
	int32_t local_tz_offset_sec; /* applied to timestamps without a zone (BSD, ISO without offset) */
};

/*
 * Parse raw[0..len) into ev, which the caller has reset with
 * event_reset(ev, len + 64).  Never fails: input it cannot make sense of
 * becomes an event with flags |= EVENT_MALFORMED and message = the raw text
 * (trailing CR/LF/NUL stripped).  ev->recv_usec, ev->source and ev->host's
 * fallback (ev->source) are the caller's to set before the call; the parser
 * overwrites host only when the message names one.
 */
void parse_syslog(struct event *ev, const char *raw, size_t len, const struct parse_ctx *ctx);

#endif
