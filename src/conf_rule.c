/*
 * conf_rule.c - the rule part of the config parser: `rule NAME { ... }`
 * statements and the condition language of match and resolve-on, by
 * recursive descent.  Conditions, regexes and templates are compiled here,
 * once, so that a rule that loads cannot fail at run time.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_lex.h"
#include "conf_rule.h"
#include "conf_upstream.h"
#include "group.h"
#include "incident.h"
#include "rules.h"

/* A rule's name is stored in each of its incidents. */
#define RULE_NAME_MAX (INCIDENT_NAME_MAX - 1)

/* Rule statements that may appear once; their lines, for messages. */
enum rule_stmt {
	RS_MATCH = 0,
	RS_RESOLVE_ON,
	RS_DROP,
	RS_KEY,
	RS_SUMMARY,
	RS_SEVERITY,
	RS_THRESHOLD,
	RS_AUTO_RESOLVE,
	RS_SEND,
	RS_COMPONENT,
	RS_GROUP,
	RS_CLASS,
	RS_MAX_OPEN,
	RS_HOLD,
	RS_FLAP,
	RS_GROUP_BY,
	RS_PAGE,
	RS_MAX,
};

static const char *const rule_stmt_names[RS_MAX] = {
	"match", "resolve-on", "drop", "key", "summary", "severity", "threshold", "auto-resolve",
	"send", "component", "group", "class", "max-open", "hold", "flap",
	"group-by", "page",
};

struct rule_build {
	struct rule *r;
	int line[RS_MAX];  /* 0 until the statement is seen */
	char *src[RS_MAX]; /* template statements as written, compiled in rule_check() */
	struct conf_send send;
};

/* An expression being parsed: limits keep recursion and evaluation bounded. */
struct expr {
	struct lex *lx;
	int depth;  /* nested '(' and 'not' */
	int parens; /* open '(': newlines inside are not statement ends */
	int nodes;
};

static int parse_or(struct expr *e, struct cond **ret, char **cause);

static int
seen_once(struct rule_build *b, struct lex *lx, enum rule_stmt s, char **cause)
{
	if (b->line[s] != 0)
		return lex_error(lx, lx->tok.line, cause,
		    "duplicate '%s' in rule '%s' (first at line %d)", rule_stmt_names[s],
		    b->r->name, b->line[s]);
	b->line[s] = lx->tok.line;
	return 0;
}

static int
expr_peek(struct expr *e, const struct token **t, char **cause)
{
	int r;

	for (;;) {
		if ((r = lex_peek(e->lx, t, cause)) < 0)
			return r;
		if ((*t)->type != TOK_END || e->parens == 0)
			return 0;
		if ((r = lex_next(e->lx, cause)) < 0)
			return r;
	}
}

static enum cond_op
tok_op(enum tok type)
{
	switch (type) {
	case TOK_NE: return OP_NE;
	case TOK_LT: return OP_LT;
	case TOK_LE: return OP_LE;
	case TOK_GT: return OP_GT;
	case TOK_GE: return OP_GE;
	case TOK_MATCH: return OP_MATCH;
	case TOK_NMATCH: return OP_NMATCH;
	default: return OP_EQ;
	}
}

static bool
tok_is_op(enum tok type)
{
	return type >= TOK_EQ && type <= TOK_NMATCH;
}

/* An optional operator, = by default; ordered says whether < <= > >= are allowed. */
static int
parse_op(struct expr *e, const char *what, bool ordered, bool regex, enum cond_op *op,
    char **cause)
{
	const struct token *t;
	char got[64];
	int r;

	*op = OP_EQ;
	if ((r = lex_peek(e->lx, &t, cause)) < 0 || !tok_is_op(t->type))
		return r;
	if ((r = lex_next(e->lx, cause)) < 0)
		return r;
	*op = tok_op(e->lx->tok.type);
	if ((*op >= OP_LT && *op <= OP_GE && !ordered) || (*op >= OP_MATCH && !regex)) {
		tok_describe(&e->lx->tok, got, sizeof(got));
		return lex_error(e->lx, e->lx->tok.line, cause, "%s compares with %s, not %s", what,
		    ordered ? "= != < <= > >=" : "= != ~ !~", got);
	}
	return 0;
}

