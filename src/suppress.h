/*
 * suppress.h - silences and maintenance windows as the daemon keeps them:
 * what triagectl adds, expires and lists.  An incident an active silence
 * or window matches when it would be sent is recorded as suppressed and
 * held; when what holds it ends, what still fires is sent then.
 */
#ifndef TRIAGED_SUPPRESS_H
#define TRIAGED_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event;
struct incident;
struct pipeline;
struct silence_set;
struct store_silence;
struct store_txn;

struct suppress_stats {
	uint64_t added;	  /* silences added */
	uint64_t expired; /* silences expired by a person */
	uint64_t refused; /* silence adds refused: bad matchers or times, or silence-max */
	uint64_t pruned;  /* expired silences removed */
};

/* A window's occurrence: in force from start until end, or next. */
struct suppress_window {
	int64_t start, end; /* usec; end 0: none found */
};

/*
 * Add a silence (rec's id is assigned; start, end, creator, comment and
 * matchers given), committed at once.  -EINVAL for bad matchers or times,
 * -ENOSPC at silence-max when no expired silence can make room; *cause
 * then says why.
 */
int suppress_silence_add(struct pipeline *p, struct store_silence *rec, char **cause);
/* End a pending or active silence now; what it held is sent within a sweep or two. */
int suppress_silence_expire(struct pipeline *p, uint64_t id, char **cause);
const struct silence_set *suppress_silences(const struct pipeline *p);
const struct suppress_stats *suppress_get_stats(const struct pipeline *p);
/*
 * What would hold inc (fired by ev) if it were sent at now, read in t and
 * said in desc ("held by silence 3 (disk swap) until ...", "inhibited by
 * incident 5 (KEY) of rule ..."); false when nothing would.  Reads only:
 * explain asks it.
 */
bool suppress_would_hold(struct pipeline *p, struct store_txn *t, const struct incident *inc,
    const struct event *ev, int64_t now, char *desc, size_t size);
/* Window i of the running config: in force at now, or next; 0 or -ENOENT. */
int suppress_window_next(struct pipeline *p, size_t i, int64_t now, int64_t *start,
    int64_t *end);

#endif
