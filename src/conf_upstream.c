/*
 * conf_upstream.c - reads `upstream NAME pagerduty { ... }` blocks and the
 * send lists that refer to them.  The routing key is read from its file or
 * systemd credential while the config loads, so a bad key path is a config
 * error rather than a failed delivery hours later; it is kept out of every
 * message and wiped when the config is freed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_lex.h"
#include "conf_upstream.h"
#include "rules.h"
#include "upstream_alertmanager.h"

#define UPSTREAM_MAX_TIMEOUT	(3600 * USEC_PER_SEC)
#define UPSTREAM_MAX_BACKOFF	(86400 * USEC_PER_SEC)
#define UPSTREAM_MAX_RATE	1024 /* per minute: what the outbox's rate window tracks */
#define UPSTREAM_MAX_CLIENT	255  /* bytes in `client`, as PagerDuty takes it */
#define UPSTREAM_MAX_URL	4096 /* bytes in `url` */
#define UPSTREAM_MAX_CLIENT_URL 1024 /* bytes in `client-url`, as PagerDuty takes it */
#define UPSTREAM_MAX_RESEND	(3600 * USEC_PER_SEC)

/* Options that may be given once; their lines, for messages. */
enum up_opt {
	UO_URL = 0,
	UO_KEY_FILE,
	UO_KEY_CREDENTIAL,
	UO_CA_FILE,
	UO_TIMEOUT,
	UO_CONNECT_TIMEOUT,
	UO_BACKOFF_INITIAL,
	UO_BACKOFF_MAX,
	UO_RATE_LIMIT,
	UO_CLIENT,
	UO_CLIENT_URL,
	UO_SEND_RESOLVED,
	UO_SECRET_FILE,
	UO_SECRET_CREDENTIAL,
	UO_HEARTBEAT,
	UO_RESEND,
	UO_RESEND_RESOLVED,
	UO_MAX,
};

static const char *const up_opt_names[UO_MAX] = {
	"url", "routing-key-file", "routing-key-credential", "ca-file", "timeout",
	"connect-timeout", "backoff-initial", "backoff-max", "rate-limit", "client", "client-url",
	"send-resolved-undelivered", "secret-file", "secret-credential",
	"heartbeat", "resend", "resend-resolved",
};

struct up_build {
	struct conf_upstream *u;
	int line[UO_MAX]; /* 0 until the option is seen */
};

static int
opt_once(struct up_build *b, struct lex *lx, enum up_opt o, char **cause)
{
	if (b->line[o] != 0)
		return lex_error(lx, lx->tok.line, cause,
		    "duplicate '%s' in upstream '%s' (first at line %d)", up_opt_names[o],
		    b->u->name, b->line[o]);
	b->line[o] = lx->tok.line;
	return 0;
}

