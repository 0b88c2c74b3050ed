/*
 * conf.c - loads triaged.conf into a struct conf: the top-level statements,
 * listeners, include and the defaults; rules are read by conf_rule.c and
 * upstreams (and the send lists naming them) by conf_upstream.c.  A
 * load is all or nothing, so a reload with a broken file keeps the running
 * configuration, and every error names the file and line to fix.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "conf_control.h"
#include "conf_journal.h"
#include "conf_lex.h"
#include "conf_rule.h"
#include "conf_snmp.h"
#include "conf_upstream.h"
#include "rules.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

/* Beyond these a config is generated garbage, and checks below are quadratic. */
#define CONF_MAX_RULES	 10000
#define CONF_MAX_LISTENS 256
#define CONF_MAX_OUTBOX	 10000000

/* Settings that may be given once; where they were, for the duplicate's message. */
enum setting {
	SET_HOSTNAME = 0,
	SET_STATE_DIR,
	SET_CONTROL_SOCKET,
	SET_CONTROL_GROUP,
	SET_CONTROL_ADMIN_GROUP,
	SET_MAX_MESSAGE,
	SET_EVENT_LOG,
	SET_DEFAULT,
	SET_OUTBOX_MAX,
	SET_JOURNAL,
	SET_MAX,
};

struct parse {
	struct conf *conf;
	int depth;    /* include nesting of the file being read */
	char **files; /* every file name read: lexers and messages borrow them */
	size_t nfiles;
	struct conf_sends sends; /* resolved when everything is read */
	struct {
		const char *file;
		int line;
	} set[SET_MAX];
};

static int parse_lex(struct parse *p, struct lex *lx, char **cause);

static const char *
intern(struct parse *p, const char *name)
{
	p->files = xreallocarray(p->files, p->nfiles + 1, sizeof(*p->files));
	p->files[p->nfiles] = xstrdup(name);
	return p->files[p->nfiles++];
}

static int
set_once(struct parse *p, struct lex *lx, enum setting s, char **cause)
{
	if (p->set[s].file != NULL)
		return lex_error(lx, lx->tok.line, cause, "%s already set at %s:%d", lx->tok.text,
		    p->set[s].file, p->set[s].line);
	p->set[s].file = lx->file;
	p->set[s].line = lx->tok.line;
	return 0;
}

/* A path argument made absolute; max bounds the result (0: none). */
static int
expect_path(struct lex *lx, const char *what, size_t max, char **ret, char **cause)
{
	char *s;
	int r;

	if ((r = lex_expect_string(lx, what, &s, cause)) < 0)
		return r;
	if (s[0] == '\0')
		r = lex_error(lx, lx->tok.line, cause, "%s must not be empty", what);
	else
		r = lex_abs_path(lx, s, ret, cause);
	free(s);
	if (r == 0 && max > 0 && strlen(*ret) > max) {
		r = lex_error(lx, lx->tok.line, cause, "%s %s is longer than %zu bytes", what, *ret,
		    max);
		free(*ret);
		*ret = NULL;
	}
	return r;
}

static int
stmt_hostname(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	char *s;
	int r;

	if ((r = set_once(p, lx, SET_HOSTNAME, cause)) < 0 ||
	    (r = lex_expect_string(lx, "a host name", &s, cause)) < 0)
		return r;
	/* It goes into RFC 5424 headers and incident keys: printable ASCII only. */
	for (size_t i = 0; s[i] != '\0' && r == 0; i++)
		if (s[i] <= ' ' || s[i] > '~')
			r = -EINVAL;
	if (r < 0 || s[0] == '\0' || strlen(s) > 255) {
		free(s);
		return lex_error(lx, lx->tok.line, cause,
		    "hostname must be 1 to 255 printable characters without spaces");
	}
	p->conf->hostname = s;
	return 0;
}

static int
stmt_state_dir(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	int r;

	if ((r = set_once(p, lx, SET_STATE_DIR, cause)) < 0)
		return r;
	return expect_path(lx, "state-dir", 0, &p->conf->state_dir, cause);
}

