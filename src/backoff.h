/*
 * backoff.h - when to try a delivery again: capped exponential backoff with
 * full jitter, Retry-After parsing, and a sliding-window rate limit.  Pure
 * functions of their arguments (the random number and the clock included).
 */
#ifndef TRIAGED_BACKOFF_H
#define TRIAGED_BACKOFF_H

#include <stdint.h>

/*
 * Delay before attempt number attempts+1: uniform in [0, min(max,
 * initial * 2^attempts)], drawn from rnd ("full jitter"), so a herd of
 * retries spreads out instead of returning together.
 */
int64_t backoff_delay(uint32_t attempts, int64_t initial, int64_t max, uint64_t rnd);

/*
 * Parse a Retry-After value: delta-seconds or an HTTP-date (RFC 9110).
 * Returns the delay in usec from now (>= 0), or -1 when it cannot be read.
 */
int64_t backoff_retry_after(const char *value, int64_t now_usec);

/* At most `limit` sends in any window of `window` usec. */
#define RATE_MAX 1024

struct rate_window {
	uint32_t limit; /* 0 = unlimited */
	int64_t window;
	uint32_t n, head;
	int64_t sent[RATE_MAX]; /* ring of the last `limit` send times */
};

void rate_init(struct rate_window *r, uint32_t limit, int64_t window);
/* 0 when a send is allowed now, else the usec to wait. */
int64_t rate_wait(const struct rate_window *r, int64_t now);
void rate_note(struct rate_window *r, int64_t now);

#endif
