/*
 * jsonutil.h - small jansson helpers shared by the control replies and the
 * outbox listing.
 */
#ifndef TRIAGED_JSONUTIL_H
#define TRIAGED_JSONUTIL_H

#include <jansson.h>
#include <stdint.h>

/* A UTC time (usec) as an RFC 3339 string; null for "never" (<= 0). */
json_t *json_time(int64_t usec);

#endif
