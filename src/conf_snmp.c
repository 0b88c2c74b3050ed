/*
 * conf_snmp.c - the `snmp { ... }` block: v1/v2c communities allowed per
 * source CIDR, v3 USM users, the MIB modules and directories that give
 * OIDs their names; and, at the end of a load, symbolic trap OIDs in rule
 * conditions turned numeric through the resolver the SNMP input installs.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_lex.h"
#include "conf_snmp.h"
#include "rules.h"

#define SNMP_MAX_ENTRIES 4096 /* communities, users, MIBs: beyond this it is garbage */
#define SNMP_MIN_PASS	 8    /* RFC 3414 keys from passwords of at least 8 bytes */
#define OID_TEXT_MAX	 1024

/* Process-wide, set once at start-up by main before the first load. */
static conf_oid_resolver resolver;

void
conf_set_oid_resolver(conf_oid_resolver fn)
{
	resolver = fn;
}

static int
peek_arg(struct lex *lx, bool *more, char **cause)
{
	const struct token *t;
	int r;

	if ((r = lex_peek(lx, &t, cause)) < 0)
		return r;
	*more = t->type == TOK_WORD || t->type == TOK_STRING;
	return 0;
}

/* One or more strings to the end of the statement. */
static int
string_list(struct lex *lx, const char *what, bool path, char ***list, size_t *n, char **cause)
{
	bool more = true;
	char *s, *abs;
	int r;

	for (size_t got = 0;; got++) {
		if ((r = peek_arg(lx, &more, cause)) < 0)
			return r;
		if (!more)
			return got > 0 ? 0 : lex_error(lx, lx->tok.line, cause, "%s needs a name", what);
		if (*n >= SNMP_MAX_ENTRIES)
			return lex_error(lx, lx->tok.line, cause, "more than %d %s", SNMP_MAX_ENTRIES,
			    what);
		if ((r = lex_expect_string(lx, what, &s, cause)) < 0)
			return r;
		if (s[0] == '\0') {
			free(s);
			return lex_error(lx, lx->tok.line, cause, "%s must not be empty", what);
		}
		if (path) {
			r = lex_resolve_path(lx, s, &abs, cause);
			free(s);
			if (r < 0)
				return r;
			s = abs;
		}
		*list = xreallocarray(*list, *n + 1, sizeof(**list));
		(*list)[(*n)++] = s;
	}
}

static int
stmt_mibs(struct lex *lx, void *ctx, char **cause)
{
	struct conf_snmp *s = &((struct conf *)ctx)->snmp;

	return string_list(lx, "mibs", false, &s->mibs, &s->nmibs, cause);
}

static int
stmt_mib_dirs(struct lex *lx, void *ctx, char **cause)
{
	struct conf_snmp *s = &((struct conf *)ctx)->snmp;

	return string_list(lx, "mib-dirs", true, &s->mib_dirs, &s->nmib_dirs, cause);
}

static int
stmt_community(struct lex *lx, void *ctx, char **cause)
{
	struct conf_snmp *s = &((struct conf *)ctx)->snmp;
	struct conf_snmp_community *c;
	const struct token *t;
	char *name, *a, got[256];
	bool more;
	int r;

	if (s->ncommunities >= SNMP_MAX_ENTRIES)
		return lex_error(lx, lx->tok.line, cause, "more than %d communities",
		    SNMP_MAX_ENTRIES);
	if ((r = lex_expect_string(lx, "a community", &name, cause)) < 0)
		return r;
	s->communities = xreallocarray(s->communities, s->ncommunities + 1, sizeof(*c));
	c = &s->communities[s->ncommunities++];
	memset(c, 0, sizeof(*c));
	c->community = name;
	if ((r = lex_peek(lx, &t, cause)) < 0 || !tok_is_word(t, "from"))
		return r;
	if ((r = lex_next(lx, cause)) < 0)
		return r;
	for (;;) {
		if ((r = peek_arg(lx, &more, cause)) < 0)
			return r;
		if (!more)
			break;
		if ((r = lex_expect_string(lx, "an address or CIDR", &a, cause)) < 0)
			return r;
		c->from = xreallocarray(c->from, c->nfrom + 1, sizeof(*c->from));
		r = cidr_parse(a, &c->from[c->nfrom]);
		free(a);
		if (r < 0) {
			tok_describe(&lx->tok, got, sizeof(got));
			return lex_error(lx, lx->tok.line, cause,
			    "expected an address or CIDR like 10.0.0.0/8 or ::1, got %s", got);
		}
		c->nfrom++;
	}
	if (c->nfrom == 0)
		return lex_error(lx, lx->tok.line, cause, "'from' needs an address or CIDR");
	return 0;
}