/* An http:// or https:// URL of at most max bytes with a host, no white space or control bytes. */
static int
expect_url(struct lex *lx, const char *what, size_t max, char **out, char **cause)
{
	char got[256];
	size_t skip;
	int r;

	if ((r = lex_expect_string(lx, what, out, cause)) < 0)
		return r;
	tok_describe(&lx->tok, got, sizeof(got));
	if (strncasecmp(*out, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(*out, "http://", 7) == 0)
		skip = 7;
	else
		skip = 0;
	if (skip == 0)
		return lex_error(lx, lx->tok.line, cause,
		    "%s must start with http:// or https://, got %s", what, got);
	if ((*out)[skip] == '\0' || (*out)[skip] == '/')
		return lex_error(lx, lx->tok.line, cause, "%s has no host, got %s", what, got);
	if (strlen(*out) > max)
		return lex_error(lx, lx->tok.line, cause, "%s must have at most %zu bytes", what,
		    max);
	for (const char *c = *out; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return lex_error(lx, lx->tok.line, cause,
			    "%s must not contain spaces or control characters, got %s", what, got);
	return 0;
}

static int
opt_url(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;
	int r;

	if ((r = opt_once(b, lx, UO_URL, cause)) < 0)
		return r;
	return expect_url(lx, "url", UPSTREAM_MAX_URL, &b->u->url, cause);
}

/* url A [B ...]: the members of an Alertmanager cluster, each sent every alert. */
static int
opt_peer_urls(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;
	struct conf_upstream *u = b->u;
	const struct token *t;
	char *url;
	int r;

	if ((r = opt_once(b, lx, UO_URL, cause)) < 0)
		return r;
	do {
		url = NULL; /* a token that is no string leaves it unset */
		if ((r = expect_url(lx, "url", UPSTREAM_MAX_URL, &url, cause)) < 0) {
			free(url);
			return r;
		}
		for (size_t i = 0; i < u->nqueues && r == 0; i++)
			if (strcmp(u->urls[i], url) == 0)
				r = lex_error(lx, lx->tok.line, cause, "url lists %s twice", url);
		if (r == 0 && u->nqueues >= CONF_AM_PEERS_MAX)
			r = lex_error(lx, lx->tok.line, cause, "url lists more than %d peers",
			    CONF_AM_PEERS_MAX);
		if (r < 0) {
			free(url);
			return r;
		}
		u->urls = xreallocarray(u->urls, u->nqueues + 1, sizeof(*u->urls));
		u->urls[u->nqueues++] = url;
		if ((r = lex_peek(lx, &t, cause)) < 0)
			return r;
	} while (t->type == TOK_STRING);
	u->url = xstrdup(u->urls[0]);
	return 0;
}

/* heartbeat URL every DURATION: at least a second, at most a day. */
static int
opt_heartbeat(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;
	int r;

	if ((r = opt_once(b, lx, UO_HEARTBEAT, cause)) < 0 ||
	    (r = expect_url(lx, "heartbeat", UPSTREAM_MAX_URL, &b->u->heartbeat_url, cause)) < 0 ||
	    (r = lex_next(lx, cause)) < 0)
		return r;
	if (!tok_is_word(&lx->tok, "every"))
		return lex_error(lx, lx->tok.line, cause,
		    "expected 'every' and a duration after the heartbeat URL");
	if ((r = lex_expect_duration(lx, "a heartbeat's interval", USEC_PER_SEC,
	     &b->u->heartbeat_every, cause)) < 0)
		return r;
	if (b->u->heartbeat_every > 86400 * USEC_PER_SEC)
		return lex_error(lx, lx->tok.line, cause, "a heartbeat's interval must be at most 1d");
	return 0;
}

/* heartbeat every DURATION: alertmanager's Watchdog alert, to every peer. */
static int
opt_watchdog(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;
	int r;

	if ((r = opt_once(b, lx, UO_HEARTBEAT, cause)) < 0 || (r = lex_next(lx, cause)) < 0)
		return r;
	if (!tok_is_word(&lx->tok, "every"))
		return lex_error(lx, lx->tok.line, cause,
		    "expected 'every' and a duration after heartbeat, as in \"heartbeat every 1m\"");
	if ((r = lex_expect_duration(lx, "a heartbeat's interval", USEC_PER_SEC,
	     &b->u->heartbeat_every, cause)) < 0)
		return r;
	if (b->u->heartbeat_every > 3600 * USEC_PER_SEC)
		return lex_error(lx, lx->tok.line, cause,
		    "a Watchdog's interval must be at most 1h");
	b->u->heartbeat_watchdog = true;
	return 0;
}

static int
opt_client_url(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;
	int r;

	if ((r = opt_once(b, lx, UO_CLIENT_URL, cause)) < 0)
		return r;
	return expect_url(lx, "client-url", UPSTREAM_MAX_CLIENT_URL, &b->u->client_url,
	    cause);
}

static int
opt_client(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;
	size_t n;
	int r;

	if ((r = opt_once(b, lx, UO_CLIENT, cause)) < 0 ||
	    (r = lex_expect_string(lx, "a client name", &b->u->client, cause)) < 0)
		return r;
	n = strlen(b->u->client);
	if (n == 0 || n > UPSTREAM_MAX_CLIENT)
		return lex_error(lx, lx->tok.line, cause, "client must have 1 to %d bytes",
		    UPSTREAM_MAX_CLIENT);
	return 0;
}

/* A regular, readable file: curl would only find out at the first delivery. */
static int
opt_ca_file(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;
	char *s;
	int r;

	if ((r = opt_once(b, lx, UO_CA_FILE, cause)) < 0 ||
	    (r = lex_expect_string(lx, "a file name", &s, cause)) < 0)
		return r;
	if (s[0] == '\0')
		r = lex_error(lx, lx->tok.line, cause, "ca-file must not be empty");
	else
		r = lex_resolve_path(lx, s, &b->u->ca_file, cause);
	free(s);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	if (r == 0 && access(b->u->ca_file, R_OK) < 0)
		r = lex_error(lx, lx->tok.line, cause, "cannot read ca-file %s: %s",
		    b->u->ca_file, strerror(errno));
#endif
	return r;
}

static int
opt_duration(struct up_build *b, struct lex *lx, enum up_opt o, int64_t max, int64_t *out,
    char **cause)
{
	char got[256], m[32];
	int r;

	if ((r = opt_once(b, lx, o, cause)) < 0 ||
	    (r = lex_expect_duration(lx, up_opt_names[o], USEC_PER_MSEC, out, cause)) < 0)
		return r;
	if (*out <= max)
		return 0;
	tok_describe(&lx->tok, got, sizeof(got));
	format_duration(max, m, sizeof(m));
	return lex_error(lx, lx->tok.line, cause, "%s must be at most %s, got %s",
	    up_opt_names[o], m, got);
}

/* resend D: well inside Alertmanager's resolve_timeout (5m by default). */
static int
opt_resend(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;
	int r;

	if ((r = opt_duration(b, lx, UO_RESEND, UPSTREAM_MAX_RESEND, &b->u->resend, cause)) < 0)
		return r;
	if (b->u->resend < USEC_PER_SEC)
		return lex_error(lx, lx->tok.line, cause, "resend must be at least 1s");
	return 0;
}

static int
opt_resend_resolved(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;

	return opt_duration(b, lx, UO_RESEND_RESOLVED, UPSTREAM_MAX_RESEND,
	    &b->u->resend_resolved, cause);
}

static int
opt_timeout(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;

	return opt_duration(b, lx, UO_TIMEOUT, UPSTREAM_MAX_TIMEOUT, &b->u->timeout, cause);
}

static int
opt_connect_timeout(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;

	return opt_duration(b, lx, UO_CONNECT_TIMEOUT, UPSTREAM_MAX_TIMEOUT,
	    &b->u->connect_timeout, cause);
}

static int
opt_backoff_initial(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;

	return opt_duration(b, lx, UO_BACKOFF_INITIAL, UPSTREAM_MAX_BACKOFF,
	    &b->u->backoff_initial, cause);
}

static int
opt_backoff_max(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;

	return opt_duration(b, lx, UO_BACKOFF_MAX, UPSTREAM_MAX_BACKOFF, &b->u->backoff_max,
	    cause);
}

/* rate-limit N per minute | rate-limit off */
static int
opt_rate_limit(struct lex *lx, void *ctx, char **cause)
{
	static const char *const unit[] = { "per", "minute" };
	struct up_build *b = ctx;
	const struct token *t;
	char got[256];
	int64_t n;
	int r;

	if ((r = opt_once(b, lx, UO_RATE_LIMIT, cause)) < 0 || (r = lex_peek(lx, &t, cause)) < 0)
		return r;
	if (tok_is_word(t, "off")) {
		b->u->rate_per_minute = 0;
		return lex_next(lx, cause);
	}
	if ((r = lex_expect_int(lx, "rate-limit", 1, UPSTREAM_MAX_RATE, &n, cause)) < 0)
		return r;
	b->u->rate_per_minute = (uint32_t)n;
	for (size_t i = 0; i < ARRAY_SIZE(unit); i++) {
		if ((r = lex_next(lx, cause)) < 0)
			return r;
		if (!tok_is_word(&lx->tok, unit[i])) {
			tok_describe(&lx->tok, got, sizeof(got));
			return lex_error(lx, lx->tok.line, cause,
			    "expected 'per minute' as in \"rate-limit 120 per minute\", got %s", got);
		}
	}
	return 0;
}

/* send-resolved-undelivered yes|no */
static int
opt_send_resolved(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;
	char got[256];
	int r;

	if ((r = opt_once(b, lx, UO_SEND_RESOLVED, cause)) < 0 || (r = lex_next(lx, cause)) < 0)
		return r;
	b->u->send_resolved_undelivered = tok_is_word(&lx->tok, "yes");
	if (tok_is_word(&lx->tok, "yes") || tok_is_word(&lx->tok, "no"))
		return 0;
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause,
	    "send-resolved-undelivered takes yes or no, got %s", got);
}

/* A file and a credential option are alternatives; the first one given is remembered. */
static int
key_once(struct up_build *b, struct lex *lx, enum up_opt o, enum up_opt other, char **cause)
{
	int r;

	if ((r = opt_once(b, lx, o, cause)) < 0)
		return r;
	if (b->line[other] != 0)
		return lex_error(lx, lx->tok.line, cause, "upstream '%s' needs %s or %s, not both",
		    b->u->name, up_opt_names[o < other ? o : other], up_opt_names[o < other ? other : o]);
	return 0;
}

int
conf_secret_file(struct lex *lx, const char *opt, const char *what, char **dst, char **cause)
{
	char *s, *path;
	int r;

	if ((r = lex_expect_string(lx, "a file name", &s, cause)) < 0)
		return r;
	if (s[0] == '\0') {
		free(s);
		return lex_error(lx, lx->tok.line, cause, "%s must not be empty", opt);
	}
	r = lex_resolve_path(lx, s, &path, cause);
	free(s);
	if (r < 0)
		return r;
	r = conf_read_secret(lx, what, path, dst, cause);
	free(path);
	return r;
}

/* systemd's LoadCredential=NAME:PATH puts the key in $CREDENTIALS_DIRECTORY/NAME. */
int
conf_secret_credential(struct lex *lx, const char *opt, const char *what, char **dst,
    char **cause)
{
	const char *dir;
	char *name, *path, got[256];
	int r;

	if ((r = lex_expect_string(lx, "a credential name", &name, cause)) < 0)
		return r;
	tok_describe(&lx->tok, got, sizeof(got));
	if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strlen(name) > 255) {
		free(name);
		return lex_error(lx, lx->tok.line, cause,
		    "%s must be a file name without '/', got %s", opt, got);
	}
	dir = getenv("CREDENTIALS_DIRECTORY");
	if (dir == NULL || dir[0] == '\0') {
		free(name);
		return lex_error(lx, lx->tok.line, cause,
		    "%s needs systemd's CREDENTIALS_DIRECTORY (LoadCredential=)", opt);
	}
	xasprintf(&path, "%s/%s", dir, name);
	free(name);
	r = conf_read_secret(lx, what, path, dst, cause);
	free(path);
	return r;
}

