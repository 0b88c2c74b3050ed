/*
 * conf_notifier.c - the `notifier` statement: the e-mail block here, the
 * others in conf_notifier_http.c and conf_notifier_exec.c, and what they
 * share.
 *
 *	notifier email {
 *		server "smtp://mail.example.com:587"
 *		from "triaged@example.com"
 *		starttls required
 *		credentials-file "/etc/triaged/smtp.cred"
 *	}
 *
 * The credentials file holds USER:PASSWORD on one line.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_lex.h"
#include "conf_notifier.h"
#include "conf_oncall.h"
#include "conf_upstream.h"
#include "util.h"

#define MAIL_TIMEOUT_MAX (300 * USEC_PER_SEC)
#define MAIL_BACKOFF_MAX (3600 * USEC_PER_SEC)

static bool
printable(const char *s, const char *not)
{
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || strchr(not, *s) != NULL)
			return false;
	return true;
}

static int
opt_server(struct lex *lx, void *ctx, char **cause)
{
	struct conf_mail *m = ctx;
	char *s;
	int r;

	if (m->server != NULL)
		return lex_error(lx, lx->tok.line, cause, "server given twice");
	if ((r = lex_expect_string(lx, "a server like smtp://127.0.0.1:25", &s, cause)) < 0)
		return r;
	if ((strncmp(s, "smtp://", 7) != 0 && strncmp(s, "smtps://", 8) != 0) ||
	    strlen(strstr(s, "://") + 3) == 0 || strlen(s) > 1024 || !printable(s, "\"\\")) {
		free(s);
		return lex_error(lx, lx->tok.line, cause,
		    "expected a server like smtp://HOST[:PORT] or smtps://HOST[:PORT]");
	}
	m->server = s;
	return 0;
}

static int
opt_from(struct lex *lx, void *ctx, char **cause)
{
	struct conf_mail *m = ctx;
	const char *at;
	char *s;
	int r;

	if (m->from != NULL)
		return lex_error(lx, lx->tok.line, cause, "from given twice");
	if ((r = lex_expect_string(lx, "an e-mail address", &s, cause)) < 0)
		return r;
	at = strchr(s, '@');
	if (at == NULL || at == s || at[1] == '\0' || strlen(s) > 254 ||
	    !printable(s, "<>()[],;:\"\\")) {
		free(s);
		return lex_error(lx, lx->tok.line, cause,
		    "expected an e-mail address like triaged@example.com");
	}
	m->from = s;
	return 0;
}

static int
opt_starttls(struct lex *lx, void *ctx, char **cause)
{
	struct conf_mail *m = ctx;
	int r;

	if ((r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	if (tok_is_word(&lx->tok, "no"))
		m->starttls = CONF_MAIL_STARTTLS_NO;
	else if (tok_is_word(&lx->tok, "try"))
		m->starttls = CONF_MAIL_STARTTLS_TRY;
	else if (tok_is_word(&lx->tok, "required"))
		m->starttls = CONF_MAIL_STARTTLS_REQUIRED;
	else
		return lex_error(lx, lx->tok.line, cause,
		    "expected 'no', 'try' or 'required' after starttls, got '%s'", lx->tok.text);
	return 0;
}

/* USER:PASSWORD, split; the secret is wiped wherever it was copied. */
static int
opt_credentials(struct lex *lx, void *ctx, char **cause)
{
	struct conf_mail *m = ctx;
	char *s, *path, *secret = NULL, *colon;
	int r;

	if (m->user != NULL)
		return lex_error(lx, lx->tok.line, cause, "credentials-file given twice");
	if ((r = lex_expect_string(lx, "a file name", &s, cause)) < 0)
		return r;
	r = lex_resolve_path(lx, s, &path, cause);
	free(s);
	if (r < 0)
		return r;
	r = conf_read_secret(lx, "credentials file", path, &secret, cause);
	if (r == 0 && ((colon = strchr(secret, ':')) == NULL || colon == secret))
		r = lex_error(lx, lx->tok.line, cause,
		    "credentials file %s must hold USER:PASSWORD on one line", path);
	else if (r == 0) {
		m->user = xstrndup(secret, (size_t)(colon - secret));
		m->password = xstrdup(colon + 1);
	}
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	free(path);
	return r;
}

