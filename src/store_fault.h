/*
 * store_fault.h - make the store fail on purpose, for tests: the Nth put,
 * commit or sync (store_state_sync) of the state database returns what a
 * full map (MDB_MAP_FULL), a full disk (ENOSPC) or an I/O error (EIO)
 * returns, with the same
 * consequences: a failed put poisons the write transaction as LMDB's own
 * does (later puts and the commit fail; the caller must abort, and a full
 * map grows at the next write begin), a failed commit aborts it, and a
 * failed sync leaves what it was to make durable not durable.
 *
 * Compiled in only with ./configure --enable-fault-injection (which
 * defines TRIAGED_FAULT_INJECTION); otherwise store_fault_add and
 * store_fault_parse return -ENOTSUP and store_fault_env ignores the
 * environment.
 */
#ifndef TRIAGED_STORE_FAULT_H
#define TRIAGED_STORE_FAULT_H

#include <stdbool.h>
#include <stdint.h>

struct store;

enum store_fault_op { STORE_FAULT_PUT, STORE_FAULT_COMMIT, STORE_FAULT_SYNC };
enum store_fault_kind { STORE_FAULT_MAP_FULL, STORE_FAULT_ENOSPC, STORE_FAULT_EIO };

/*
 * Operations of one kind are counted from 1 after the rule is added to a
 * store.  With every > 0, every every-th fails; otherwise those numbered
 * first to last.
 */
struct store_fault_rule {
	enum store_fault_op op;
	enum store_fault_kind kind;
	uint64_t first, last, every;
};

#define STORE_FAULT_MAX	   8 /* rules per store */
#define STORE_FAULT_ENVVAR "TRIAGED_STORE_FAULT"

/* Whether this build has fault injection at all. */
extern const bool store_fault_compiled;

int store_fault_add(struct store *s, const struct store_fault_rule *r);
/*
 * Rules from text, comma-separated: OP:N:KIND (the Nth), OP:N-M:KIND
 * (N to M) or OP:every:N:KIND; OP is put, commit or sync, KIND map_full,
 * enospc or eio.  "put:50:map_full,commit:10-20:eio".  Fills *cause on
 * a syntax error; adds nothing then.
 */
int store_fault_parse(struct store *s, const char *spec, char **cause);
/* The rules in $TRIAGED_STORE_FAULT, if set and compiled in; *set says whether any were added. */
int store_fault_env(struct store *s, bool *set, char **cause);

#endif
