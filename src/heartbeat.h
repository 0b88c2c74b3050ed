/*
 * heartbeat.h - a dead man's switch per upstream: `heartbeat URL every D`
 * in an upstream block makes triaged GET the URL (a healthchecks.io-style
 * ping) every D while it is healthy, so the service behind the URL raises
 * the alarm when the pings stop: triaged dead, its host down, or its state
 * database refusing writes (no ping then).
 */
#ifndef TRIAGED_HEARTBEAT_H
#define TRIAGED_HEARTBEAT_H

#include <jansson.h>

struct daemon;
struct heartbeat;

/* The pings d->conf asks for; *out NULL when none does. */
int heartbeat_new(struct daemon *d, struct heartbeat **out);
void heartbeat_free(struct heartbeat *hb); /* NULL-safe; cancels pings in flight */
/* After a reload: the pings of the new config, counts from 0. */
int heartbeat_reconfigure(struct daemon *d, struct heartbeat **hb);
/* [{name, every_usec, sent, failed, skipped, last_ok, state}], one per heartbeat. */
json_t *heartbeat_json(const struct heartbeat *hb);

#endif
