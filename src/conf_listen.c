/*
 * conf_listen.c - the `listen` statements of the config: kind, protocol,
 * numeric address (never DNS) and each protocol's options, checked for
 * duplicates; and the defaults a listener takes from the rest of the file.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "conf.h"
#include "conf_http.h"
#include "conf_lex.h"
#include "conf_listen.h"
#include "conf_tls.h"
#include "text.h"
#include "util.h"

/* Beyond this a config is generated garbage, and the duplicate check is quadratic. */
#define CONF_MAX_LISTENS 256

static int
opt_rcvbuf(struct lex *lx, void *ctx, char **cause)
{
	struct conf_listen *l = ctx;

	return lex_expect_size(lx, "rcvbuf", 1024, 1024 * 1024 * 1024, &l->rcvbuf, cause);
}

static int
opt_listen_max_message(struct lex *lx, void *ctx, char **cause)
{
	struct conf_listen *l = ctx;

	return lex_expect_size(lx, "max-message", 1024, CONF_MAX_MAX_MESSAGE, &l->max_message,
	    cause);
}

/* A connection count, as max-connections allows. */
static int
expect_connections(struct lex *lx, const char *what, uint32_t *out, char **cause)
{
	int64_t n;
	int r;

	if ((r = lex_expect_int(lx, what, 1, 65536, &n, cause)) < 0)
		return r;
	*out = (uint32_t)n;
	return 0;
}

static int
opt_max_connections(struct lex *lx, void *ctx, char **cause)
{
	struct conf_listen *l = ctx;

	return expect_connections(lx, "max-connections", &l->max_connections, cause);
}

static int
opt_max_per_source(struct lex *lx, void *ctx, char **cause)
{
	struct conf_listen *l = ctx;

	return expect_connections(lx, "max-connections-per-source", &l->max_per_source, cause);
}

/* idle-timeout DURATION | off; below a second it would cut off slow but healthy senders. */
static int
opt_idle_timeout(struct lex *lx, void *ctx, char **cause)
{
	struct conf_listen *l = ctx;
	const struct token *t;
	char got[256];
	int r;

	if ((r = lex_peek(lx, &t, cause)) < 0)
		return r;
	if (tok_is_word(t, "off")) {
		l->idle_timeout = 0;
		return lex_next(lx, cause);
	}
	if ((r = lex_expect_duration(lx, "idle-timeout", 0, &l->idle_timeout, cause)) < 0)
		return r;
	if (l->idle_timeout == 0 ||
	    (l->idle_timeout >= USEC_PER_SEC && l->idle_timeout <= CONF_MAX_IDLE_TIMEOUT))
		return 0;
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause,
	    "idle-timeout must be 0 (off) or from 1s to 7d, got %s", got);
}

static int
opt_name(struct lex *lx, void *ctx, char **cause)
{
	struct conf_listen *l = ctx;
	int r;

	free(l->name); /* options in a block: the last one wins */
	l->name = NULL;
	if ((r = lex_expect_string(lx, "a listener name", &l->name, cause)) < 0)
		return r;
	if (l->name[0] == '\0' || strlen(l->name) > 255)
		return lex_error(lx, lx->tok.line, cause, "a listener name must have 1 to 255 bytes");
	return 0;
}

static int
opt_charset(struct lex *lx, void *ctx, char **cause)
{
	struct conf_listen *l = ctx;
	char got[64];
	int r, cs;

	if ((r = lex_next(lx, cause)) < 0)
		return r;
	if ((lx->tok.type == TOK_WORD || lx->tok.type == TOK_STRING) &&
	    (cs = text_charset_from_name(lx->tok.text)) >= 0) {
		l->charset = (enum text_charset)cs;
		return 0;
	}
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause, "charset must be utf-8 or latin1, got %s", got);
}

static const struct lex_keyword udp_keywords[] = {
	{ "charset", opt_charset },
	{ "max-message", opt_listen_max_message },
	{ "name", opt_name },
	{ "rcvbuf", opt_rcvbuf },
};
static const struct lex_keyword tcp_keywords[] = {
	{ "charset", opt_charset },
	{ "idle-timeout", opt_idle_timeout },
	{ "max-connections", opt_max_connections },
	{ "max-connections-per-source", opt_max_per_source },
	{ "max-message", opt_listen_max_message },
	{ "name", opt_name },
};
static const struct lex_keyword tls_keywords[] = {
	{ "allowed-names", conf_tls_opt_allowed_names },
	{ "ca", conf_tls_opt_ca },
	{ "certificate", conf_tls_opt_certificate },
	{ "charset", opt_charset },
	{ "handshake-timeout", conf_tls_opt_handshake_timeout },
	{ "idle-timeout", opt_idle_timeout },
	{ "key", conf_tls_opt_key },
	{ "max-connections", opt_max_connections },
	{ "max-connections-per-source", opt_max_per_source },
	{ "max-message", opt_listen_max_message },
	{ "name", opt_name },
	{ "verify-peer", conf_tls_opt_verify_peer },
};
static const struct lex_keyword unix_keywords[] = {
	{ "charset", opt_charset },
	{ "max-message", opt_listen_max_message },
	{ "name", opt_name },
};
static const struct lex_keyword snmp_keywords[] = {
	{ "charset", opt_charset },
	{ "name", opt_name },
	{ "rcvbuf", opt_rcvbuf },
};

