/*
 * eventlog_segment.h - the raw-event log's files: the format and the
 * readers the daemon, the writer thread and `triagectl replay` share.
 *
 * STATE_DIR/eventlog/ holds segments named by the number of their first
 * record (16 hex digits, ".zst").  A segment is a run of blocks; each block
 * is a zstd skippable frame holding its header (first record number, count,
 * oldest and newest receive time, sizes) followed by one zstd frame of its
 * records, so `zstd -t` checks a segment and a reader skips whole blocks by
 * their headers.  A record is a 4-byte big-endian length and the store
 * codec's event record.  Records are numbered without gaps inside a block;
 * blocks dropped under pressure leave gaps between blocks.
 *
 * A block cut short (a crash in mid-write, or a read racing the writer)
 * ends its segment for readers; the writer truncates it at start.
 */
#ifndef TRIAGED_EVENTLOG_SEGMENT_H
#define TRIAGED_EVENTLOG_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define EVSEG_HDR 48 /* skippable frame: magic, size, 40 bytes of header */
#define EVSEG_RAW_MAX (4u << 20) /* the largest block, uncompressed, a reader takes */
#define EVSEG_RECORD_MAX (EVSEG_RAW_MAX - 4) /* the largest record */
#define EVSEG_SUFFIX ".zst"

struct evseg_hdr {
	uint64_t first_seq;
	uint32_t count;
	int64_t oldest, newest; /* receive times, usec */
	uint32_t raw_len; /* records, uncompressed */
	uint32_t zlen; /* the zstd frame that follows */
};

void evseg_hdr_encode(uint8_t out[EVSEG_HDR], const struct evseg_hdr *h);
int evseg_hdr_decode(const uint8_t in[EVSEG_HDR], struct evseg_hdr *h); /* -EBADMSG */

/* DIR/0000000000000001.zst into buf; -ENAMETOOLONG when it does not fit. */
int evseg_path(char *buf, size_t size, const char *dir, uint64_t first);
/* The segments' first numbers, ascending, in a new array (*n 0 and no array when none). */
int evseg_list(const char *dir, uint64_t **firsts, size_t *n);

/* Reading: one open segment and the buffers decompression reuses. */
struct evseg_reader {
	int fd;
	uint64_t off; /* the next block's header */
	uint64_t hdr_off; /* the current block's header */
	struct evseg_hdr h; /* the current block */
	uint8_t *z, *raw;
	size_t zcap, rawcap;
	void *dctx;
};

void evseg_reader_init(struct evseg_reader *r);
void evseg_reader_free(struct evseg_reader *r); /* closes the segment too */
/* Open segment `first` of dir (closing the one open): 0, -ENOENT when pruned meanwhile. */
int evseg_open(struct evseg_reader *r, const char *dir, uint64_t first);
void evseg_close(struct evseg_reader *r);
/* The next block's header into r->h: 1, 0 at the end or a block cut short, -errno. */
int evseg_next(struct evseg_reader *r);
/* Reread the header at off (as evseg_next, from there). */
int evseg_seek(struct evseg_reader *r, uint64_t off);
/* Decompress the current block into r->raw (r->h.raw_len bytes): 0 or -EBADMSG/-errno. */
int evseg_load(struct evseg_reader *r);
/*
 * The record at *off in a loaded block (or a block in memory), advancing
 * *off: 1, 0 at the end, -EBADMSG.  ev's strings point into raw.
 */
int evseg_record(const uint8_t *raw, size_t len, size_t *off, struct store_event *ev);

typedef int (*evseg_cb)(const struct store_event *ev, void *arg); /* non-zero stops */
/*
 * Records of dir numbered after `after`, oldest first, at most max; *last
 * is the last number visited (`after` when none).  The callback's value
 * when it stopped the walk, else 0 or -errno.
 */
int evseg_read(struct evseg_reader *r, const char *dir, uint64_t after, size_t max, evseg_cb cb,
    void *arg, uint64_t *last);
/* Records numbered below `below`, newest first, at most max; *seen counts them. */
int evseg_recent(struct evseg_reader *r, const char *dir, uint64_t below, size_t max, evseg_cb cb,
    void *arg, size_t *seen);

#endif
