/*
 * conf_host.c - the `host` blocks: each names a device (its canonical
 * name, what rules and incidents see) and the other names and addresses it
 * sends as.  An alias two blocks claim is an error naming both places, as
 * the same sender cannot be two devices.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_host.h"
#include "conf_lex.h"
#include "hosts.h"

/* The block being read. */
struct hparse {
	struct host_map *map;
	size_t idx;
};

bool
conf_host_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > HOSTS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

/* Add alias to the block's host; a clash names where the other host was declared. */
static int
claim(struct lex *lx, struct hparse *p, const char *alias, char **cause)
{
	size_t owner = 0;
	int r = host_map_add(p->map, p->idx, alias, &owner);
	const struct host *o = host_map_get(p->map, owner);

	if (r == -EEXIST)
		return lex_error(lx, lx->tok.line, cause,
		    "'%s' is already an alias of host '%s' (%s:%d)", alias, o->name, o->file,
		    o->line);
	if (r == -E2BIG)
		return lex_error(lx, lx->tok.line, cause, "more than %d host aliases",
		    HOSTS_MAX_ALIASES);
	return r < 0 ? lex_error(lx, lx->tok.line, cause, "bad host alias '%s'", alias) : 0;
}

/* One alias: an address (must_be_addr) or a name; the token is read. */
static int
alias_one(struct lex *lx, struct hparse *p, bool must_be_addr, char **cause)
{
	uint8_t addr[16];
	const char *s = lx->tok.text;

	if (must_be_addr && hosts_parse_addr(s, lx->tok.len, addr) < 0)
		return lex_error(lx, lx->tok.line, cause,
		    "address '%s' is not an IPv4 or IPv6 address (one address, no prefix)", s);
	if (!must_be_addr && (strlen(s) != lx->tok.len || !conf_host_name_valid(s)))
		return lex_error(lx, lx->tok.line, cause,
		    "name must be 1 to %d printable characters without spaces", HOSTS_NAME_MAX);
	return claim(lx, p, s, cause);
}

/* address A [B ...] | name N [M ...]: one or more to the end of the statement. */
static int
aliases(struct lex *lx, struct hparse *p, bool addr, char **cause)
{
	const char *what = addr ? "an address" : "a host name";
	const struct token *t;
	int r;

	for (size_t got = 0;; got++) {
		if ((r = lex_peek(lx, &t, cause)) < 0)
			return r;
		if (got > 0 && t->type != TOK_WORD && t->type != TOK_STRING)
			return 0;
		if ((r = lex_next(lx, cause)) < 0)
			return r;
		if (lx->tok.type != TOK_WORD && lx->tok.type != TOK_STRING) {
			char desc[256];
			tok_describe(&lx->tok, desc, sizeof(desc));
			return lex_error(lx, lx->tok.line, cause, "expected %s, got %s", what, desc);
		}
		if ((r = alias_one(lx, p, addr, cause)) < 0)
			return r;
	}
}

static int
stmt_address(struct lex *lx, void *ctx, char **cause)
{
	return aliases(lx, ctx, true, cause);
}

static int
stmt_name(struct lex *lx, void *ctx, char **cause)
{
	return aliases(lx, ctx, false, cause);
}

static const struct lex_keyword host_keywords[] = {
	{ "address", stmt_address },
	{ "name", stmt_name },
};

int
conf_host_parse(struct lex *lx, struct conf *conf, char **cause)
{
	struct hparse p;
	int line = lx->tok.line, r;
	char *name;

	if ((r = lex_expect_string(lx, "a host name", &name, cause)) < 0)
		return r;
	if (!conf_host_name_valid(name) || strlen(name) != lx->tok.len) {
		free(name);
		return lex_error(lx, lx->tok.line, cause,
		    "host name must be 1 to %d printable characters without spaces",
		    HOSTS_NAME_MAX);
	}
	if (conf->hosts == NULL)
		conf->hosts = host_map_new();
	p.map = conf->hosts;
	p.idx = host_map_add_host(p.map, name, lx->file, line);
	r = claim(lx, &p, name, cause);
	free(name);
	if (r < 0 || (r = lex_skip_ends(lx, cause)) < 0 ||
	    (r = lex_expect(lx, TOK_LBRACE, cause)) < 0)
		return r;
	return lex_block(lx, host_keywords, ARRAY_SIZE(host_keywords), &p, "host", cause);
}
