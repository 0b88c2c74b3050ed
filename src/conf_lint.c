/*
 * conf_lint.c - warnings about a loaded configuration (see conf_lint.h).
 * The shadowing test compares condition trees, it does not solve them: it
 * sees a match-all, identical matches, a condition that is one "and" term
 * of the later rule's, nested severity or facility ranges, a CIDR within a
 * CIDR and a trap OID under another.  What it cannot show it stays silent
 * about, so every warning it gives is true.  It also finds host tests
 * against a name that a host block turns into another, and inhibit
 * statements whose source never holds or never lets go by itself.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_lint.h"
#include "conf_notifier.h"
#include "conf_oncall.h"
#include "hosts.h"
#include "inhibit.h"
#include "rules.h"
#include "util.h"

/*
 * Trees of up to 1024 conditions can be decomposed in many orders: a step
 * budget per pair of conditions and one for the whole run keep -t and a
 * reload quick on any config; past them the answer is "not shown".
 */
#define LINT_PAIR_STEPS	 100000
#define LINT_TOTAL_STEPS 20000000

struct lint {
	const struct conf *conf;
	conf_lint_cb cb;
	void *arg;
	size_t count;
	long steps; /* left for the whole run */
};

static bool
step(long *left)
{
	return (*left)-- > 0;
}

static bool
cond_equal(const struct cond *a, const struct cond *b, long *left)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (!step(left) || a->kind != b->kind || a->op != b->op || a->num != b->num)
		return false;
	switch (a->kind) {
	case COND_AND:
	case COND_OR:
	case COND_NOT: return cond_equal(a->a, b->a, left) && cond_equal(a->b, b->b, left);
	/* A regex compares by its source: the same pattern on the same field. */
	case COND_FIELD:
	case COND_VAR:
	case COND_TRAP_OID: return strcmp(a->field, b->field) == 0 && str_eq(a->value, b->value);
	case COND_ADDRESS:
		return cidr_contains(&a->cidr, &b->cidr) && cidr_contains(&b->cidr, &a->cidr);
	default: return true; /* kind, op and num say it all */
	}
}

/* Whether c names captures: they become fields that later conditions may read. */
static bool
captures(const struct cond *c)
{
	const char *const *names;

	if (c == NULL)
		return false;
	if (c->re != NULL && c->op == OP_MATCH && regex_names(c->re, &names) > 0)
		return true;
	return captures(c->a) || captures(c->b);
}

/* The numbers a facility or severity test accepts, as lo..hi; false for != (two ranges). */
static bool
level_range(const struct cond *c, int *lo, int *hi)
{
	*lo = INT_MIN;
	*hi = INT_MAX;
	switch (c->op) {
	case OP_EQ: *lo = *hi = c->num; break;
	case OP_LT: *hi = c->num - 1; break;
	case OP_LE: *hi = c->num; break;
	case OP_GT: *lo = c->num + 1; break;
	case OP_GE: *lo = c->num; break;
	default: return false;
	}
	return *lo <= *hi;
}

/* The OID b tests (exactly or as a subtree) lies under the subtree a tests. */
static bool
oid_under(const struct cond *a, const struct cond *b)
{
	return a->num == 1 && b->value.n >= a->value.n &&
	    memcmp(a->value.p, b->value.p, a->value.n) == 0 &&
	    (b->value.n == a->value.n || b->value.p[a->value.n] == '.');
}

/* Two simple conditions of one kind: a holds wherever b does. */
static bool
leaf_covers(const struct cond *a, const struct cond *b)
{
	int alo, ahi, blo, bhi;

	switch (a->kind) {
	case COND_FACILITY:
	case COND_SEVERITY:
		return level_range(a, &alo, &ahi) && level_range(b, &blo, &bhi) && alo <= blo &&
		    bhi <= ahi;
	case COND_ADDRESS:
		return a->op == OP_EQ && b->op == OP_EQ && cidr_contains(&a->cidr, &b->cidr);
	case COND_TRAP_OID: return oid_under(a, b);
	default: return false;
	}
}

