/*
 * rules_explain.h - a rule condition written back as the config spells it,
 * and which part of it an event failed: for `triagectl explain`.
 */
#ifndef TRIAGED_RULES_EXPLAIN_H
#define TRIAGED_RULES_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "rules.h"

/*
 * c as a condition in the config's syntax, e.g. `program = "sshd"`,
 * `severity <= err`, `source = 10.0.0.0/8`, `(a or b)`.  Written into buf
 * (always NUL-terminated, cut when longer); returns the length it needed.
 */
size_t cond_format(const struct cond *c, char *buf, size_t size);

/*
 * Evaluate c on ev as cond_eval() does, captures included.  When it does
 * not hold, *failed is the innermost condition that decided it: the leaf
 * an "and" stopped at, the whole "or" when no branch held, the "not" whose
 * inner condition held.  NULL when c holds.
 */
bool cond_explain(const struct cond *c, struct event *ev, const struct cond **failed);

/*
 * What ev had where c looked, as text for "..., but it was X": the field's
 * value, the severity's or facility's name, the sender's address; "" for
 * conditions with no single value (and, or, not, any).  Cut to size like
 * cond_format(); returns the length it needed.
 */
size_t cond_actual(const struct cond *c, const struct event *ev, char *buf, size_t size);

#endif
