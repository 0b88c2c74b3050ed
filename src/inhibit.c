/*
 * inhibit.c - inhibit rules: the keys a source is filed under and a
 * target looks it up by.  A key is a hash of the statement and the values
 * of its equal fields, each with its length, so ("a", "bc") and ("ab",
 * "c") differ; a candidate the index finds is read and checked before it
 * holds anything (pipeline_inhibit.c).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "inhibit.h"
#include "text.h"
#include "util.h"

/* hash64 of s and its terminating NUL, so consecutive names cannot run together. */
static uint64_t
hash_name(const char *s, uint64_t h)
{
	return hash64(s, strlen(s) + 1, h);
}

uint64_t
inhibit_rule_id(const struct inhibit_rule *r)
{
	uint64_t h = hash_name(r->source, 0);

	for (size_t i = 0; i < r->ntargets; i++)
		h = hash_name(r->targets[i], h);
	h = hash_name("equal", h);
	for (size_t i = 0; i < r->nequal; i++)
		h = hash_name(r->equal[i], h);
	return INHIBIT_TAG_RULE | (h >> 4);
}

bool
inhibit_key(const struct inhibit_rule *r, matcher_lookup_fn fn, void *arg, uint64_t *key)
{
	uint64_t h = inhibit_rule_id(r), len;
	struct str v;

	for (size_t i = 0; i < r->nequal; i++) {
		if (!fn(r->equal[i], &v, arg))
			return false;
		len = v.n;
		h = hash64(&len, sizeof(len), h);
		h = hash64(v.p, v.n, h);
	}
	*key = INHIBIT_TAG_SOURCES | (h >> 4);
	return true;
}

bool
inhibit_targets(const struct inhibit_rule *r, const char *rule)
{
	for (size_t i = 0; i < r->ntargets; i++)
		if (strcmp(r->targets[i], rule) == 0)
			return true;
	return false;
}

bool
inhibit_source_alerts(const struct incident *inc)
{
	return incident_is_open(inc) && inc->state != INCIDENT_PENDING;
}

void
inhibit_describe(const struct incident *src, char *buf, size_t size)
{
	snprintf(buf, size, "incident %" PRIu64 " (%s) of rule \"%s\"", src->id, src->key,
	    src->rule);
	text_fix_tail(buf);
}

void
inhibit_rule_clear(struct inhibit_rule *r)
{
	free(r->source);
	for (size_t i = 0; i < r->ntargets; i++)
		free(r->targets[i]);
	for (size_t i = 0; i < r->nequal; i++)
		free(r->equal[i]);
	free(r->file);
	memset(r, 0, sizeof(*r));
}
