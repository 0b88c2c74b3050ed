/*
 * conf_inhibit.c - the `inhibit` statement:
 *
 *	inhibit "host down" suppresses "interface down" "bgp down" equal host site
 *
 * Targets and fields are separated by blanks or commas.  A field is one a
 * silence's matchers take (host, key, rule, severity, summary or any
 * event field); the rules named may be declared later in the file.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_inhibit.h"
#include "conf_lex.h"
#include "inhibit.h"
#include "rules.h"
#include "util.h"

/* Whether the next token is one more item of a list (a word or string, not a lone ","). */
static int
next_item(struct lex *lx, bool *more, char **cause)
{
	const struct token *t;
	int r;

	for (;;) {
		if ((r = lex_peek(lx, &t, cause)) < 0)
			return r;
		*more = t->type == TOK_WORD || t->type == TOK_STRING;
		if (!*more || !tok_is_word(t, ","))
			return 0;
		if ((r = lex_next(lx, cause)) < 0)
			return r;
	}
}

/* "suppresses" read: target rule names up to `equal`. */
static int
parse_targets(struct lex *lx, struct inhibit_rule *ir, char **cause)
{
	bool more;
	size_t n;
	int r;

	for (;;) {
		if ((r = next_item(lx, &more, cause)) < 0)
			return r;
		if (!more || (r = lex_next(lx, cause)) < 0)
			break;
		if (tok_is_word(&lx->tok, "equal"))
			return ir->ntargets > 0 ? 0 :
			    lex_error(lx, lx->tok.line, cause, "inhibit needs a rule to suppress");
		if (ir->ntargets >= INHIBIT_TARGETS_MAX)
			return lex_error(lx, lx->tok.line, cause,
			    "an inhibit statement suppresses at most %d rules", INHIBIT_TARGETS_MAX);
		n = lx->tok.len;
		if (lx->tok.type == TOK_WORD && n > 1 && lx->tok.text[n - 1] == ',')
			n--; /* a bare name written "a, b" */
		ir->targets[ir->ntargets] = xstrndup(lx->tok.text, n);
		if (strcmp(ir->targets[ir->ntargets++], ir->source) == 0)
			return lex_error(lx, lx->tok.line, cause,
			    "rule '%s' cannot inhibit itself", ir->source);
	}
	return r < 0 ? r : lex_error(lx, lx->tok.line, cause,
	    "inhibit needs 'equal' and the fields source and target share");
}

/* One field name, checked as a silence matcher's would be. */
static int
add_field(struct lex *lx, struct inhibit_rule *ir, const char *name, size_t len, char **cause)
{
	struct matcher m;
	char *f = xstrndup(name, len), *why = NULL;
	int r = matcher_init(&m, f, MATCHER_EQ, "", &why);

	if (r < 0) {
		r = lex_error(lx, lx->tok.line, cause, "%s", why);
		free(why);
		free(f);
		return r;
	}
	matcher_clear(&m);
	if (ir->nequal >= INHIBIT_EQUAL_MAX) {
		free(f);
		return lex_error(lx, lx->tok.line, cause, "inhibit compares at most %d fields",
		    INHIBIT_EQUAL_MAX);
	}
	ir->equal[ir->nequal++] = f;
	return 0;
}

/* "equal" read: field names, blank- or comma-separated, to the end of the statement. */
static int
parse_equal(struct lex *lx, struct inhibit_rule *ir, char **cause)
{
	bool more;
	int r;

	for (;;) {
		if ((r = next_item(lx, &more, cause)) < 0)
			return r;
		if (!more)
			break;
		if ((r = lex_next(lx, cause)) < 0)
			return r;
		for (const char *s = lx->tok.text, *e; *s != '\0'; s = *e ? e + 1 : e) {
			e = s + strcspn(s, ",");
			if (e > s && (r = add_field(lx, ir, s, (size_t)(e - s), cause)) < 0)
				return r;
		}
	}
	if (ir->nequal == 0)
		return lex_error(lx, lx->tok.line, cause,
		    "inhibit needs at least one field after 'equal'");
	return 0;
}

static int
parse_body(struct lex *lx, struct conf *conf, struct inhibit_rule *ir, char **cause)
{
	int r;

	if (conf->ninhibits >= INHIBIT_MAX)
		return lex_error(lx, lx->tok.line, cause, "more than %d inhibit statements",
		    INHIBIT_MAX);
	if ((r = lex_expect_string(lx, "the inhibiting rule's name", &ir->source, cause)) < 0 ||
	    (r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	if (!tok_is_word(&lx->tok, "suppresses"))
		return lex_error(lx, lx->tok.line, cause,
		    "expected 'suppresses' after the inhibiting rule's name");
	if ((r = parse_targets(lx, ir, cause)) < 0)
		return r;
	return parse_equal(lx, ir, cause);
}

int
conf_inhibit_parse(struct lex *lx, struct conf *conf, char **cause)
{
	struct inhibit_rule ir = { .line = lx->tok.line };
	int r;

	ir.file = xstrdup(lx->file);
	if ((r = parse_body(lx, conf, &ir, cause)) < 0) {
		inhibit_rule_clear(&ir);
		return r;
	}
	conf->inhibits = xreallocarray(conf->inhibits, conf->ninhibits + 1,
	    sizeof(*conf->inhibits));
	conf->inhibits[conf->ninhibits++] = ir;
	return 0;
}

static bool
rule_exists(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->nrules; i++)
		if (strcmp(conf->rules[i]->name, name) == 0)
			return true;
	return false;
}

int
conf_inhibit_resolve(const struct conf *conf, char **cause)
{
	for (size_t i = 0; i < conf->ninhibits; i++) {
		const struct inhibit_rule *ir = &conf->inhibits[i];
		const char *bad = rule_exists(conf, ir->source) ? NULL : ir->source;
		for (size_t j = 0; bad == NULL && j < ir->ntargets; j++)
			if (!rule_exists(conf, ir->targets[j]))
				bad = ir->targets[j];
		if (bad != NULL) {
			xasprintf(cause, "%s:%d: inhibit names unknown rule '%s'", ir->file, ir->line,
			    bad);
			return -EINVAL;
		}
	}
	return 0;
}

void
conf_inhibit_free(struct conf *conf)
{
	for (size_t i = 0; i < conf->ninhibits; i++)
		inhibit_rule_clear(&conf->inhibits[i]);
	free(conf->inhibits);
	conf->inhibits = NULL;
	conf->ninhibits = 0;
}