/*
 * Conditions are tried left to right and a "~" that holds adds its named
 * groups as fields, which may change what a later term reads: a right-hand
 * "and" term is taken on its own only when the left one captures nothing.
 */
static bool
covers(const struct cond *a, const struct cond *b, long *left)
{
	if (!step(left))
		return false;
	if (a->kind == COND_TRUE || cond_equal(a, b, left))
		return true;
	if (b->kind == COND_OR && covers(a, b->a, left) && covers(a, b->b, left))
		return true;
	if (b->kind == COND_AND &&
	    (covers(a, b->a, left) || (!captures(b->a) && covers(a, b->b, left))))
		return true;
	switch (a->kind) {
	case COND_OR: return covers(a->a, b, left) || covers(a->b, b, left);
	case COND_AND:
		return !captures(a->a) && covers(a->a, b, left) && covers(a->b, b, left);
	default: return a->kind == b->kind && leaf_covers(a, b);
	}
}

bool
conf_lint_covers(const struct cond *a, const struct cond *b)
{
	long left = LINT_PAIR_STEPS;

	return covers(a, b, &left);
}

/* covers() charged to the run's budget. */
static bool
lint_covers(struct lint *l, const struct cond *a, const struct cond *b)
{
	long left = l->steps < LINT_PAIR_STEPS ? l->steps : LINT_PAIR_STEPS, had = left;
	bool r;

	if (a == NULL || b == NULL || left <= 0)
		return false;
	r = covers(a, b, &left);
	l->steps -= had - (left > 0 ? left : 0);
	return r;
}