/* routing-key-file, secret-file: a key read now, into *dst. */
static int
key_file(struct up_build *b, struct lex *lx, enum up_opt o, enum up_opt other, const char *what,
    char **dst, char **cause)
{
	int r;

	if ((r = key_once(b, lx, o, other, cause)) < 0)
		return r;
	return conf_secret_file(lx, up_opt_names[o], what, dst, cause);
}

static int
key_credential(struct up_build *b, struct lex *lx, enum up_opt o, enum up_opt other,
    const char *what, char **dst, char **cause)
{
	int r;

	if ((r = key_once(b, lx, o, other, cause)) < 0)
		return r;
	return conf_secret_credential(lx, up_opt_names[o], what, dst, cause);
}

static int
opt_key_file(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;

	return key_file(b, lx, UO_KEY_FILE, UO_KEY_CREDENTIAL, "routing key file",
	    &b->u->routing_key, cause);
}

static int
opt_key_credential(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;

	return key_credential(b, lx, UO_KEY_CREDENTIAL, UO_KEY_FILE, "routing key credential",
	    &b->u->routing_key, cause);
}

static int
opt_secret_file(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;

	return key_file(b, lx, UO_SECRET_FILE, UO_SECRET_CREDENTIAL, "secret file", &b->u->secret,
	    cause);
}