static int
word_index(struct lex *lx, const char *what, const char *const *names, size_t n, char **cause)
{
	char got[256];
	int r;

	if ((r = lex_next(lx, cause)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (names[i] != NULL && tok_is_word(&lx->tok, names[i]))
			return (int)i;
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause, "unknown %s %s", what, got);
}

static int
user_pass(struct lex *lx, const char *what, char **pass, char **cause)
{
	int r;

	free(*pass);
	if ((r = lex_expect_string(lx, what, pass, cause)) < 0)
		return r;
	if (strlen(*pass) < SNMP_MIN_PASS)
		return lex_error(lx, lx->tok.line, cause, "%s must have at least %d bytes", what,
		    SNMP_MIN_PASS);
	return 0;
}

static int
user_engine_id(struct lex *lx, struct conf_snmp_user *u, char **cause)
{
	char *hex, *p;
	size_t n;
	int r;

	if ((r = lex_expect_string(lx, "an engine ID", &hex, cause)) < 0)
		return r;
	p = hex + (strncmp(hex, "0x", 2) == 0 || strncmp(hex, "0X", 2) == 0 ? 2 : 0);
	n = strlen(p);
	for (size_t i = 0; i < n && r == 0; i++)
		if (!isxdigit((unsigned char)p[i]))
			r = -EINVAL;
	if (r < 0 || n % 2 != 0 || n < 10 || n > 64) {
		free(hex);
		return lex_error(lx, lx->tok.line, cause,
		    "an engine ID is 5 to 32 bytes in hex, like 0x8000000001020304");
	}
	free(u->engine_id);
	u->engine_id = xstrdup(p);
	free(hex);
	return 0;
}

/* The options after the user's name, up to the end of the statement. */
static int
user_options(struct lex *lx, struct conf_snmp_user *u, int *level, char **cause)
{
	static const char *const auths[] = { NULL, "md5", "sha", "sha224", "sha256", "sha384",
		"sha512" };
	static const char *const privs[] = { NULL, "des", "aes", "aes192", "aes256" };
	static const char *const opts[] = { "auth", "priv", "engine-id", "level" };
	static const char *const levels[] = { NULL, "noauth", "auth", "priv" };
	bool more;
	int r;

	for (;;) {
		if ((r = peek_arg(lx, &more, cause)) < 0)
			return r;
		if (!more)
			return 0;
		if ((r = word_index(lx, "user option", opts, ARRAY_SIZE(opts), cause)) < 0)
			return r;
		switch (r) {
		case 0:
			if ((r = word_index(lx, "auth protocol", auths, ARRAY_SIZE(auths), cause)) < 0)
				return r;
			u->auth = (enum conf_snmp_auth)r;
			r = user_pass(lx, "an auth password", &u->auth_pass, cause);
			break;
		case 1:
			if ((r = word_index(lx, "priv protocol", privs, ARRAY_SIZE(privs), cause)) < 0)
				return r;
			u->priv = (enum conf_snmp_priv)r;
			r = user_pass(lx, "a priv password", &u->priv_pass, cause);
			break;
		case 2: r = user_engine_id(lx, u, cause); break;
		default:
			r = word_index(lx, "level", levels, ARRAY_SIZE(levels), cause);
			if (r > 0)
				*level = r;
			break;
		}
		if (r < 0)
			return r;
	}
}

static int
stmt_user(struct lex *lx, void *ctx, char **cause)
{
	struct conf_snmp *s = &((struct conf *)ctx)->snmp;
	struct conf_snmp_user *u;
	int line = lx->tok.line, level = 0, r;

	if (s->nusers >= SNMP_MAX_ENTRIES)
		return lex_error(lx, line, cause, "more than %d users", SNMP_MAX_ENTRIES);
	s->users = xreallocarray(s->users, s->nusers + 1, sizeof(*u));
	u = &s->users[s->nusers++];
	memset(u, 0, sizeof(*u));
	u->file = xstrdup(lx->file);
	u->line = line;
	if ((r = lex_expect_string(lx, "a user name", &u->name, cause)) < 0 ||
	    (r = user_options(lx, u, &level, cause)) < 0)
		return r;
	if (u->name[0] == '\0' || strlen(u->name) > 32)
		return lex_error(lx, line, cause, "a user name must have 1 to 32 bytes");
	if (u->priv != CONF_SNMP_PRIV_NONE && u->auth == CONF_SNMP_AUTH_NONE)
		return lex_error(lx, line, cause, "user '%s' has priv but no auth", u->name);
	u->min_level = u->priv ? CONF_SNMP_PRIV : u->auth ? CONF_SNMP_AUTH : CONF_SNMP_NOAUTH;
	if (level > (int)u->min_level)
		return lex_error(lx, line, cause, "user '%s': level %s needs %s configured",
		    u->name, level == CONF_SNMP_PRIV ? "priv" : "auth",
		    level == CONF_SNMP_PRIV ? "priv" : "auth");
	if (level > 0)
		u->min_level = (enum conf_snmp_level)level;
	for (size_t i = 0; i + 1 < s->nusers; i++)
		if (strcmp(s->users[i].name, u->name) == 0 &&
		    strcmp(s->users[i].engine_id ? s->users[i].engine_id : "",
			u->engine_id ? u->engine_id : "") == 0)
			return lex_error(lx, line, cause, "duplicate user '%s' (first at %s:%d)",
			    u->name, s->users[i].file, s->users[i].line);
	return 0;
}

static const struct lex_keyword snmp_keywords[] = {
	{ "community", stmt_community },
	{ "mib-dirs", stmt_mib_dirs },
	{ "mibs", stmt_mibs },
	{ "user", stmt_user },
};

int
conf_snmp_parse(struct lex *lx, struct conf *conf, char **cause)
{
	int r;

	if ((r = lex_skip_ends(lx, cause)) < 0 || (r = lex_expect(lx, TOK_LBRACE, cause)) < 0)
		return r;
	return lex_block(lx, snmp_keywords, ARRAY_SIZE(snmp_keywords), conf, "snmp", cause);
}

static bool
oid_numeric(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789.") == strlen(s);
}

static int
resolve_cond(const struct conf *conf, const struct rule *rule, struct cond *c, char **cause)
{
	char buf[OID_TEXT_MAX];
	int r;

	if (c == NULL)
		return 0;
	if ((r = resolve_cond(conf, rule, c->a, cause)) < 0 ||
	    (r = resolve_cond(conf, rule, c->b, cause)) < 0)
		return r;
	if (c->kind != COND_TRAP_OID || oid_numeric(c->value.p) || resolver == NULL)
		return 0;
	if ((r = resolver(conf, c->value.p, buf, sizeof(buf))) < 0) {
		xasprintf(cause, "%s:%d: unknown trap OID '%s' (not in the MIBs loaded: "
		    "check mibs and mib-dirs in snmp { }, or write it numerically)",
		    rule->file, c->line, c->value.p);
		return -EINVAL;
	}
	free((char *)c->value.p);
	c->value = str_make(xstrdup(buf), strlen(buf));
	return 0;
}

int
conf_snmp_resolve(struct conf *conf, char **cause)
{
	int r;

	for (size_t i = 0; i < conf->nrules; i++) {
		struct rule *ru = conf->rules[i];
		if ((r = resolve_cond(conf, ru, ru->match, cause)) < 0 ||
		    (r = resolve_cond(conf, ru, ru->resolve_on, cause)) < 0)
			return r;
	}
	return 0;
}

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
conf_snmp_clear(struct conf_snmp *s)
{
	for (size_t i = 0; i < s->ncommunities; i++) {
		wipe_free(s->communities[i].community);
		free(s->communities[i].from);
	}
	free(s->communities);
	for (size_t i = 0; i < s->nusers; i++) {
		struct conf_snmp_user *u = &s->users[i];
		free(u->name);
		wipe_free(u->auth_pass);
		wipe_free(u->priv_pass);
		free(u->engine_id);
		free(u->file);
	}
	free(s->users);
	for (size_t i = 0; i < s->nmibs; i++)
		free(s->mibs[i]);
	free(s->mibs);
	for (size_t i = 0; i < s->nmib_dirs; i++)
		free(s->mib_dirs[i]);
	free(s->mib_dirs);
	memset(s, 0, sizeof(*s));
}