/* "127.0.0.1:514", "[::1]:514", "*:514" (= [::]:514); numbers only, never DNS. */
int
conf_parse_inet(const char *s, struct sockaddr_storage *ss, socklen_t *salen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	const char *host = s, *colon;
	char buf[INET6_ADDRSTRLEN];
	bool v6 = s[0] == '[';
	size_t hlen;
	int64_t port;

	if (v6) {
		const char *end = strchr(s, ']');
		if (end == NULL || end[1] != ':')
			return -EINVAL;
		host = s + 1;
		colon = end + 1;
		hlen = (size_t)(end - host);
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -EINVAL;
		hlen = (size_t)(colon - s);
		v6 = hlen == 1 && s[0] == '*';
		if (memchr(s, ':', hlen) != NULL)
			return -EINVAL; /* an IPv6 address needs brackets */
	}
	if (hlen == 0 || hlen >= sizeof(buf) || parse_int64(colon + 1, 1, 65535, &port) < 0)
		return -EINVAL;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (strcmp(buf, "*") == 0)
			sin6->sin6_addr = in6addr_any;
		else if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1)
			return -EINVAL;
		*salen = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, buf, &sin->sin_addr) != 1)
			return -EINVAL;
		*salen = sizeof(*sin);
	}
	return 0;
}

static int
listen_address(struct lex *lx, struct conf_listen *l, char **cause)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&l->sa;
	char got[256];
	int r;

	if (l->proto == LISTEN_UNIX) {
		r = lex_expect_path(lx, "a unix socket path", sizeof(sun->sun_path) - 1, &l->address,
		    cause);
		if (r < 0)
			return r;
		memset(&l->sa, 0, sizeof(l->sa));
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, l->address, strlen(l->address) + 1);
		l->salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    strlen(l->address) + 1);
		return 0;
	}
	if ((r = lex_expect_string(lx, "an address like 127.0.0.1:514", &l->address, cause)) < 0)
		return r;
	if (conf_parse_inet(l->address, &l->sa, &l->salen) == 0)
		return 0;
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause,
	    "expected a numeric address like 127.0.0.1:514, [::1]:514 or *:514, got %s", got);
}

void
conf_listen_clear(struct conf_listen *l)
{
	free(l->name);
	free(l->address);
	free(l->file);
	conf_tls_clear(&l->tls);
}

/* The ports a listener takes: TCP and TLS listeners share theirs. */
static enum listen_proto
port_space(const struct conf_listen *l)
{
	return l->proto == LISTEN_TLS ? LISTEN_TCP : l->proto;
}

static int
listen_check(const struct conf *conf, struct lex *lx, const struct conf_listen *l, char **cause)
{
	uint32_t maxc = l->max_connections ? l->max_connections : CONF_DEFAULT_MAX_CONNECTIONS;

	if (l->max_per_source > maxc)
		return lex_error(lx, l->line, cause,
		    "max-connections-per-source %u is more than max-connections %u", l->max_per_source,
		    maxc);
	if (conf->nlistens >= CONF_MAX_LISTENS)
		return lex_error(lx, l->line, cause, "more than %d listeners", CONF_MAX_LISTENS);
	for (size_t i = 0; i < conf->nlistens; i++) {
		const struct conf_listen *o = &conf->listens[i];
		/* syslog and snmp over UDP share the port space, TCP and TLS theirs. */
		if (port_space(o) == port_space(l) && o->salen == l->salen &&
		    memcmp(&o->sa, &l->sa, l->salen) == 0)
			return lex_error(lx, l->line, cause,
			    "duplicate listen address %s (first at %s:%d)", l->address, o->file,
			    o->line);
		if (strcmp(o->name, l->name) == 0)
			return lex_error(lx, l->line, cause,
			    "duplicate listener name '%s' (first at %s:%d)", l->name, o->file,
			    o->line);
	}
	return 0;
}

