/*
 * matcher.c - silence and maintenance matchers: parsed, bounded, compiled
 * once, then tested against any subject through a lookup function.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "matcher.h"

static const char *const op_names[] = {
	[MATCHER_EQ] = "=", [MATCHER_NE] = "!=", [MATCHER_RE] = "~", [MATCHER_NRE] = "!~",
};

const char *
matcher_op_name(enum matcher_op op)
{
	return (unsigned)op < ARRAY_SIZE(op_names) ? op_names[op] : "?";
}

static bool
field_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '.' || c == ':' || c == '-';
}

static int
check_field(const char *field, char **cause)
{
	size_t n = strlen(field);

	if (n == 0 || n > MATCHER_FIELD_MAX) {
		xasprintf(cause, "a matcher's field must have 1 to %d characters", MATCHER_FIELD_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (!field_char(field[i])) {
			xasprintf(cause, "a matcher's field may have letters, digits and _ . : - only");
			return -EINVAL;
		}
	return 0;
}

/* The bound of "{n" or "{n,m}" at s (just after '{'); -1 when it is not a number. */
static long
interval_bound(const char *s)
{
	long most = -1;

	while (*s != '\0' && *s != '}') {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s && *s != ',')
			return -1;
		if (end != s && v > most)
			most = v;
		s = end == s ? s + 1 : end;
	}
	return most;
}

/* Intervals are few and small, so compiling stays small whatever a person types. */
static int
check_regex(const char *re, char **cause)
{
	int intervals = 0;
	bool bracket = false;

	for (const char *s = re; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (bracket)
			bracket = *s != ']' || s[-1] == '[' || (s[-1] == '^' && s[-2] == '[');
		else if (*s == '[')
			bracket = true;
		else if (*s == '{' && (++intervals > MATCHER_INTERVALS_MAX ||
		    interval_bound(s + 1) > MATCHER_BOUND_MAX)) {
			xasprintf(cause, "a regex may have at most %d intervals {n,m}, each at most %d",
			    MATCHER_INTERVALS_MAX, MATCHER_BOUND_MAX);
			return -EINVAL;
		}
	}
	return 0;
}

static int
compile(struct matcher *m, char **cause)
{
	char msg[128];
	int r;

	if (check_regex(m->value, cause) < 0)
		return -EINVAL;
	if ((r = regcomp(&m->re, m->value, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(r, &m->re, msg, sizeof(msg));
		xasprintf(cause, "bad regex '%s': %s", m->value, msg);
		return -EINVAL;
	}
	m->compiled = true;
	return 0;
}

int
matcher_init(struct matcher *m, const char *field, enum matcher_op op, const char *value,
    char **cause)
{
	int sev;

	memset(m, 0, sizeof(*m));
	if (check_field(field, cause) < 0)
		return -EINVAL;
	if (strlen(value) > MATCHER_VALUE_MAX) {
		xasprintf(cause, "a matcher's value may have at most %d bytes", MATCHER_VALUE_MAX);
		return -EINVAL;
	}
	strlcpy_t(m->field, field, sizeof(m->field));
	m->op = op;
	/* Severities compare by their one name, so "critical" finds "crit". */
	if (strcmp(field, "severity") == 0 && op <= MATCHER_NE &&
	    (sev = event_severity_from_name(value)) >= 0)
		value = event_severity_name(sev);
	strlcpy_t(m->value, value, sizeof(m->value));
	if (op == MATCHER_RE || op == MATCHER_NRE)
		return compile(m, cause);
	return 0;
}

int
matcher_parse(const char *text, struct matcher *m, char **cause)
{
	char field[MATCHER_FIELD_MAX + 1];
	size_t n = 0;
	enum matcher_op op;

	while (field_char(text[n]))
		n++;
	if (text[n] == '=')
		op = MATCHER_EQ;
	else if (text[n] == '~')
		op = MATCHER_RE;
	else if (text[n] == '!' && (text[n + 1] == '=' || text[n + 1] == '~'))
		op = text[n + 1] == '=' ? MATCHER_NE : MATCHER_NRE;
	else {
		memset(m, 0, sizeof(*m));
		xasprintf(cause, "'%s' is not a matcher: expected FIELD=VALUE, FIELD!=VALUE, "
				 "FIELD~REGEX or FIELD!~REGEX", text);
		return -EINVAL;
	}
	if (n == 0 || n > MATCHER_FIELD_MAX) {
		memset(m, 0, sizeof(*m));
		return check_field("", cause);
	}
	memcpy(field, text, n);
	field[n] = '\0';
	return matcher_init(m, field, op, text + n + (op == MATCHER_NE || op == MATCHER_NRE ? 2 : 1),
	    cause);
}

void
matcher_clear(struct matcher *m)
{
	if (m->compiled)
		regfree(&m->re);
	m->compiled = false;
}

static bool
holds(const struct matcher *m, struct str v)
{
	regmatch_t whole = { .rm_so = 0, .rm_eo = (regoff_t)v.n };

	switch (m->op) {
	case MATCHER_EQ:
		return str_eq_cstr(v, m->value);
	case MATCHER_NE:
		return !str_eq_cstr(v, m->value);
	case MATCHER_RE:
		return regexec(&m->re, v.p, 1, &whole, REG_STARTEND) == 0;
	case MATCHER_NRE:
		return regexec(&m->re, v.p, 1, &whole, REG_STARTEND) != 0;
	}
	return false;
}

bool
matcher_match(const struct matcher *m, matcher_lookup_fn fn, void *arg)
{
	struct str v;

	if (!fn(m->field, &v, arg))
		v = STR_EMPTY;
	return holds(m, v);
}

bool
matcher_all(const struct matcher *m, size_t n, matcher_lookup_fn fn, void *arg)
{
	for (size_t i = 0; i < n; i++)
		if (!matcher_match(&m[i], fn, arg))
			return false;
	return true;
}

bool
matcher_matches_empty(const struct matcher *m)
{
	return holds(m, STR_EMPTY);
}

void
matcher_format(const struct matcher *m, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", m->field, matcher_op_name(m->op), m->value);
}
