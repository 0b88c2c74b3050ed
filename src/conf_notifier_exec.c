/*
 * conf_notifier_exec.c - the notifier that runs a program:
 *
 *	notifier exec {
 *		command "/usr/local/bin/page-me" "--verbose"
 *		timeout 10s
 *		max-running 4
 *	}
 *
 * The program gets the page as JSON on its standard input (notify_exec.h)
 * and runs as the daemon's user, with no shell between: the words are its
 * argv as written.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_lex.h"
#include "conf_notifier.h"
#include "util.h"

#define EXEC_ARG_MAX 4096

static int
opt_limit(struct lex *lx, void *ctx, char **cause)
{
	return conf_notifier_limits_opt(lx, ctx, cause);
}

/* The program must be there and runnable now, so `triaged -t` tells. */
static int
check_program(struct lex *lx, const char *path, char **cause)
{
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	struct stat st;

	if (stat(path, &st) < 0)
		return lex_error(lx, lx->tok.line, cause, "command %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return lex_error(
		    lx, lx->tok.line, cause, "command %s is not an executable file", path);
#endif
	return 0;
}

/* command "/ABSOLUTE/PATH" ["ARG" ...] */
static int
opt_command(struct lex *lx, void *ctx, char **cause)
{
	struct conf_exec *e = ctx;
	const struct token *t;
	char *s;
	int r;

	if (e->argc > 0)
		return lex_error(lx, lx->tok.line, cause, "command given twice");
	do {
		if (e->argc >= CONF_EXEC_ARGS_MAX)
			return lex_error(lx, lx->tok.line, cause, "a command has at most %d words",
			    CONF_EXEC_ARGS_MAX);
		if ((r = lex_expect_string(
		         lx, e->argc == 0 ? "a program's absolute path" : "an argument", &s, cause))
		    < 0)
			return r;
		e->argv[e->argc++] = s;
		if (strlen(s) > EXEC_ARG_MAX)
			return lex_error(lx, lx->tok.line, cause,
			    "a command's word is at most %d "
			    "bytes",
			    EXEC_ARG_MAX);
		if ((r = lex_peek(lx, &t, cause)) < 0)
			return r;
	} while (t->type == TOK_WORD || t->type == TOK_STRING);
	if (e->argv[0][0] != '/')
		return lex_error(lx, lx->tok.line, cause,
		    "command needs the program's absolute path, got '%s'", e->argv[0]);
	return check_program(lx, e->argv[0], cause);
}

static int
opt_max_running(struct lex *lx, void *ctx, char **cause)
{
	struct conf_exec *e = ctx;
	int64_t v;
	int r;

	if ((r = lex_expect_int(lx, "max-running", 1, CONF_EXEC_RUNNING_MAX, &v, cause)) < 0)
		return r;
	e->max_running = (unsigned)v;
	return 0;
}

static const struct lex_keyword exec_keywords[] = {
	{ "backoff-initial", opt_limit },
	{ "backoff-max", opt_limit },
	{ "command", opt_command },
	{ "max-running", opt_max_running },
	{ "timeout", opt_limit },
};

int
conf_notifier_exec_parse(struct lex *lx, struct conf *conf, int line, char **cause)
{
	struct conf_exec *e;
	int r;

	if (conf->exec != NULL)
		return lex_error(lx, line, cause, "notifier exec given twice (first at %s:%d)",
		    conf->exec->lim.file, conf->exec->lim.line);
	conf->exec = e = xcalloc(1, sizeof(*e));
	conf_notifier_limits_init(&e->lim, lx, line);
	e->lim.timeout = 10 * USEC_PER_SEC;
	e->max_running = 4;
	if ((r = lex_skip_ends(lx, cause)) < 0 || (r = lex_expect(lx, TOK_LBRACE, cause)) < 0
	    || (r = lex_block(lx, exec_keywords, ARRAY_SIZE(exec_keywords), e, "notifier", cause))
	        < 0
	    || (r = conf_notifier_limits_check(lx, &e->lim, cause)) < 0)
		return r; /* conf_free frees it */
	if (e->argc == 0)
		return lex_error(lx, line, cause, "notifier exec needs a command");
	return 0;
}