/* facility/severity [OP] NAME; a number is accepted too. */
static int
parse_level(struct expr *e, enum cond_kind kind, struct cond **ret, char **cause)
{
	const char *what = kind == COND_FACILITY ? "facility" : "severity";
	enum cond_op op;
	char *name, got[256];
	int64_t num;
	int v, r;

	if ((r = parse_op(e, what, true, false, &op, cause)) < 0 ||
	    (r = lex_expect_string(e->lx, "a name", &name, cause)) < 0)
		return r;
	v = kind == COND_FACILITY ? event_facility_from_name(name) :
	    event_severity_from_name(name);
	if (v < 0 && parse_int64(name, 0, kind == COND_FACILITY ? 23 : 7, &num) == 0)
		v = (int)num;
	free(name);
	if (v < 0) {
		tok_describe(&e->lx->tok, got, sizeof(got));
		return lex_error(e->lx, e->lx->tok.line, cause, "unknown %s %s%s", what, got,
		    kind == COND_FACILITY ? "" :
		    ", expected emerg, alert, crit, err, warning, notice, info or debug");
	}
	*ret = cond_new(kind, NULL, NULL);
	(*ret)->op = op;
	(*ret)->num = v;
	return 0;
}

/* FIELD [OP] VALUE, the field name already known. */
static int
parse_field(struct expr *e, const char *field, struct cond **ret, char **cause)
{
	struct regex *re = NULL;
	enum cond_op op;
	char *value, *why, got[256];
	int r;

	if ((r = parse_op(e, field, false, true, &op, cause)) < 0 ||
	    (r = lex_expect_string(e->lx, "a string", &value, cause)) < 0)
		return r;
	if (op == OP_MATCH || op == OP_NMATCH) {
		if ((r = regex_compile(value, &re, &why)) < 0) {
			tok_describe(&e->lx->tok, got, sizeof(got));
			lex_error(e->lx, e->lx->tok.line, cause, "bad regex %s: %s", got, why);
			free(why);
			free(value);
			return r;
		}
	}
	*ret = cond_field(field, op, value, e->lx->tok.len, re);
	free(value);
	return 0;
}

int
cidr_parse(const char *s, struct cidr *c)
{
	const char *slash = strchr(s, '/');
	char host[INET6_ADDRSTRLEN];
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	int64_t prefix;

	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, host, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, host, c->addr) == 1)
		c->family = AF_INET6;
	else
		return -EINVAL;
	prefix = c->family == AF_INET ? 32 : 128;
	if (slash != NULL && parse_int64(slash + 1, 0, prefix, &prefix) < 0)
		return -EINVAL;
	c->prefix = (unsigned)prefix;
	return 0;
}

/* source [= | !=] CIDR; source ~ REGEX matches the address as text. */
static int
parse_source(struct expr *e, struct cond **ret, char **cause)
{
	const struct token *t;
	struct cidr cidr;
	enum cond_op op;
	char *s, got[256];
	int r;

	if ((r = lex_peek(e->lx, &t, cause)) < 0)
		return r;
	if (t->type == TOK_MATCH || t->type == TOK_NMATCH)
		return parse_field(e, "source", ret, cause);
	if ((r = parse_op(e, "source", false, true, &op, cause)) < 0 ||
	    (r = lex_expect_string(e->lx, "an address or CIDR", &s, cause)) < 0)
		return r;
	r = cidr_parse(s, &cidr);
	free(s);
	if (r < 0) {
		tok_describe(&e->lx->tok, got, sizeof(got));
		return lex_error(e->lx, e->lx->tok.line, cause,
		    "expected an address or CIDR like 10.0.0.0/8 or ::1, got %s", got);
	}
	*ret = cond_new(COND_ADDRESS, NULL, NULL);
	(*ret)->op = op;
	(*ret)->cidr = cidr;
	return 0;
}

/* An OID as written: numeric (leading '.' dropped) or MIB::name, resolved at the end of the load. */
static bool
oid_like(const char *w)
{
	return strstr(w, "::") != NULL || (w[0] >= '0' && w[0] <= '9') ||
	    (w[0] == '.' && w[1] >= '0' && w[1] <= '9');
}

static struct cond *
trap_oid_cond(const char *oid, bool under, int line)
{
	const char *o = oid[0] == '.' ? oid + 1 : oid;
	struct cond *c = cond_field("trap-oid", OP_EQ, o, strlen(o), NULL);

	c->kind = COND_TRAP_OID;
	c->num = under;
	c->line = line;
	return c;
}

