/*
 * status_line.h - the one writer of systemd's STATUS=: "Running", or what
 * is wrong, composed from the state database's degraded state (batch.c)
 * and the upstreams' health (the outbox), so that neither overwrites the
 * other.  Sent only when it changes.
 */
#ifndef TRIAGED_STATUS_LINE_H
#define TRIAGED_STATUS_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct daemon;
struct status_line;

#define STATUS_LINE_MAX	      512
#define STATUS_LINE_UPSTREAMS 3 /* named; more are counted */

struct status_upstream {
	const char *name;
	const char *state; /* "failing", "held" */
	int64_t down_for;  /* usec */
	size_t queued;
};

struct status_inputs {
	bool degraded;
	const char *store_error; /* why, when degraded */
	/* The upstreams that are down: nups named (at most STATUS_LINE_UPSTREAMS), more counted. */
	const struct status_upstream *ups;
	size_t nups, more;
};

/*
 * "Running", "Running; upstream pd failing for 2m, 42 queued",
 * "Degraded: the state database refuses writes (...); upstream ...".  Pure.
 */
void status_line_compose(char *buf, size_t size, const struct status_inputs *in);

/* Joins d->batch to hear of its degraded state; d->outbox may come later. */
int status_line_new(struct daemon *d, struct status_line **ret);
void status_line_free(struct status_line *s); /* NULL-safe */
/* Something it is made of changed: send it when the line did (NULL-safe). */
void status_line_update(struct status_line *s);
/* Send it now after other fields ("READY=1"), changed or not (NULL-safe). */
void status_line_notify(struct status_line *s, const char *fields);

#endif
