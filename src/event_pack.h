/*
 * event_pack.h - an event copied whole into a flat buffer and back, so the
 * pipeline can keep the events of the open batch and process them again
 * when LMDB's map filled in the middle of it (the batch is redone in a
 * grown map instead of lost).
 */
#ifndef TRIAGED_EVENT_PACK_H
#define TRIAGED_EVENT_PACK_H

#include <stddef.h>

#include "event.h"

/* Bytes event_pack() writes for ev (its fields as they are now). */
size_t event_pack_size(const struct event *ev);
/* Write ev into buf (event_pack_size(ev) bytes, aligned like a pointer). */
void event_pack(const struct event *ev, char *buf);
/*
 * Make ev a view of a packed event: its strings point into buf, which must
 * outlive it; it has no scratch and no text buffer of its own.
 */
void event_unpack(struct event *ev, const char *buf);

#endif