static int
stmt_control_socket(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	struct sockaddr_un sun;
	int r;

	if ((r = set_once(p, lx, SET_CONTROL_SOCKET, cause)) < 0)
		return r;
	return expect_path(lx, "control-socket", sizeof(sun.sun_path) - 1,
	    &p->conf->control_socket, cause);
}

/* control-group NAME | control-admin-group NAME */
static int
stmt_control_group(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	bool admin = tok_is_word(&lx->tok, "control-admin-group");
	int r;

	if ((r = set_once(p, lx, admin ? SET_CONTROL_ADMIN_GROUP : SET_CONTROL_GROUP, cause)) < 0)
		return r;
	return conf_group_parse(lx, admin ? "control-admin-group" : "control-group",
	    admin ? &p->conf->control_admin_group : &p->conf->control_group,
	    admin ? &p->conf->control_admin_gid : &p->conf->control_gid, cause);
}

static int
stmt_max_message(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	int r;

	if ((r = set_once(p, lx, SET_MAX_MESSAGE, cause)) < 0)
		return r;
	return lex_expect_size(lx, "max-message", 1024, CONF_MAX_MAX_MESSAGE,
	    &p->conf->max_message, cause);
}

static int
stmt_outbox_max(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	int64_t n;
	int r;

	if ((r = set_once(p, lx, SET_OUTBOX_MAX, cause)) < 0 ||
	    (r = lex_expect_int(lx, "outbox-max", 1, CONF_MAX_OUTBOX, &n, cause)) < 0)
		return r;
	p->conf->outbox_max = (uint64_t)n;
	return 0;
}

/* default drop | keep | send "A" ["B" ...]; send implies keep. */
static int
stmt_default(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	struct conf_send send;
	char got[256];
	int r;

	if ((r = set_once(p, lx, SET_DEFAULT, cause)) < 0 || (r = lex_next(lx, cause)) < 0)
		return r;
	if (tok_is_word(&lx->tok, "drop"))
		p->conf->default_action = CONF_DEFAULT_DROP;
	else if (tok_is_word(&lx->tok, "keep"))
		p->conf->default_action = CONF_DEFAULT_KEEP;
	else if (tok_is_word(&lx->tok, "send")) {
		if ((r = conf_send_parse(lx, &send, cause)) < 0)
			return r;
		p->conf->default_action = CONF_DEFAULT_KEEP;
		conf_sends_add(&p->sends, NULL, &send);
	} else {
		tok_describe(&lx->tok, got, sizeof(got));
		return lex_error(lx, lx->tok.line, cause,
		    "expected 'drop', 'keep' or 'send', got %s", got);
	}
	return 0;
}

static int
opt_max_age(struct lex *lx, void *ctx, char **cause)
{
	struct conf *conf = ctx;

	return lex_expect_duration(lx, "max-age", USEC_PER_SEC, &conf->event_log_max_age, cause);
}

static int
opt_max_size(struct lex *lx, void *ctx, char **cause)
{
	struct conf *conf = ctx;

	return lex_expect_size(lx, "max-size", 1024 * 1024, 1024ULL * 1024 * 1024 * 1024,
	    &conf->event_log_max_size, cause);
}

static const struct lex_keyword event_log_keywords[] = {
	{ "max-age", opt_max_age },
	{ "max-size", opt_max_size },
};

/* event-log off | on | { max-age DURATION; max-size SIZE } */
static int
stmt_event_log(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	char got[256];
	int r;

	if ((r = set_once(p, lx, SET_EVENT_LOG, cause)) < 0 || (r = lex_next(lx, cause)) < 0)
		return r;
	p->conf->event_log = !tok_is_word(&lx->tok, "off");
	if (tok_is_word(&lx->tok, "off") || tok_is_word(&lx->tok, "on"))
		return 0;
	if (lx->tok.type == TOK_LBRACE)
		return lex_block(lx, event_log_keywords, ARRAY_SIZE(event_log_keywords), p->conf,
		    "event-log", cause);
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause, "expected 'off', 'on' or '{', got %s", got);
}

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
static int
parse_inet(const char *s, struct sockaddr_storage *ss, socklen_t *salen)
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
		r = expect_path(lx, "a unix socket path", sizeof(sun->sun_path) - 1, &l->address,
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
	if (parse_inet(l->address, &l->sa, &l->salen) == 0)
		return 0;
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause,
	    "expected a numeric address like 127.0.0.1:514, [::1]:514 or *:514, got %s", got);
}

