/*
 * store_fault.c - the store's failures on purpose, for tests (see
 * store_fault.h).  store.c asks store_fault_hit before each put and
 * commit of the state environment; without --enable-fault-injection only
 * stubs are compiled.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_fault.h"
#include "store_impl.h"
#include "util.h"

void
store_fault_free(struct store_fault *f)
{
	free(f);
}

#ifdef TRIAGED_FAULT_INJECTION

#define FIELDS_MAX 4
#define ITEM_MAX   64

const bool store_fault_compiled = true;

struct store_fault {
	struct store_fault_rule rules[STORE_FAULT_MAX];
	size_t n;
	/*
	 * Puts, commits and syncs so far, by enum store_fault_op.  Syncs are
	 * counted on the sync thread only: no counter is shared.
	 */
	uint64_t seen[3];
};

static const char *const kind_names[] = { "map_full", "enospc", "eio" };
static const int kind_rc[] = { MDB_MAP_FULL, ENOSPC, EIO }; /* as LMDB returns them */

int
store_fault_add(struct store *s, const struct store_fault_rule *r)
{
	struct store_fault *f = s->db.fault;

	if (f == NULL)
		f = s->db.fault = xcalloc(1, sizeof *f);
	if (f->n >= STORE_FAULT_MAX)
		return -E2BIG;
	f->rules[f->n++] = *r;
	return 0;
}

int
store_fault_hit(struct store_fault *f, enum store_fault_op op)
{
	uint64_t n = ++f->seen[op];

	for (size_t i = 0; i < f->n; i++) {
		const struct store_fault_rule *r = &f->rules[i];
		bool hit = r->every > 0 ? n % r->every == 0 : n >= r->first && n <= r->last;
		if (r->op == op && hit)
			return kind_rc[r->kind];
	}
	return 0;
}

static int
count_parse(const char *text, uint64_t *out)
{
	int64_t v;

	if (parse_int64(text, 1, INT64_MAX, &v) < 0)
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

/* "N" or "N-M" */
static int
range_parse(char *text, struct store_fault_rule *r)
{
	char *dash = strchr(text, '-');

	if (dash != NULL)
		*dash = '\0';
	if (count_parse(text, &r->first) < 0)
		return -EINVAL;
	if (dash == NULL) {
		r->last = r->first;
		return 0;
	}
	return count_parse(dash + 1, &r->last) < 0 || r->last < r->first ? -EINVAL : 0;
}

/* Split item at ':' in place into at most FIELDS_MAX fields; how many. */
static size_t
fields_split(char *item, char **f)
{
	size_t n = 0;

	for (char *p = item;;) {
		f[n++] = p;
		if (n == FIELDS_MAX || (p = strchr(p, ':')) == NULL)
			return n;
		*p++ = '\0';
	}
}

static int
item_parse(char *item, struct store_fault_rule *r)
{
	char *f[FIELDS_MAX];
	size_t n = fields_split(item, f);
	size_t k;

	memset(r, 0, sizeof *r);
	if (n < 3 || strchr(f[n - 1], ':') != NULL)
		return -EINVAL;
	if (strcmp(f[0], "put") == 0)
		r->op = STORE_FAULT_PUT;
	else if (strcmp(f[0], "commit") == 0)
		r->op = STORE_FAULT_COMMIT;
	else if (strcmp(f[0], "sync") == 0)
		r->op = STORE_FAULT_SYNC;
	else
		return -EINVAL;
	for (k = 0; k < ARRAY_SIZE(kind_names) && strcmp(f[n - 1], kind_names[k]) != 0; k++)
		;
	if (k == ARRAY_SIZE(kind_names))
		return -EINVAL;
	r->kind = (enum store_fault_kind)k;
	if (n == 4)
		return strcmp(f[1], "every") == 0 ? count_parse(f[2], &r->every) : -EINVAL;
	return range_parse(f[1], r);
}

int
store_fault_parse(struct store *s, const char *spec, char **cause)
{
	struct store_fault_rule rules[STORE_FAULT_MAX];
	char item[ITEM_MAX];
	size_t n = 0, len;
	int rc = *spec == '\0' ? -EINVAL : 0;

	if (rc < 0)
		xasprintf(cause, "no fault rule given");
	for (const char *p = spec; rc == 0 && *p != '\0'; p += len + (p[len] == ',')) {
		len = strcspn(p, ",");
		if (n == STORE_FAULT_MAX || len >= sizeof item) {
			xasprintf(cause, "too many or too long fault rules in \"%s\"", spec);
			return -E2BIG;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if ((rc = item_parse(item, &rules[n++])) < 0)
			xasprintf(cause, "bad fault rule \"%.*s\": want put|commit:N[-M]|every:N:"
			    "map_full|enospc|eio", (int)len, p);
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		if ((rc = store_fault_add(s, &rules[i])) < 0)
			xasprintf(cause, "more than %d fault rules", STORE_FAULT_MAX);
	return rc;
}

int
store_fault_env(struct store *s, bool *set, char **cause)
{
	const char *spec = getenv(STORE_FAULT_ENVVAR);

	*set = spec != NULL && *spec != '\0';
	return *set ? store_fault_parse(s, spec, cause) : 0;
}

#else

const bool store_fault_compiled = false;

int
store_fault_add(struct store *s, const struct store_fault_rule *r)
{
	return -ENOTSUP;
}

int
store_fault_parse(struct store *s, const char *spec, char **cause)
{
	xasprintf(cause, "this build has no fault injection (configure --enable-fault-injection)");
	return -ENOTSUP;
}

int
store_fault_env(struct store *s, bool *set, char **cause)
{
	*set = false;
	return 0;
}

#endif