static int
opt_secret_credential(struct lex *lx, void *ctx, char **cause)
{
	struct up_build *b = ctx;

	return key_credential(b, lx, UO_SECRET_CREDENTIAL, UO_SECRET_FILE, "secret credential",
	    &b->u->secret, cause);
}

static const struct lex_keyword pagerduty_keywords[] = {
	{ "backoff-initial", opt_backoff_initial },
	{ "backoff-max", opt_backoff_max },
	{ "ca-file", opt_ca_file },
	{ "client", opt_client },
	{ "client-url", opt_client_url },
	{ "connect-timeout", opt_connect_timeout },
	{ "heartbeat", opt_heartbeat },
	{ "rate-limit", opt_rate_limit },
	{ "routing-key-credential", opt_key_credential },
	{ "routing-key-file", opt_key_file },
	{ "send-resolved-undelivered", opt_send_resolved },
	{ "timeout", opt_timeout },
	{ "url", opt_url },
};

static const struct lex_keyword webhook_keywords[] = {
	{ "backoff-initial", opt_backoff_initial },
	{ "backoff-max", opt_backoff_max },
	{ "ca-file", opt_ca_file },
	{ "connect-timeout", opt_connect_timeout },
	{ "heartbeat", opt_heartbeat },
	{ "rate-limit", opt_rate_limit },
	{ "secret-credential", opt_secret_credential },
	{ "secret-file", opt_secret_file },
	{ "send-resolved-undelivered", opt_send_resolved },
	{ "timeout", opt_timeout },
	{ "url", opt_url },
};

