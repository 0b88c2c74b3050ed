/*
 * conf_notifier_http.c - the notifiers that page over HTTP:
 *
 *	notifier sms {
 *		url "https://api.twilio.com/2010-04-01/Accounts/AC.../Messages.json"
 *		account-sid "AC..."
 *		token-file "/etc/triaged/twilio.token"	# or token-credential "twilio"
 *		from "+15550100"
 *	}
 *	notifier chat { url "https://hooks.slack.com/services/..."; format slack }
 *
 * The token is read now, from a file or a systemd credential, and never
 * printed; a contact's `chat "URL"` goes before the notifier's url.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_lex.h"
#include "conf_notifier.h"
#include "conf_upstream.h"
#include "util.h"

#define URL_MAX 2048

static bool
printable(const char *s, const char * not )
{
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || strchr(not, *s) != NULL)
			return false;
	return true;
}

/* An http:// or https:// URL of printable ASCII, once. */
static int
expect_url(struct lex *lx, char **out, char **cause)
{
	char *s;
	int r;

	if (*out != NULL)
		return lex_error(lx, lx->tok.line, cause, "url given twice");
	if ((r = lex_expect_string(lx, "a URL", &s, cause)) < 0)
		return r;
	if ((strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
	    || strlen(strstr(s, "://") + 3) == 0 || strlen(s) > URL_MAX || !printable(s, "\"\\")) {
		free(s);
		return lex_error(lx, lx->tok.line, cause, "expected a URL like https://HOST/PATH");
	}
	*out = s;
	return 0;
}

/* timeout, backoff-initial, backoff-max: the limits are each block's first member. */
static int
opt_limit(struct lex *lx, void *ctx, char **cause)
{
	return conf_notifier_limits_opt(lx, ctx, cause);
}

static int
opt_sms_url(struct lex *lx, void *ctx, char **cause)
{
	return expect_url(lx, &((struct conf_sms *)ctx)->url, cause);
}

static int
opt_sms_sid(struct lex *lx, void *ctx, char **cause)
{
	struct conf_sms *s = ctx;
	char *v;
	int r;

	if (s->account_sid != NULL)
		return lex_error(lx, lx->tok.line, cause, "account-sid given twice");
	if ((r = lex_expect_string(lx, "an account SID", &v, cause)) < 0)
		return r;
	/* The basic-auth user: a colon would end it early. */
	if (v[0] == '\0' || strlen(v) > 64 || !printable(v, ":\"\\")) {
		free(v);
		return lex_error(lx, lx->tok.line, cause,
		    "expected an account SID of printable characters without ':'");
	}
	s->account_sid = v;
	return 0;
}

static int
token_once(struct lex *lx, const struct conf_sms *s, char **cause)
{
	if (s->token != NULL)
		return lex_error(lx, lx->tok.line, cause,
		    "notifier sms needs token-file or token-credential, once");
	return 0;
}

static int
opt_sms_token_file(struct lex *lx, void *ctx, char **cause)
{
	struct conf_sms *s = ctx;
	int r = token_once(lx, s, cause);

	return r < 0 ? r : conf_secret_file(lx, "token-file", "token file", &s->token, cause);
}

static int
opt_sms_token_credential(struct lex *lx, void *ctx, char **cause)
{
	struct conf_sms *s = ctx;
	int r = token_once(lx, s, cause);

	return r < 0
	    ? r
	    : conf_secret_credential(lx, "token-credential", "token credential", &s->token, cause);
}

static int
opt_sms_from(struct lex *lx, void *ctx, char **cause)
{
	struct conf_sms *s = ctx;
	char *v;
	size_t digits;
	int r;

	if (s->from != NULL)
		return lex_error(lx, lx->tok.line, cause, "from given twice");
	if ((r = lex_expect_string(lx, "a phone number", &v, cause)) < 0)
		return r;
	digits = v[0] == '+' ? strspn(v + 1, "0123456789") : 0;
	if (v[0] != '+' || v[1 + digits] != '\0' || digits < 6 || digits > 15) {
		free(v);
		return lex_error(lx, lx->tok.line, cause,
		    "expected a phone number in E.164 form like +15550100");
	}
	s->from = v;
	return 0;
}

static int
expect_ca_file(struct lex *lx, char **out, char **cause)
{
	if (*out != NULL)
		return lex_error(lx, lx->tok.line, cause, "ca-file given twice");
	return lex_expect_path(lx, "a file name", 4096, out, cause);
}

static int
opt_sms_ca_file(struct lex *lx, void *ctx, char **cause)
{
	return expect_ca_file(lx, &((struct conf_sms *)ctx)->ca_file, cause);
}

static const struct lex_keyword sms_keywords[] = {
	{ "account-sid", opt_sms_sid },
	{ "backoff-initial", opt_limit },
	{ "backoff-max", opt_limit },
	{ "ca-file", opt_sms_ca_file },
	{ "from", opt_sms_from },
	{ "timeout", opt_limit },
	{ "token-credential", opt_sms_token_credential },
	{ "token-file", opt_sms_token_file },
	{ "url", opt_sms_url },
};

/* The block after its word, into a new *block of size bytes whose first member is its limits. */
static int
read_block(
    struct lex *lx, int line, const struct lex_keyword *kw, size_t n, void *block, char **cause)
{
	int r;

	conf_notifier_limits_init(block, lx, line);
	if ((r = lex_skip_ends(lx, cause)) < 0 || (r = lex_expect(lx, TOK_LBRACE, cause)) < 0
	    || (r = lex_block(lx, kw, n, block, "notifier", cause)) < 0)
		return r;
	return conf_notifier_limits_check(lx, block, cause);
}

int
conf_notifier_sms_parse(struct lex *lx, struct conf *conf, int line, char **cause)
{
	struct conf_sms *s;
	int r;

	if (conf->sms != NULL)
		return lex_error(lx, line, cause, "notifier sms given twice (first at %s:%d)",
		    conf->sms->lim.file, conf->sms->lim.line);
	conf->sms = s = xcalloc(1, sizeof(*s));
	if ((r = read_block(lx, line, sms_keywords, ARRAY_SIZE(sms_keywords), s, cause)) < 0)
		return r; /* conf_free frees it */
	if (s->url == NULL || s->account_sid == NULL || s->token == NULL || s->from == NULL)
		return lex_error(lx, line, cause,
		    "notifier sms needs url, account-sid, token-file "
		    "or token-credential, and from");
	return 0;
}

static int
opt_chat_url(struct lex *lx, void *ctx, char **cause)
{
	return expect_url(lx, &((struct conf_chat *)ctx)->url, cause);
}

static int
opt_chat_ca_file(struct lex *lx, void *ctx, char **cause)
{
	return expect_ca_file(lx, &((struct conf_chat *)ctx)->ca_file, cause);
}

static int
opt_chat_format(struct lex *lx, void *ctx, char **cause)
{
	struct conf_chat *c = ctx;
	int r;

	if ((r = lex_expect(lx, TOK_WORD, cause)) < 0)
		return r;
	if (tok_is_word(&lx->tok, "slack"))
		c->format = CONF_CHAT_SLACK;
	else if (tok_is_word(&lx->tok, "mattermost"))
		c->format = CONF_CHAT_MATTERMOST;
	else if (tok_is_word(&lx->tok, "teams"))
		c->format = CONF_CHAT_TEAMS;
	else
		return lex_error(lx, lx->tok.line, cause,
		    "expected 'slack', 'mattermost' or "
		    "'teams' after format, got '%s'",
		    lx->tok.text);
	return 0;
}

static const struct lex_keyword chat_keywords[] = {
	{ "backoff-initial", opt_limit },
	{ "backoff-max", opt_limit },
	{ "ca-file", opt_chat_ca_file },
	{ "format", opt_chat_format },
	{ "timeout", opt_limit },
	{ "url", opt_chat_url },
};

int
conf_notifier_chat_parse(struct lex *lx, struct conf *conf, int line, char **cause)
{
	if (conf->chat != NULL)
		return lex_error(lx, line, cause, "notifier chat given twice (first at %s:%d)",
		    conf->chat->lim.file, conf->chat->lim.line);
	conf->chat = xcalloc(1, sizeof(*conf->chat));
	return read_block(lx, line, chat_keywords, ARRAY_SIZE(chat_keywords), conf->chat, cause);
}