/* The listener's kind and protocol words; snmp comes over UDP only. */
static int
listen_kind(struct lex *lx, struct conf_listen *l, char **cause)
{
	char got[256];
	int r;

	if ((r = lex_next(lx, cause)) < 0)
		return r;
	if (tok_is_word(&lx->tok, "syslog") || tok_is_word(&lx->tok, "snmp"))
		l->kind = tok_is_word(&lx->tok, "snmp") ? LISTEN_SNMP : LISTEN_SYSLOG;
	else {
		tok_describe(&lx->tok, got, sizeof(got));
		return lex_error(lx, lx->tok.line, cause, "expected 'syslog', 'snmp' or 'http', got %s",
		    got);
	}
	if ((r = lex_next(lx, cause)) < 0)
		return r;
	for (int i = LISTEN_UDP; i <= (l->kind == LISTEN_SNMP ? LISTEN_UDP : LISTEN_TLS); i++) {
		if (tok_is_word(&lx->tok, conf_listen_proto_name((enum listen_proto)i))) {
			l->proto = (enum listen_proto)i;
			return 0;
		}
	}
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause, "expected %s, got %s",
	    l->kind == LISTEN_SNMP ? "'udp' (snmp listens on UDP only)" : "'udp', 'tcp', 'unix' or 'tls'",
	    got);
}

/* listen syslog udp|tcp|unix|tls ADDR [{ ... }] | listen snmp udp ADDR [{ ... }] | listen http ... */
int
conf_listen_parse(struct lex *lx, struct conf *conf, char **cause)
{
	static const struct {
		const struct lex_keyword *kw;
		size_t n;
	} opts[] = {
		{ udp_keywords, ARRAY_SIZE(udp_keywords) },
		{ tcp_keywords, ARRAY_SIZE(tcp_keywords) },
		{ unix_keywords, ARRAY_SIZE(unix_keywords) },
		{ tls_keywords, ARRAY_SIZE(tls_keywords) },
	};
	struct conf_listen l = { .line = lx->tok.line, .idle_timeout = -1 /* unset */ };
	const struct token *t;
	int r;

	if ((r = lex_peek(lx, &t, cause)) < 0)
		return r;
	if (tok_is_word(t, "http"))
		return conf_http_parse(lx, conf, cause);
	l.file = xstrdup(lx->file);
	if ((r = listen_kind(lx, &l, cause)) < 0 || (r = listen_address(lx, &l, cause)) < 0 ||
	    (r = lex_peek(lx, &t, cause)) < 0)
		goto fail;
	if (t->type == TOK_LBRACE) {
		if ((r = lex_next(lx, cause)) < 0)
			goto fail;
		if (l.kind == LISTEN_SNMP)
			r = lex_block(lx, snmp_keywords, ARRAY_SIZE(snmp_keywords), &l, "listen", cause);
		else
			r = lex_block(lx, opts[l.proto].kw, opts[l.proto].n, &l, "listen", cause);
		if (r < 0)
			goto fail;
	}
	/* "syslog/udp/127.0.0.1:514"; a unix path brings its own slash. */
	if (l.name == NULL)
		xasprintf(&l.name, "%s/%s%s%s", l.kind == LISTEN_SNMP ? "snmp" : "syslog",
		    conf_listen_proto_name(l.proto),
		    l.proto == LISTEN_UNIX ? "" : "/", l.address);
	if ((r = listen_check(conf, lx, &l, cause)) < 0)
		goto fail;
	if (l.proto == LISTEN_TLS && (r = conf_tls_check(lx, &l, cause)) < 0)
		goto fail;
	conf->listens = xreallocarray(conf->listens, conf->nlistens + 1, sizeof(l));
	conf->listens[conf->nlistens++] = l;
	return 0;
fail:
	conf_listen_clear(&l);
	return r;
}

bool
conf_listen_is_stream(const struct conf_listen *l)
{
	return l->proto == LISTEN_TCP || l->proto == LISTEN_TLS;
}

const char *
conf_listen_proto_name(enum listen_proto p)
{
	static const char *const names[] = { "udp", "tcp", "unix", "tls" };

	return (size_t)p < ARRAY_SIZE(names) ? names[p] : "?";
}

void
conf_listen_finish(struct conf_listen *l, const struct conf *conf)
{
	if (l->max_message == 0)
		l->max_message = conf->max_message;
	if (l->idle_timeout < 0)
		l->idle_timeout = conf_listen_is_stream(l) ? CONF_DEFAULT_IDLE_TIMEOUT : 0;
	if (!conf_listen_is_stream(l))
		return;
	if (l->max_connections == 0)
		l->max_connections = CONF_DEFAULT_MAX_CONNECTIONS;
	/* Only a per-source limit written above max-connections is an error. */
	if (l->max_per_source == 0)
		l->max_per_source = l->max_connections < CONF_DEFAULT_MAX_PER_SOURCE ?
		    l->max_connections : CONF_DEFAULT_MAX_PER_SOURCE;
}
