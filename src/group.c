/*
 * group.c - the decisions of grouping: the parent's key, when its trigger
 * and its updates go, when it resolves.  Pure.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "text.h"
#include "util.h"

/* Append s (n bytes) with '/' and '\' escaped; returns the new length. */
static size_t
put_escaped(char *buf, size_t off, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/' || s[i] == '\\')
			buf[off++] = '\\';
		buf[off++] = s[i];
	}
	return off;
}

void
group_key(const char *rule, const struct str *values, size_t n, char key[INCIDENT_KEY_MAX + 1])
{
	size_t need = strlen(rule) + sizeof("/group:"), off;
	char *buf;

	for (size_t i = 0; i < n; i++)
		need += 2 * values[i].n + 1;
	buf = xmalloc(need);
	off = (size_t)snprintf(buf, need, "%s/group:", rule);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf[off++] = '/';
		off = put_escaped(buf, off, values[i].p, values[i].n);
	}
	buf[off] = '\0';
	incident_fit_key(buf, off);
	strlcpy_t(key, buf, INCIDENT_KEY_MAX + 1);
	free(buf);
}

void
group_start(struct group_state *g, int64_t now)
{
	*g = (struct group_state){ .opened = now };
}

bool
group_join(struct group_state *g, uint32_t max)
{
	bool listed = g->listed < max;

	g->members++;
	g->open++;
	g->listed += listed;
	if (g->sent_at != 0)
		g->unsent++;
	return listed;
}

bool
group_member_closed(struct group_state *g)
{
	if (g->open == 0)
		return false;
	return --g->open == 0;
}

void
group_sent(struct group_state *g, int64_t now)
{
	g->sent_at = now;
	g->unsent = 0;
}

enum group_due
group_check(const struct group_state *g, int64_t wait, int64_t interval, int64_t now,
    int64_t *deadline)
{
	*deadline = INT64_MAX;
	if (g->open == 0)
		return GROUP_WAIT; /* resolved, or about to be */
	if (g->sent_at == 0) {
		*deadline = g->opened + wait;
		return now >= *deadline ? GROUP_TRIGGER : GROUP_WAIT;
	}
	if (g->unsent == 0)
		return GROUP_WAIT;
	*deadline = g->sent_at + interval;
	return now >= *deadline ? GROUP_UPDATE : GROUP_WAIT;
}

/* The first member's summary within a parent's: after "N incident(s): ", or all of it. */
static const char *
first_of(const char *s)
{
	const char *p = s;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == s)
		return s;
	if (strncmp(p, " incidents: ", 12) == 0)
		return p + 12;
	if (strncmp(p, " incident: ", 11) == 0)
		return p + 11;
	return s;
}

void
group_summary(uint64_t n, const char *first, char *buf, size_t size)
{
	char *copy = xstrdup(first_of(first));

	snprintf(buf, size, "%" PRIu64 " incident%s: %s", n, n == 1 ? "" : "s", copy);
	text_fix_tail(buf);
	free(copy);
}
