/*
 * pipeline_inhibit.h - what the daemon says of its inhibit statements:
 * how many incidents an inhibiting incident held, and how many of them
 * were sent when it ended.
 */
#ifndef TRIAGED_PIPELINE_INHIBIT_H
#define TRIAGED_PIPELINE_INHIBIT_H

#include <stdint.h>

struct pipeline;

struct inhibit_stats {
	uint64_t inhibited; /* incidents held by an inhibiting incident */
	uint64_t released;  /* ... sent when it ended, still firing */
	uint64_t unfiled;   /* inhibiting incidents taken out of the index when they closed */
};

const struct inhibit_stats *inhibit_get_stats(const struct pipeline *p);

#endif