/* trap [under] OID | under OID | OID: the trap's snmpTrapOID, exactly or as a subtree. */
static int
parse_trap(struct expr *e, bool under, bool have_oid, struct cond **ret, char **cause)
{
	const struct token *t;
	char *oid, got[256];
	int r;

	if (have_oid) {
		oid = xstrdup(e->lx->tok.text);
	} else {
		if ((r = lex_peek(e->lx, &t, cause)) < 0)
			return r;
		if (!under && tok_is_word(t, "under")) {
			under = true;
			if ((r = lex_next(e->lx, cause)) < 0)
				return r;
		}
		if ((r = lex_expect_string(e->lx, "an OID", &oid, cause)) < 0)
			return r;
	}
	if (!oid_like(oid)) {
		tok_describe(&e->lx->tok, got, sizeof(got));
		free(oid);
		return lex_error(e->lx, e->lx->tok.line, cause,
		    "expected an OID like IF-MIB::linkDown or 1.3.6.1.6.3.1.1.5.3, got %s", got);
	}
	*ret = trap_oid_cond(oid, under, e->lx->tok.line);
	free(oid);
	return 0;
}

/* var NAME [OP] VALUE: NAME is MIB::name, var.OID or a numeric OID. */
static int
parse_var(struct expr *e, struct cond **ret, char **cause)
{
	struct regex *re = NULL;
	enum cond_op op;
	char *name, *field, *value, *why, got[256];
	int r;

	if ((r = lex_expect_string(e->lx, "a varbind name", &name, cause)) < 0)
		return r;
	if (strstr(name, "::") != NULL || strncmp(name, "var.", 4) == 0)
		field = xstrdup(name);
	else if (oid_like(name))
		xasprintf(&field, "var.%s", name[0] == '.' ? name + 1 : name);
	else {
		tok_describe(&e->lx->tok, got, sizeof(got));
		free(name);
		return lex_error(e->lx, e->lx->tok.line, cause,
		    "expected a varbind like IF-MIB::ifIndex or var.1.3.6.1.2.1.2.2.1.1, got %s",
		    got);
	}
	free(name);
	if ((r = parse_op(e, "var", true, true, &op, cause)) < 0 ||
	    (r = lex_expect_string(e->lx, "a value", &value, cause)) < 0) {
		free(field);
		return r;
	}
	if ((op == OP_MATCH || op == OP_NMATCH) && (r = regex_compile(value, &re, &why)) < 0) {
		tok_describe(&e->lx->tok, got, sizeof(got));
		lex_error(e->lx, e->lx->tok.line, cause, "bad regex %s: %s", got, why);
		free(why);
	} else {
		*ret = cond_field(field, op, value, e->lx->tok.len, re);
		(*ret)->kind = COND_VAR;
	}
	free(value);
	free(field);
	return r;
}

static bool
trap_field(const char *w)
{
	static const char *const names[] = { "agent", "community", "enterprise", "trap-oid",
		"user", "version" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(w, names[i]) == 0)
			return true;
	return false;
}

static int
parse_primary(struct expr *e, struct cond **ret, char **cause)
{
	struct lex *lx = e->lx;
	const char *w;
	char *name, got[256];
	int r;

	if (++e->nodes > CONF_EXPR_MAX_NODES)
		return lex_error(lx, lx->tok.line, cause, "expression has more than %d conditions",
		    CONF_EXPR_MAX_NODES);
	if ((r = lex_next(lx, cause)) < 0)
		return r;
	w = lx->tok.text;
	if (lx->tok.type == TOK_WORD) {
		if (strcmp(w, "facility") == 0)
			return parse_level(e, COND_FACILITY, ret, cause);
		if (strcmp(w, "severity") == 0)
			return parse_level(e, COND_SEVERITY, ret, cause);
		if (strcmp(w, "source") == 0)
			return parse_source(e, ret, cause);
		if (strcmp(w, "trap") == 0 || strcmp(w, "under") == 0)
			return parse_trap(e, strcmp(w, "under") == 0, false, ret, cause);
		if (oid_like(w))
			return parse_trap(e, false, true, ret, cause);
		if (strcmp(w, "var") == 0)
			return parse_var(e, ret, cause);
		if (trap_field(w) || strcmp(w, EVENT_ORIGINAL_HOST) == 0 ||
		    strcmp(w, "host") == 0 || strcmp(w, "program") == 0 || strcmp(w, "pid") == 0 ||
		    strcmp(w, "msgid") == 0 || strcmp(w, "message") == 0 ||
		    (strncmp(w, "sd.", 3) == 0 && w[3] != '\0')) {
			name = xstrdup(w);
			r = parse_field(e, name, ret, cause);
			free(name);
			return r;
		}
		if (strcmp(w, "field") == 0) {
			if ((r = lex_expect_string(lx, "a field name", &name, cause)) < 0)
				return r;
			r = parse_field(e, name, ret, cause);
			free(name);
			return r;
		}
	}
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause,
	    "unknown condition %s, expected one of: agent, community, enterprise, facility, "
	    "field, host, message, msgid, not, original-host, pid, program, sd.ID.PARAM, "
	    "severity, source, trap, under, user, var, version, an OID, '('", got);
}

