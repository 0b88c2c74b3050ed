/*
 * framing.h - RFC 6587 stream framing for syslog over TCP (and stream unix
 * sockets): octet counting ("LEN SP MSG") or non-transparent LF framing,
 * chosen per connection from its first byte.  Pure: bytes in, messages out
 * through a callback; the caller owns the socket.
 */
#ifndef TRIAGED_FRAMING_H
#define TRIAGED_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum framing_mode {
	FRAMING_UNKNOWN = 0, /* nothing received yet */
	FRAMING_OCTET,	     /* RFC 6587 3.4.1 */
	FRAMING_LF,	     /* RFC 6587 3.4.2, trailer LF (NUL and CRLF tolerated) */
};

struct framer {
	enum framing_mode mode;
	size_t max;	  /* largest message delivered whole; longer ones are cut */
	char *buf;	  /* a partial message carried between reads */
	size_t len, cap;
	size_t frame_len; /* octet mode: length announced for the frame in buf */
	size_t skip;	  /* bytes still to discard from an oversized frame */
	bool in_frame;	  /* octet mode: the length prefix has been read */
	uint64_t oversized;
};

/* Called once per message; truncated is set when the message was cut at max. */
typedef void (*framer_msg_cb)(const char *msg, size_t len, bool truncated, void *arg);

void framer_init(struct framer *f, size_t max);
void framer_free(struct framer *f);
/*
 * Feed bytes; returns 0, or -EPROTO when the stream cannot be framed (a bad
 * octet count), after which only this connection should be closed.
 */
int framer_feed(struct framer *f, const char *data, size_t n, framer_msg_cb cb, void *arg);
/* At end of stream: an LF-framed message without its trailer is still a message. */
void framer_finish(struct framer *f, framer_msg_cb cb, void *arg);

#endif