static int
opt_ca_file(struct lex *lx, void *ctx, char **cause)
{
	struct conf_mail *m = ctx;

	if (m->ca_file != NULL)
		return lex_error(lx, lx->tok.line, cause, "ca-file given twice");
	return lex_expect_path(lx, "a file name", 4096, &m->ca_file, cause);
}

static int
expect_bounded(struct lex *lx, const char *what, int64_t max, int64_t *out, char **cause)
{
	char m[32];
	int r;

	if ((r = lex_expect_duration(lx, what, USEC_PER_SEC, out, cause)) < 0 || *out <= max)
		return r;
	format_duration(max, m, sizeof(m));
	return lex_error(lx, lx->tok.line, cause, "%s is at most %s", what, m);
}

static int
opt_timeout(struct lex *lx, void *ctx, char **cause)
{
	return expect_bounded(lx, "timeout", MAIL_TIMEOUT_MAX, &((struct conf_mail *)ctx)->timeout,
	    cause);
}

static int
opt_backoff_initial(struct lex *lx, void *ctx, char **cause)
{
	return expect_bounded(lx, "backoff-initial", MAIL_BACKOFF_MAX,
	    &((struct conf_mail *)ctx)->backoff_initial, cause);
}

static int
opt_backoff_max(struct lex *lx, void *ctx, char **cause)
{
	return expect_bounded(lx, "backoff-max", MAIL_BACKOFF_MAX,
	    &((struct conf_mail *)ctx)->backoff_max, cause);
}

static const struct lex_keyword mail_keywords[] = {
	{ "backoff-initial", opt_backoff_initial },
	{ "backoff-max", opt_backoff_max },
	{ "ca-file", opt_ca_file },
	{ "credentials-file", opt_credentials },
	{ "from", opt_from },
	{ "server", opt_server },
	{ "starttls", opt_starttls },
	{ "timeout", opt_timeout },
};

static void
mail_free(struct conf_mail *m)
{
	if (m == NULL)
		return;
	if (m->password != NULL) {
		explicit_bzero(m->password, strlen(m->password));
		free(m->password);
	}
	free(m->user);
	free(m->server);
	free(m->from);
	free(m->ca_file);
	free(m->file);
	free(m);
}

static int
mail_check(struct lex *lx, const struct conf_mail *m, char **cause)
{
	if (m->server == NULL || m->from == NULL)
		return lex_error(lx, m->line, cause, "notifier email needs server and from");
	if (m->backoff_initial > m->backoff_max)
		return lex_error(lx, m->line, cause, "backoff-initial is longer than backoff-max");
	return 0;
}

static int
mail_parse(struct lex *lx, struct conf *conf, int line, char **cause)
{
	struct conf_mail *m;
	int r;

	if (conf->mail != NULL)
		return lex_error(lx, line, cause, "notifier email given twice (first at %s:%d)",
		    conf->mail->file, conf->mail->line);
	m = xcalloc(1, sizeof(*m));
	*m = (struct conf_mail){ .starttls = CONF_MAIL_STARTTLS_TRY,
		.timeout = 30 * USEC_PER_SEC, .backoff_initial = 5 * USEC_PER_SEC,
		.backoff_max = 300 * USEC_PER_SEC, .file = xstrdup(lx->file), .line = line };
	if ((r = lex_skip_ends(lx, cause)) < 0 || (r = lex_expect(lx, TOK_LBRACE, cause)) < 0 ||
	    (r = lex_block(lx, mail_keywords, ARRAY_SIZE(mail_keywords), m, "notifier",
		 cause)) < 0 || (r = mail_check(lx, m, cause)) < 0) {
		mail_free(m);
		return r;
	}
	conf->mail = m;
	return 0;
}

