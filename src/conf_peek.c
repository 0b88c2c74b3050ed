/*
 * conf_peek.c - the control socket's path from a configuration, read the
 * way triagectl needs it: only the top-level `control-socket` statement
 * (and the includes that may hold it) is looked at.  Nothing else is
 * checked, no key file is opened, so an operator who cannot read the
 * secrets, or a typo in a rule, does not keep `triagectl -c` from working.
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "conf.h"
#include "conf_lex.h"
#include "util.h"

struct peek {
	char *found; /* the last control-socket seen, as the daemon takes it */
	int depth;
};

static int peek_file(struct peek *pk, const char *path, char **cause);

static int
peek_include(struct peek *pk, struct lex *lx, char **cause)
{
	char *pat, *path;
	glob_t g;
	int r;

	if ((r = lex_expect_string(lx, "a file name or pattern", &pat, cause)) < 0)
		return r;
	path = lex_file_relative(lx, pat);
	free(pat);
	r = glob(path, GLOB_MARK, NULL, &g);
	free(path);
	for (size_t i = 0; r == 0 && i < g.gl_pathc; i++) {
		const char *f = g.gl_pathv[i];
		if (f[strlen(f) - 1] != '/')
			r = peek_file(pk, f, cause);
	}
	globfree(&g);
	return r == GLOB_NOMATCH ? 0 : r;
}

/* A top-level statement: control-socket and include matter, the rest is skipped. */
static int
peek_statement(struct peek *pk, struct lex *lx, char **cause)
{
	struct sockaddr_un sun;
	char *s;
	int r;

	if (tok_is_word(&lx->tok, "control-socket")) {
		if ((r = lex_expect_path(lx, "control-socket", sizeof(sun.sun_path) - 1, &s,
		    cause)) < 0)
			return r;
		free(pk->found);
		pk->found = s;
	} else if (tok_is_word(&lx->tok, "include") && pk->depth < LEX_MAX_DEPTH) {
		pk->depth++;
		r = peek_include(pk, lx, cause);
		pk->depth--;
		return r;
	}
	return 0;
}

static int
peek_file(struct peek *pk, const char *path, char **cause)
{
	struct lex lx;
	int r, braces = 0;
	bool start = true; /* at the start of a statement */

	if ((r = lex_open_file(&lx, path, cause)) < 0) {
		lex_close(&lx);
		return r;
	}
	while ((r = lex_next(&lx, cause)) == 0 && lx.tok.type != TOK_EOF) {
		enum tok t = lx.tok.type;
		if (start && braces == 0 && t == TOK_WORD && (r = peek_statement(pk, &lx, cause)) < 0)
			break;
		braces += t == TOK_LBRACE ? 1 : t == TOK_RBRACE && braces > 0 ? -1 : 0;
		start = t == TOK_END || t == TOK_LBRACE || t == TOK_RBRACE;
	}
	lex_close(&lx);
	return r;
}

int
conf_peek_control_socket(const char *path, char **ret, char **cause)
{
	struct peek pk = { 0 };
	int r = peek_file(&pk, path, cause);

	/* What the lexer cannot read past after the statement does not matter here. */
	if (r < 0 && pk.found != NULL) {
		free(*cause);
		*cause = NULL;
		r = 0;
	}
	if (r < 0) {
		free(pk.found);
		return r;
	}
	*ret = pk.found ? pk.found : xstrdup(CONF_DEFAULT_CONTROL_SOCKET);
	return 0;
}
