/*
 * failover.h - `failover-after D`: a rule that both sends to upstreams and
 * pages (`page "POLICY"`) leaves the paging to its upstreams while any of
 * them takes deliveries, and pages people itself once all of them have
 * accepted nothing for D.  When an upstream crosses D, the incidents whose
 * triggers wait for it are paged at once; when it takes deliveries again,
 * its queue drains and new incidents are left to it again.
 */
#ifndef TRIAGED_FAILOVER_H
#define TRIAGED_FAILOVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct daemon;
struct failover;
struct pipeline;
struct rule;

/*
 * Pure: whether a rule whose upstreams have failed since down_since[0..n)
 * (realtime usec, 0: up) pages at now, with failover-after `after` (0: off).
 */
bool failover_due(int64_t after, const int64_t *down_since, size_t n, int64_t now);

/* Whether rule's incidents are paged now (true when it sends nowhere, or failover-after is off). */
bool failover_pages(struct daemon *d, const struct rule *rule, int64_t now);

int failover_new(struct daemon *d, struct failover **out);
void failover_free(struct failover *f); /* NULL-safe */
/* {after_usec, upstreams: [names in failover], caught_up, left_to_upstream} */
json_t *failover_json(const struct failover *f);
/* A page left to the upstreams: counted. */
void failover_left(struct failover *f);

#endif
