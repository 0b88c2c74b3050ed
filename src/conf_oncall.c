/*
 * conf_oncall.c - the `contact` and `schedule` blocks:
 *
 *	contact "alice" { email "alice@example.com"; sms "+15550100"; tz "Europe/Berlin" }
 *	schedule "ops" {
 *		tz "Europe/Berlin"
 *		layer "weekday" {
 *			rotation weekly handoff mon 09:00
 *			start 2026-01-05
 *			members "alice", "bob"
 *			restrict mon-fri 09:00-17:00
 *		}
 *		override "carol" from "2026-12-24 00:00" to "2026-12-27 00:00"
 *	}
 *
 * The words themselves are schedule.c's and maintenance.c's.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_lex.h"
#include "conf_oncall.h"
#include "util.h"

#define LOCAL_TIME_LEN 16 /* "2026-12-24 00:00" */

/* A schedule block being read; overrides wait for its tz. */
struct sparse {
	struct conf_schedule *s;
	bool tz;
	struct {
		char from[LOCAL_TIME_LEN + 1], to[LOCAL_TIME_LEN + 1];
		int line;
	} ov[CONF_SCHEDULE_OVERRIDES_MAX];
};

/* A layer block being read. */
struct lparse {
	struct conf_schedule *s;
	struct schedule_layer *l;
	bool rotation, start;
};

/* A name of 1 to CONF_ONCALL_NAME_MAX bytes; what names it in messages. */
static int
expect_name(struct lex *lx, const char *what, char **name, char **cause)
{
	int r;

	if ((r = lex_expect_string(lx, what, name, cause)) < 0)
		return r;
	if (**name != '\0' && strlen(*name) <= CONF_ONCALL_NAME_MAX)
		return 0;
	free(*name);
	*name = NULL;
	return lex_error(lx, lx->tok.line, cause, "%s has 1 to %d bytes", what,
	    CONF_ONCALL_NAME_MAX);
}

/* A channel's value: bytes from ok only, with a check of its shape. */
static int
expect_channel(struct lex *lx, char **out, bool (*valid)(const char *), const char *like,
    char **cause)
{
	char *v;
	int r;

	if (*out != NULL)
		return lex_error(lx, lx->tok.line, cause, "%s given twice", lx->tok.text);
	if ((r = lex_expect_string(lx, like, &v, cause)) < 0)
		return r;
	if (!valid(v)) {
		free(v);
		return lex_error(lx, lx->tok.line, cause, "expected %s", like);
	}
	*out = v;
	return 0;
}

static bool
printable(const char *s, size_t max, const char *not)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr(not, *p) != NULL)
			return false;
	return true;
}

static bool
valid_email(const char *s)
{
	const char *at = strchr(s, '@');

	return printable(s, 254, "<>()[],;:\"\\") && at != NULL && at != s && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL;
}

static bool
valid_sms(const char *s)
{
	size_t digits;

	if (s[0] != '+') /* s + 1 is past the end of "" */
		return false;
	digits = strspn(s + 1, "0123456789");
	return s[1 + digits] == '\0' && digits >= 6 && digits <= 15;
}

static bool
valid_chat(const char *s)
{
	return printable(s, 2048, "\"\\") &&
	    (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) &&
	    strlen(strstr(s, "://") + 3) > 0;
}

static int
opt_email(struct lex *lx, void *ctx, char **cause)
{
	return expect_channel(lx, &((struct conf_contact *)ctx)->email, valid_email,
	    "an e-mail address like alice@example.com", cause);
}

static int
opt_sms(struct lex *lx, void *ctx, char **cause)
{
	return expect_channel(lx, &((struct conf_contact *)ctx)->sms, valid_sms,
	    "a phone number in E.164 form like +15550100", cause);
}

static int
opt_chat(struct lex *lx, void *ctx, char **cause)
{
	return expect_channel(lx, &((struct conf_contact *)ctx)->chat, valid_chat,
	    "a webhook URL like https://chat.example.com/hooks/x", cause);
}

