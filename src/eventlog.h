/*
 * eventlog.h - the raw-event log, kept for `triagectl events`, `explain
 * --event` and `replay`: every event as received, in append-only zstd
 * segments under STATE_DIR/eventlog (eventlog_segment.h has the format).
 *
 * The loop copies each record into an open block in memory; a block is
 * handed to a writer thread when it fills, or 200 ms after its first
 * record, and the thread compresses and appends it, starts a new segment
 * past a size, and prunes the oldest segments whole by age and size.  The
 * log is an aid, not state: it is written apart from the state database's
 * commits and never makes them fail.  What the writer cannot write (a full
 * disk), or what waits for it beyond EVENTLOG_PENDING_MAX, is dropped and
 * counted; a kill -9 loses what was not yet written (up to ~200 ms).
 */
#ifndef TRIAGED_EVENTLOG_H
#define TRIAGED_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "eventlog_segment.h"
#include "store.h"

#define EVENTLOG_DIR "eventlog"
#define EVENTLOG_BLOCK (64 * 1024) /* a block is handed over at this size */
#define EVENTLOG_WAIT (200 * 1000LL) /* usec; or this long after its first record */
#define EVENTLOG_PENDING_MAX (8 * 1024 * 1024) /* bytes handed over and not yet written */

struct eventlog;

struct eventlog_opts {
	const char *state_dir;
	int64_t max_age; /* usec; older segments are pruned; 0: no limit */
	uint64_t max_size; /* bytes on disk; oldest segments pruned first; 0: no limit */
	uint64_t segment_max; /* bytes per segment; 0: max_size / 8 within 16 KiB .. 64 MiB */
	bool paused; /* tests: the writer takes nothing until eventlog_resume */
};

struct eventlog_stats {
	uint64_t appended; /* records taken since start */
	uint64_t records; /* records in the segments on disk */
	uint64_t bytes; /* size of the segments on disk */
	uint64_t raw_bytes; /* records written since start, uncompressed */
	uint64_t segments;
	uint64_t pruned; /* segments deleted by age or size */
	uint64_t pending; /* bytes in memory waiting to be written */
	uint64_t dropped; /* records lost: not written (errors) or no room to wait */
	uint64_t write_errors; /* blocks the writer could not write */
	int last_error; /* -errno of the last of them */
};

/* Open (creating) STATE_DIR/eventlog and start its writer; sd-event drives the block timer. */
int eventlog_open(
    sd_event *event, const struct eventlog_opts *o, struct eventlog **ret, char **cause);
/* Hand over what is open, wait until the writer has written it, and free (NULL-safe). */
void eventlog_close(struct eventlog *l);
/* Copy ev in, numbering it (ev->seq): 0, -EMSGSIZE for a record too large to keep. */
int eventlog_append(struct eventlog *l, struct store_event *ev);
/* Hand the open block over now. */
void eventlog_flush(struct eventlog *l);
void eventlog_resume(struct eventlog *l);
void eventlog_stats(struct eventlog *l, struct eventlog_stats *out);

/* A record read back, owning its strings. */
struct eventlog_record {
	struct store_event ev;
	uint8_t *mem;
};
/* Record seq, from memory or disk: 0, -ENOENT when pruned, dropped or never written. */
int eventlog_get(struct eventlog *l, uint64_t seq, struct eventlog_record *out);
void eventlog_record_free(struct eventlog_record *r);
/* The newest max records, newest first; cb's strings live only during it. */
int eventlog_recent(struct eventlog *l, size_t max, evseg_cb cb, void *arg);

/* For `triagectl replay` beside a running daemon: the segments on disk, read-only. */
struct eventlog_reader;
int eventlog_reader_open(const char *state_dir, struct eventlog_reader **ret, char **cause);
void eventlog_reader_close(struct eventlog_reader *r); /* NULL-safe */
/* As evseg_read: records after `after`, oldest first, at most max. */
int eventlog_reader_read(
    struct eventlog_reader *r, uint64_t after, size_t max, evseg_cb cb, void *arg, uint64_t *last);

#endif
