/*
 * conf.c - loads triaged.conf into a struct conf: the top-level statements,
 * include and the defaults; listeners are read by conf_listen.c, rules by
 * conf_rule.c, host aliases by conf_host.c and upstreams (and the send lists
 * naming them) by conf_upstream.c.  A load is all or nothing, so a reload
 * with a broken file keeps the running configuration, and every error names
 * the file and line to fix.
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "conf_control.h"
#include "conf_host.h"
#include "conf_journal.h"
#include "conf_http.h"
#include "conf_lex.h"
#include "conf_listen.h"
#include "conf_inhibit.h"
#include "conf_maintenance.h"
#include "conf_notifier.h"
#include "conf_oncall.h"
#include "conf_policy.h"
#include "escalation.h"
#include "conf_rule.h"
#include "conf_snmp.h"
#include "conf_upstream.h"
#include "hosts.h"
#include "oncall.h"
#include "rules.h"
#include "silence.h"

/* Beyond these a config is generated garbage, and checks below are quadratic. */
#define CONF_MAX_RULES	 10000
#define CONF_MAX_OUTBOX	 10000000
#define CONF_MAX_RESOLVED 100000000

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
	SET_MAP_SIZE,
	SET_COMMIT_SYNC,
	SET_JOURNAL,
	SET_RETENTION,
	SET_SILENCE_MAX,
	SET_OVERRIDE_MAX,
	SET_ESCALATION_MAX,
	SET_FAILOVER_AFTER,
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
	if (!conf_host_name_valid(s) || strlen(s) != lx->tok.len) {
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
	return lex_expect_path(lx, "state-dir", 0, &p->conf->state_dir, cause);
}