static int
parse_unary(struct expr *e, struct cond **ret, char **cause)
{
	const struct token *t;
	struct cond *a = NULL;
	int open, r;

	if ((r = expr_peek(e, &t, cause)) < 0)
		return r;
	if (!tok_is_word(t, "not") && t->type != TOK_LPAREN)
		return parse_primary(e, ret, cause);
	if ((r = lex_next(e->lx, cause)) < 0)
		return r;
	open = e->lx->tok.line;
	if (++e->depth > CONF_EXPR_MAX_DEPTH)
		return lex_error(e->lx, open, cause, "expression nested more than %d deep",
		    CONF_EXPR_MAX_DEPTH);
	if (e->lx->tok.type == TOK_LPAREN) {
		e->parens++;
		if ((r = parse_or(e, &a, cause)) < 0 || (r = expr_peek(e, &t, cause)) < 0)
			goto fail;
		e->parens--;
		if (t->type != TOK_RPAREN) {
			char got[256];
			tok_describe(t, got, sizeof(got));
			r = lex_error(e->lx, t->line, cause,
			    "expected 'and', 'or' or ')' to close the '(' of line %d, got %s", open,
			    got);
			goto fail;
		}
		if ((r = lex_next(e->lx, cause)) < 0)
			goto fail;
		*ret = a;
	} else {
		if ((r = lex_skip_ends(e->lx, cause)) < 0 || (r = parse_unary(e, &a, cause)) < 0)
			goto fail;
		*ret = cond_new(COND_NOT, a, NULL);
	}
	e->depth--;
	return 0;
fail:
	cond_free(a);
	return r;
}

/* One level of the and/or ladder: sub ('word' sub)*, left-associative. */
static int
parse_chain(struct expr *e, const char *word, enum cond_kind kind,
    int (*sub)(struct expr *, struct cond **, char **), struct cond **ret, char **cause)
{
	const struct token *t;
	struct cond *a = NULL, *b = NULL;
	int r;

	if ((r = sub(e, &a, cause)) < 0)
		return r;
	for (;;) {
		if ((r = expr_peek(e, &t, cause)) < 0)
			goto fail;
		if (!tok_is_word(t, word))
			break;
		/* A line may end after "and"/"or" and the expression go on. */
		if ((r = lex_next(e->lx, cause)) < 0 || (r = lex_skip_ends(e->lx, cause)) < 0 ||
		    (r = sub(e, &b, cause)) < 0)
			goto fail;
		a = cond_new(kind, a, b);
	}
	*ret = a;
	return 0;
fail:
	cond_free(a);
	return r;
}

static int
parse_and(struct expr *e, struct cond **ret, char **cause)
{
	return parse_chain(e, "and", COND_AND, parse_unary, ret, cause);
}

static int
parse_or(struct expr *e, struct cond **ret, char **cause)
{
	return parse_chain(e, "or", COND_OR, parse_and, ret, cause);
}

/* [syslog | trap | journal | any] [EXPR]: at least one of the two. */
static int
parse_condition(struct lex *lx, const char *what, struct cond **ret, char **cause)
{
	static const char *const sources[] = { "syslog", "trap", "journal" };
	struct expr e = { .lx = lx };
	const struct token *t;
	struct cond *src = NULL, *c = NULL;
	bool any = false;
	int r;

	if ((r = lex_peek(lx, &t, cause)) < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(sources); i++) {
		if (tok_is_word(t, sources[i])) {
			src = cond_new(COND_SOURCE_TYPE, NULL, NULL);
			src->num = (int)i; /* enum event_source order */
		}
	}
	any = tok_is_word(t, "any");
	if ((src != NULL || any) && (r = lex_next(lx, cause)) < 0)
		goto fail;
	if ((r = lex_peek(lx, &t, cause)) < 0)
		goto fail;
	if (t->type == TOK_END || t->type == TOK_RBRACE || t->type == TOK_EOF) {
		if (src == NULL && !any)
			return lex_error(lx, t->line, cause,
			    "%s needs a source (syslog, trap, journal, any) or a condition", what);
		*ret = src != NULL ? src : cond_new(COND_TRUE, NULL, NULL);
		return 0;
	}
	if ((r = parse_or(&e, &c, cause)) < 0)
		goto fail;
	/* The source first: it is the cheapest test and rejects most events. */
	*ret = src != NULL ? cond_new(COND_AND, src, c) : c;
	return 0;
fail:
	cond_free(src);
	return r;
}