static void report(struct lint *l, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
report(struct lint *l, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	l->cb(l->arg, file, line, msg);
	free(msg);
	l->count++;
}

/* Where file:line is, as seen from `from`: "line 3", or "other.conf:3" from another file. */
static char *
where_at(const char *file, int line, const char *from)
{
	char *s;

	if (strcmp(file, from) == 0)
		xasprintf(&s, "line %d", line);
	else
		xasprintf(&s, "%s:%d", file, line);
	return s;
}

static char *
where(const struct rule *r, const char *file)
{
	return where_at(r->file, r->line, file);
}

static bool
match_all(struct lint *l, const struct rule *r)
{
	static const struct cond all = { .kind = COND_TRUE };

	return lint_covers(l, r->match, &all);
}

/* Rule b's match never holds first: say which earlier rule takes its events; false if none. */
static bool
lint_shadowed(struct lint *l, const struct rule *b, size_t bi)
{
	long left = LINT_PAIR_STEPS;

	for (size_t i = 0; i < bi && l->steps > 0; i++) {
		const struct rule *a = l->conf->rules[i];
		const char *verb = a->drop ? "drops" : "matches";
		char *at;

		if (lint_covers(l, a->match, b->match)) {
			at = where(a, b->file);
			if (cond_equal(a->match, b->match, &left))
				report(l, b->file, b->line,
				    "rule '%s' never matches: rule '%s' (%s) comes first with the "
				    "same match", b->name, a->name, at);
			else
				report(l, b->file, b->line,
				    "rule '%s' never matches: rule '%s' (%s) comes first and %s "
				    "everything it matches", b->name, a->name, at, verb);
			free(at);
			return true;
		}
		if (lint_covers(l, a->resolve_on, b->match)) {
			at = where(a, b->file);
			report(l, b->file, b->line,
			    "rule '%s' never matches: the resolve-on of rule '%s' (%s) comes first "
			    "and holds for everything it matches", b->name, a->name, at);
			free(at);
			return true;
		}
	}
	return false;
}

/* A resolve-on is tried after its own match, and after every earlier rule. */
static void
lint_resolve_on(struct lint *l, const struct rule *b, size_t bi)
{
	char *at;

	if (b->resolve_on == NULL)
		return;
	if (lint_covers(l, b->match, b->resolve_on)) {
		report(l, b->file, b->resolve_on_line,
		    "resolve-on of rule '%s' never applies: the rule's match, tried first, "
		    "holds for everything it matches", b->name);
		return;
	}
	for (size_t i = 0; i < bi && l->steps > 0; i++) {
		const struct rule *a = l->conf->rules[i];
		if (!lint_covers(l, a->match, b->resolve_on) &&
		    !lint_covers(l, a->resolve_on, b->resolve_on))
			continue;
		at = where(a, b->file);
		report(l, b->file, b->resolve_on_line,
		    "resolve-on of rule '%s' never applies: rule '%s' (%s) comes first and takes "
		    "everything it matches", b->name, a->name, at);
		free(at);
		return;
	}
}

/* The first host = or != test in c against a name that is not canonical; NULL if none. */
static const struct cond *
alias_test(const struct host_map *m, const struct cond *c, const struct host **h)
{
	const struct cond *found;

	if (c == NULL)
		return NULL;
	if (c->kind == COND_AND || c->kind == COND_OR || c->kind == COND_NOT) {
		found = alias_test(m, c->a, h);
		return found != NULL ? found : alias_test(m, c->b, h);
	}
	if (c->kind != COND_FIELD || (c->op != OP_EQ && c->op != OP_NE) ||
	    strcmp(c->field, "host") != 0)
		return NULL;
	*h = hosts_lookup(m, c->value.p, c->value.n);
	return *h != NULL && !str_eq_cstr(c->value, (*h)->name) ? c : NULL;
}

/*
 * By the time rules run, an event's host is its host block's name
 * (hosts.c): a test of host against another name of the block never holds
 * (with !=, always does).  Once per condition; a capture named host would
 * change what the test reads, so conditions with captures are left alone.
 */
static void
lint_alias(struct lint *l, const struct rule *r, const struct cond *c, int line)
{
	const struct host *h = NULL;
	const struct cond *t;
	char *at;

	if (l->conf->hosts == NULL || captures(c) || (t = alias_test(l->conf->hosts, c, &h)) == NULL)
		return;
	at = where_at(h->file, h->line, r->file);
	report(l, r->file, line,
	    "rule '%s' tests host against '%.*s', a name of host '%s' (%s): its events have "
	    "host '%s' (original-host keeps the name they came with)",
	    r->name, (int)t->value.n, t->value.p, h->name, at, h->name);
	free(at);
}

/*
 * Rules in order: after a rule that matches every event nothing else is
 * reached (one warning each, so every dead rule has its line), before it
 * each rule is held against the earlier ones.
 */
static const struct rule *
lint_rules(struct lint *l)
{
	const struct conf *conf = l->conf;
	const struct rule *all = NULL;
	char *at;

	for (size_t j = 0; j < conf->nrules; j++) {
		const struct rule *b = conf->rules[j];
		if (all != NULL) {
			at = where(all, b->file);
			report(l, b->file, b->line, "rule '%s' is never reached: rule '%s' (%s) %s "
			    "every event", b->name, all->name, at, all->drop ? "drops" : "matches");
			free(at);
			continue;
		}
		if (!lint_shadowed(l, b, j))
			lint_resolve_on(l, b, j);
		lint_alias(l, b, b->match, b->line);
		lint_alias(l, b, b->resolve_on, b->resolve_on_line);
		if (match_all(l, b))
			all = b;
	}
	return all;
}

static void
lint_default(struct lint *l, const struct rule *all)
{
	const struct conf *conf = l->conf;
	char *at;

	if (all == NULL || conf->default_file == NULL || conf->default_action != CONF_DEFAULT_KEEP)
		return;
	at = where(all, conf->default_file);
	report(l, conf->default_file, conf->default_line,
	    "default %s never applies: rule '%s' (%s) matches every event",
	    conf->ndefault_send > 0 ? "send" : "keep", all->name, at);
	free(at);
}

static bool
sends_to(const uint32_t *send, size_t n, size_t u)
{
	for (size_t i = 0; i < n; i++)
		if (send[i] == u)
			return true;
	return false;
}

static void
lint_upstreams(struct lint *l)
{
	const struct conf *conf = l->conf;
	bool any = conf->ndefault_send > 0;

	for (size_t i = 0; i < conf->nrules && !any; i++)
		any = conf->rules[i]->nsend > 0;
	if (conf->nupstreams > 0 && !any) {
		/* One warning rather than one per upstream: the cause is the same. */
		report(l, conf->upstreams[0].file, conf->upstreams[0].line,
		    "no rule sends anywhere, so incidents stay on this host although upstream "
		    "'%s' is configured (add send to a rule, or default send)",
		    conf->upstreams[0].name);
		return;
	}
	for (size_t u = 0; u < conf->nupstreams; u++) {
		bool used = sends_to(conf->default_send, conf->ndefault_send, u);
		for (size_t i = 0; i < conf->nrules && !used; i++)
			used = sends_to(conf->rules[i]->send, conf->rules[i]->nsend, u);
		if (!used)
			report(l, conf->upstreams[u].file, conf->upstreams[u].line,
			    "upstream '%s' is unused: no rule sends to it, nor does default send",
			    conf->upstreams[u].name);
	}
}

/*
 * An inhibit statement whose source drops its events never holds anything;
 * one whose source never closes by itself holds its targets until a person
 * resolves it.
 */
static void
lint_inhibits(struct lint *l)
{
	const struct conf *conf = l->conf;

	for (size_t i = 0; i < conf->ninhibits; i++) {
		const struct inhibit_rule *ir = &conf->inhibits[i];
		const struct rule *r = NULL;
		for (size_t j = 0; j < conf->nrules && r == NULL; j++)
			if (strcmp(conf->rules[j]->name, ir->source) == 0)
				r = conf->rules[j];
		if (r != NULL && r->drop)
			report(l, ir->file, ir->line, "inhibit never holds anything: rule '%s' "
			    "drops what it matches", r->name);
		else if (r != NULL && r->resolve_on == NULL && r->auto_resolve == 0)
			report(l, ir->file, ir->line, "rule '%s' has neither resolve-on nor "
			    "auto-resolve: what it inhibits stays held until a person resolves it",
			    r->name);
	}
}

/* A rule that pages through a policy with no notifier to send the pages: they are only noted. */
static void
lint_pages(struct lint *l)
{
	const struct conf *conf = l->conf;

	if (conf->mail != NULL || conf->sms != NULL || conf->chat != NULL || conf->exec != NULL)
		return;
	for (size_t i = 0; i < conf->nrules; i++) {
		const struct rule *r = conf->rules[i];
		if (r->page != NULL)
			report(l, r->file, r->page_line, "rule '%s' pages through policy '%s', but "
			    "there is no notifier: its pages are only noted on the timeline",
			    r->name, r->page);
	}
}

/* A contact's notify by a channel whose notifier the config lacks: those pages are only noted. */
static void
lint_channels(struct lint *l)
{
	const struct conf *conf = l->conf;
	const bool has[ESCALATION_CHANNELS] = { conf->mail != NULL, conf->sms != NULL,
		conf->chat != NULL, conf->exec != NULL };

	if (!has[ESCALATION_EMAIL] && !has[ESCALATION_SMS] && !has[ESCALATION_CHAT] &&
	    !has[ESCALATION_EXEC])
		return; /* lint_pages says it once for all */
	for (size_t i = 0; i < conf->ncontacts; i++) {
		const struct conf_contact *c = &conf->contacts[i];
		for (size_t j = 0; j < c->nnotify; j++) {
			enum escalation_channel ch = c->notify[j].channel;
			if (!has[ch])
				report(l, c->file, c->line, "contact '%s' has notify %s, but there "
				    "is no notifier %s: those pages are only noted on the timeline",
				    c->name, escalation_channel_name(ch), escalation_channel_name(ch));
		}
	}
}

size_t
conf_lint(const struct conf *conf, conf_lint_cb cb, void *arg)
{
	struct lint l = { .conf = conf, .cb = cb, .arg = arg, .steps = LINT_TOTAL_STEPS };

	lint_default(&l, lint_rules(&l));
	lint_upstreams(&l);
	lint_inhibits(&l);
	lint_pages(&l);
	lint_channels(&l);
	return l.count;
}