static void
listen_clear(struct conf_listen *l)
{
	free(l->name);
	free(l->address);
	free(l->file);
}

static int
listen_check(struct parse *p, struct lex *lx, const struct conf_listen *l, char **cause)
{
	const struct conf *conf = p->conf;
	uint32_t maxc = l->max_connections ? l->max_connections : CONF_DEFAULT_MAX_CONNECTIONS;

	if (l->max_per_source > maxc)
		return lex_error(lx, l->line, cause,
		    "max-connections-per-source %u is more than max-connections %u", l->max_per_source,
		    maxc);
	if (conf->nlistens >= CONF_MAX_LISTENS)
		return lex_error(lx, l->line, cause, "more than %d listeners", CONF_MAX_LISTENS);
	for (size_t i = 0; i < conf->nlistens; i++) {
		const struct conf_listen *o = &conf->listens[i];
		/* syslog and snmp over UDP share the port space. */
		if (o->proto == l->proto && o->salen == l->salen &&
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
	static const char *const protos[] = { "udp", "tcp", "unix" };
	char got[256];
	int r;

	if ((r = lex_next(lx, cause)) < 0)
		return r;
	if (tok_is_word(&lx->tok, "syslog") || tok_is_word(&lx->tok, "snmp"))
		l->kind = tok_is_word(&lx->tok, "snmp") ? LISTEN_SNMP : LISTEN_SYSLOG;
	else {
		tok_describe(&lx->tok, got, sizeof(got));
		return lex_error(lx, lx->tok.line, cause, "expected 'syslog' or 'snmp', got %s",
		    got);
	}
	if ((r = lex_next(lx, cause)) < 0)
		return r;
	for (size_t i = 0; i < (l->kind == LISTEN_SNMP ? 1 : ARRAY_SIZE(protos)); i++) {
		if (tok_is_word(&lx->tok, protos[i])) {
			l->proto = (enum listen_proto)i;
			return 0;
		}
	}
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause, "expected %s, got %s",
	    l->kind == LISTEN_SNMP ? "'udp' (snmp listens on UDP only)" : "'udp', 'tcp' or 'unix'",
	    got);
}

/* listen syslog udp|tcp|unix ADDR [{ ... }] | listen snmp udp ADDR [{ ... }] */
static int
stmt_listen(struct lex *lx, void *ctx, char **cause)
{
	static const struct {
		const struct lex_keyword *kw;
		size_t n;
	} opts[] = {
		{ udp_keywords, ARRAY_SIZE(udp_keywords) },
		{ tcp_keywords, ARRAY_SIZE(tcp_keywords) },
		{ unix_keywords, ARRAY_SIZE(unix_keywords) },
	};
	struct parse *p = ctx;
	struct conf_listen l = { .line = lx->tok.line, .idle_timeout = -1 /* unset */ };
	const struct token *t;
	int r;

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
		    l.proto == LISTEN_UDP ? "udp" : l.proto == LISTEN_TCP ? "tcp" : "unix",
		    l.proto == LISTEN_UNIX ? "" : "/", l.address);
	if ((r = listen_check(p, lx, &l, cause)) < 0)
		goto fail;
	p->conf->listens = xreallocarray(p->conf->listens, p->conf->nlistens + 1, sizeof(l));
	p->conf->listens[p->conf->nlistens++] = l;
	return 0;
fail:
	listen_clear(&l);
	return r;
}

static int
include_file(struct parse *p, struct lex *lx, int line, const char *path, char **cause)
{
	struct lex sub;
	char *why;
	int r;

	if ((r = lex_open_file(&sub, intern(p, path), &why)) < 0) {
		lex_error(lx, line, cause, "cannot include %s", why);
		free(why);
		lex_close(&sub);
		return -EINVAL;
	}
	p->depth++;
	r = parse_lex(p, &sub, cause);
	p->depth--;
	lex_close(&sub);
	return r;
}