static int
stmt_match(struct lex *lx, void *ctx, char **cause)
{
	struct rule_build *b = ctx;
	int r;

	if ((r = seen_once(b, lx, RS_MATCH, cause)) < 0)
		return r;
	return parse_condition(lx, "match", &b->r->match, cause);
}

static int
stmt_resolve_on(struct lex *lx, void *ctx, char **cause)
{
	struct rule_build *b = ctx;
	int r;

	if ((r = seen_once(b, lx, RS_RESOLVE_ON, cause)) < 0)
		return r;
	b->r->resolve_on_line = lx->tok.line;
	return parse_condition(lx, "resolve-on", &b->r->resolve_on, cause);
}

static int
stmt_drop(struct lex *lx, void *ctx, char **cause)
{
	struct rule_build *b = ctx;
	int r;

	if ((r = seen_once(b, lx, RS_DROP, cause)) < 0)
		return r;
	b->r->drop = true;
	return 0;
}

/* The template a statement sets, or NULL when it sets none. */
static struct template **
rule_template(struct rule *r, enum rule_stmt s)
{
	switch (s) {
	case RS_KEY: return &r->key;
	case RS_SUMMARY: return &r->summary;
	case RS_COMPONENT: return &r->component;
	case RS_GROUP: return &r->group;
	case RS_CLASS: return &r->class_;
	default: return NULL;
	}
}

static int
stmt_template(struct rule_build *b, struct lex *lx, enum rule_stmt s, char **cause)
{
	char what[64];
	int r;

	if ((r = seen_once(b, lx, s, cause)) < 0)
		return r;
	snprintf(what, sizeof(what), "a %s template", rule_stmt_names[s]);
	/* Compiled once the whole rule is read: match may come after key. */
	return lex_expect_string(lx, what, &b->src[s], cause);
}

static int
stmt_key(struct lex *lx, void *ctx, char **cause)
{
	return stmt_template(ctx, lx, RS_KEY, cause);
}

static int
stmt_summary(struct lex *lx, void *ctx, char **cause)
{
	return stmt_template(ctx, lx, RS_SUMMARY, cause);
}

static int
stmt_component(struct lex *lx, void *ctx, char **cause)
{
	return stmt_template(ctx, lx, RS_COMPONENT, cause);
}

static int
stmt_group(struct lex *lx, void *ctx, char **cause)
{
	return stmt_template(ctx, lx, RS_GROUP, cause);
}

static int
stmt_class(struct lex *lx, void *ctx, char **cause)
{
	return stmt_template(ctx, lx, RS_CLASS, cause);
}

/* Upstream names stay names until the whole config is read (conf_sends_resolve()). */
static int
stmt_send(struct lex *lx, void *ctx, char **cause)
{
	struct rule_build *b = ctx;
	int r;

	if ((r = seen_once(b, lx, RS_SEND, cause)) < 0)
		return r;
	return conf_send_parse(lx, &b->send, cause);
}

/* The policy's name stays a name until the whole config is read (conf_policy_resolve()). */
static int
stmt_page(struct lex *lx, void *ctx, char **cause)
{
	struct rule_build *b = ctx;
	int r;

	if ((r = seen_once(b, lx, RS_PAGE, cause)) < 0 ||
	    (r = lex_expect_string(lx, "a policy's name", &b->r->page, cause)) < 0)
		return r;
	b->r->page_line = lx->tok.line;
	return 0;
}

static int
stmt_severity(struct lex *lx, void *ctx, char **cause)
{
	struct rule_build *b = ctx;
	char *name, got[256];
	int64_t num;
	int r;

	if ((r = seen_once(b, lx, RS_SEVERITY, cause)) < 0 ||
	    (r = lex_expect_string(lx, "a severity", &name, cause)) < 0)
		return r;
	b->r->severity = event_severity_from_name(name);
	if (b->r->severity < 0 && parse_int64(name, 0, 7, &num) == 0)
		b->r->severity = (int)num;
	free(name);
	if (b->r->severity >= 0)
		return 0;
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause,
	    "unknown severity %s, expected emerg, alert, crit, err, warning, notice, info or debug",
	    got);
}

