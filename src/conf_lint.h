/*
 * conf_lint.h - warnings about a configuration that loads but does not do
 * what its author most likely meant: a rule that can never match because
 * an earlier rule takes every event it would (the first rule that holds
 * wins, see rules_eval()), a resolve-on that never applies, a default that
 * is never reached, an upstream nothing sends to, an inhibit whose source
 * drops its events or never closes by itself, pages with nothing to send
 * them.  Pure: it reads a loaded
 * struct conf and reports through a callback; the caller decides whether a
 * warning is printed, logged or an error (triaged -t -W).
 */
#ifndef TRIAGED_CONF_LINT_H
#define TRIAGED_CONF_LINT_H

#include <stdbool.h>
#include <stddef.h>

struct cond;
struct conf;

/* One warning at file:line; message has no trailing newline and lives for the call. */
typedef void (*conf_lint_cb)(void *arg, const char *file, int line, const char *message);

/* Report every warning about conf through cb, rules first, in file order; returns how many. */
size_t conf_lint(const struct conf *conf, conf_lint_cb cb, void *arg);

/*
 * Whether every event that satisfies b also satisfies a.  Conservative: a
 * false answer means "not shown", never "shown not to".
 */
bool conf_lint_covers(const struct cond *a, const struct cond *b);

#endif