/* Include what path matches, in sorted order; matching nothing is fine. */
static int
include_glob(struct parse *p, struct lex *lx, int line, const char *path, char **cause)
{
	glob_t g;
	int r = glob(path, GLOB_MARK, NULL, &g);

	if (r != 0) {
		globfree(&g);
		if (r == GLOB_NOMATCH)
			return 0;
		return lex_error(lx, line, cause, "include: cannot expand the pattern");
	}
	for (size_t i = 0; r == 0 && i < g.gl_pathc; i++) {
		const char *f = g.gl_pathv[i];
		if (f[strlen(f) - 1] != '/') /* GLOB_MARK: skip directories */
			r = include_file(p, lx, line, f, cause);
	}
	globfree(&g);
	return r;
}

/*
 * include "PATTERN": a glob, relative to the including file's directory.
 * A pattern may match nothing (an empty conf.d); a plain path must exist.
 */
static int
stmt_include(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	int line = lx->tok.line, r;
	char *pat, *path;

	if ((r = lex_expect_string(lx, "a file name or pattern", &pat, cause)) < 0)
		return r;
	path = lex_file_relative(lx, pat);
	free(pat);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* The fuzzer must not wander the file system. */
	free(path);
	return lex_error(lx, line, cause, "include is disabled in fuzzing builds");
#endif
	if (p->depth + 1 > LEX_MAX_DEPTH)
		r = lex_error(lx, line, cause, "includes nested more than %d deep", LEX_MAX_DEPTH);
	else if (strpbrk(path, "*?[") == NULL)
		r = include_file(p, lx, line, path, cause);
	else
		r = include_glob(p, lx, line, path, cause);
	free(path);
	return r;
}

static int
stmt_rule(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	struct conf *conf = p->conf;
	struct conf_send send;
	struct rule *r;
	int ret = 0;

	if ((ret = conf_rule_parse(lx, &r, &send, cause)) < 0)
		return ret;
	for (size_t i = 0; i < conf->nrules && ret == 0; i++)
		if (strcmp(conf->rules[i]->name, r->name) == 0)
			ret = lex_error(lx, r->line, cause,
			    "duplicate rule name '%s' (first at %s:%d)", r->name,
			    conf->rules[i]->file, conf->rules[i]->line);
	if (ret == 0 && conf->nrules >= CONF_MAX_RULES)
		ret = lex_error(lx, lx->tok.line, cause, "more than %d rules", CONF_MAX_RULES);
	if (ret < 0) {
		conf_send_clear(&send);
		rule_free(r);
		return ret;
	}
	conf->rules = xreallocarray(conf->rules, conf->nrules + 1, sizeof(*conf->rules));
	conf->rules[conf->nrules++] = r;
	if (send.n > 0)
		conf_sends_add(&p->sends, r, &send);
	return 0;
}

static int
stmt_upstream(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;

	return conf_upstream_parse(lx, p->conf, cause);
}

static int
stmt_snmp(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;

	return conf_snmp_parse(lx, p->conf, cause);
}

static int
stmt_journal(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	int r;

	if ((r = set_once(p, lx, SET_JOURNAL, cause)) < 0)
		return r;
	return conf_journal_parse(lx, p->conf, cause);
}

static const struct lex_keyword top_keywords[] = {
	{ "control-admin-group", stmt_control_group },
	{ "control-group", stmt_control_group },
	{ "control-socket", stmt_control_socket },
	{ "default", stmt_default },
	{ "event-log", stmt_event_log },
	{ "hostname", stmt_hostname },
	{ "include", stmt_include },
	{ "journal", stmt_journal },
	{ "listen", stmt_listen },
	{ "max-message", stmt_max_message },
	{ "outbox-max", stmt_outbox_max },
	{ "rule", stmt_rule },
	{ "snmp", stmt_snmp },
	{ "state-dir", stmt_state_dir },
	{ "upstream", stmt_upstream },
};

static int
parse_lex(struct parse *p, struct lex *lx, char **cause)
{
	const struct token *t;
	int r;

	for (;;) {
		if ((r = lex_skip_ends(lx, cause)) < 0 || (r = lex_peek(lx, &t, cause)) < 0)
			return r;
		if (t->type == TOK_EOF)
			return 0;
		r = lex_statement(lx, top_keywords, ARRAY_SIZE(top_keywords), p, cause);
		if (r < 0)
			return r;
	}
}