/* "in" as the next word, as in the example given. */
static int
expect_in(struct lex *lx, const char *example, char **cause)
{
	char got[256];
	int r;

	if ((r = lex_next(lx, cause)) < 0)
		return r;
	if (tok_is_word(&lx->tok, "in"))
		return 0;
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause, "expected 'in' as in \"%s\", got %s", example, got);
}

static int
stmt_threshold(struct lex *lx, void *ctx, char **cause)
{
	struct rule_build *b = ctx;
	int64_t n;
	int r;

	if ((r = seen_once(b, lx, RS_THRESHOLD, cause)) < 0 ||
	    (r = lex_expect_int(lx, "threshold", 1, INCIDENT_RECENT_MAX, &n, cause)) < 0)
		return r;
	b->r->threshold = (uint32_t)n;
	if ((r = expect_in(lx, "threshold 3 in 5m", cause)) < 0)
		return r;
	return lex_expect_duration(lx, "the threshold window", USEC_PER_MSEC,
	    &b->r->threshold_window, cause);
}

static int
stmt_auto_resolve(struct lex *lx, void *ctx, char **cause)
{
	struct rule_build *b = ctx;
	int r;

	if ((r = seen_once(b, lx, RS_AUTO_RESOLVE, cause)) < 0)
		return r;
	return lex_expect_duration(lx, "auto-resolve", USEC_PER_SEC, &b->r->auto_resolve, cause);
}

/* flap N in T [quiet Q]: the quiet period is the window unless given. */
static int
stmt_flap(struct lex *lx, void *ctx, char **cause)
{
	struct rule_build *b = ctx;
	const struct token *t;
	int64_t n;
	int r;

	if ((r = seen_once(b, lx, RS_FLAP, cause)) < 0 ||
	    (r = lex_expect_int(lx, "flap", 2, INCIDENT_FLAP_MAX, &n, cause)) < 0 ||
	    (r = expect_in(lx, "flap 5 in 10m", cause)) < 0 ||
	    (r = lex_expect_duration(lx, "the flap window", USEC_PER_SEC, &b->r->flap_window,
	    cause)) < 0 || (r = lex_peek(lx, &t, cause)) < 0)
		return r;
	b->r->flap_cycles = (uint32_t)n;
	b->r->flap_quiet = b->r->flap_window;
	if (!tok_is_word(t, "quiet"))
		return 0;
	if ((r = lex_next(lx, cause)) < 0)
		return r;
	return lex_expect_duration(lx, "quiet", USEC_PER_SEC, &b->r->flap_quiet, cause);
}

static int
stmt_hold(struct lex *lx, void *ctx, char **cause)
{
	struct rule_build *b = ctx;
	int r;

	if ((r = seen_once(b, lx, RS_HOLD, cause)) < 0)
		return r;
	return lex_expect_duration(lx, "hold", USEC_PER_SEC, &b->r->hold, cause);
}

static int
stmt_max_open(struct lex *lx, void *ctx, char **cause)
{
	struct rule_build *b = ctx;
	int64_t n;
	int r;

	if ((r = seen_once(b, lx, RS_MAX_OPEN, cause)) < 0 ||
	    (r = lex_expect_int(lx, "max-open", 1, RULE_MAX_MAX_OPEN, &n, cause)) < 0)
		return r;
	b->r->max_open = (uint32_t)n;
	return 0;
}

/* One field name of group-by: a word or a string (for a name such as "wait"). */
static int
group_field(struct rule_build *b, struct lex *lx, char **cause)
{
	struct rule_group *g = &b->r->group_by;
	int r;

	if (g->nfields == GROUP_FIELDS_MAX)
		return lex_error(lx, lx->tok.line, cause, "group-by takes at most %d fields",
		    GROUP_FIELDS_MAX);
	if ((r = lex_next(lx, cause)) < 0)
		return r;
	if (lx->tok.len == 0)
		return lex_error(lx, lx->tok.line, cause, "an empty group-by field name");
	g->fields = xreallocarray(g->fields, g->nfields + 1, sizeof(*g->fields));
	g->fields[g->nfields++] = xstrndup(lx->tok.text, lx->tok.len);
	return 0;
}