static int
stmt_control_socket(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	struct sockaddr_un sun;
	int r;

	if ((r = set_once(p, lx, SET_CONTROL_SOCKET, cause)) < 0)
		return r;
	xasprintf(&p->conf->control_socket_where, "%s:%d: ", lx->file, lx->tok.line);
	return lex_expect_path(lx, "control-socket", sizeof(sun.sun_path) - 1,
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

static int
stmt_silence_max(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	int64_t n;
	int r;

	if ((r = set_once(p, lx, SET_SILENCE_MAX, cause)) < 0 ||
	    (r = lex_expect_int(lx, "silence-max", 1, SILENCE_MAX_MAX, &n, cause)) < 0)
		return r;
	p->conf->silence_max = (uint32_t)n;
	return 0;
}

static int
stmt_override_max(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	int64_t n;
	int r;

	if ((r = set_once(p, lx, SET_OVERRIDE_MAX, cause)) < 0 ||
	    (r = lex_expect_int(lx, "override-max", 1, ONCALL_OVERRIDE_MAX_MAX, &n, cause)) < 0)
		return r;
	p->conf->override_max = (uint64_t)n;
	return 0;
}

/* failover-after D: 1s to 1d (failover.h). */
static int
stmt_failover_after(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	int r;

	if ((r = set_once(p, lx, SET_FAILOVER_AFTER, cause)) < 0 ||
	    (r = lex_expect_duration(lx, "failover-after", USEC_PER_SEC, &p->conf->failover_after,
	     cause)) < 0)
		return r;
	if (p->conf->failover_after > 86400 * USEC_PER_SEC)
		return lex_error(lx, lx->tok.line, cause, "failover-after must be at most 1d");
	return 0;
}

static int
stmt_escalation_max(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	int64_t n;
	int r;

	if ((r = set_once(p, lx, SET_ESCALATION_MAX, cause)) < 0 ||
	    (r = lex_expect_int(lx, "escalation-max", 1, ESCALATION_ACTIVE_MAX_MAX, &n, cause)) < 0)
		return r;
	p->conf->escalation_max = (uint64_t)n;
	return 0;
}

/* The map grows by itself; a small one is for tests of that, a large one saves the growing. */
static int
stmt_map_size(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	int r;

	if ((r = set_once(p, lx, SET_MAP_SIZE, cause)) < 0)
		return r;
	return lex_expect_size(lx, "map-size", 64 * 1024, (uint64_t)1 << 40, &p->conf->map_size,
	    cause);
}

/*
 * commit-sync thread | inline: who waits for the fsync of a commit, the
 * sync thread (the loop never does) or the loop itself (every commit
 * durable before the loop goes on, LMDB's own safe default).
 */
static int
stmt_commit_sync(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	char got[256];
	int r;

	if ((r = set_once(p, lx, SET_COMMIT_SYNC, cause)) < 0 || (r = lex_next(lx, cause)) < 0)
		return r;
	if (tok_is_word(&lx->tok, "thread") || tok_is_word(&lx->tok, "inline")) {
		p->conf->commit_sync_inline = tok_is_word(&lx->tok, "inline");
		return 0;
	}
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause, "expected 'thread' or 'inline', got %s", got);
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
	p->conf->default_file = xstrdup(lx->file);
	p->conf->default_line = p->set[SET_DEFAULT].line;
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
opt_retention_age(struct lex *lx, void *ctx, char **cause)
{
	struct conf *conf = ctx;

	return lex_expect_duration(lx, "max-age", USEC_PER_SEC, &conf->retention_max_age, cause);
}

static int
opt_retention_resolved(struct lex *lx, void *ctx, char **cause)
{
	struct conf *conf = ctx;
	int64_t n;
	int r;

	if ((r = lex_expect_int(lx, "max-resolved", 1, CONF_MAX_RESOLVED, &n, cause)) < 0)
		return r;
	conf->retention_max_resolved = (uint64_t)n;
	return 0;
}

static const struct lex_keyword retention_keywords[] = {
	{ "max-age", opt_retention_age },
	{ "max-resolved", opt_retention_resolved },
};

/* retention { max-age DURATION; max-resolved N } */
static int
stmt_retention(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;
	int r;

	if ((r = set_once(p, lx, SET_RETENTION, cause)) < 0 ||
	    (r = lex_expect(lx, TOK_LBRACE, cause)) < 0)
		return r;
	return lex_block(lx, retention_keywords, ARRAY_SIZE(retention_keywords), p->conf,
	    "retention", cause);
}

static int
stmt_listen(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;

	return conf_listen_parse(lx, p->conf, cause);
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

static int
stmt_maintenance(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;

	return conf_maintenance_parse(lx, p->conf, cause);
}

static int
stmt_inhibit(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;

	return conf_inhibit_parse(lx, p->conf, cause);
}

static int
stmt_contact(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;

	return conf_contact_parse(lx, p->conf, cause);
}

static int
stmt_schedule(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;

	return conf_schedule_parse(lx, p->conf, cause);
}

static int
stmt_notifier(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;

	return conf_notifier_parse(lx, p->conf, cause);
}

static int
stmt_policy(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;

	return conf_policy_parse(lx, p->conf, cause);
}

static int
stmt_host(struct lex *lx, void *ctx, char **cause)
{
	struct parse *p = ctx;

	return conf_host_parse(lx, p->conf, cause);
}

static const struct lex_keyword top_keywords[] = {
	{ "commit-sync", stmt_commit_sync },
	{ "contact", stmt_contact },
	{ "control-admin-group", stmt_control_group },
	{ "control-group", stmt_control_group },
	{ "control-socket", stmt_control_socket },
	{ "default", stmt_default },
	{ "escalation-max", stmt_escalation_max },
	{ "event-log", stmt_event_log },
	{ "failover-after", stmt_failover_after },
	{ "host", stmt_host },
	{ "hostname", stmt_hostname },
	{ "include", stmt_include },
	{ "inhibit", stmt_inhibit },
	{ "journal", stmt_journal },
	{ "listen", stmt_listen },
	{ "maintenance", stmt_maintenance },
	{ "map-size", stmt_map_size },
	{ "max-message", stmt_max_message },
	{ "notifier", stmt_notifier },
	{ "outbox-max", stmt_outbox_max },
	{ "override-max", stmt_override_max },
	{ "policy", stmt_policy },
	{ "retention", stmt_retention },
	{ "rule", stmt_rule },
	{ "schedule", stmt_schedule },
	{ "silence-max", stmt_silence_max },
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
	conf->silence_max = SILENCE_DEFAULT_MAX;
	conf->override_max = ONCALL_OVERRIDE_DEFAULT_MAX;
	conf->escalation_max = ESCALATION_ACTIVE_MAX;
	/*
	 * The map is address space, not disk or memory: reserve plenty where
	 * there is room, so the map never has to grow (a remap that stalls the
	 * loop for milliseconds, more as the store grows).
	 */
	conf->map_size = sizeof(void *) >= 8 ? CONF_MAP_SIZE_64 : CONF_MAP_SIZE_32;
	conf->retention_max_age = CONF_DEFAULT_RETENTION_AGE;
	conf->retention_max_resolved = CONF_DEFAULT_RETENTION_RESOLVED;
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
		conf->control_socket = xstrdup(CONF_DEFAULT_CONTROL_SOCKET);
	if (conf->control_socket_where == NULL)
		conf->control_socket_where = xstrdup("");
	for (size_t i = 0; i < conf->nlistens; i++)
		conf_listen_finish(&conf->listens[i], conf);
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
	if (r == 0) /* rules may be declared after the inhibit statements that name them */
		r = conf_inhibit_resolve(p->conf, cause);
	if (r == 0)
		r = conf_oncall_resolve(p->conf, cause);
	if (r == 0) /* contacts may be declared before the notifiers they are paged by */
		r = conf_notifier_resolve(p->conf, cause);
	if (r == 0) /* policies name contacts and schedules, rules policies */
		r = conf_policy_resolve(p->conf, cause);
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
		conf_listen_clear(&conf->listens[i]);
	free(conf->listens);
	conf_http_free(conf->http);
	for (size_t i = 0; i < conf->nrules; i++)
		rule_free(conf->rules[i]);
	free(conf->rules);
	for (size_t i = 0; i < conf->nupstreams; i++)
		conf_upstream_clear(&conf->upstreams[i]);
	free(conf->upstreams);
	conf_snmp_clear(&conf->snmp);
	conf_journal_clear(&conf->journal);
	host_map_free(conf->hosts);
	for (size_t i = 0; i < conf->nmaintenance; i++)
		conf_maintenance_clear(&conf->maintenance[i]);
	free(conf->maintenance);
	conf_inhibit_free(conf);
	conf_policy_free(conf);
	conf_notifier_free(conf);
	conf_oncall_free(conf);
	free(conf->default_send);
	free(conf->default_file);
	free(conf->path);
	free(conf->hostname);
	free(conf->state_dir);
	free(conf->control_socket);
	free(conf->control_socket_where);
	free(conf->control_group);
	free(conf->control_admin_group);
	free(conf);
}
