/*
 * pipeline_inhibit.h - what the daemon says of its inhibit statements:
 * how many incidents an inhibiting incident held, and how many of them
 * were sent when it ended.
 */
#ifndef TRIAGED_PIPELINE_INHIBIT_H
#define TRIAGED_PIPELINE_INHIBIT_H

#include <stdint.h>

struct conf;
struct pipeline;

struct inhibit_stats {
	uint64_t inhibited; /* incidents held by an inhibiting incident */
	uint64_t released;  /* ... sent when it ended, still firing */
	uint64_t unfiled;   /* inhibiting incidents taken out of the index when they closed */
};

const struct inhibit_stats *inhibit_get_stats(const struct pipeline *p);
/*
 * The most entries the source index may hold under conf: four per open
 * incident of each statement's source rule, its max-open and its overflow
 * incident (the store counts what it holds: store_stats' held_index).
 */
uint64_t inhibit_index_max(const struct conf *conf);

#endif