/* wait W, interval I or max N after group-by's fields. */
static int
group_option(struct rule_build *b, struct lex *lx, char **cause)
{
	struct rule_group *g = &b->r->group_by;
	char got[256];
	int64_t n;
	int r;

	if ((r = lex_next(lx, cause)) < 0)
		return r;
	if (tok_is_word(&lx->tok, "wait"))
		return lex_expect_duration(lx, "wait", 0, &g->wait, cause);
	if (tok_is_word(&lx->tok, "interval"))
		return lex_expect_duration(lx, "interval", USEC_PER_SEC, &g->interval, cause);
	if (tok_is_word(&lx->tok, "max")) {
		if ((r = lex_expect_int(lx, "group-by max", 1, GROUP_MAX_MAX, &n, cause)) < 0)
			return r;
		g->max = (uint32_t)n;
		return 0;
	}
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause,
	    "expected wait, interval or max after the group-by fields, got %s", got);
}

/* group-by FIELD... [wait W] [interval I] [max N] */
static int
stmt_group_by(struct lex *lx, void *ctx, char **cause)
{
	struct rule_build *b = ctx;
	struct rule_group *g = &b->r->group_by;
	const struct token *t;
	bool options = false; /* begun: no more fields */
	int r;

	if ((r = seen_once(b, lx, RS_GROUP_BY, cause)) < 0)
		return r;
	g->wait = GROUP_DEFAULT_WAIT;
	g->interval = GROUP_DEFAULT_INTERVAL;
	g->max = GROUP_DEFAULT_MAX;
	while ((r = lex_peek(lx, &t, cause)) == 0 && (t->type == TOK_WORD || t->type == TOK_STRING)) {
		options = options || (t->type == TOK_WORD && (tok_is_word(t, "wait") ||
		    tok_is_word(t, "interval") || tok_is_word(t, "max")));
		if (g->nfields == 0 && options)
			break;
		r = options ? group_option(b, lx, cause) : group_field(b, lx, cause);
		if (r < 0)
			return r;
	}
	if (r == 0 && g->nfields == 0)
		return lex_error(lx, b->line[RS_GROUP_BY], cause,
		    "group-by needs at least one field, as in \"group-by host\"");
	return r;
}

static const struct lex_keyword rule_keywords[] = {
	{ "auto-resolve", stmt_auto_resolve },
	{ "class", stmt_class },
	{ "component", stmt_component },
	{ "drop", stmt_drop },
	{ "flap", stmt_flap },
	{ "group", stmt_group },
	{ "group-by", stmt_group_by },
	{ "hold", stmt_hold },
	{ "key", stmt_key },
	{ "match", stmt_match },
	{ "max-open", stmt_max_open },
	{ "page", stmt_page },
	{ "resolve-on", stmt_resolve_on },
	{ "send", stmt_send },
	{ "severity", stmt_severity },
	{ "summary", stmt_summary },
	{ "threshold", stmt_threshold },
};

/*
 * The named groups of the "~" regexes that hold when c holds: those under
 * an odd number of "not" (and "!~" ones) never capture anything.
 */
static void
collect_captures(const struct cond *c, bool positive, const char ***names, size_t *n)
{
	const char *const *rn;
	size_t k;

	if (c == NULL)
		return;
	if (c->kind == COND_AND || c->kind == COND_OR || c->kind == COND_NOT) {
		collect_captures(c->a, c->kind == COND_NOT ? !positive : positive, names, n);
		collect_captures(c->b, positive, names, n);
	} else if (c->kind == COND_FIELD && c->op == OP_MATCH && positive) {
		k = regex_names(c->re, &rn);
		if (k == 0)
			return;
		*names = xreallocarray(*names, *n + k, sizeof(**names));
		memcpy(*names + *n, rn, k * sizeof(*rn));
		*n += k;
	}
}

static int
compile_template(struct rule_build *b, struct lex *lx, enum rule_stmt s,
    const char *const *known, size_t nknown, char **cause)
{
	struct template **ret = rule_template(b->r, s);
	char *why;
	int r;

	if (ret == NULL || b->src[s] == NULL)
		return 0;
	if ((r = template_compile(b->src[s], known, nknown, ret, &why)) < 0) {
		lex_error(lx, b->line[s], cause, "%s in %s template", why, rule_stmt_names[s]);
		free(why);
	}
	return r;
}

/* The key must pair a resolve event with its incident, so resolve-on must supply its fields. */
static int
check_resolve_key(struct rule_build *b, struct lex *lx, char **cause)
{
	const char **known = NULL;
	size_t n = 0;
	int r = 0;

	collect_captures(b->r->resolve_on, true, &known, &n);
	for (size_t i = 0; i < b->r->key->nparts && r == 0; i++) {
		const struct template_part *p = &b->r->key->parts[i];
		if (p->is_field && !template_field_known(p->text, known, n))
			r = lex_error(lx, b->line[RS_KEY], cause,
			    "key uses {%.*s}, which resolve-on does not capture", (int)p->text.n,
			    p->text.p);
	}
	free(known);
	return r;
}

