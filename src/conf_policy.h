/*
 * conf_policy.h - escalation policies in the config, into conf->policies:
 *
 *	policy "ops" {
 *		level { notify schedule "primary", contact "alice"; escalate-after 5m }
 *		level { notify schedule "secondary" }
 *		repeat 2
 *	}
 *
 * and what rules' `page "POLICY"` names.  Policies may name contacts and
 * schedules declared after them, rules policies declared after them: the
 * names are resolved once the whole file is read.
 */
#ifndef TRIAGED_CONF_POLICY_H
#define TRIAGED_CONF_POLICY_H

#include <stddef.h>

#include "escalation.h"

#define CONF_MAX_POLICIES 100

struct conf;
struct lex;

/* A contact's or schedule's name as written, to be resolved into *slot. */
struct conf_policy_ref {
	char *name;
	enum escalation_target_kind kind;
	int *slot;
	int line;
};

struct conf_policy {
	char *name;
	struct escalation_policy pol;
	struct conf_policy_ref *refs; /* until resolved */
	size_t nrefs;
	char *file; /* declared at file:line */
	int line;
};

/* `policy "NAME" { ... }`, the keyword read. */
int conf_policy_parse(struct lex *lx, struct conf *conf, char **cause);
/*
 * Once every file is read and the schedules resolved: the names policies
 * and rules' page statements give, "FILE:LINE: unknown schedule 'x'"; a
 * contact a policy reaches must have a way to be paged.
 */
int conf_policy_resolve(struct conf *conf, char **cause);
/* The policy of that name, or -1. */
int conf_policy_index(const struct conf *conf, const char *name);
void conf_policy_free(struct conf *conf);

#endif