/* tz ZONE, into buf (MAINTENANCE_TZ_MAX + 1 bytes), once. */
static int
expect_tz(struct lex *lx, char *buf, char **cause)
{
	char *tz, *why = NULL;
	int r;

	if (buf[0] != '\0')
		return lex_error(lx, lx->tok.line, cause, "tz given twice");
	if ((r = lex_expect_string(lx, "a time zone", &tz, cause)) < 0)
		return r;
	if ((r = lex_placed(lx, maintenance_check_tz(tz, &why), &why, cause)) == 0)
		strlcpy_t(buf, tz, MAINTENANCE_TZ_MAX + 1);
	free(tz);
	return r;
}

static int
opt_contact_tz(struct lex *lx, void *ctx, char **cause)
{
	return expect_tz(lx, ((struct conf_contact *)ctx)->tz, cause);
}

/* notify CHANNEL [after DELAY]: email, sms, chat or exec. */
static int
opt_notify(struct lex *lx, void *ctx, char **cause)
{
	struct conf_contact *c = ctx;
	struct escalation_notify *n = &c->notify[c->nnotify];
	const struct token *t;
	int r, ch;

	if (c->nnotify >= ESCALATION_NOTIFY_MAX)
		return lex_error(lx, lx->tok.line, cause, "more than %d notify statements in a "
		    "contact", ESCALATION_NOTIFY_MAX);
	if ((r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	if ((ch = escalation_channel_from_name(lx->tok.text)) < 0)
		return lex_error(lx, lx->tok.line, cause, "expected a channel (email, sms, chat or "
		    "exec) after notify, got '%s'", lx->tok.text);
	*n = (struct escalation_notify){ (enum escalation_channel)ch, 0 };
	if ((r = lex_peek(lx, &t, cause)) < 0)
		return r;
	if (tok_is_word(t, "after") && ((r = lex_next(lx, cause)) < 0 ||
	    (r = lex_expect_duration(lx, "a notify delay", 0, &n->after, cause)) < 0))
		return r;
	if (n->after > ESCALATION_AFTER_MAX)
		return lex_error(lx, lx->tok.line, cause, "a notify delay is at most 1d");
	if (c->nnotify > 0 && n->after < c->notify[c->nnotify - 1].after)
		return lex_error(lx, lx->tok.line, cause,
		    "notify statements go in the order of their delays");
	c->nnotify++;
	return 0;
}

static const struct lex_keyword contact_keywords[] = {
	{ "chat", opt_chat },
	{ "email", opt_email },
	{ "notify", opt_notify },
	{ "sms", opt_sms },
	{ "tz", opt_contact_tz },
};

/* Each channel notified needs its address (exec needs none); with no notify, e-mail at once. */
static int
contact_finish(struct lex *lx, struct conf_contact *c, char **cause)
{
	if (c->nnotify == 0 && c->email != NULL)
		c->notify[c->nnotify++] = (struct escalation_notify){ ESCALATION_EMAIL, 0 };
	for (size_t i = 0; i < c->nnotify; i++) {
		enum escalation_channel ch = c->notify[i].channel;
		if ((ch == ESCALATION_EMAIL && c->email == NULL) ||
		    (ch == ESCALATION_SMS && c->sms == NULL))
			return lex_error(lx, c->line, cause, "contact \"%s\" has notify %s but no %s",
			    c->name, escalation_channel_name(ch),
			    ch == ESCALATION_SMS ? "sms number" : "email address");
	}
	return 0;
}

static void
contact_clear(struct conf_contact *c)
{
	free(c->name);
	free(c->email);
	free(c->sms);
	free(c->chat);
	free(c->file);
	memset(c, 0, sizeof(*c));
}

int
conf_contact_parse(struct lex *lx, struct conf *conf, char **cause)
{
	struct conf_contact c = { .line = lx->tok.line };
	int i, r;

	if ((r = expect_name(lx, "a contact's name", &c.name, cause)) < 0)
		return r;
	c.file = xstrdup(lx->file);
	if ((i = conf_contact_index(conf, c.name)) >= 0)
		r = lex_error(lx, c.line, cause, "duplicate contact '%s' (first at %s:%d)", c.name,
		    conf->contacts[i].file, conf->contacts[i].line);
	else if (conf->ncontacts >= CONF_MAX_CONTACTS)
		r = lex_error(lx, c.line, cause, "more than %d contacts", CONF_MAX_CONTACTS);
	if (r < 0 || (r = lex_skip_ends(lx, cause)) < 0 ||
	    (r = lex_expect(lx, TOK_LBRACE, cause)) < 0 ||
	    (r = lex_block(lx, contact_keywords, ARRAY_SIZE(contact_keywords), &c, "contact",
		 cause)) < 0 || (r = contact_finish(lx, &c, cause)) < 0) {
		contact_clear(&c);
		return r;
	}
	conf->contacts = xreallocarray(conf->contacts, conf->ncontacts + 1, sizeof(*conf->contacts));
	conf->contacts[conf->ncontacts++] = c;
	return 0;
}

/* Remember a contact's name to resolve into *slot when the whole config is read. */
static void
add_ref(struct conf_schedule *s, char *name, int *slot, int line)
{
	s->refs = xreallocarray(s->refs, s->nrefs + 1, sizeof(*s->refs));
	s->refs[s->nrefs++] = (struct conf_contact_ref){ .name = name, .slot = slot, .line = line };
}

/* The handoff after `rotation ...`: [handoff [DAY] HH:MM]. */
static int
rotation_handoff(struct lex *lx, struct schedule_layer *l, char **cause)
{
	const struct token *t;
	char *why = NULL;
	uint8_t days;
	int r;

	if ((r = lex_peek(lx, &t, cause)) < 0 || !tok_is_word(t, "handoff"))
		return r;
	if ((r = lex_next(lx, cause)) < 0 || (r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	if (l->rotation == SCHEDULE_WEEKLY) {
		if ((r = lex_placed(lx, schedule_parse_days(lx->tok.text, &days, &why), &why,
		    cause)) < 0)
			return r;
		if (days & (days - 1))
			return lex_error(lx, lx->tok.line, cause,
			    "a weekly handoff is on one day, got '%s'", lx->tok.text);
		l->handoff_wday = __builtin_ctz(days);
		if ((r = lex_expect(lx, TOK_WORD, cause)) < 0)
			return r;
	}
	return lex_placed(lx, maintenance_parse_time(lx->tok.text, &l->handoff_minute, &why), &why,
	    cause);
}

/* rotation daily | weekly | every DURATION, then the handoff */
static int
opt_rotation(struct lex *lx, void *ctx, char **cause)
{
	struct lparse *p = ctx;
	struct schedule_layer *l = p->l;
	int r;

	if (p->rotation)
		return lex_error(lx, lx->tok.line, cause, "a layer has one rotation statement");
	p->rotation = true;
	if ((r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	if (tok_is_word(&lx->tok, "daily"))
		l->rotation = SCHEDULE_DAILY;
	else if (tok_is_word(&lx->tok, "weekly"))
		l->rotation = SCHEDULE_WEEKLY;
	else if (tok_is_word(&lx->tok, "every")) {
		l->rotation = SCHEDULE_EVERY;
		if ((r = lex_expect_duration(lx, "a rotation's length", SCHEDULE_EVERY_MIN,
		    &l->length, cause)) < 0)
			return r;
		if (l->length > SCHEDULE_EVERY_MAX)
			return lex_error(lx, lx->tok.line, cause, "a rotation lasts at most 366d");
	} else
		return lex_error(lx, lx->tok.line, cause,
		    "expected 'daily', 'weekly' or 'every' after rotation, got '%s'", lx->tok.text);
	return rotation_handoff(lx, l, cause);
}

static int
opt_start(struct lex *lx, void *ctx, char **cause)
{
	struct lparse *p = ctx;
	char *why = NULL;
	int r;

	if (p->start)
		return lex_error(lx, lx->tok.line, cause, "a layer has one start statement");
	p->start = true;
	if ((r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	return lex_placed(lx, schedule_parse_date(lx->tok.text, &p->l->start_day, &why), &why, cause);
}

/* members NAME [,] NAME ...: bare words may end in the comma. */
static int
opt_members(struct lex *lx, void *ctx, char **cause)
{
	struct lparse *p = ctx;
	struct schedule_layer *l = p->l;
	const struct token *t;
	char *name;
	int r;

	do {
		if (l->nmembers >= SCHEDULE_MEMBERS_MAX)
			return lex_error(lx, lx->tok.line, cause, "more than %d members in a layer",
			    SCHEDULE_MEMBERS_MAX);
		if ((r = lex_expect_string(lx, "a contact's name", &name, cause)) < 0)
			return r;
		if (lx->tok.type == TOK_WORD && name[0] != '\0' && name[strlen(name) - 1] == ',')
			name[strlen(name) - 1] = '\0';
		add_ref(p->s, name, &l->members[l->nmembers], lx->tok.line);
		l->nmembers++;
		if ((r = lex_peek(lx, &t, cause)) < 0)
			return r;
		if (tok_is_word(t, ",") && ((r = lex_next(lx, cause)) < 0 ||
		    (r = lex_peek(lx, &t, cause)) < 0))
			return r;
	} while (t->type == TOK_WORD || t->type == TOK_STRING);
	return 0;
}

/* restrict [DAYS] [HH:MM-HH:MM]: at least one of them. */
static int
opt_restrict(struct lex *lx, void *ctx, char **cause)
{
	struct schedule_layer *l = ((struct lparse *)ctx)->l;
	struct schedule_restrict *rs;
	const struct token *t;
	char *why = NULL;
	int r;

	if (l->nrestricts >= SCHEDULE_RESTRICT_MAX)
		return lex_error(lx, lx->tok.line, cause, "more than %d restrict statements in a "
		    "layer", SCHEDULE_RESTRICT_MAX);
	rs = &l->restricts[l->nrestricts];
	*rs = (struct schedule_restrict){ .days = 0x7f, .from = 0, .to = 1440 };
	if ((r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	if (strchr(lx->tok.text, ':') == NULL) {
		if ((r = lex_placed(lx, schedule_parse_days(lx->tok.text, &rs->days, &why), &why,
		    cause)) < 0 || (r = lex_peek(lx, &t, cause)) < 0)
			return r;
		if (t->type != TOK_WORD || strchr(t->text, ':') == NULL) {
			l->nrestricts++;
			return 0;
		}
		if ((r = lex_next(lx, cause)) < 0)
			return r;
	}
	r = lex_placed(lx, schedule_parse_range(lx->tok.text, &rs->from, &rs->to, &why), &why, cause);
	l->nrestricts += r == 0;
	return r;
}

static const struct lex_keyword layer_keywords[] = {
	{ "members", opt_members },
	{ "restrict", opt_restrict },
	{ "rotation", opt_rotation },
	{ "start", opt_start },
};

/* layer "NAME" { ... } */
static int
opt_layer(struct lex *lx, void *ctx, char **cause)
{
	struct conf_schedule *s = ((struct sparse *)ctx)->s;
	struct lparse p = { .s = s };
	int line = lx->tok.line, r;
	char *name;

	if (s->sched.nlayers >= SCHEDULE_LAYERS_MAX)
		return lex_error(lx, line, cause, "more than %d layers in a schedule",
		    SCHEDULE_LAYERS_MAX);
	if ((r = expect_name(lx, "a layer's name", &name, cause)) < 0)
		return r;
	for (size_t i = 0; i < s->sched.nlayers; i++)
		if (strcmp(s->layer_names[i], name) == 0) {
			free(name);
			return lex_error(lx, lx->tok.line, cause, "duplicate layer name");
		}
	s->layer_names[s->sched.nlayers] = name;
	p.l = &s->sched.layers[s->sched.nlayers++];
	if ((r = lex_skip_ends(lx, cause)) < 0 || (r = lex_expect(lx, TOK_LBRACE, cause)) < 0 ||
	    (r = lex_block(lx, layer_keywords, ARRAY_SIZE(layer_keywords), &p, "layer",
		 cause)) < 0)
		return r;
	if (p.l->nmembers == 0)
		return lex_error(lx, line, cause, "layer \"%s\" needs a members statement", name);
	return 0;
}

/* A local time after `from` or `to`, checked now and read in the schedule's zone at its end. */
static int
expect_local(struct lex *lx, const char *word, char *buf, char **cause)
{
	char *s, *why = NULL;
	int64_t t;
	int r;

	if ((r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	if (!tok_is_word(&lx->tok, word))
		return lex_error(lx, lx->tok.line, cause, "expected '%s' and a local time", word);
	if ((r = lex_expect_string(lx, "a local time", &s, cause)) < 0)
		return r;
	if ((r = lex_placed(lx, schedule_parse_local("UTC", s, &t, &why), &why, cause)) == 0)
		strlcpy_t(buf, s, LOCAL_TIME_LEN + 1);
	free(s);
	return r;
}

/* override CONTACT from "YYYY-MM-DD HH:MM" to "YYYY-MM-DD HH:MM" */
static int
opt_override(struct lex *lx, void *ctx, char **cause)
{
	struct sparse *p = ctx;
	struct schedule *sc = &p->s->sched;
	int line = lx->tok.line, r;
	char *name;

	if (sc->noverrides >= CONF_SCHEDULE_OVERRIDES_MAX)
		return lex_error(lx, line, cause, "more than %d overrides in a schedule",
		    CONF_SCHEDULE_OVERRIDES_MAX);
	if ((r = lex_expect_string(lx, "a contact's name", &name, cause)) < 0)
		return r;
	add_ref(p->s, name, &sc->overrides[sc->noverrides].contact, line);
	p->ov[sc->noverrides].line = line;
	if ((r = expect_local(lx, "from", p->ov[sc->noverrides].from, cause)) < 0 ||
	    (r = expect_local(lx, "to", p->ov[sc->noverrides].to, cause)) < 0)
		return r;
	sc->noverrides++;
	return 0;
}

static int
opt_schedule_tz(struct lex *lx, void *ctx, char **cause)
{
	struct sparse *p = ctx;

	p->tz = true;
	return expect_tz(lx, p->s->sched.tz, cause);
}

static const struct lex_keyword schedule_keywords[] = {
	{ "layer", opt_layer },
	{ "override", opt_override },
	{ "tz", opt_schedule_tz },
};

/* The overrides' times in the zone the block settled on. */
static int
overrides_finish(struct lex *lx, struct sparse *p, char **cause)
{
	struct schedule *sc = &p->s->sched;
	char *why = NULL;

	for (size_t i = 0; i < sc->noverrides; i++) {
		struct schedule_override *o = &sc->overrides[i];
		if (schedule_parse_local(sc->tz, p->ov[i].from, &o->from, &why) < 0 ||
		    schedule_parse_local(sc->tz, p->ov[i].to, &o->to, &why) < 0) {
			lex_error(lx, p->ov[i].line, cause, "%s", why);
			free(why);
			return -EINVAL;
		}
		if (o->to <= o->from)
			return lex_error(lx, p->ov[i].line, cause, "an override ends after it begins");
	}
	return 0;
}

static void
schedule_clear(struct conf_schedule *s)
{
	for (size_t i = 0; i < s->sched.nlayers; i++)
		free(s->layer_names[i]);
	for (size_t i = 0; i < s->nrefs; i++)
		free(s->refs[i].name);
	free(s->refs);
	free(s->sched.layers);
	free(s->sched.overrides);
	free(s->name);
	free(s->file);
	memset(s, 0, sizeof(*s));
}

static int
check_schedule_name(struct lex *lx, const struct conf *conf, const char *name, char **cause)
{
	const struct conf_schedule *o = conf_schedule_find(conf, name);

	if (o != NULL)
		return lex_error(lx, lx->tok.line, cause,
		    "duplicate schedule '%s' (first at %s:%d)", name, o->file, o->line);
	if (conf->nschedules >= CONF_MAX_SCHEDULES)
		return lex_error(lx, lx->tok.line, cause, "more than %d schedules",
		    CONF_MAX_SCHEDULES);
	return 0;
}

int
conf_schedule_parse(struct lex *lx, struct conf *conf, char **cause)
{
	struct conf_schedule s = { .line = lx->tok.line };
	struct sparse *p = xcalloc(1, sizeof(*p));
	int r;

	p->s = &s;
	s.sched.layers = xcalloc(SCHEDULE_LAYERS_MAX, sizeof(*s.sched.layers));
	s.sched.overrides = xcalloc(CONF_SCHEDULE_OVERRIDES_MAX, sizeof(*s.sched.overrides));
	if ((r = expect_name(lx, "a schedule's name", &s.name, cause)) < 0)
		goto fail;
	s.file = xstrdup(lx->file);
	if ((r = check_schedule_name(lx, conf, s.name, cause)) < 0 ||
	    (r = lex_skip_ends(lx, cause)) < 0 || (r = lex_expect(lx, TOK_LBRACE, cause)) < 0 ||
	    (r = lex_block(lx, schedule_keywords, ARRAY_SIZE(schedule_keywords), p, "schedule",
		 cause)) < 0 || (r = overrides_finish(lx, p, cause)) < 0)
		goto fail;
	if (s.sched.nlayers == 0) {
		r = lex_error(lx, s.line, cause, "schedule \"%s\" needs a layer", s.name);
		goto fail;
	}
	free(p);
	conf->schedules = xreallocarray(conf->schedules, conf->nschedules + 1,
	    sizeof(*conf->schedules));
	conf->schedules[conf->nschedules++] = s;
	return 0;
fail:
	free(p);
	schedule_clear(&s);
	return r;
}

int
conf_oncall_resolve(struct conf *conf, char **cause)
{
	for (size_t i = 0; i < conf->nschedules; i++) {
		struct conf_schedule *s = &conf->schedules[i];
		for (size_t j = 0; j < s->nrefs; j++) {
			*s->refs[j].slot = conf_contact_index(conf, s->refs[j].name);
			if (*s->refs[j].slot < 0) {
				xasprintf(cause, "%s:%d: unknown contact '%s'", s->file,
				    s->refs[j].line, s->refs[j].name);
				return -EINVAL;
			}
			free(s->refs[j].name);
			s->refs[j].name = NULL;
		}
		free(s->refs);
		s->refs = NULL;
		s->nrefs = 0;
	}
	return 0;
}

int
conf_contact_index(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->ncontacts; i++)
		if (strcmp(conf->contacts[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct conf_schedule *
conf_schedule_find(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->nschedules; i++)
		if (strcmp(conf->schedules[i].name, name) == 0)
			return &conf->schedules[i];
	return NULL;
}

void
conf_oncall_free(struct conf *conf)
{
	for (size_t i = 0; i < conf->ncontacts; i++)
		contact_clear(&conf->contacts[i]);
	free(conf->contacts);
	for (size_t i = 0; i < conf->nschedules; i++)
		schedule_clear(&conf->schedules[i]);
	free(conf->schedules);
}