static struct conf *
conf_new(const char *path)
{
	struct conf *conf = xcalloc(1, sizeof(*conf));

	conf->path = xstrdup(path);
	conf->max_message = CONF_DEFAULT_MAX_MESSAGE;
	conf->event_log = true;
	conf->event_log_max_age = 7 * 86400 * USEC_PER_SEC;
	conf->event_log_max_size = 256 * 1024 * 1024;
	conf->default_action = CONF_DEFAULT_DROP;
	conf->outbox_max = 100000;
	return conf;
}

/* Fill in what the file left out, once everything it says is known. */
static void
conf_finish(struct conf *conf)
{
	char host[256];

	if (conf->hostname == NULL) {
		if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
			strlcpy_t(host, "localhost", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		conf->hostname = xstrdup(host);
	}
	if (conf->state_dir == NULL)
		conf->state_dir = xstrdup(LOCALSTATEDIR "/lib/triaged");
	if (conf->control_socket == NULL)
		conf->control_socket = xstrdup(RUNSTATEDIR "/triaged/control.sock");
	for (size_t i = 0; i < conf->nlistens; i++) {
		struct conf_listen *l = &conf->listens[i];
		if (l->max_message == 0)
			l->max_message = conf->max_message;
		if (l->idle_timeout < 0)
			l->idle_timeout = l->proto == LISTEN_TCP ? CONF_DEFAULT_IDLE_TIMEOUT : 0;
		if (l->proto != LISTEN_TCP)
			continue;
		if (l->max_connections == 0)
			l->max_connections = CONF_DEFAULT_MAX_CONNECTIONS;
		/* Only a per-source limit written above max-connections is an error. */
		if (l->max_per_source == 0)
			l->max_per_source = l->max_connections < CONF_DEFAULT_MAX_PER_SOURCE ?
			    l->max_connections : CONF_DEFAULT_MAX_PER_SOURCE;
	}
}

/* Parse an opened lexer (r: how opening it went) and hand out the result or nothing. */
static int
conf_run(int r, struct lex *lx, struct parse *p, struct conf **ret, char **cause)
{
	if (r == 0)
		r = parse_lex(p, lx, cause);
	/* Sends may name upstreams declared after them; their messages borrow p->files. */
	if (r == 0)
		r = conf_sends_resolve(&p->sends, p->conf, cause);
	conf_sends_free(&p->sends);
	lex_close(lx);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	if (r < 0) {
		conf_free(p->conf);
		*ret = NULL;
		return r;
	}
	conf_finish(p->conf);
	/* Symbolic trap OIDs need the MIBs the whole file names. */
	if ((r = conf_snmp_resolve(p->conf, cause)) < 0) {
		conf_free(p->conf);
		*ret = NULL;
		return r;
	}
	*ret = p->conf;
	return 0;
}

int
conf_load(const char *path, struct conf **ret, char **cause)
{
	struct parse p = { .conf = conf_new(path) };
	struct lex lx;

	return conf_run(lex_open_file(&lx, intern(&p, path), cause), &lx, &p, ret, cause);
}

int
conf_load_buffer(const char *name, const char *buf, size_t len, struct conf **ret,
    char **cause)
{
	struct parse p = { .conf = conf_new(name) };
	struct lex lx;

	return conf_run(lex_open_buffer(&lx, intern(&p, name), buf, len, cause), &lx, &p, ret,
	    cause);
}

void
conf_free(struct conf *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < conf->nlistens; i++)
		listen_clear(&conf->listens[i]);
	free(conf->listens);
	for (size_t i = 0; i < conf->nrules; i++)
		rule_free(conf->rules[i]);
	free(conf->rules);
	for (size_t i = 0; i < conf->nupstreams; i++)
		conf_upstream_clear(&conf->upstreams[i]);
	free(conf->upstreams);
	conf_snmp_clear(&conf->snmp);
	conf_journal_clear(&conf->journal);
	free(conf->default_send);
	free(conf->path);
	free(conf->hostname);
	free(conf->state_dir);
	free(conf->control_socket);
	free(conf->control_group);
	free(conf->control_admin_group);
	free(conf);
}