static const struct lex_keyword alertmanager_keywords[] = {
	{ "backoff-initial", opt_backoff_initial },
	{ "backoff-max", opt_backoff_max },
	{ "ca-file", opt_ca_file },
	{ "connect-timeout", opt_connect_timeout },
	{ "heartbeat", opt_watchdog },
	{ "rate-limit", opt_rate_limit },
	{ "resend", opt_resend },
	{ "resend-resolved", opt_resend_resolved },
	{ "timeout", opt_timeout },
	{ "url", opt_peer_urls },
};

/* One outbox queue per peer (conf.h): a peer that is down holds up nobody. */
static void
up_queues(struct conf_upstream *u)
{
	if (u->kind != UPSTREAM_ALERTMANAGER) {
		u->urls = xcalloc(1, sizeof(*u->urls));
		u->urls[0] = xstrdup(u->url);
		u->queues = xcalloc(1, sizeof(*u->queues));
		u->queues[0] = xstrdup(u->name);
		u->nqueues = 1;
		return;
	}
	u->queues = xcalloc(u->nqueues, sizeof(*u->queues));
	for (size_t i = 0; i < u->nqueues; i++) {
		char *base = u->urls[i];
		xasprintf(&u->queues[i], "%s@%s", u->name, base);
		u->urls[i] = alertmanager_url(base); /* where alerts are POSTed */
		free(base);
	}
}

/* The whole block is read: what needs several options, and the defaults. */
static int
up_check(struct up_build *b, struct lex *lx, char **cause)
{
	struct conf_upstream *u = b->u;
	char lo[32], hi[32];
	int line;

	if (u->kind == UPSTREAM_PAGERDUTY && u->routing_key == NULL)
		return lex_error(lx, u->line, cause,
		    "upstream '%s' needs routing-key-file or routing-key-credential", u->name);
	if (u->kind == UPSTREAM_WEBHOOK && u->url == NULL)
		return lex_error(lx, u->line, cause, "webhook upstream '%s' needs a url", u->name);
	if (u->kind == UPSTREAM_ALERTMANAGER && u->url == NULL)
		return lex_error(lx, u->line, cause,
		    "alertmanager upstream '%s' needs a url (each peer of its cluster)", u->name);
	if (u->backoff_initial > u->backoff_max) {
		format_duration(u->backoff_initial, lo, sizeof(lo));
		format_duration(u->backoff_max, hi, sizeof(hi));
		line = b->line[UO_BACKOFF_INITIAL] > b->line[UO_BACKOFF_MAX] ?
		    b->line[UO_BACKOFF_INITIAL] : b->line[UO_BACKOFF_MAX];
		return lex_error(lx, line, cause, "backoff-initial %s is longer than backoff-max %s",
		    lo, hi);
	}
	if (u->url == NULL)
		u->url = xstrdup(CONF_DEFAULT_PD_URL);
	if (u->client == NULL)
		u->client = xstrdup("triaged");
	up_queues(u);
	return 0;
}

