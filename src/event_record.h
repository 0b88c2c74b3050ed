/*
 * event_record.h - an event again from its raw-event log record, as a
 * configuration's listeners would make it: for replay and `explain --event`.
 */
#ifndef TRIAGED_EVENT_RECORD_H
#define TRIAGED_EVENT_RECORD_H

#include <stddef.h>

#include "event.h"

struct conf;
struct store_event;

/* Where a packed event is copied out of the map, aligned for event_unpack(); reused. */
struct event_record_buf {
	char *aligned;
	size_t cap;
};
void event_record_buf_free(struct event_record_buf *b);

/*
 * The event of record se.  A syslog line is parsed again into *own (reset
 * here; its scratch reused) as the listener of the same name in conf reads
 * its bytes, from the address the record names.  A trap or journal entry
 * comes back whole into *view, pointing into b, its host given back to
 * what the sender said (a `host` block of conf decides again).  Returns
 * own or view; either borrows from se only while se lives.  NULL when the
 * record holds neither.
 */
struct event *event_from_record(const struct conf *conf, const struct store_event *se,
    struct event *own, struct event *view, struct event_record_buf *b);

/* ev's sender from a numeric address; -EINVAL (src left unset) when text is not one. */
int event_set_src(struct event *ev, const char *text);

#endif
