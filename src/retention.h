/*
 * retention.h - prunes resolved incidents past the configured age and
 * count (`retention { ... }`), a bounded number per tick, in the
 * pipeline's open batch, from the store's index by resolved time.
 */
#ifndef TRIAGED_RETENTION_H
#define TRIAGED_RETENTION_H

#include <stdint.h>

struct daemon;
struct retention;

int retention_new(struct daemon *d, struct retention **ret);
void retention_free(struct retention *rt); /* NULL-safe */

/* One pass at now (realtime usec): the number pruned, or -errno. */
int retention_run(struct retention *rt, int64_t now);

#endif