/* The name: 1 to CONF_UPSTREAM_NAME_MAX bytes, unique, within the limit on upstreams. */
static int
up_name(struct lex *lx, const struct conf *conf, struct conf_upstream *u, char **cause)
{
	const struct conf_upstream *o;
	int r;

	if ((r = lex_expect_string(lx, "an upstream name", &u->name, cause)) < 0)
		return r;
	if (u->name[0] == '\0' || strlen(u->name) > CONF_UPSTREAM_NAME_MAX)
		return lex_error(lx, lx->tok.line, cause, "an upstream name must have 1 to %d bytes",
		    CONF_UPSTREAM_NAME_MAX);
	if ((o = conf_upstream_find(conf, u->name)) != NULL)
		return lex_error(lx, u->line, cause, "duplicate upstream name '%s' (first at %s:%d)",
		    u->name, o->file, o->line);
	if (conf->nupstreams >= CONF_MAX_UPSTREAMS)
		return lex_error(lx, u->line, cause, "more than %d upstreams", CONF_MAX_UPSTREAMS);
	return 0;
}

static const struct {
	const char *name;
	const struct lex_keyword *kw;
	size_t n;
} kinds[] = {
	[UPSTREAM_PAGERDUTY] = { "pagerduty", pagerduty_keywords, ARRAY_SIZE(pagerduty_keywords) },
	[UPSTREAM_WEBHOOK] = { "webhook", webhook_keywords, ARRAY_SIZE(webhook_keywords) },
	[UPSTREAM_ALERTMANAGER] = { "alertmanager", alertmanager_keywords,
	    ARRAY_SIZE(alertmanager_keywords) },
};

static int
up_kind(struct lex *lx, struct conf_upstream *u, char **cause)
{
	char got[256];

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (tok_is_word(&lx->tok, kinds[i].name)) {
			u->kind = (enum upstream_kind)i;
			return 0;
		}
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause,
	    "unknown upstream kind %s; expected pagerduty, webhook or alertmanager", got);
}

int
conf_upstream_parse(struct lex *lx, struct conf *conf, char **cause)
{
	struct conf_upstream u = {
		.kind = UPSTREAM_PAGERDUTY,
		.timeout = 10 * USEC_PER_SEC,
		.connect_timeout = 5 * USEC_PER_SEC,
		.backoff_initial = USEC_PER_SEC,
		.backoff_max = 300 * USEC_PER_SEC,
		.rate_per_minute = 120,
		.resend = 60 * USEC_PER_SEC,
		.resend_resolved = 300 * USEC_PER_SEC,
		.line = lx->tok.line,
	};
	struct up_build b = { .u = &u };
	int r;

	u.file = xstrdup(lx->file);
	if ((r = up_name(lx, conf, &u, cause)) < 0 || (r = lex_next(lx, cause)) < 0)
		goto fail;
	if ((r = up_kind(lx, &u, cause)) < 0 || (r = lex_skip_ends(lx, cause)) < 0 ||
	    (r = lex_expect(lx, TOK_LBRACE, cause)) < 0 ||
	    (r = lex_block(lx, kinds[u.kind].kw, kinds[u.kind].n, &b, "upstream", cause)) < 0 ||
	    (r = up_check(&b, lx, cause)) < 0)
		goto fail;
	conf->upstreams = xreallocarray(conf->upstreams, conf->nupstreams + 1, sizeof(u));
	conf->upstreams[conf->nupstreams++] = u;
	return 0;
fail:
	conf_upstream_clear(&u);
	return r;
}

