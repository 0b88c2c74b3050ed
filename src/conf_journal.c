/*
 * conf_journal.c - the `journal { ... }` block: which journal to read (the
 * local system journal or a directory of journal files), the filters
 * (priority, units, identifiers, raw FIELD=value matches) and where a first
 * start begins.  No sd-journal here: the input turns this into matches.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_journal.h"
#include "conf_lex.h"
#include "event.h"
#include "util.h"

#define JOURNAL_MAX_ENTRIES 1024 /* units, identifiers or matches: beyond this it is garbage */
#define JOURNAL_FIELD_MAX   64	 /* bytes in a journal field name, as journald limits them */

/* The block being read, with where single settings were first given. */
struct jparse {
	struct conf_journal *j;
	int priority_line, directory_line, start_line;
};

static int
once(struct lex *lx, int *line, char **cause)
{
	if (*line != 0)
		return lex_error(lx, lx->tok.line, cause, "%s already set at line %d", lx->tok.text,
		    *line);
	*line = lx->tok.line;
	return 0;
}

/* One or more non-empty strings to the end of the statement, each through fix. */
static int
strings(struct lex *lx, const char *what, char *(*fix)(char *s), char ***list, size_t *n,
    char **cause)
{
	const struct token *t;
	char *s;
	int r;

	for (size_t got = 0;; got++) {
		if ((r = lex_peek(lx, &t, cause)) < 0)
			return r;
		if (t->type != TOK_WORD && t->type != TOK_STRING)
			return got > 0 ? 0 : lex_error(lx, t->line, cause, "%s needs a value", what);
		if (*n >= JOURNAL_MAX_ENTRIES)
			return lex_error(lx, t->line, cause, "more than %d %s values",
			    JOURNAL_MAX_ENTRIES, what);
		if ((r = lex_expect_string(lx, what, &s, cause)) < 0)
			return r;
		if (s[0] == '\0') {
			free(s);
			return lex_error(lx, lx->tok.line, cause, "%s must not be empty", what);
		}
		*list = xreallocarray(*list, *n + 1, sizeof(**list));
		(*list)[(*n)++] = fix != NULL ? fix(s) : s;
	}
}

/* A unit name without a type is a service, as systemctl takes it. */
static char *
unit_fix(char *s)
{
	char *full;

	if (strchr(s, '.') != NULL)
		return s;
	xasprintf(&full, "%s.service", s);
	free(s);
	return full;
}

static int
stmt_unit(struct lex *lx, void *ctx, char **cause)
{
	struct conf_journal *j = ((struct jparse *)ctx)->j;

	return strings(lx, "unit", unit_fix, &j->units, &j->nunits, cause);
}

static int
stmt_identifier(struct lex *lx, void *ctx, char **cause)
{
	struct conf_journal *j = ((struct jparse *)ctx)->j;

	return strings(lx, "identifier", NULL, &j->identifiers, &j->nidentifiers, cause);
}

