/*
 * eventlog_int.h - what the raw-event log's loop side (eventlog.c) and
 * its writer thread (eventlog_writer.c) share: the blocks handed over and
 * the counters the thread publishes.
 */
#ifndef TRIAGED_EVENTLOG_INT_H
#define TRIAGED_EVENTLOG_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "eventlog_segment.h"

/*
 * Records in memory, in the segment format's record encoding.  The loop
 * fills one block; once handed to the writer a block never changes, so
 * the loop still reads it (explain, events) without a lock, and frees it
 * once the writer has marked it done.
 */
struct evlog_block {
	struct evlog_block *next;
	uint64_t first_seq;
	uint32_t count;
	int64_t oldest, newest;
	size_t len, cap;
	bool done; /* under the writer's mutex: written, or failed to be */
	uint8_t *data;
};

/* What the thread publishes; read by the loop without a lock. */
struct evlog_counters {
	_Atomic uint64_t records; /* in the segments on disk */
	_Atomic uint64_t bytes; /* of the segments on disk */
	_Atomic uint64_t segments;
	_Atomic uint64_t blocks; /* written since start */
	_Atomic uint64_t raw_bytes; /* of those blocks, uncompressed */
	_Atomic uint64_t errors; /* blocks that could not be written */
	_Atomic uint64_t lost; /* the records those held */
	_Atomic int last_error; /* -errno of the last of them */
	_Atomic uint64_t pruned; /* segments deleted by age or size */
};

struct evlog_writer_opts {
	const char *dir;
	int64_t max_age; /* usec; 0: none */
	uint64_t max_size; /* bytes on disk; 0: none */
	uint64_t segment_max; /* bytes per segment before the next one starts */
	int level; /* zstd */
	bool paused; /* tests: take no block until evlog_writer_resume */
};

struct evlog_writer;

/*
 * Scan dir (creating it), cut a block cut short off the newest segment,
 * and start the thread.  *next_seq is the number the next record takes.
 */
int evlog_writer_start(const struct evlog_writer_opts *o, struct evlog_counters *c,
    struct evlog_writer **ret, uint64_t *next_seq, char **cause);
/* Write what was handed over, then stop the thread and free it (NULL-safe). */
void evlog_writer_stop(struct evlog_writer *w);
/*
 * Hand b over to be written after those before it; the loop keeps owning
 * its memory.  -ENOBUFS when EVLOG_QUEUE_MAX blocks wait already.
 */
#define EVLOG_QUEUE_MAX 256
int evlog_writer_push(struct evlog_writer *w, struct evlog_block *b);
/* Whether b is written (or failed); the loop frees it then. */
bool evlog_writer_done(struct evlog_writer *w, const struct evlog_block *b);
void evlog_writer_resume(struct evlog_writer *w);

/* The loop's side (eventlog.c), read back by eventlog_read.c. */
struct eventlog {
	char *dir;
	struct evlog_writer *w;
	struct evlog_counters c; /* the writer's, published */
	sd_event_source *timer; /* hands the open block over EVENTLOG_WAIT after its first record */
	uint64_t next_seq;
	struct evlog_block *cur; /* open, filled by the loop */
	struct evlog_block *head, *tail; /* handed over, oldest first, until written */
	uint64_t pending; /* bytes in head..tail */
	uint64_t appended, refused; /* refused: records dropped for want of room */
	uint64_t seen_errors, seen_blocks;
	bool failing; /* said once when writes start failing, once when they work again */
	struct evseg_reader rd; /* reads on the loop reuse its buffers */
};

#endif
