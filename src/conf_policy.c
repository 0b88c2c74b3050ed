/*
 * conf_policy.c - the `policy` blocks: ordered levels of contacts and
 * schedules to page, each but the last `escalate-after` a delay, and
 * `repeat N`; and the resolution of what they and rules' `page` name.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_lex.h"
#include "conf_oncall.h"
#include "conf_policy.h"
#include "rules.h"
#include "util.h"

/* A level block being read. */
struct level_parse {
	struct conf_policy *p;
	struct escalation_level *l;
	int after_line;
};

/* A policy block being read. */
struct policy_parse {
	struct conf_policy *p;
	int repeat_line;
	int last_after_line; /* the last level's escalate-after, 0 when none */
};

static void
add_ref(struct conf_policy *p, char *name, enum escalation_target_kind kind, int *slot, int line)
{
	p->refs = xreallocarray(p->refs, p->nrefs + 1, sizeof(*p->refs));
	p->refs[p->nrefs++] = (struct conf_policy_ref){ name, kind, slot, line };
}

/* One target, `contact NAME` or `schedule NAME`, a bare name's trailing comma cut. */
static int
expect_target(struct lex *lx, struct level_parse *lp, char **cause)
{
	struct escalation_level *l = lp->l;
	enum escalation_target_kind kind;
	char *name;
	int r;

	if (l->ntargets >= ESCALATION_TARGETS_MAX)
		return lex_error(lx, lx->tok.line, cause, "more than %d targets in a level",
		    ESCALATION_TARGETS_MAX);
	if ((r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	if (tok_is_word(&lx->tok, "contact"))
		kind = ESCALATION_CONTACT;
	else if (tok_is_word(&lx->tok, "schedule"))
		kind = ESCALATION_SCHEDULE;
	else
		return lex_error(lx, lx->tok.line, cause,
		    "expected 'contact' or 'schedule' and a name, got '%s'", lx->tok.text);
	if ((r = lex_expect_string(lx, kind == ESCALATION_CONTACT ? "a contact's name" :
	    "a schedule's name", &name, cause)) < 0)
		return r;
	if (lx->tok.type == TOK_WORD && name[0] != '\0' && name[strlen(name) - 1] == ',')
		name[strlen(name) - 1] = '\0';
	l->targets[l->ntargets].kind = kind;
	add_ref(lp->p, name, kind, &l->targets[l->ntargets].index, lx->tok.line);
	l->ntargets++;
	return 0;
}

/* notify contact|schedule NAME [,] ... */
static int
opt_level_notify(struct lex *lx, void *ctx, char **cause)
{
	const struct token *t;
	int r;

	do {
		if ((r = expect_target(lx, ctx, cause)) < 0 || (r = lex_peek(lx, &t, cause)) < 0)
			return r;
		if (tok_is_word(t, ",") && ((r = lex_next(lx, cause)) < 0 ||
		    (r = lex_peek(lx, &t, cause)) < 0))
			return r;
	} while (t->type == TOK_WORD);
	return 0;
}

static int
opt_escalate_after(struct lex *lx, void *ctx, char **cause)
{
	struct level_parse *lp = ctx;
	int r;

	if (lp->after_line != 0)
		return lex_error(lx, lx->tok.line, cause, "escalate-after given twice in a level");
	lp->after_line = lx->tok.line;
	if ((r = lex_expect_duration(lx, "escalate-after", ESCALATION_AFTER_MIN, &lp->l->after,
	    cause)) < 0)
		return r;
	if (lp->l->after > ESCALATION_AFTER_MAX)
		return lex_error(lx, lx->tok.line, cause, "escalate-after is at most 1d");
	return 0;
}

static const struct lex_keyword level_keywords[] = {
	{ "escalate-after", opt_escalate_after },
	{ "notify", opt_level_notify },
};

/* level { ... }: a level before it must say when this one comes. */
static int
opt_level(struct lex *lx, void *ctx, char **cause)
{
	struct policy_parse *pp = ctx;
	struct escalation_policy *pol = &pp->p->pol;
	struct level_parse lp = { .p = pp->p };
	int line = lx->tok.line, r;

	if (pol->nlevels >= ESCALATION_LEVELS_MAX)
		return lex_error(lx, line, cause, "more than %d levels in a policy",
		    ESCALATION_LEVELS_MAX);
	if (pol->nlevels > 0 && pol->levels[pol->nlevels - 1].after == 0)
		return lex_error(lx, line, cause,
		    "the level before this one needs escalate-after: when does this one come?");
	lp.l = &pol->levels[pol->nlevels++];
	if ((r = lex_skip_ends(lx, cause)) < 0 || (r = lex_expect(lx, TOK_LBRACE, cause)) < 0 ||
	    (r = lex_block(lx, level_keywords, ARRAY_SIZE(level_keywords), &lp, "level",
		 cause)) < 0)
		return r;
	if (lp.l->ntargets == 0)
		return lex_error(lx, line, cause, "a level needs a notify statement");
	pp->last_after_line = lp.after_line;
	return 0;
}

static int
opt_repeat(struct lex *lx, void *ctx, char **cause)
{
	struct policy_parse *pp = ctx;
	int64_t n;
	int r;

	if (pp->repeat_line != 0)
		return lex_error(lx, lx->tok.line, cause, "repeat given twice");
	pp->repeat_line = lx->tok.line;
	if ((r = lex_expect_int(lx, "a number of rounds", 0, ESCALATION_REPEAT_MAX, &n,
	    cause)) < 0)
		return r;
	pp->p->pol.repeat = (uint32_t)n;
	return 0;
}

static const struct lex_keyword policy_keywords[] = {
	{ "level", opt_level },
	{ "repeat", opt_repeat },
};

static void
policy_clear(struct conf_policy *p)
{
	for (size_t i = 0; i < p->nrefs; i++)
		free(p->refs[i].name);
	free(p->refs);
	free(p->pol.levels);
	free(p->name);
	free(p->file);
	memset(p, 0, sizeof(*p));
}

/* The block as a whole: levels, and the last one's delay only when it repeats. */
static int
policy_check(struct lex *lx, struct policy_parse *pp, char **cause)
{
	struct escalation_policy *pol = &pp->p->pol;

	if (pol->nlevels == 0)
		return lex_error(lx, pp->p->line, cause, "policy \"%s\" needs a level", pp->p->name);
	if (pol->repeat > 0 && pp->last_after_line == 0)
		return lex_error(lx, pp->repeat_line, cause,
		    "a policy that repeats needs escalate-after in its last level");
	if (pol->repeat == 0 && pp->last_after_line != 0)
		return lex_error(lx, pp->last_after_line, cause,
		    "escalate-after in the last level of a policy without repeat: nothing comes "
		    "after it");
	return 0;
}

static int
check_policy_name(struct lex *lx, const struct conf *conf, const char *name, char **cause)
{
	int i = conf_policy_index(conf, name);

	if (name[0] == '\0' || strlen(name) > ESCALATION_NAME_MAX)
		return lex_error(lx, lx->tok.line, cause, "a policy's name has 1 to %d bytes",
		    ESCALATION_NAME_MAX);
	if (strncmp(name, ESCALATION_CONTACT_PREFIX, strlen(ESCALATION_CONTACT_PREFIX)) == 0)
		return lex_error(lx, lx->tok.line, cause, "a policy's name may not begin with '"
		    ESCALATION_CONTACT_PREFIX "' (triagectl page uses it for contacts)");
	if (i >= 0)
		return lex_error(lx, lx->tok.line, cause, "duplicate policy '%s' (first at %s:%d)",
		    name, conf->policies[i].file, conf->policies[i].line);
	if (conf->npolicies >= CONF_MAX_POLICIES)
		return lex_error(lx, lx->tok.line, cause, "more than %d policies",
		    CONF_MAX_POLICIES);
	return 0;
}

int
conf_policy_parse(struct lex *lx, struct conf *conf, char **cause)
{
	struct conf_policy p = { .line = lx->tok.line };
	struct policy_parse pp = { .p = &p };
	int r;

	p.pol.levels = xcalloc(ESCALATION_LEVELS_MAX, sizeof(*p.pol.levels));
	if ((r = lex_expect_string(lx, "a policy's name", &p.name, cause)) == 0) {
		p.file = xstrdup(lx->file);
		r = check_policy_name(lx, conf, p.name, cause);
	}
	if (r < 0 || (r = lex_skip_ends(lx, cause)) < 0 ||
	    (r = lex_expect(lx, TOK_LBRACE, cause)) < 0 ||
	    (r = lex_block(lx, policy_keywords, ARRAY_SIZE(policy_keywords), &pp, "policy",
		 cause)) < 0 || (r = policy_check(lx, &pp, cause)) < 0) {
		policy_clear(&p);
		return r;
	}
	conf->policies = xreallocarray(conf->policies, conf->npolicies + 1,
	    sizeof(*conf->policies));
	conf->policies[conf->npolicies++] = p;
	return 0;
}

/* A contact a policy pages directly, or through a schedule, must have a way to be paged. */
static int
check_reachable(const struct conf *conf, const struct conf_policy *p, int contact, int line,
    char **cause)
{
	const struct conf_contact *c = &conf->contacts[contact];

	if (c->nnotify > 0)
		return 0;
	xasprintf(cause, "%s:%d: contact '%s' (%s:%d) has no way to be paged: give it an email",
	    p->file, line, c->name, c->file, c->line);
	return -EINVAL;
}

static int
check_schedule_members(const struct conf *conf, const struct conf_policy *p, int s, int line,
    char **cause)
{
	const struct schedule *sc = &conf->schedules[s].sched;
	int r = 0;

	for (size_t i = 0; i < sc->nlayers && r == 0; i++)
		for (size_t j = 0; j < sc->layers[i].nmembers && r == 0; j++)
			r = check_reachable(conf, p, sc->layers[i].members[j], line, cause);
	for (size_t i = 0; i < sc->noverrides && r == 0; i++)
		r = check_reachable(conf, p, sc->overrides[i].contact, line, cause);
	return r;
}

static int
resolve_ref(const struct conf *conf, const struct conf_policy *p, struct conf_policy_ref *ref,
    char **cause)
{
	const struct conf_schedule *s;

	if (ref->kind == ESCALATION_CONTACT) {
		if ((*ref->slot = conf_contact_index(conf, ref->name)) >= 0)
			return check_reachable(conf, p, *ref->slot, ref->line, cause);
	} else if ((s = conf_schedule_find(conf, ref->name)) != NULL) {
		*ref->slot = (int)(s - conf->schedules);
		return check_schedule_members(conf, p, *ref->slot, ref->line, cause);
	}
	xasprintf(cause, "%s:%d: unknown %s '%s'", p->file, ref->line,
	    ref->kind == ESCALATION_CONTACT ? "contact" : "schedule", ref->name);
	return -EINVAL;
}

static int
resolve_pages(struct conf *conf, char **cause)
{
	for (size_t i = 0; i < conf->nrules; i++) {
		struct rule *r = conf->rules[i];
		if (r->page == NULL)
			continue;
		if ((r->page_policy = conf_policy_index(conf, r->page)) < 0) {
			xasprintf(cause, "%s:%d: unknown policy '%s'", r->file, r->page_line,
			    r->page);
			return -EINVAL;
		}
	}
	return 0;
}

int
conf_policy_resolve(struct conf *conf, char **cause)
{
	for (size_t i = 0; i < conf->npolicies; i++) {
		struct conf_policy *p = &conf->policies[i];
		for (size_t j = 0; j < p->nrefs; j++) {
			int r = resolve_ref(conf, p, &p->refs[j], cause);
			if (r < 0)
				return r;
			free(p->refs[j].name);
			p->refs[j].name = NULL;
		}
		free(p->refs);
		p->refs = NULL;
		p->nrefs = 0;
	}
	return resolve_pages(conf, cause);
}

int
conf_policy_index(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->npolicies; i++)
		if (strcmp(conf->policies[i].name, name) == 0)
			return (int)i;
	return -1;
}

void
conf_policy_free(struct conf *conf)
{
	for (size_t i = 0; i < conf->npolicies; i++)
		policy_clear(&conf->policies[i]);
	free(conf->policies);
}