bool
conf_journal_field_name(const char *p, size_t n)
{
	if (n == 0 || n > JOURNAL_FIELD_MAX || (p[0] >= '0' && p[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
			return false;
	return true;
}

static int
stmt_match(struct lex *lx, void *ctx, char **cause)
{
	struct conf_journal *j = ((struct jparse *)ctx)->j;
	size_t first = j->nmatches;
	int r;

	if ((r = strings(lx, "match", NULL, &j->matches, &j->nmatches, cause)) < 0)
		return r;
	for (size_t i = first; i < j->nmatches; i++) {
		const char *m = j->matches[i], *eq = strchr(m, '=');
		if (eq == NULL || !conf_journal_field_name(m, (size_t)(eq - m)))
			return lex_error(lx, lx->tok.line, cause,
			    "match \"%s\" is not FIELD=value (FIELD in A-Z, 0-9 and '_')", m);
	}
	return 0;
}

static int
stmt_priority(struct lex *lx, void *ctx, char **cause)
{
	struct jparse *p = ctx;
	char got[256];
	int64_t n;
	int r, sev;

	if ((r = once(lx, &p->priority_line, cause)) < 0 || (r = lex_next(lx, cause)) < 0)
		return r;
	if (lx->tok.type != TOK_LE) {
		tok_describe(&lx->tok, got, sizeof(got));
		return lex_error(lx, lx->tok.line, cause,
		    "expected '<=' after priority, as in priority <= warning; got %s", got);
	}
	if ((r = lex_next(lx, cause)) < 0)
		return r;
	sev = event_severity_from_name(lx->tok.text);
	if (sev < 0 && parse_int64(lx->tok.text, 0, 7, &n) == 0)
		sev = (int)n;
	if (sev < 0 || (lx->tok.type != TOK_WORD && lx->tok.type != TOK_STRING)) {
		tok_describe(&lx->tok, got, sizeof(got));
		return lex_error(lx, lx->tok.line, cause,
		    "expected a priority (emerg ... debug or 0 ... 7), got %s", got);
	}
	p->j->priority = sev;
	return 0;
}

static int
stmt_directory(struct lex *lx, void *ctx, char **cause)
{
	struct jparse *p = ctx;
	char *s;
	int r;

	if ((r = once(lx, &p->directory_line, cause)) < 0 ||
	    (r = lex_expect_string(lx, "a directory", &s, cause)) < 0)
		return r;
	if (s[0] == '\0')
		r = lex_error(lx, lx->tok.line, cause, "directory must not be empty");
	else
		r = lex_resolve_path(lx, s, &p->j->directory, cause);
	free(s);
	return r;
}

static int
stmt_start(struct lex *lx, void *ctx, char **cause)
{
	struct jparse *p = ctx;
	char got[256];
	int r;

	if ((r = once(lx, &p->start_line, cause)) < 0 || (r = lex_next(lx, cause)) < 0)
		return r;
	if (tok_is_word(&lx->tok, "head"))
		p->j->start = CONF_JOURNAL_HEAD;
	else if (tok_is_word(&lx->tok, "tail"))
		p->j->start = CONF_JOURNAL_TAIL;
	else {
		tok_describe(&lx->tok, got, sizeof(got));
		return lex_error(lx, lx->tok.line, cause, "expected head or tail, got %s", got);
	}
	return 0;
}

static const struct lex_keyword journal_keywords[] = {
	{ "directory", stmt_directory },
	{ "identifier", stmt_identifier },
	{ "match", stmt_match },
	{ "priority", stmt_priority },
	{ "start", stmt_start },
	{ "unit", stmt_unit },
};

int
conf_journal_parse(struct lex *lx, struct conf *conf, char **cause)
{
	struct jparse p = { .j = &conf->journal };
	int r;

	conf->journal.enabled = true;
	conf->journal.priority = -1;
	conf->journal.file = xstrdup(lx->file);
	conf->journal.line = lx->tok.line;
	if ((r = lex_skip_ends(lx, cause)) < 0 || (r = lex_expect(lx, TOK_LBRACE, cause)) < 0)
		return r;
	return lex_block(lx, journal_keywords, ARRAY_SIZE(journal_keywords), &p, "journal", cause);
}

static bool
list_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

bool
conf_journal_equal(const struct conf_journal *a, const struct conf_journal *b)
{
	return a->enabled == b->enabled && a->priority == b->priority && a->start == b->start &&
	    strcmp(a->directory ? a->directory : "", b->directory ? b->directory : "") == 0 &&
	    list_equal(a->units, a->nunits, b->units, b->nunits) &&
	    list_equal(a->identifiers, a->nidentifiers, b->identifiers, b->nidentifiers) &&
	    list_equal(a->matches, a->nmatches, b->matches, b->nmatches);
}

static void
list_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void
conf_journal_clear(struct conf_journal *j)
{
	list_free(j->units, j->nunits);
	list_free(j->identifiers, j->nidentifiers);
	list_free(j->matches, j->nmatches);
	free(j->directory);
	free(j->file);
	memset(j, 0, sizeof(*j));
	j->priority = -1;
}
