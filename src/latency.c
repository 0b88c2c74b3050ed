/*
 * latency.c - a ring of recent durations and their quantiles (latency.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "latency.h"

void
latency_add(struct latency *l, int64_t usec)
{
	l->v[l->next] = usec > 0 ? usec : 0;
	l->next = (l->next + 1) % LATENCY_SAMPLES;
	if (l->n < LATENCY_SAMPLES)
		l->n++;
	l->count++;
	l->sum += usec > 0 ? usec : 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The nearest-rank quantile q (in percent) of n sorted values. */
static int64_t
rank(const int64_t *v, size_t n, unsigned q)
{
	size_t r = (n * q + 99) / 100; /* ceil(n * q / 100), 1-based */
	return v[r > 0 ? r - 1 : 0];
}

void
latency_summarize(const struct latency *l, struct latency_summary *out)
{
	int64_t sorted[LATENCY_SAMPLES];

	memset(out, 0, sizeof(*out));
	out->count = l->count;
	out->sum = l->sum;
	out->samples = l->n;
	if (l->n == 0)
		return;
	memcpy(sorted, l->v, l->n * sizeof(sorted[0]));
	qsort(sorted, l->n, sizeof(sorted[0]), cmp_i64);
	out->p50 = rank(sorted, l->n, 50);
	out->p99 = rank(sorted, l->n, 99);
	out->max = sorted[l->n - 1];
}
