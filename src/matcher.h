/*
 * matcher.h - the matchers of silences and maintenance windows, as
 * Alertmanager has them: FIELD=VALUE, FIELD!=VALUE, FIELD~REGEX and
 * FIELD!~REGEX, all of which must hold.  A regex is POSIX extended and,
 * like the rules' `~`, searched, not anchored: "^db-" is a prefix, "db"
 * matches "web-db2" (Alertmanager anchors at both ends; here ^ and $ are
 * written where wanted).  A field the subject lacks compares as "".
 * Pure: the caller says how a field is looked up.
 */
#ifndef TRIAGED_MATCHER_H
#define TRIAGED_MATCHER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define MATCHER_MAX	  16  /* matchers in one silence or maintenance window */
#define MATCHER_FIELD_MAX 64  /* bytes of a field name */
#define MATCHER_VALUE_MAX 256 /* bytes of a value or a regex */
/* "FIELD!~VALUE" and its NUL */
#define MATCHER_TEXT_MAX (MATCHER_FIELD_MAX + 2 + MATCHER_VALUE_MAX + 1)
/* Interval expressions ({n,m}) in one regex, and their largest bound: compiling stays small. */
#define MATCHER_INTERVALS_MAX 2
#define MATCHER_BOUND_MAX     100

enum matcher_op {
	MATCHER_EQ = 0,
	MATCHER_NE,
	MATCHER_RE,
	MATCHER_NRE,
};

struct matcher {
	char field[MATCHER_FIELD_MAX + 1];
	enum matcher_op op;
	char value[MATCHER_VALUE_MAX + 1];
	regex_t re; /* compiled for RE and NRE */
	bool compiled;
};

/* Look field up for a subject: false when it has none (it then compares as ""). */
typedef bool (*matcher_lookup_fn)(const char *field, struct str *value, void *arg);

/*
 * Set up m from its parts (the config's `match host ~ "^db-"`): the field
 * is letters, digits and "_.:-", the value at most MATCHER_VALUE_MAX bytes,
 * a regex must compile and keep within the interval bounds.  -EINVAL with
 * *cause a phrase for the caller to place.  Call matcher_clear() after
 * success.
 */
int matcher_init(struct matcher *m, const char *field, enum matcher_op op, const char *value,
    char **cause);
/* "host~^db-", "severity=crit" (the command line's form), as matcher_init(). */
int matcher_parse(const char *text, struct matcher *m, char **cause);
void matcher_clear(struct matcher *m);

/* Whether one matcher holds, and whether all n hold (n == 0: true). */
bool matcher_match(const struct matcher *m, matcher_lookup_fn fn, void *arg);
bool matcher_all(const struct matcher *m, size_t n, matcher_lookup_fn fn, void *arg);
/* Whether m holds for a subject whose field is "" (a set where all do matches everything). */
bool matcher_matches_empty(const struct matcher *m);

const char *matcher_op_name(enum matcher_op op); /* "=", "!=", "~", "!~" */
/* m in the command line's form, as matcher_parse() reads it back. */
void matcher_format(const struct matcher *m, char *buf, size_t size);

#endif