void
conf_upstream_clear(struct conf_upstream *u)
{
	free(u->heartbeat_url);
	if (u->secret != NULL) {
		explicit_bzero(u->secret, strlen(u->secret));
		free(u->secret);
	}
	if (u->routing_key != NULL) {
		explicit_bzero(u->routing_key, strlen(u->routing_key));
		free(u->routing_key);
	}
	free(u->name);
	free(u->url);
	free(u->ca_file);
	free(u->client);
	free(u->client_url);
	free(u->file);
	for (size_t i = 0; i < u->nqueues; i++) {
		free(u->queues ? u->queues[i] : NULL);
		free(u->urls[i]);
	}
	free(u->queues);
	free(u->urls);
	memset(u, 0, sizeof(*u));
}

const struct conf_upstream *
conf_upstream_find(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->nupstreams; i++)
		if (strcmp(conf->upstreams[i].name, name) == 0)
			return &conf->upstreams[i];
	return NULL;
}

int
conf_send_parse(struct lex *lx, struct conf_send *s, char **cause)
{
	const struct token *t;
	char *name;
	int r;

	memset(s, 0, sizeof(*s));
	s->file = lx->file;
	s->line = lx->tok.line;
	do {
		if ((r = lex_expect_string(lx, "an upstream name", &name, cause)) < 0)
			goto fail;
		for (size_t i = 0; i < s->n && r == 0; i++)
			if (strcmp(s->names[i], name) == 0)
				r = lex_error(lx, lx->tok.line, cause,
				    "send names upstream '%s' twice", name);
		if (r == 0 && s->n >= CONF_MAX_UPSTREAMS)
			r = lex_error(lx, lx->tok.line, cause, "send names more than %d upstreams",
			    CONF_MAX_UPSTREAMS);
		if (r < 0) {
			free(name);
			goto fail;
		}
		s->names = xreallocarray(s->names, s->n + 1, sizeof(*s->names));
		s->names[s->n++] = name;
		if ((r = lex_peek(lx, &t, cause)) < 0)
			goto fail;
	} while (t->type == TOK_WORD || t->type == TOK_STRING);
	return 0;
fail:
	conf_send_clear(s);
	return r;
}

void
conf_send_clear(struct conf_send *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
	memset(s, 0, sizeof(*s));
}

void
conf_sends_add(struct conf_sends *l, struct rule *rule, struct conf_send *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n].rule = rule;
	l->v[l->n++].send = *s;
	memset(s, 0, sizeof(*s));
}

/* One send list into indices, or the message for its first unknown name. */
static int
send_resolve(const struct conf_send_ref *ref, struct conf *conf, char **cause)
{
	const struct conf_send *s = &ref->send;
	uint32_t *idx = xreallocarray(NULL, s->n, sizeof(*idx));
	const struct conf_upstream *u;

	for (size_t i = 0; i < s->n; i++) {
		if ((u = conf_upstream_find(conf, s->names[i])) == NULL) {
			free(idx);
			if (ref->rule == NULL)
				xasprintf(cause, "%s:%d: default sends to unknown upstream '%s'",
				    s->file, s->line, s->names[i]);
			else
				xasprintf(cause, "%s:%d: rule '%s' sends to unknown upstream '%s'",
				    s->file, s->line, ref->rule->name, s->names[i]);
			return -EINVAL;
		}
		idx[i] = (uint32_t)(u - conf->upstreams);
	}
	if (ref->rule != NULL) {
		ref->rule->send = idx;
		ref->rule->nsend = s->n;
	} else {
		conf->default_send = idx;
		conf->ndefault_send = s->n;
	}
	return 0;
}

int
conf_sends_resolve(const struct conf_sends *l, struct conf *conf, char **cause)
{
	int r;

	for (size_t i = 0; i < l->n; i++)
		if ((r = send_resolve(&l->v[i], conf, cause)) < 0)
			return r;
	return 0;
}

void
conf_sends_free(struct conf_sends *l)
{
	for (size_t i = 0; i < l->n; i++)
		conf_send_clear(&l->v[i].send);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
