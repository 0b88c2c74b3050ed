/*
 * conf_maintenance.c - the `maintenance` blocks:
 *
 *	maintenance "backup" {
 *		every day 02:00 for 1h tz "Asia/Tokyo"
 *		match host ~ "^db-"
 *	}
 *
 * `every` takes `day`, days of the week (mon,wed) or `month` and days of
 * the month (1,15); the schedule itself is maintenance.c's.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_lex.h"
#include "conf_maintenance.h"
#include "util.h"

/* The block being read. */
struct mparse {
	struct conf_maintenance *w;
	bool every;
};

/* The day part of `every`: day | mon,wed | month 1,15 (the first word read). */
static int
every_days(struct lex *lx, struct maintenance_schedule *s, char **cause)
{
	char *why = NULL;
	int r;

	if (tok_is_word(&lx->tok, "day")) {
		s->every = MAINTENANCE_DAILY;
		return 0;
	}
	if (!tok_is_word(&lx->tok, "month")) {
		s->every = MAINTENANCE_WEEKLY;
		return lex_placed(lx, maintenance_parse_weekdays(lx->tok.text, &s->days, &why), &why,
		    cause);
	}
	s->every = MAINTENANCE_MONTHLY;
	if ((r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	return lex_placed(lx, maintenance_parse_monthdays(lx->tok.text, &s->days, &why), &why, cause);
}

/* every DAYS HH:MM for DURATION [tz ZONE] */
static int
stmt_every(struct lex *lx, void *ctx, char **cause)
{
	struct mparse *p = ctx;
	struct maintenance_schedule *s = &p->w->sched;
	const struct token *t;
	char *why = NULL, *tz;
	int r;

	if (p->every)
		return lex_error(lx, lx->tok.line, cause, "maintenance has one every statement");
	p->every = true;
	if ((r = lex_expect(lx, TOK_WORD, cause)) < 0 || (r = every_days(lx, s, cause)) < 0 ||
	    (r = lex_expect(lx, TOK_WORD, cause)) < 0 ||
	    (r = lex_placed(lx, maintenance_parse_time(lx->tok.text, &s->minute, &why), &why,
		 cause)) < 0 ||
	    (r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	if (!tok_is_word(&lx->tok, "for"))
		return lex_error(lx, lx->tok.line, cause, "expected 'for' and a length after the time");
	if ((r = lex_expect_duration(lx, "a maintenance window's length", USEC_PER_SEC, &s->length,
	    cause)) < 0)
		return r;
	if (s->length > MAINTENANCE_LENGTH_MAX)
		return lex_error(lx, lx->tok.line, cause, "a maintenance window lasts at most 31d");
	if ((r = lex_peek(lx, &t, cause)) < 0 || !tok_is_word(t, "tz"))
		return r;
	if ((r = lex_next(lx, cause)) < 0 || (r = lex_expect_string(lx, "a time zone", &tz,
	    cause)) < 0)
		return r;
	r = lex_placed(lx, maintenance_check_tz(tz, &why), &why, cause);
	strlcpy_t(s->tz, tz, sizeof(s->tz));
	free(tz);
	return r;
}

/* match FIELD (= | != | ~ | !~) VALUE */
static int
stmt_match(struct lex *lx, void *ctx, char **cause)
{
	static const enum matcher_op ops[] = { [TOK_EQ] = MATCHER_EQ, [TOK_NE] = MATCHER_NE,
		[TOK_MATCH] = MATCHER_RE, [TOK_NMATCH] = MATCHER_NRE };
	struct conf_maintenance *w = ((struct mparse *)ctx)->w;
	char field[MATCHER_FIELD_MAX + 1], *value, *why = NULL;
	enum tok op;
	int r;

	if (w->nmatchers >= MATCHER_MAX)
		return lex_error(lx, lx->tok.line, cause, "more than %d matchers", MATCHER_MAX);
	if ((r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	strlcpy_t(field, lx->tok.text, sizeof(field));
	if ((r = lex_next(lx, cause)) < 0)
		return r;
	op = lx->tok.type;
	if (op != TOK_EQ && op != TOK_NE && op != TOK_MATCH && op != TOK_NMATCH)
		return lex_error(lx, lx->tok.line, cause, "expected =, !=, ~ or !~ after the field");
	if ((r = lex_expect_string(lx, "a value", &value, cause)) < 0)
		return r;
	r = lex_placed(lx, matcher_init(&w->m[w->nmatchers], field, ops[op], value, &why), &why, cause);
	free(value);
	if (r == 0)
		w->nmatchers++;
	return r;
}

static const struct lex_keyword maintenance_keywords[] = {
	{ "every", stmt_every },
	{ "match", stmt_match },
};

static int
check_name(struct lex *lx, const struct conf *conf, const char *name, char **cause)
{
	const struct conf_maintenance *o = conf_maintenance_find(conf, name);

	if (*name == '\0' || strlen(name) > CONF_MAINTENANCE_NAME_MAX)
		return lex_error(lx, lx->tok.line, cause,
		    "a maintenance window's name has 1 to %d bytes", CONF_MAINTENANCE_NAME_MAX);
	if (o != NULL)
		return lex_error(lx, lx->tok.line, cause,
		    "duplicate maintenance name '%s' (first at %s:%d)", name, o->file, o->line);
	if (conf->nmaintenance >= CONF_MAX_MAINTENANCE)
		return lex_error(lx, lx->tok.line, cause, "more than %d maintenance windows",
		    CONF_MAX_MAINTENANCE);
	return 0;
}

int
conf_maintenance_parse(struct lex *lx, struct conf *conf, char **cause)
{
	struct conf_maintenance w = { .line = lx->tok.line };
	struct mparse p = { .w = &w };
	int r;

	if ((r = lex_expect_string(lx, "a maintenance window's name", &w.name, cause)) < 0)
		return r;
	w.file = xstrdup(lx->file);
	if ((r = check_name(lx, conf, w.name, cause)) < 0 || (r = lex_skip_ends(lx, cause)) < 0 ||
	    (r = lex_expect(lx, TOK_LBRACE, cause)) < 0 ||
	    (r = lex_block(lx, maintenance_keywords, ARRAY_SIZE(maintenance_keywords), &p,
		 "maintenance", cause)) < 0)
		goto fail;
	if (!p.every || w.nmatchers == 0) {
		r = lex_error(lx, w.line, cause, "maintenance \"%s\" needs %s", w.name,
		    p.every ? "a match statement (what it suppresses)" : "an every statement");
		goto fail;
	}
	conf->maintenance = xreallocarray(conf->maintenance, conf->nmaintenance + 1,
	    sizeof(*conf->maintenance));
	conf->maintenance[conf->nmaintenance++] = w;
	return 0;
fail:
	conf_maintenance_clear(&w);
	return r;
}

const struct conf_maintenance *
conf_maintenance_find(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->nmaintenance; i++)
		if (strcmp(conf->maintenance[i].name, name) == 0)
			return &conf->maintenance[i];
	return NULL;
}

void
conf_maintenance_clear(struct conf_maintenance *w)
{
	for (size_t i = 0; i < w->nmatchers; i++)
		matcher_clear(&w->m[i]);
	free(w->name);
	free(w->file);
	memset(w, 0, sizeof(*w));
}
