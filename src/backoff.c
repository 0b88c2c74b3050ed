/*
 * backoff.c - retry timing and rate limiting for deliveries.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "util.h"

int64_t
backoff_delay(uint32_t attempts, int64_t initial, int64_t max, uint64_t rnd)
{
	int64_t cap = initial > 0 ? initial : 1;

	for (uint32_t i = 0; i < attempts && cap < max; i++)
		cap = cap > INT64_MAX / 2 ? INT64_MAX : cap * 2;
	if (cap > max)
		cap = max;
	if (cap <= 0)
		return 0;
	return (int64_t)(rnd % ((uint64_t)cap + 1));
}

static int64_t
http_date(const char *value)
{
	static const char *const formats[] = {
		"%a, %d %b %Y %H:%M:%S GMT", /* IMF-fixdate */
		"%A, %d-%b-%y %H:%M:%S GMT", /* obsolete RFC 850 */
		"%a %b %e %H:%M:%S %Y",	     /* asctime */
	};
	struct tm tm;

	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		memset(&tm, 0, sizeof(tm));
		const char *end = strptime(value, formats[i], &tm);
		if (end != NULL && *end == '\0')
			return (int64_t)timegm(&tm) * USEC_PER_SEC;
	}
	return -1;
}

int64_t
backoff_retry_after(const char *value, int64_t now_usec)
{
	int64_t secs;

	if (value == NULL || *value == '\0')
		return -1;
	if (parse_int64(value, 0, 86400 * 365, &secs) == 0)
		return secs * USEC_PER_SEC;
	int64_t when = http_date(value);
	if (when < 0)
		return -1;
	return when > now_usec ? when - now_usec : 0;
}

void
rate_init(struct rate_window *r, uint32_t limit, int64_t window)
{
	memset(r, 0, sizeof(*r));
	r->limit = limit > RATE_MAX ? RATE_MAX : limit;
	r->window = window;
}

int64_t
rate_wait(const struct rate_window *r, int64_t now)
{
	if (r->limit == 0 || r->n < r->limit)
		return 0;
	/* Full: the oldest of the last `limit` sends must leave the window. */
	int64_t oldest = r->sent[r->head];
	int64_t free_at = oldest + r->window;
	return free_at > now ? free_at - now : 0;
}

void
rate_note(struct rate_window *r, int64_t now)
{
	if (r->limit == 0)
		return;
	if (r->n < r->limit) {
		r->sent[(r->head + r->n) % r->limit] = now;
		r->n++;
		return;
	}
	r->sent[r->head] = now;
	r->head = (r->head + 1) % r->limit;
}
