/*
 * metrics.h - the daemon's status (the JSON of `triagectl status`) in the
 * Prometheus text exposition format, version 0.0.4, for GET /metrics and
 * `triagectl metrics`.  One source for both: what status says, metrics say.
 */
#ifndef TRIAGED_METRICS_H
#define TRIAGED_METRICS_H

#include <jansson.h>
#include <stdint.h>

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The exposition of STATUS at NOW (usec, realtime: for ages); malloc'd, NUL-terminated. */
char *metrics_render(const json_t *status, int64_t now);

#endif
