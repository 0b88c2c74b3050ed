/*
 * inhibit.h - inhibit rules, as Alertmanager's: while an incident of the
 * source rule alerts, an incident of a target rule whose `equal` fields
 * have the same values is held (recorded as suppressed, not sent).  Pure:
 * the rule, the keys under which a source is filed and a target looks it
 * up, and which states alert.  pipeline_inhibit.c keeps the index.
 */
#ifndef TRIAGED_INHIBIT_H
#define TRIAGED_INHIBIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matcher.h"

struct incident;

#define INHIBIT_MAX	    64 /* inhibit statements in a config */
#define INHIBIT_TARGETS_MAX 16
#define INHIBIT_EQUAL_MAX   8

/* `inhibit "SOURCE" suppresses "TARGET" ... equal FIELD ...`; owns its strings. */
struct inhibit_rule {
	char *source;
	char *targets[INHIBIT_TARGETS_MAX];
	size_t ntargets;
	char *equal[INHIBIT_EQUAL_MAX];
	size_t nequal;
	char *file; /* declared at file:line */
	int line;
};

/*
 * Keys of the held index (store_held_*) the source index lives in, beside
 * the holders (bits 62 and 63): a key of sources (rule and values), a
 * statement's sources (for a reload), and what one source is filed under.
 * Incident ids never reach bit 60.
 */
#define INHIBIT_TAG_SOURCES (1ULL << 61)
#define INHIBIT_TAG_OF	    (1ULL << 60)
#define INHIBIT_TAG_RULE    (INHIBIT_TAG_SOURCES | INHIBIT_TAG_OF)

/* The statement's id: a hash of its source, targets and fields, under INHIBIT_TAG_RULE. */
uint64_t inhibit_rule_id(const struct inhibit_rule *r);
/*
 * The key a subject (looked up by fn) meets the statement's sources under:
 * its id and the values of its equal fields.  False when the subject lacks
 * one of them: a missing field never matches, not even another missing
 * one (an empty value is a value, and matches an empty value).
 */
bool inhibit_key(const struct inhibit_rule *r, matcher_lookup_fn fn, void *arg, uint64_t *key);
/* Whether incidents of the rule named rule are among r's targets. */
bool inhibit_targets(const struct inhibit_rule *r, const char *rule);
/* Whether inc alerts: fired (not pending under a threshold or hold) and not closed. */
bool inhibit_source_alerts(const struct incident *inc);
/* The source as a timeline or explain says it: `incident 5 (KEY) of rule "host down"`. */
void inhibit_describe(const struct incident *src, char *buf, size_t size);
void inhibit_rule_clear(struct inhibit_rule *r);

#endif
