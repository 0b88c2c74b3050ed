/*
 * latency.h - the last LATENCY_SAMPLES durations of something (a commit,
 * a new line becoming a durable incident), for status: median, 99th
 * percentile and maximum.  Fixed size, nothing allocated; reading sorts a
 * copy, which only a status request pays.
 */
#ifndef TRIAGED_LATENCY_H
#define TRIAGED_LATENCY_H

#include <stddef.h>
#include <stdint.h>

#define LATENCY_SAMPLES 1024

struct latency {
	int64_t v[LATENCY_SAMPLES]; /* usec */
	size_t n, next;
	uint64_t count; /* ever added */
	int64_t sum;	/* usec, of all ever added */
};

struct latency_summary {
	uint64_t count;		  /* ever added */
	int64_t sum;		  /* usec, of all ever added */
	size_t samples;		  /* of which the figures below cover the last */
	int64_t p50, p99, max;	  /* usec; 0 when no sample */
};

void latency_add(struct latency *l, int64_t usec);
void latency_summarize(const struct latency *l, struct latency_summary *out);

#endif