int
conf_notifier_parse(struct lex *lx, struct conf *conf, char **cause)
{
	int line = lx->tok.line, r;

	if ((r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	if (tok_is_word(&lx->tok, "email"))
		return mail_parse(lx, conf, line, cause);
	if (tok_is_word(&lx->tok, "sms"))
		return conf_notifier_sms_parse(lx, conf, line, cause);
	if (tok_is_word(&lx->tok, "chat"))
		return conf_notifier_chat_parse(lx, conf, line, cause);
	if (tok_is_word(&lx->tok, "exec"))
		return conf_notifier_exec_parse(lx, conf, line, cause);
	return lex_error(lx, lx->tok.line, cause,
	    "expected 'email', 'sms', 'chat' or 'exec' after notifier, got '%s'", lx->tok.text);
}

void
conf_notifier_limits_init(struct conf_notifier_limits *l, const struct lex *lx, int line)
{
	*l = (struct conf_notifier_limits){ .timeout = 30 * USEC_PER_SEC,
		.backoff_initial = 5 * USEC_PER_SEC, .backoff_max = 300 * USEC_PER_SEC,
		.file = xstrdup(lx->file), .line = line };
}

/* timeout, backoff-initial or backoff-max, the word in lx->tok; 1 when it is none of them. */
int
conf_notifier_limits_opt(struct lex *lx, struct conf_notifier_limits *l, char **cause)
{
	if (tok_is_word(&lx->tok, "timeout"))
		return expect_bounded(lx, "timeout", MAIL_TIMEOUT_MAX, &l->timeout, cause);
	if (tok_is_word(&lx->tok, "backoff-initial"))
		return expect_bounded(lx, "backoff-initial", MAIL_BACKOFF_MAX, &l->backoff_initial,
		    cause);
	if (tok_is_word(&lx->tok, "backoff-max"))
		return expect_bounded(lx, "backoff-max", MAIL_BACKOFF_MAX, &l->backoff_max, cause);
	return 1;
}

int
conf_notifier_limits_check(struct lex *lx, const struct conf_notifier_limits *l, char **cause)
{
	if (l->backoff_initial > l->backoff_max)
		return lex_error(lx, l->line, cause, "backoff-initial is longer than backoff-max");
	return 0;
}

/* A contact notified by chat needs a webhook: its own, or the notifier's. */
int
conf_notifier_resolve(struct conf *conf, char **cause)
{
	for (size_t i = 0; i < conf->ncontacts; i++) {
		const struct conf_contact *c = &conf->contacts[i];
		if (c->chat != NULL || (conf->chat != NULL && conf->chat->url != NULL))
			continue;
		for (size_t j = 0; j < c->nnotify; j++)
			if (c->notify[j].channel == ESCALATION_CHAT) {
				xasprintf(cause, "%s:%d: contact \"%s\" has notify chat but no chat "
				    "URL, and notifier chat has no url", c->file, c->line, c->name);
				return -EINVAL;
			}
	}
	return 0;
}

static void
limits_free(struct conf_notifier_limits *l)
{
	free(l->file);
}

void
conf_notifier_free(struct conf *conf)
{
	mail_free(conf->mail);
	if (conf->sms != NULL) {
		if (conf->sms->token != NULL)
			explicit_bzero(conf->sms->token, strlen(conf->sms->token));
		free(conf->sms->token);
		free(conf->sms->url);
		free(conf->sms->account_sid);
		free(conf->sms->from);
		free(conf->sms->ca_file);
		limits_free(&conf->sms->lim);
		free(conf->sms);
	}
	if (conf->chat != NULL) {
		free(conf->chat->url);
		free(conf->chat->ca_file);
		limits_free(&conf->chat->lim);
		free(conf->chat);
	}
	if (conf->exec != NULL) {
		for (size_t i = 0; i < conf->exec->argc; i++)
			free(conf->exec->argv[i]);
		limits_free(&conf->exec->lim);
		free(conf->exec);
	}
}
