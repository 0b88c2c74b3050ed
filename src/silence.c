/*
 * silence.c - silences compiled from their records and the set of them the
 * daemon matches incidents against.  The set is small (silence-max) and
 * kept in id order, so a lookup is a binary search and a match a walk.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "silence.h"
#include "util.h"

int
silence_compile(const struct store_silence *rec, struct silence **ret, char **cause)
{
	struct silence *s;
	bool all_empty = true;

	*ret = NULL;
	if (rec->nmatchers == 0 || rec->nmatchers > MATCHER_MAX) {
		xasprintf(cause, "a silence needs 1 to %d matchers", MATCHER_MAX);
		return -EINVAL;
	}
	s = xcalloc(1, sizeof(*s));
	s->rec = *rec;
	s->m = xcalloc(rec->nmatchers, sizeof(*s->m));
	for (uint32_t i = 0; i < rec->nmatchers; i++) {
		if (matcher_parse(rec->matchers[i], &s->m[i], cause) < 0) {
			s->rec.nmatchers = i;
			silence_free(s);
			return -EINVAL;
		}
		all_empty = all_empty && matcher_matches_empty(&s->m[i]);
		matcher_format(&s->m[i], s->rec.matchers[i], sizeof(s->rec.matchers[i]));
	}
	if (all_empty) {
		silence_free(s);
		xasprintf(cause, "every matcher of this silence also matches an empty field, so it "
				 "would silence everything; add one that needs a value, like host~^db-");
		return -EINVAL;
	}
	*ret = s;
	return 0;
}

void
silence_free(struct silence *s)
{
	if (s == NULL)
		return;
	for (uint32_t i = 0; i < s->rec.nmatchers; i++)
		matcher_clear(&s->m[i]);
	free(s->m);
	free(s);
}

int
silence_check_times(int64_t start, int64_t end, int64_t now, char **cause)
{
	if (end <= start || end <= now) {
		xasprintf(cause, "a silence must end after it starts and after now");
		return -EINVAL;
	}
	if (end - start > SILENCE_LENGTH_MAX) {
		xasprintf(cause, "a silence may last at most 366 days");
		return -EINVAL;
	}
	return 0;
}

enum silence_state
silence_state(const struct store_silence *rec, int64_t now)
{
	if (now >= rec->end)
		return SILENCE_EXPIRED;
	return now >= rec->start ? SILENCE_ACTIVE : SILENCE_PENDING;
}

int64_t
silence_next_look(const struct store_silence *rec, int64_t now)
{
	if (now < rec->end)
		return rec->end;
	return now < rec->end + SILENCE_KEEP ? rec->end + SILENCE_KEEP : 0;
}

const char *
silence_state_name(enum silence_state s)
{
	static const char *const names[] = { "pending", "active", "expired" };

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

/* Where id is, or would go, in the set. */
static size_t
slot(const struct silence_set *set, uint64_t id)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set->v[mid]->rec.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
silence_set_add(struct silence_set *set, struct silence *s)
{
	size_t i = slot(set, s->rec.id);

	if (i < set->n && set->v[i]->rec.id == s->rec.id) {
		silence_free(set->v[i]);
		set->v[i] = s;
		return;
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? 2 * set->cap : 16;
		set->v = xreallocarray(set->v, set->cap, sizeof(*set->v));
	}
	memmove(set->v + i + 1, set->v + i, (set->n - i) * sizeof(*set->v));
	set->v[i] = s;
	set->n++;
}

struct silence *
silence_set_find(const struct silence_set *set, uint64_t id)
{
	size_t i = slot(set, id);

	return i < set->n && set->v[i]->rec.id == id ? set->v[i] : NULL;
}

void
silence_set_remove(struct silence_set *set, uint64_t id)
{
	size_t i = slot(set, id);

	if (i >= set->n || set->v[i]->rec.id != id)
		return;
	silence_free(set->v[i]);
	memmove(set->v + i, set->v + i + 1, (set->n - i - 1) * sizeof(*set->v));
	set->n--;
}

void
silence_set_clear(struct silence_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		silence_free(set->v[i]);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

const struct silence *
silence_set_oldest_expired(const struct silence_set *set, int64_t now)
{
	const struct silence *best = NULL;

	for (size_t i = 0; i < set->n; i++) {
		const struct silence *s = set->v[i];
		if (silence_state(&s->rec, now) == SILENCE_EXPIRED &&
		    (best == NULL || s->rec.end < best->rec.end))
			best = s;
	}
	return best;
}

const struct silence *
silence_set_match(const struct silence_set *set, int64_t now, matcher_lookup_fn fn, void *arg)
{
	const struct silence *best = NULL;

	for (size_t i = 0; i < set->n; i++) {
		const struct silence *s = set->v[i];
		if (silence_state(&s->rec, now) == SILENCE_ACTIVE &&
		    (best == NULL || s->rec.end > best->rec.end) &&
		    matcher_all(s->m, s->rec.nmatchers, fn, arg))
			best = s;
	}
	return best;
}