/* A cycle is a down and its up: flap needs resolve-on, and counts what threshold would. */
static int
check_flap(struct rule_build *b, struct lex *lx, char **cause)
{
	if (b->r->resolve_on == NULL)
		return lex_error(lx, b->line[RS_FLAP], cause,
		    "rule '%s' has flap but no resolve-on: a cycle is a down and its up",
		    b->r->name);
	if (b->line[RS_THRESHOLD] != 0)
		return lex_error(lx, b->line[RS_FLAP], cause,
		    "rule '%s' has both flap and threshold (line %d): flap counts a down with "
		    "its up, threshold downs alone; use one", b->r->name, b->line[RS_THRESHOLD]);
	return 0;
}

/*
 * group-by's fields must be ones its incidents have: the incident's own
 * (key, rule, summary, severity, host) or the event's, as templates know
 * them.  Flap decides alone when its key is sent: one or the other.
 */
static int
check_group_by(struct rule_build *b, struct lex *lx, const char *const *known, size_t n,
    char **cause)
{
	static const char *const own[] = { "key", "rule", "summary", "severity", "host" };
	const struct rule_group *g = &b->r->group_by;

	if (b->line[RS_FLAP] != 0)
		return lex_error(lx, b->line[RS_GROUP_BY], cause,
		    "rule '%s' has both group-by and flap (line %d): a flapping key is paged "
		    "alone; use one", b->r->name, b->line[RS_FLAP]);
	for (size_t i = 0; i < g->nfields; i++) {
		struct str f = str_make(g->fields[i], strlen(g->fields[i]));
		bool ok = template_field_known(f, known, n);
		for (size_t j = 0; j < ARRAY_SIZE(own) && !ok; j++)
			ok = strcmp(g->fields[i], own[j]) == 0;
		if (!ok)
			return lex_error(lx, b->line[RS_GROUP_BY], cause,
			    "group-by uses '%s', which is no field of this rule's events", g->fields[i]);
	}
	return 0;
}

static int
rule_check(struct rule_build *b, struct lex *lx, char **cause)
{
	struct rule *r = b->r;
	const char **known = NULL;
	size_t n = 0;
	int ret = 0;

	if (r->match == NULL)
		return lex_error(lx, r->line, cause, "rule '%s' has no match", r->name);
	for (int s = RS_RESOLVE_ON; r->drop && s < RS_MAX; s++)
		if (s != RS_DROP && b->line[s] != 0)
			return lex_error(lx, b->line[s], cause,
			    "rule '%s' drops what it matches, so it cannot have %s", r->name,
			    rule_stmt_names[s]);
	collect_captures(r->match, true, &known, &n);
	for (int s = 0; s < RS_MAX && ret == 0; s++)
		ret = compile_template(b, lx, (enum rule_stmt)s, known, n, cause);
	if (ret == 0 && b->line[RS_GROUP_BY] != 0)
		ret = check_group_by(b, lx, known, n, cause);
	free(known);
	if (ret == 0 && r->resolve_on != NULL && r->key != NULL)
		ret = check_resolve_key(b, lx, cause);
	if (ret == 0 && b->line[RS_FLAP] != 0)
		ret = check_flap(b, lx, cause);
	return ret;
}

int
conf_rule_parse(struct lex *lx, struct rule **ret, struct conf_send *send, char **cause)
{
	struct rule_build b = { 0 };
	char *name;
	int line = lx->tok.line, r;

	if ((r = lex_expect_string(lx, "a rule name", &name, cause)) < 0)
		return r;
	if (name[0] == '\0' || strlen(name) > RULE_NAME_MAX) {
		free(name);
		return lex_error(lx, lx->tok.line, cause,
		    "a rule name must have 1 to %d bytes", RULE_NAME_MAX);
	}
	b.r = rule_new(name, lx->file, line);
	free(name);
	if ((r = lex_skip_ends(lx, cause)) < 0 || (r = lex_expect(lx, TOK_LBRACE, cause)) < 0 ||
	    (r = lex_block(lx, rule_keywords, ARRAY_SIZE(rule_keywords), &b, "rule", cause)) < 0 ||
	    (r = rule_check(&b, lx, cause)) < 0) {
		rule_free(b.r);
		b.r = NULL;
		conf_send_clear(&b.send);
	}
	for (int s = 0; s < RS_MAX; s++)
		free(b.src[s]);
	*ret = b.r;
	*send = b.send;
	return r;
}
