/*
 * store_escalation.h - each incident's escalation state (escalation.h)
 * under be(incident id), in the caller's batch, so a restart resumes it
 * where the last commit left it: the level due and when, who was paged
 * and how far their notification rules went.
 */
#ifndef TRIAGED_STORE_ESCALATION_H
#define TRIAGED_STORE_ESCALATION_H

#include <stdint.h>

#include "escalation.h"
#include "store.h"

int store_escalation_put(struct store_txn *t, uint64_t id, const struct escalation_state *st);
/* -ENOENT when it has none, -EBADMSG when its record is bad. */
int store_escalation_get(struct store_txn *t, uint64_t id, struct escalation_state *st);
int store_escalation_del(struct store_txn *t, uint64_t id); /* 0 when absent too */
int store_escalation_count(struct store_txn *t, uint64_t *n);

#endif
