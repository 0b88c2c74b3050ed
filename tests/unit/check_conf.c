/*
 * check_conf.c - the configuration language: the tokenizer, every
 * statement, defaults, includes, upstreams and their routing keys, and
 * every error message with its file:line.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_run.h"
#include "conf.h"
#include "conf_lex.h"
#include "rules.h"
#include "tmpdir.h"

/* The routing key in tmpdir/pd.key; no error message may ever contain it. */
#define KEY "0123456789abcdef0123456789abcdef"

static char *owned[256]; /* fmt() results, freed at teardown */
static size_t nowned;

static char *write_file(const char *name, const char *text);

static void
setup(void)
{
	tmpdir_make("check_conf");
	free(write_file("pd.key", KEY "\n \t\n"));
}

/* A formatted string that lives until teardown, to keep the tests short. */
static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	xvasprintf(&s, f, ap);
	va_end(ap);
	ck_assert_uint_lt(nowned, ARRAY_SIZE(owned));
	owned[nowned++] = s;
	return s;
}

/* `upstream NAME pagerduty { routing-key-file tmpdir/pd.key }` on one line. */
static const char *
upstream(const char *name)
{
	return fmt("upstream \"%s\" pagerduty { routing-key-file \"%s/pd.key\" }\n", name,
	    tmpdir);
}

/* A message that could carry a routing key must not. */
static void
assert_no_key(const char *cause)
{
	ck_assert_msg(strstr(cause, KEY) == NULL && strstr(cause, "SECRET") == NULL,
	    "key in message: %s", cause);
}

static void
teardown(void)
{
	tmpdir_remove(tmpdir);
	while (nowned > 0)
		free(owned[--nowned]);
}

/* Write text to tmpdir/name (creating one level of directory); returns the path. */
static char *
write_file(const char *name, const char *text)
{
	char *path, *dir;
	FILE *f;

	xasprintf(&path, "%s/%s", tmpdir, name);
	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	mkdir(dir, 0700);
	free(dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static struct conf *
load_ok(const char *text)
{
	struct conf *conf = NULL;
	char *cause = NULL;
	int r = conf_load_buffer("test.conf", text, strlen(text), &conf, &cause);

	ck_assert_msg(r == 0, "unexpected error: %s", cause ? cause : "?");
	ck_assert_ptr_nonnull(conf);
	return conf;
}

/* The load must fail with exactly "test.conf:" expect. */
static void
load_err(const char *text, const char *expect)
{
	struct conf *conf = (struct conf *)1;
	char *cause = NULL, *want;
	int r = conf_load_buffer("test.conf", text, strlen(text), &conf, &cause);

	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(conf);
	ck_assert_ptr_nonnull(cause);
	xasprintf(&want, "test.conf:%s", expect);
	ck_assert_str_eq(cause, want);
	assert_no_key(cause);
	free(want);
	free(cause);
}

/* The same for a file in tmpdir; expect is relative to tmpdir. */
static void
file_err(const char *path, const char *expect)
{
	struct conf *conf = NULL;
	char *cause = NULL, *want;
	int r = conf_load(path, &conf, &cause);

	ck_assert_int_lt(r, 0);
	ck_assert_ptr_null(conf);
	xasprintf(&want, "%s/%s", tmpdir, expect);
	ck_assert_str_eq(cause, want);
	assert_no_key(cause);
	free(want);
	free(cause);
}

START_TEST(test_lex_tokens)
{
	static const char text[] = "listen IF-MIB::linkDown 127.0.0.1:5514 10.0.0.0/8 30s 8M\n"
				   "[::1]:514 *:514 a.b@c+d # comment ; ignored\n"
				   "\"q\\\"\\\\\\n\\t\\S\" = != < <= > >= ~ !~ { } ( ) ;\n"
				   "x \\\n y";
	static const struct {
		enum tok type;
		const char *text;
		int line;
	} want[] = {
		{ TOK_WORD, "listen", 1 }, { TOK_WORD, "IF-MIB::linkDown", 1 },
		{ TOK_WORD, "127.0.0.1:5514", 1 }, { TOK_WORD, "10.0.0.0/8", 1 },
		{ TOK_WORD, "30s", 1 }, { TOK_WORD, "8M", 1 }, { TOK_END, "\n", 1 },
		{ TOK_WORD, "[::1]:514", 2 }, { TOK_WORD, "*:514", 2 }, { TOK_WORD, "a.b@c+d", 2 },
		{ TOK_END, "\n", 2 }, { TOK_STRING, "q\"\\\n\t\\S", 3 }, { TOK_EQ, "", 3 },
		{ TOK_NE, "", 3 }, { TOK_LT, "", 3 }, { TOK_LE, "", 3 }, { TOK_GT, "", 3 },
		{ TOK_GE, "", 3 }, { TOK_MATCH, "", 3 }, { TOK_NMATCH, "", 3 },
		{ TOK_LBRACE, "", 3 }, { TOK_RBRACE, "", 3 }, { TOK_LPAREN, "", 3 },
		{ TOK_RPAREN, "", 3 }, { TOK_END, ";", 3 }, { TOK_END, "\n", 3 },
		{ TOK_WORD, "x", 4 }, { TOK_WORD, "y", 5 }, { TOK_EOF, "", 5 },
	};
	struct lex lx;
	char *cause = NULL;

	ck_assert_int_eq(lex_open_buffer(&lx, "t", text, strlen(text), &cause), 0);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		ck_assert_int_eq(lex_next(&lx, &cause), 0);
		ck_assert_msg(lx.tok.type == want[i].type, "token %zu: type %d", i, lx.tok.type);
		ck_assert_int_eq(lx.tok.line, want[i].line);
		if (want[i].type == TOK_WORD || want[i].type == TOK_STRING)
			ck_assert_str_eq(lx.tok.text, want[i].text);
	}
	lex_close(&lx);
}
END_TEST

START_TEST(test_lex_limits)
{
	size_t n = LEX_MAX_TOKEN + 1;
	char *big = xmalloc(LEX_MAX_FILE + 2), *want;

	memset(big, 'a', n);
	big[n] = '\0';
	load_err(big, "1: token longer than 65536 bytes");
	big[0] = '"';
	load_err(big, "1: unterminated quoted string");
	memset(big, '\n', LEX_MAX_FILE + 1);
	struct conf *conf;
	char *cause = NULL;
	ck_assert_int_eq(conf_load_buffer("big", big, LEX_MAX_FILE + 1, &conf, &cause), -EFBIG);
	ck_assert_str_eq(cause, "big: larger than 16 MiB");
	free(cause);
	/* Exactly the limit is fine, and line numbers keep counting. */
	memcpy(big + LEX_MAX_FILE - 5, "foo\n", 4);
	xasprintf(&want, "%d: unknown keyword 'foo', expected one of: commit-sync, contact, "
			 "control-admin-group, control-group, control-socket, default, "
			 "escalation-max, event-log, failover-after, host, hostname, include, "
			 "inhibit, journal, "
			 "listen, maintenance, map-size, max-message, notifier, outbox-max, "
			 "override-max, policy, retention, rule, schedule, silence-max, snmp, "
			 "state-dir, upstream",
	    LEX_MAX_FILE - 4);
	big[LEX_MAX_FILE] = '\0';
	load_err(big, want);
	free(want);
	free(big);
}
END_TEST

START_TEST(test_defaults)
{
	struct conf *conf = load_ok("# nothing but a comment\n\n;;\n");
	char host[256] = "";

	gethostname(host, sizeof(host));
	ck_assert_str_eq(conf->hostname, host);
	ck_assert(!conf->commit_sync_inline); /* the sync thread */
	ck_assert_str_eq(conf->path, "test.conf");
	ck_assert_str_eq(conf->state_dir, LOCALSTATEDIR "/lib/triaged");
	ck_assert_str_eq(conf->control_socket, RUNSTATEDIR "/triaged/control.sock");
	ck_assert_uint_eq(conf->max_message, 64 * 1024);
	ck_assert(conf->event_log);
	ck_assert_int_eq(conf->event_log_max_age, 7 * 86400 * USEC_PER_SEC);
	ck_assert_uint_eq(conf->event_log_max_size, 256 * 1024 * 1024);
	ck_assert_int_eq(conf->default_action, CONF_DEFAULT_DROP);
	ck_assert_uint_eq(conf->nrules, 0);
	ck_assert_uint_eq(conf->nlistens, 0);
	ck_assert_uint_eq(conf->nupstreams, 0);
	ck_assert_ptr_null(conf->upstreams);
	ck_assert_uint_eq(conf->ndefault_send, 0);
	ck_assert_ptr_null(conf->default_send);
	ck_assert_uint_eq(conf->outbox_max, 100000);
	ck_assert_int_eq(conf->retention_max_age, 30 * 86400 * USEC_PER_SEC);
	ck_assert_uint_eq(conf->retention_max_resolved, 100000);
	ck_assert_ptr_null(conf_upstream_find(conf, "pd"));
	conf_free(conf);
}
END_TEST

START_TEST(test_settings)
{
	char cwd[PATH_MAX], *want;
	struct conf *conf = load_ok("hostname \"edge-01\"\n"
				    "state-dir var ; control-socket \"./var/ctl.sock\"\n"
				    "max-message 1M\n"
				    "event-log {\n  max-age 2d\n  max-size 1G\n}\n"
				    "default keep\n"
				    "outbox-max 500\n");

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_str_eq(conf->hostname, "edge-01");
	xasprintf(&want, "%s/var", cwd);
	ck_assert_str_eq(conf->state_dir, want);
	free(want);
	xasprintf(&want, "%s/var/ctl.sock", cwd);
	ck_assert_str_eq(conf->control_socket, want);
	free(want);
	ck_assert_uint_eq(conf->max_message, 1024 * 1024);
	ck_assert(conf->event_log);
	ck_assert_int_eq(conf->event_log_max_age, 2 * 86400 * USEC_PER_SEC);
	ck_assert_uint_eq(conf->event_log_max_size, 1024ULL * 1024 * 1024);
	ck_assert_int_eq(conf->default_action, CONF_DEFAULT_KEEP);
	ck_assert_uint_eq(conf->ndefault_send, 0);
	ck_assert_uint_eq(conf->outbox_max, 500);
	conf_free(conf);

	conf = load_ok("outbox-max 1\n");
	ck_assert_uint_eq(conf->outbox_max, 1);
	conf_free(conf);
	conf = load_ok("outbox-max 10000000\n");
	ck_assert_uint_eq(conf->outbox_max, 10000000);
	conf_free(conf);

	conf = load_ok("commit-sync inline\n");
	ck_assert(conf->commit_sync_inline);
	conf_free(conf);
	conf = load_ok("commit-sync thread\n");
	ck_assert(!conf->commit_sync_inline);
	conf_free(conf);

	conf = load_ok("event-log off\nstate-dir \"/srv/t\"\ndefault drop");
	ck_assert(!conf->event_log);
	ck_assert_str_eq(conf->state_dir, "/srv/t");
	ck_assert_int_eq(conf->default_action, CONF_DEFAULT_DROP);
	conf_free(conf);
}
END_TEST

START_TEST(test_listen)
{
	struct conf *conf = load_ok(
	    "max-message 8K\n"
	    "listen syslog udp 127.0.0.1:5514 { rcvbuf 8M; max-message 2K; name \"lo\" }\n"
	    "listen syslog tcp [::1]:5514 {\n max-connections 10\n}\n"
	    "listen syslog tcp *:514\n"
	    "listen syslog udp \"0.0.0.0:514\"\n"
	    "listen syslog unix \"/run/t/log\" { max-message 16M }\n"
	    "listen snmp udp [::]:162\n");
	const struct conf_listen *l = conf->listens;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&l[0].sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&l[1].sa;
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&l[4].sa;

	ck_assert_uint_eq(conf->nlistens, 6);
	ck_assert_int_eq(l[0].kind, LISTEN_SYSLOG);
	ck_assert_int_eq(l[0].proto, LISTEN_UDP);
	ck_assert_str_eq(l[0].name, "lo");
	ck_assert_str_eq(l[0].address, "127.0.0.1:5514");
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_int_eq(ntohs(sin->sin_port), 5514);
	ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), 0x7f000001);
	ck_assert_int_eq(l[0].salen, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(l[0].rcvbuf, 8 * 1024 * 1024);
	ck_assert_uint_eq(l[0].max_message, 2048);
	ck_assert_str_eq(l[0].file, "test.conf");
	ck_assert_int_eq(l[0].line, 2);

	ck_assert_int_eq(l[1].proto, LISTEN_TCP);
	ck_assert_str_eq(l[1].name, "syslog/tcp/[::1]:5514");
	ck_assert_int_eq(sin6->sin6_family, AF_INET6);
	ck_assert(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	ck_assert_uint_eq(l[1].max_connections, 10);
	ck_assert_uint_eq(l[1].max_message, 8192); /* inherited, though set before */

	sin6 = (const struct sockaddr_in6 *)&l[2].sa;
	ck_assert_int_eq(sin6->sin6_family, AF_INET6); /* "*" is [::], both families */
	ck_assert(IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));
	ck_assert_int_eq(ntohs(sin6->sin6_port), 514);
	ck_assert_uint_eq(l[2].max_connections, CONF_DEFAULT_MAX_CONNECTIONS);
	ck_assert_uint_eq(l[2].rcvbuf, 0);

	ck_assert_str_eq(l[3].name, "syslog/udp/0.0.0.0:514");
	ck_assert_int_eq(l[4].proto, LISTEN_UNIX);
	ck_assert_str_eq(l[4].name, "syslog/unix/run/t/log");
	ck_assert_int_eq(sun->sun_family, AF_UNIX);
	ck_assert_str_eq(sun->sun_path, "/run/t/log");
	ck_assert_uint_eq(l[4].max_message, 16 * 1024 * 1024);
	ck_assert_int_eq(l[5].kind, LISTEN_SNMP);
	ck_assert_str_eq(l[5].name, "snmp/udp/[::]:162");
	conf_free(conf);
}
END_TEST

START_TEST(test_listen_unix_relative)
{
	char cwd[PATH_MAX], *want;
	struct conf *conf = load_ok("listen syslog unix var/log.sock\n");

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	xasprintf(&want, "%s/var/log.sock", cwd);
	ck_assert_str_eq(conf->listens[0].address, want);
	ck_assert_str_eq(((struct sockaddr_un *)&conf->listens[0].sa)->sun_path, want);
	free(want);
	conf_free(conf);
}
END_TEST

START_TEST(test_listen_errors)
{
	load_err("listen syslog udp localhost:514\n",
	    "1: expected a numeric address like 127.0.0.1:514, [::1]:514 or *:514, got "
	    "'localhost:514'");
	load_err("listen syslog udp 127.0.0.1\n",
	    "1: expected a numeric address like 127.0.0.1:514, [::1]:514 or *:514, got "
	    "'127.0.0.1'");
	load_err("listen syslog udp ::1:514\n",
	    "1: expected a numeric address like 127.0.0.1:514, [::1]:514 or *:514, got "
	    "'::1:514'");
	load_err("listen syslog udp 127.0.0.1:0\n",
	    "1: expected a numeric address like 127.0.0.1:514, [::1]:514 or *:514, got "
	    "'127.0.0.1:0'");
	load_err("listen syslog tcp *:514\n\nlisten syslog tcp [::]:514\n",
	    "3: duplicate listen address [::]:514 (first at test.conf:1)");
	load_err("listen syslog udp *:514\nlisten snmp udp *:514\n",
	    "2: duplicate listen address *:514 (first at test.conf:1)");
	load_err("listen syslog udp *:514 { name a }\nlisten syslog tcp *:514 { name a }\n",
	    "2: duplicate listener name 'a' (first at test.conf:1)");
	load_err("listen snmp tcp *:162\n",
	    "1: expected 'udp' (snmp listens on UDP only), got 'tcp'");
	load_err("listen syslog sctp *:6514\n",
	    "1: expected 'udp', 'tcp', 'unix' or 'tls', got 'sctp'");
	load_err("listen journal\n", "1: expected 'syslog', 'snmp' or 'http', got 'journal'");
	load_err("listen syslog udp *:514 {\n max-connections 5\n}\n",
	    "2: unknown keyword 'max-connections', expected one of: charset, max-message, name, rcvbuf");
	load_err("listen syslog udp *:514 { rcvbuf 2G }\n",
	    "1: rcvbuf must be between 1K and 1G, got '2G'");
	load_err("listen syslog tcp *:514 { max-connections 0 }\n",
	    "1: max-connections must be between 1 and 65536, got '0'");
	load_err("listen syslog udp *:514 {\n name \"x\"\n", "3: unexpected end of file in "
							       "listen (opened at line 1), "
							       "expected '}'");
}
END_TEST

START_TEST(test_setting_errors)
{
	load_err("hostname a\nhostname b\n", "2: hostname already set at test.conf:1");
	load_err("hostname \"a b\"\n",
	    "1: hostname must be 1 to 255 printable characters without spaces");
	load_err("max-message 100\n", "1: max-message must be between 1K and 16M, got '100'");
	load_err("max-message 64Q\n", "1: expected a size like 64K, got '64Q'");
	load_err("event-log { max-age x }\n", "1: expected a duration like 30s, got 'x'");
	load_err("event-log {\n max-age 0s }\n", "2: max-age must be at least 1s, got '0s'");
	load_err("event-log maybe\n", "1: expected 'off', 'on' or '{', got 'maybe'");
	load_err("default send\n", "1: expected an upstream name, got end of line");
	load_err("default sometimes\n", "1: expected 'drop', 'keep' or 'send', got 'sometimes'");
	load_err("default keep\n\ndefault send a\n", "3: default already set at test.conf:1");
	load_err("commit-sync\n", "1: expected 'thread' or 'inline', got end of line");
	load_err("commit-sync async\n", "1: expected 'thread' or 'inline', got 'async'");
	load_err("commit-sync inline\ncommit-sync inline\n",
	    "2: commit-sync already set at test.conf:1");
	load_err("outbox-max 0\n", "1: outbox-max must be between 1 and 10000000, got '0'");
	load_err("outbox-max 10000001\n",
	    "1: outbox-max must be between 1 and 10000000, got '10000001'");
	load_err("outbox-max lots\n", "1: expected a number, got 'lots'");
	load_err("outbox-max 5\noutbox-max 6\n", "2: outbox-max already set at test.conf:1");
	load_err("state-dir \"\"\n", "1: state-dir must not be empty");
	load_err("hostname\n", "1: expected a host name, got end of line");
	load_err("hostname a b\n", "1: expected end of statement, got 'b'");
	load_err("\n\nfoo bar\n", "3: unknown keyword 'foo', expected one of: commit-sync, contact, "
				  "control-admin-group, control-group, control-socket, default, "
				  "escalation-max, event-log, failover-after, host, hostname, include, "
				  "inhibit, "
				  "journal, listen, maintenance, map-size, max-message, notifier, "
				  "outbox-max, override-max, policy, retention, rule, schedule, "
				  "silence-max, snmp, state-dir, upstream");
	load_err("\"hostname\" x\n", "1: expected a keyword, got \"hostname\"");
	load_err("}\n", "1: expected a keyword, got '}'");
	load_err("hostname a $\n", "1: unexpected character '$'");
	load_err("hostname \"a\n", "1: unterminated quoted string");
	load_err("hostname a !\n", "1: unexpected character '!'");
	load_err("# \xff\nhostname \xff\n", "2: unexpected byte 0xff");
	load_err("control-socket \"/"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
	    "1: control-socket "
	    "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa is longer than 107 bytes");
}
END_TEST

/* The control socket's groups are looked up at load: a typo is a file:line error. */
START_TEST(test_control_groups)
{
	struct conf *conf = load_ok("control-group daemon\ncontrol-admin-group \"root\"\n");

	ck_assert_str_eq(conf->control_group, "daemon");
	ck_assert_uint_eq(conf->control_gid, 1);
	ck_assert_str_eq(conf->control_admin_group, "root");
	ck_assert_uint_eq(conf->control_admin_gid, 0);
	conf_free(conf);
	conf = load_ok("hostname a\n");
	ck_assert_ptr_null(conf->control_group);
	ck_assert_ptr_null(conf->control_admin_group);
	conf_free(conf);

	load_err("\ncontrol-group no-such-group-triaged\n",
	    "2: control-group: unknown group 'no-such-group-triaged'");
	load_err("control-admin-group nope-triaged\n",
	    "1: control-admin-group: unknown group 'nope-triaged'");
	load_err("control-group \"\"\n", "1: control-group must have 1 to 255 bytes");
	load_err("control-group\n", "1: expected a group name, got end of line");
	load_err("control-group root\ncontrol-group daemon\n",
	    "2: control-group already set at test.conf:1");
	load_err("control-admin-group root\n\ncontrol-admin-group root\n",
	    "3: control-admin-group already set at test.conf:1");
}
END_TEST

/* retention { ... } and a rule's max-open: values, defaults, file:line errors. */
START_TEST(test_retention)
{
	struct conf *conf = load_ok("retention {\n  max-age 2s\n  max-resolved 50\n}\n"
				    "rule a { match any; max-open 100 }\nrule b { match any }\n");

	ck_assert_int_eq(conf->retention_max_age, 2 * USEC_PER_SEC);
	ck_assert_uint_eq(conf->retention_max_resolved, 50);
	ck_assert_uint_eq(conf->rules[0]->max_open, 100);
	ck_assert_uint_eq(conf->rules[1]->max_open, RULE_DEFAULT_MAX_OPEN);
	conf_free(conf);
	conf = load_ok("retention { max-resolved 7 }\n");
	ck_assert_int_eq(conf->retention_max_age, 30 * 86400 * USEC_PER_SEC);
	ck_assert_uint_eq(conf->retention_max_resolved, 7);
	conf_free(conf);

	load_err("retention {\n max-age 0s\n}\n", "2: max-age must be at least 1s, got '0s'");
	load_err("retention { max-resolved 0 }\n",
	    "1: max-resolved must be between 1 and 100000000, got '0'");
	load_err("retention {\n\n max-count 5 }\n",
	    "3: unknown keyword 'max-count', expected one of: max-age, max-resolved");
	load_err("retention 30d\n", "1: expected '{', got '30d'");
	load_err("retention { max-age 1d }\nretention { max-age 2d }\n",
	    "2: retention already set at test.conf:1");
	load_err("rule x {\n match any\n max-open 0\n}\n",
	    "3: max-open must be between 1 and 10000000, got '0'");
	load_err("rule x { match any; max-open lots }\n", "1: expected a number, got 'lots'");
	load_err("rule x {\n match any\n max-open 5\n max-open 6\n}\n",
	    "4: duplicate 'max-open' in rule 'x' (first at line 3)");
	load_err("rule x {\n match any\n drop\n max-open 5\n}\n",
	    "4: rule 'x' drops what it matches, so it cannot have max-open");
}
END_TEST

START_TEST(test_rule_statements)
{
	struct conf *conf = load_ok(
	    "rule \"disk errors\" {\n"
	    "  match syslog severity <= err and message ~ \"I/O error, dev (?<dev>\\S+)\"\n"
	    "  key \"{host}/disk/{dev}\"; summary \"{host}: {{{dev}}} {rule} {sd.x.y} {seq}\"\n"
	    "  severity crit\n  threshold 3 in 5m\n  auto-resolve 1h\n  hold 30s\n}\n"
	    "rule cron { match syslog program CRON; drop }\n"
	    "rule all\n{\n match any\n}\n"
	    "rule t { match trap }\n");
	const struct rule *r = conf->rules[0];

	ck_assert_uint_eq(conf->nrules, 4);
	ck_assert_str_eq(r->name, "disk errors");
	ck_assert_uint_eq(r->name_len, 11);
	ck_assert_str_eq(r->file, "test.conf");
	ck_assert_int_eq(r->line, 1);
	ck_assert_int_eq(r->match->kind, COND_AND);
	ck_assert_int_eq(r->match->a->kind, COND_SOURCE_TYPE);
	ck_assert_int_eq(r->match->a->num, EVENT_SYSLOG);
	ck_assert_int_eq(r->match->b->kind, COND_AND);
	ck_assert_int_eq(r->match->b->a->kind, COND_SEVERITY);
	ck_assert_int_eq(r->match->b->a->op, OP_LE);
	ck_assert_int_eq(r->match->b->a->num, 3);
	ck_assert_int_eq(r->match->b->b->kind, COND_FIELD);
	ck_assert_int_eq(r->match->b->b->op, OP_MATCH);
	ck_assert_str_eq(r->match->b->b->field, "message");
	ck_assert_str_eq(r->match->b->b->value.p, "I/O error, dev (?<dev>\\S+)");
	ck_assert_ptr_null(r->resolve_on);
	ck_assert_str_eq(r->key->source, "{host}/disk/{dev}");
	ck_assert_uint_eq(r->summary->nparts, 9);
	ck_assert_int_eq(r->severity, 2);
	ck_assert_uint_eq(r->threshold, 3);
	ck_assert_int_eq(r->threshold_window, 300 * USEC_PER_SEC);
	ck_assert_int_eq(r->auto_resolve, 3600 * USEC_PER_SEC);
	ck_assert_int_eq(r->hold, 30 * USEC_PER_SEC);
	ck_assert_uint_eq(r->flap_cycles, 0);
	ck_assert(!r->drop);

	r = conf->rules[1];
	ck_assert(r->drop);
	ck_assert_int_eq(r->severity, -1);
	ck_assert_ptr_null(r->key);
	ck_assert_int_eq(r->match->b->kind, COND_FIELD);
	ck_assert_str_eq(r->match->b->value.p, "CRON");
	ck_assert_int_eq(conf->rules[2]->match->kind, COND_TRUE);
	ck_assert_int_eq(conf->rules[3]->match->kind, COND_SOURCE_TYPE);
	ck_assert_int_eq(conf->rules[3]->match->num, EVENT_TRAP);
	conf_free(conf);
}
END_TEST

START_TEST(test_flap_statement)
{
	struct conf *conf = load_ok(
	    "rule a { match message ~ down; resolve-on message ~ up; flap 5 in 10m quiet 2m\n"
	    " hold 30s }\n"
	    "rule b {\n match any\n resolve-on any\n flap 3 in 1m\n}\n");

	ck_assert_uint_eq(conf->rules[0]->flap_cycles, 5);
	ck_assert_int_eq(conf->rules[0]->flap_window, 600 * USEC_PER_SEC);
	ck_assert_int_eq(conf->rules[0]->flap_quiet, 120 * USEC_PER_SEC);
	ck_assert_int_eq(conf->rules[0]->hold, 30 * USEC_PER_SEC);
	ck_assert_uint_eq(conf->rules[1]->flap_cycles, 3);
	ck_assert_int_eq(conf->rules[1]->flap_quiet, 60 * USEC_PER_SEC); /* the window by default */
	conf_free(conf);
}
END_TEST

START_TEST(test_group_by_statement)
{
	struct conf *conf = load_ok(
	    "rule a { match message ~ \"(?<ifname>\\S+) down\"; group-by host ifname }\n"
	    "rule b { match trap IF-MIB::linkDown\n"
	    " group-by host severity IF-MIB::ifIndex \"IF-MIB::ifDescr\" wait 0s interval 1m max 3\n}\n"
	    "rule c { match any; group-by key max 1 wait 2m }\n");
	const struct rule_group *g = &conf->rules[0]->group_by;

	ck_assert_uint_eq(g->nfields, 2);
	ck_assert_str_eq(g->fields[0], "host");
	ck_assert_str_eq(g->fields[1], "ifname");
	ck_assert_int_eq(g->wait, 30 * USEC_PER_SEC); /* Alertmanager's defaults */
	ck_assert_int_eq(g->interval, 300 * USEC_PER_SEC);
	ck_assert_uint_eq(g->max, 1000);
	g = &conf->rules[1]->group_by;
	ck_assert_uint_eq(g->nfields, 4);
	ck_assert_str_eq(g->fields[3], "IF-MIB::ifDescr");
	ck_assert_int_eq(g->wait, 0);
	ck_assert_int_eq(g->interval, 60 * USEC_PER_SEC);
	ck_assert_uint_eq(g->max, 3);
	g = &conf->rules[2]->group_by;
	ck_assert_uint_eq(g->max, 1);
	ck_assert_int_eq(g->wait, 120 * USEC_PER_SEC);
	ck_assert_uint_eq(conf->rules[2]->group_by.nfields, 1);
	ck_assert_uint_eq(conf->rules[2]->flap_cycles, 0);
	conf_free(conf);
}
END_TEST

START_TEST(test_expressions)
{
	struct conf *conf = load_ok(
	    "rule a { match host = a or host = b and not host = c }\n"
	    "rule b { match (host = a or host = b) and host != c }\n"
	    "rule c { match not not facility > local0 }\n"
	    "rule d {\n match (\n  program = x\n  or program = y\n ) and\n   pid = 1\n}\n"
	    "rule e { match source 10.0.0.0/8 or source != ::1 or source ~ \"^192\\.\" }\n"
	    "rule f { match field \"IF-MIB::ifIndex\" = 3 and sd.origin.ip !~ \"^10\\.\" }\n"
	    "rule g { match journal facility 3 and severity warn and msgid != \"\" }\n"
	    "rule h { match message \\\n   ~ \"x\" }\n");
	struct rule *const *r = conf->rules;

	/* or < and < not */
	ck_assert_int_eq(r[0]->match->kind, COND_OR);
	ck_assert_int_eq(r[0]->match->a->kind, COND_FIELD);
	ck_assert_int_eq(r[0]->match->b->kind, COND_AND);
	ck_assert_int_eq(r[0]->match->b->b->kind, COND_NOT);
	ck_assert_int_eq(r[1]->match->kind, COND_AND);
	ck_assert_int_eq(r[1]->match->a->kind, COND_OR);
	ck_assert_int_eq(r[1]->match->b->op, OP_NE);
	ck_assert_int_eq(r[2]->match->kind, COND_NOT);
	ck_assert_int_eq(r[2]->match->a->kind, COND_NOT);
	ck_assert_int_eq(r[2]->match->a->a->kind, COND_FACILITY);
	ck_assert_int_eq(r[2]->match->a->a->op, OP_GT);
	ck_assert_int_eq(r[2]->match->a->a->num, 16);
	ck_assert_int_eq(r[3]->match->kind, COND_AND);
	ck_assert_int_eq(r[3]->match->a->kind, COND_OR);
	ck_assert_int_eq(r[4]->match->a->a->kind, COND_ADDRESS);
	ck_assert_int_eq(r[4]->match->a->a->cidr.family, AF_INET);
	ck_assert_uint_eq(r[4]->match->a->a->cidr.prefix, 8);
	ck_assert_int_eq(r[4]->match->a->b->op, OP_NE);
	ck_assert_int_eq(r[4]->match->a->b->cidr.family, AF_INET6);
	ck_assert_uint_eq(r[4]->match->a->b->cidr.prefix, 128);
	ck_assert_int_eq(r[4]->match->b->kind, COND_FIELD);
	ck_assert_str_eq(r[4]->match->b->field, "source");
	ck_assert_str_eq(r[5]->match->a->field, "IF-MIB::ifIndex");
	ck_assert_str_eq(r[5]->match->b->field, "sd.origin.ip");
	ck_assert_int_eq(r[5]->match->b->op, OP_NMATCH);
	ck_assert_int_eq(r[6]->match->a->num, EVENT_JOURNAL);
	ck_assert_int_eq(r[6]->match->b->a->a->num, 3);
	ck_assert_int_eq(r[6]->match->b->a->b->num, 4);
	ck_assert_int_eq(r[7]->match->op, OP_MATCH);
	conf_free(conf);
}
END_TEST

START_TEST(test_rule_errors)
{
	load_err("rule x {\n  key \"{host}\"\n}\n", "1: rule 'x' has no match");
	load_err("rule x { match any }\n\nrule x { match any }\n",
	    "3: duplicate rule name 'x' (first at test.conf:1)");
	load_err("rule x {\n match message ~ \"(?<dev>\\S+)\"\n key \"{host}/{devx}\"\n}\n",
	    "3: unknown field '{devx}' in key template");
	load_err("rule x {\n match any\n summary \"{a\"\n}\n",
	    "3: unterminated '{' at offset 0 in summary template");
	load_err("rule x {\n match any\n key \"a}b\"\n}\n",
	    "3: unmatched '}' at offset 1 in key template");
	load_err("rule x {\n match any\n\n threshold 3 in x\n}\n",
	    "4: expected a duration like 30s, got 'x'");
	load_err("rule x { match any; threshold 3 5m }\n",
	    "1: expected 'in' as in \"threshold 3 in 5m\", got '5m'");
	load_err("rule x { match any; threshold 65 in 5m }\n",
	    "1: threshold must be between 1 and 64, got '65'");
	load_err("rule x { match any; threshold 0 in 5m }\n",
	    "1: threshold must be between 1 and 64, got '0'");
	load_err("rule x { match any; auto-resolve 10ms }\n",
	    "1: auto-resolve must be at least 1s, got '10ms'");
	load_err("rule x { match any; hold 500ms }\n", "1: hold must be at least 1s, got '500ms'");
	load_err("rule x { match any; resolve-on any; flap 1 in 5m }\n",
	    "1: flap must be between 2 and 64, got '1'");
	load_err("rule x { match any; resolve-on any; flap 65 in 5m }\n",
	    "1: flap must be between 2 and 64, got '65'");
	load_err("rule x { match any; resolve-on any; flap 5 5m }\n",
	    "1: expected 'in' as in \"flap 5 in 10m\", got '5m'");
	load_err("rule x { match any; resolve-on any; flap 5 in 10ms }\n",
	    "1: the flap window must be at least 1s, got '10ms'");
	load_err("rule x { match any; resolve-on any; flap 5 in 5m quiet }\n",
	    "1: expected a duration like 30s, got '}'");
	load_err("rule x { match any; resolve-on any; flap 5 in 5m loud 1m }\n",
	    "1: expected end of statement, got 'loud'");
	load_err("rule x {\n match any\n flap 5 in 5m\n}\n",
	    "3: rule 'x' has flap but no resolve-on: a cycle is a down and its up");
	load_err("rule x {\n match any\n resolve-on any\n threshold 2 in 1m\n flap 5 in 5m\n}\n",
	    "5: rule 'x' has both flap and threshold (line 4): flap counts a down with its up, "
	    "threshold downs alone; use one");
	load_err("rule x { match any; group-by }\n",
	    "1: group-by needs at least one field, as in \"group-by host\"");
	load_err("rule x { match any; group-by wait 10s }\n",
	    "1: group-by needs at least one field, as in \"group-by host\"");
	load_err("rule x { match any; group-by host wait 10s colour }\n",
	    "1: expected wait, interval or max after the group-by fields, got 'colour'");
	load_err("rule x { match any; group-by host wait soon }\n",
	    "1: expected a duration like 30s, got 'soon'");
	load_err("rule x { match any; group-by host interval 10ms }\n",
	    "1: interval must be at least 1s, got '10ms'");
	load_err("rule x { match any; group-by host max 0 }\n",
	    "1: group-by max must be between 1 and 10000, got '0'");
	load_err("rule x { match any; group-by host max 10001 }\n",
	    "1: group-by max must be between 1 and 10000, got '10001'");
	load_err("rule x { match any; group-by a b c d e f g h i }\n",
	    "1: group-by takes at most 8 fields");
	load_err("rule x {\n match message ~ \"(?<ifname>\\S+)\"\n group-by host ifnmae\n}\n",
	    "3: group-by uses 'ifnmae', which is no field of this rule's events");
	load_err("rule x {\n match any\n resolve-on any\n flap 3 in 1m\n group-by host\n}\n",
	    "5: rule 'x' has both group-by and flap (line 4): a flapping key is paged alone; "
	    "use one");
	load_err("rule x {\n match any\n drop\n group-by host\n}\n",
	    "4: rule 'x' drops what it matches, so it cannot have group-by");
	load_err("rule x { match any; group-by host; group-by key }\n",
	    "1: duplicate 'group-by' in rule 'x' (first at line 1)");
	load_err("rule x { match any; hold 30s; hold 1m }\n",
	    "1: duplicate 'hold' in rule 'x' (first at line 1)");
	load_err("rule x {\n match any\n drop\n hold 30s\n}\n",
	    "4: rule 'x' drops what it matches, so it cannot have hold");
	load_err("rule x {\n match message ~ \"(unclosed\"\n}\n",
	    "2: bad regex \"(unclosed\": missing closing parenthesis at offset 9");
	load_err("rule x {\n match message ~ \"a(?<n>b\" }\n",
	    "2: bad regex \"a(?<n>b\": missing closing parenthesis at offset 7");
	load_err("rule x {\n match message ~ \"(?<n>\\S+) down\"\n"
		 " resolve-on message ~ \"(?<m>\\S+) up\"\n key \"{host}/{n}\"\n}\n",
	    "4: key uses {n}, which resolve-on does not capture");
	load_err("rule x {\n match any\n drop\n key \"{host}\"\n}\n",
	    "4: rule 'x' drops what it matches, so it cannot have key");
	load_err("rule x { summary \"s\"; drop; match any }\n",
	    "1: rule 'x' drops what it matches, so it cannot have summary");
	load_err("rule x {\n match any\n match any\n}\n",
	    "3: duplicate 'match' in rule 'x' (first at line 2)");
	load_err("rule x { match\n}\n",
	    "1: match needs a source (syslog, trap, journal, any) or a condition");
	load_err("rule x { match facility = kernel }\n", "1: unknown facility 'kernel'");
	load_err("rule x { match severity ~ err }\n",
	    "1: severity compares with = != < <= > >=, not '~'");
	load_err("rule x { match severity < urgent }\n",
	    "1: unknown severity 'urgent', expected emerg, alert, crit, err, warning, notice, "
	    "info or debug");
	load_err("rule x { match host < a }\n", "1: host compares with = != ~ !~, not '<'");
	load_err("rule x { match colour = red }\n",
	    "1: unknown condition 'colour', expected one of: agent, community, enterprise, "
	    "facility, field, host, message, msgid, not, original-host, pid, program, "
	    "sd.ID.PARAM, severity, source, trap, under, user, var, version, an OID, '('");
	load_err("rule x { match host a program b }\n",
	    "1: expected end of statement, got 'program'");
	load_err("rule x {\n match (host a or\n  host b\n", "4: expected 'and', 'or' or ')' to "
							 "close the '(' of line 2, got end "
							 "of file");
	load_err("rule x { match source 10.0.0.0/33 }\n",
	    "1: expected an address or CIDR like 10.0.0.0/8 or ::1, got '10.0.0.0/33'");
	load_err("rule x { match any; severity loud }\n",
	    "1: unknown severity 'loud', expected emerg, alert, crit, err, warning, notice, info "
	    "or debug");
	load_err("rule x { match any; colour red }\n",
	    "1: unknown keyword 'colour', expected one of: auto-resolve, class, component, drop, "
	    "flap, group, group-by, hold, key, match, max-open, page, resolve-on, send, severity, "
	    "summary, threshold");
	load_err("rule \"\" { match any }\n", "1: a rule name must have 1 to 127 bytes");
	load_err("rule x match any\n", "1: expected '{', got 'match'");
	load_err("rule x {\n match any\n", "3: unexpected end of file in rule (opened at line 1), "
					   "expected '}'");
}
END_TEST

START_TEST(test_expression_limits)
{
	char *text = xmalloc(16 * 1024), *p = text;

	p += snprintf(p, 64, "rule x { match ");
	for (int i = 0; i < 65; i++)
		*p++ = '(';
	snprintf(p, 64, "host a");
	load_err(text, "1: expression nested more than 64 deep");
	p = text + snprintf(text, 64, "rule x { match host a");
	for (int i = 0; i < 1024; i++)
		p += snprintf(p, 32, " or pid %d", i);
	snprintf(p, 8, " }");
	load_err(text, "1: expression has more than 1024 conditions");
	free(text);
}
END_TEST

START_TEST(test_resolve_on)
{
	struct conf *conf = load_ok(
	    "rule \"if\" {\n"
	    "  match message ~ \"Interface (?<ifname>\\S+), changed state to down\"\n"
	    "  resolve-on syslog message ~ \"Interface (?<ifname>\\S+), changed state to up\"\n"
	    "  key \"{host}/if/{ifname}\"\n"
	    "}\n"
	    "rule nokey { match message ~ \"a\"; resolve-on message ~ \"b\" }\n");

	ck_assert_ptr_nonnull(conf->rules[0]->resolve_on);
	ck_assert_int_eq(conf->rules[0]->resolve_on->kind, COND_AND);
	ck_assert_ptr_null(conf->rules[1]->key);
	conf_free(conf);
	/* A capture under "not" can never be set when the rule matches. */
	load_err("rule x {\n match not message ~ \"(?<n>x)\"\n key \"{n}\"\n}\n",
	    "3: unknown field '{n}' in key template");
}
END_TEST

START_TEST(test_include)
{
	char *main_conf, *want;
	struct conf *conf;
	char *cause = NULL;

	free(write_file("conf.d/b.conf", "rule b { match any }\n"));
	free(write_file("conf.d/a.conf", "rule a { match any }\n"));
	free(write_file("conf.d/c.txt", "this is not read\n"));
	free(write_file("sub/one.conf", "include \"two.conf\"\n"));
	free(write_file("sub/two.conf", "listen syslog udp 127.0.0.1:5514\n"));
	main_conf = write_file("main.conf", "rule first { match any }\n"
					    "include \"conf.d/*.conf\"\n"
					    "include \"empty.d/*.conf\"\n"
					    "include \"sub/one.conf\"\n"
					    "rule last { match any }\n");
	ck_assert_int_eq(conf_load(main_conf, &conf, &cause), 0);
	ck_assert_uint_eq(conf->nrules, 4);
	ck_assert_str_eq(conf->rules[0]->name, "first");
	ck_assert_str_eq(conf->rules[1]->name, "a");
	ck_assert_str_eq(conf->rules[2]->name, "b");
	ck_assert_str_eq(conf->rules[3]->name, "last");
	xasprintf(&want, "%s/conf.d/a.conf", tmpdir);
	ck_assert_str_eq(conf->rules[1]->file, want);
	free(want);
	ck_assert_uint_eq(conf->nlistens, 1);
	xasprintf(&want, "%s/sub/two.conf", tmpdir);
	ck_assert_str_eq(conf->listens[0].file, want);
	free(want);
	ck_assert_str_eq(conf->path, main_conf);
	conf_free(conf);
	free(main_conf);
}
END_TEST

/*
 * One rule for every path: relative to the directory of the file that says
 * it, as include is, whatever directory the daemon is started in, and made
 * absolute when the config is read with a relative name (-c site/x.conf).
 */
START_TEST(test_relative_paths)
{
	char cwd[PATH_MAX], *m, *cause = NULL;
	const char *site = fmt("%s/site", tmpdir);
	const struct conf_upstream *u;
	struct conf *conf;

	m = write_file("site/triaged.conf", "state-dir \"var\"\n"
					    "control-socket \"./run/ctl.sock\"\n"
					    "listen syslog unix \"var/log.sock\"\n"
					    "include \"conf.d/*.conf\"\n"
					    "snmp { mib-dirs \"mibs\" \"/usr/share/snmp/mibs\" }\n"
					    "journal { directory \"journal\" }\n");
	free(write_file("site/conf.d/paths.conf",
	    "listen syslog unix \"sock/log\"\n"
	    "upstream pd pagerduty { routing-key-file \"../../pd.key\"; ca-file ../../pd.key }\n"));
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tmpdir), 0);
	ck_assert_msg(conf_load("site/triaged.conf", &conf, &cause) == 0, "%s", cause ? cause : "?");
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_str_eq(conf->state_dir, fmt("%s/var", site));
	ck_assert_str_eq(conf->control_socket, fmt("%s/run/ctl.sock", site));
	ck_assert_str_eq(conf->listens[0].address, fmt("%s/var/log.sock", site));
	ck_assert_str_eq(conf->listens[1].address, fmt("%s/conf.d/sock/log", site));
	ck_assert_str_eq(conf->snmp.mib_dirs[0], fmt("%s/mibs", site));
	ck_assert_str_eq(conf->snmp.mib_dirs[1], "/usr/share/snmp/mibs");
	ck_assert_str_eq(conf->journal.directory, fmt("%s/journal", site));
	u = conf_upstream_find(conf, "pd");
	ck_assert_str_eq(u->routing_key, KEY);
	ck_assert_str_eq(u->ca_file, fmt("%s/conf.d/../../pd.key", site));
	conf_free(conf);
	free(m);
}
END_TEST

static void
peek_eq(const char *path, const char *want)
{
	char *got = NULL, *cause = NULL;

	ck_assert_msg(conf_peek_control_socket(path, &got, &cause) == 0, "%s", cause);
	ck_assert_str_eq(got, want);
	free(got);
}

/*
 * triagectl -c reads only the control socket: not a key file it may not
 * read, nor errors anywhere else; the last statement wins, includes too.
 */
START_TEST(test_peek_control_socket)
{
	char *a, *b, *c, *want, *cause = NULL, *got = NULL;

	a = write_file("peek/a.conf", "upstream \"pd\" pagerduty {\n"
				     "  routing-key-file \"/nonexistent/key\"\n"
				     "  control-socket \"/not/this/one\"\n}\n"
				     "rule x { match nonsense here }\n"
				     "include \"conf.d/*.conf\"\n");
	free(write_file("peek/conf.d/ctl.conf", "control-socket \"run/ctl.sock\"\n"));
	xasprintf(&want, "%s/peek/conf.d/run/ctl.sock", tmpdir);
	peek_eq(a, want); /* relative to the file that says it */
	free(want);
	b = write_file("peek/b.conf", "# nothing about the socket\nrule y { match any }\n");
	peek_eq(b, CONF_DEFAULT_CONTROL_SOCKET);
	/* After the statement, even the lexer's errors do not matter; before it, they do. */
	c = write_file("peek/c.conf", "control-socket \"/run/x.sock\"\nrule \"unterminated\n");
	peek_eq(c, "/run/x.sock");
	free(c);
	c = write_file("peek/d.conf", "rule \"unterminated\ncontrol-socket \"/run/x.sock\"\n");
	ck_assert_int_lt(conf_peek_control_socket(c, &got, &cause), 0);
	ck_assert_ptr_nonnull(strstr(cause, "peek/d.conf:"));
	free(cause);
	ck_assert_int_lt(conf_peek_control_socket("/nonexistent/triaged.conf", &got, &cause), 0);
	free(cause);
	free(a);
	free(b);
	free(c);
}
END_TEST

/* Like file_err with the whole message given (and freed) by the caller. */
static void
file_err_full(const char *path, char *want)
{
	char *cause = NULL;
	struct conf *conf;

	ck_assert_int_lt(conf_load(path, &conf, &cause), 0);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
}

START_TEST(test_include_error_locations)
{
	char *m, *want;

	m = write_file("m1.conf", "\ninclude \"missing.conf\"\n");
	xasprintf(&want, "%s/m1.conf:2: cannot include %s/missing.conf: No such file or directory", tmpdir, tmpdir);
	file_err_full(m, want);
	free(m);
	/* An error inside an included file names that file and its line. */
	free(write_file("sub/bad.conf", "# one\n# two\nrule \"r\" { match any; threshold 3 in soon }\n"));
	free(write_file("sub/mid.conf", "include \"bad.conf\"\n"));
	m = write_file("m2.conf", "include \"sub/mid.conf\"\n");
	file_err(m, "sub/bad.conf:3: expected a duration like 30s, got 'soon'");
	free(m);
	/* Through a glob, too. */
	free(write_file("g.d/x.conf", "hostname a\n"));
	free(write_file("g.d/y.conf", "\nhostname b\n"));
	m = write_file("m3.conf", "include \"g.d/*\"\n");
	xasprintf(&want, "%s/g.d/y.conf:2: hostname already set at %s/g.d/x.conf:1", tmpdir, tmpdir);
	file_err_full(m, want);
	free(m);
	/* A file that includes itself stops at the depth limit. */
	m = write_file("loop.conf", "include \"loop.conf\"\n");
	file_err(m, "loop.conf:1: includes nested more than 16 deep");
	free(m);
	m = write_file("dir.conf", "include \"sub\"\n");
	xasprintf(&want, "%s/dir.conf:1: cannot include %s/sub: not a regular file", tmpdir, tmpdir);
	file_err_full(m, want);
	free(m);
}
END_TEST

START_TEST(test_missing_main_file)
{
	struct conf *conf;
	char *cause = NULL;

	ck_assert_int_eq(conf_load("/nonexistent/triaged.conf", &conf, &cause), -ENOENT);
	ck_assert_str_eq(cause, "/nonexistent/triaged.conf: No such file or directory");
	ck_assert_ptr_null(conf);
	free(cause);
}
END_TEST

/*
 * An alertmanager upstream: one outbox queue per peer, each POSTing to its
 * /api/v2/alerts; the defaults; CONF_AM_PEERS_MAX peers and not one more.
 */
START_TEST(test_upstream_alertmanager)
{
	struct conf *conf = load_ok("upstream \"am\" alertmanager {\n"
	    " url \"http://am1:9093\" \"http://am2:9093/\"\n"
	    " heartbeat every 30s\n}\n"
	    "upstream \"am2\" alertmanager { url \"https://am.example\"; resend 20s; "
	    "resend-resolved 10s }\n");
	const struct conf_upstream *u = conf_upstream_find(conf, "am");
	char *text = xstrdup("upstream a alertmanager { url"), *grown;

	ck_assert_int_eq(u->kind, UPSTREAM_ALERTMANAGER);
	ck_assert_uint_eq(u->nqueues, 2);
	ck_assert_str_eq(u->queues[0], "am@http://am1:9093");
	ck_assert_str_eq(u->queues[1], "am@http://am2:9093/");
	ck_assert_str_eq(u->urls[0], "http://am1:9093/api/v2/alerts");
	ck_assert_str_eq(u->urls[1], "http://am2:9093/api/v2/alerts");
	ck_assert_int_eq(u->resend, 60 * USEC_PER_SEC);
	ck_assert_int_eq(u->resend_resolved, 300 * USEC_PER_SEC);
	ck_assert(u->heartbeat_watchdog);
	ck_assert_int_eq(u->heartbeat_every, 30 * USEC_PER_SEC);
	ck_assert_ptr_null(u->heartbeat_url);
	u = conf_upstream_find(conf, "am2");
	ck_assert_int_eq(u->resend, 20 * USEC_PER_SEC);
	ck_assert_int_eq(u->resend_resolved, 10 * USEC_PER_SEC);
	ck_assert(!u->heartbeat_watchdog);
	/* Other kinds: one queue, their own name. */
	conf_free(conf);
	conf = load_ok("upstream \"w\" webhook { url \"http://h/x\" }\n");
	ck_assert_uint_eq(conf->upstreams[0].nqueues, 1);
	ck_assert_str_eq(conf->upstreams[0].queues[0], "w");
	ck_assert_str_eq(conf->upstreams[0].urls[0], "http://h/x");
	conf_free(conf);

	for (int i = 0; i < CONF_AM_PEERS_MAX; i++) {
		xasprintf(&grown, "%s \"http://am%d:9093\"", text, i);
		free(text);
		text = grown;
	}
	xasprintf(&grown, "%s }\n", text);
	conf_free(load_ok(grown));
	free(grown);
	xasprintf(&grown, "%s \"http://one-more:9093\" }\n", text);
	load_err(grown, "1: url lists more than 16 peers");
	free(grown);
	free(text);
	load_err("upstream a alertmanager { url \"ftp://x\" }\n",
	    "1: url must start with http:// or https://, got \"ftp://x\"");
}
END_TEST

START_TEST(test_upstream)
{
	struct conf *conf;
	const struct conf_upstream *u;
	char *m, *cause = NULL;

	free(write_file("keys/full.key", "full-key\n"));
	m = write_file("etc/main.conf",
	    "upstream \"pd\" pagerduty {\n routing-key-file \"../pd.key\"\n}\n"
	    "upstream full pagerduty\n{\n"
	    "  url \"http://127.0.0.1:8080/v2/enqueue\"\n"
	    "  routing-key-file \"../keys/full.key\"\n"
	    "  ca-file \"../keys/full.key\"\n"
	    "  timeout 3s; connect-timeout 500ms\n"
	    "  backoff-initial 2s; backoff-max 1h\n"
	    "  rate-limit 60 per minute\n"
	    "  client \"edge-01\"; client-url \"https://edge-01.example/\"\n"
	    "  send-resolved-undelivered yes\n"
	    "}\n"
	    "upstream off pagerduty { routing-key-file \"../pd.key\"; rate-limit off }\n");
	ck_assert_msg(conf_load(m, &conf, &cause) == 0, "%s", cause ? cause : "?");
	ck_assert_uint_eq(conf->nupstreams, 3);

	u = conf_upstream_find(conf, "pd");
	ck_assert_ptr_eq(u, &conf->upstreams[0]);
	ck_assert_str_eq(u->name, "pd");
	ck_assert_int_eq(u->kind, UPSTREAM_PAGERDUTY);
	ck_assert_str_eq(u->url, CONF_DEFAULT_PD_URL);
	ck_assert_str_eq(u->routing_key, KEY); /* trailing white space stripped */
	ck_assert_ptr_null(u->ca_file);
	ck_assert_int_eq(u->timeout, 10 * USEC_PER_SEC);
	ck_assert_int_eq(u->connect_timeout, 5 * USEC_PER_SEC);
	ck_assert_int_eq(u->backoff_initial, USEC_PER_SEC);
	ck_assert_int_eq(u->backoff_max, 300 * USEC_PER_SEC);
	ck_assert_uint_eq(u->rate_per_minute, 120);
	ck_assert_str_eq(u->client, "triaged");
	ck_assert_ptr_null(u->client_url);
	ck_assert(!u->send_resolved_undelivered);
	ck_assert_str_eq(u->file, m);
	ck_assert_int_eq(u->line, 1);

	u = conf_upstream_find(conf, "full");
	ck_assert_ptr_eq(u, &conf->upstreams[1]);
	ck_assert_int_eq(u->line, 4);
	ck_assert_str_eq(u->url, "http://127.0.0.1:8080/v2/enqueue");
	ck_assert_str_eq(u->routing_key, "full-key");
	ck_assert_str_eq(u->ca_file, fmt("%s/etc/../keys/full.key", tmpdir));
	ck_assert_int_eq(u->timeout, 3 * USEC_PER_SEC);
	ck_assert_int_eq(u->connect_timeout, 500 * USEC_PER_MSEC);
	ck_assert_int_eq(u->backoff_initial, 2 * USEC_PER_SEC);
	ck_assert_int_eq(u->backoff_max, 3600 * USEC_PER_SEC);
	ck_assert_uint_eq(u->rate_per_minute, 60);
	ck_assert_str_eq(u->client, "edge-01");
	ck_assert_str_eq(u->client_url, "https://edge-01.example/");
	ck_assert(u->send_resolved_undelivered);

	ck_assert_uint_eq(conf_upstream_find(conf, "off")->rate_per_minute, 0);
	ck_assert_ptr_null(conf_upstream_find(conf, "PD"));
	ck_assert_ptr_null(conf_upstream_find(conf, ""));
	conf_free(conf);
	free(m);
}
END_TEST

START_TEST(test_upstream_credential)
{
	const char *text = "upstream pd pagerduty {\n routing-key-credential \"pd.key\"\n}\n";
	struct conf *conf;

	unsetenv("CREDENTIALS_DIRECTORY");
	load_err(text, "2: routing-key-credential needs systemd's CREDENTIALS_DIRECTORY "
		       "(LoadCredential=)");
	setenv("CREDENTIALS_DIRECTORY", "", 1);
	load_err(text, "2: routing-key-credential needs systemd's CREDENTIALS_DIRECTORY "
		       "(LoadCredential=)");
	setenv("CREDENTIALS_DIRECTORY", tmpdir, 1);
	conf = load_ok(text);
	ck_assert_str_eq(conf->upstreams[0].routing_key, KEY);
	conf_free(conf);
	load_err("upstream pd pagerduty { routing-key-credential nope }\n",
	    fmt("1: cannot read routing key credential %s/nope: No such file or directory",
		tmpdir));
	free(write_file("blank", "\n\n"));
	load_err("upstream pd pagerduty { routing-key-credential blank }\n",
	    fmt("1: routing key credential %s/blank is empty", tmpdir));
	load_err("upstream pd pagerduty { routing-key-credential \"../pd.key\" }\n",
	    "1: routing-key-credential must be a file name without '/', got \"../pd.key\"");
	load_err("upstream pd pagerduty { routing-key-credential .. }\n",
	    "1: routing-key-credential must be a file name without '/', got '..'");
	load_err("upstream pd pagerduty { routing-key-credential \"\" }\n",
	    "1: routing-key-credential must be a file name without '/', got \"\"");
	unsetenv("CREDENTIALS_DIRECTORY");
}
END_TEST

START_TEST(test_upstream_key_errors)
{
	const char *pd = fmt("routing-key-file \"%s/pd.key\"", tmpdir);
	char cwd[PATH_MAX];
	char *big = xmalloc(2048);

	load_err("upstream pd pagerduty {\n url \"https://x\"\n}\n",
	    "1: upstream 'pd' needs routing-key-file or routing-key-credential");
	load_err(fmt("upstream pd pagerduty {\n %s\n routing-key-credential pd\n}\n", pd),
	    "3: upstream 'pd' needs routing-key-file or routing-key-credential, not both");
	setenv("CREDENTIALS_DIRECTORY", tmpdir, 1);
	load_err(fmt("upstream pd pagerduty {\n routing-key-credential pd.key\n %s\n}\n", pd),
	    "3: upstream 'pd' needs routing-key-file or routing-key-credential, not both");
	unsetenv("CREDENTIALS_DIRECTORY");
	load_err(fmt("upstream pd pagerduty {\n %s\n\n %s\n}\n", pd, pd),
	    "4: duplicate 'routing-key-file' in upstream 'pd' (first at line 2)");
	load_err(fmt("upstream pd pagerduty { routing-key-file \"%s/nokey\" }\n", tmpdir),
	    fmt("1: cannot read routing key file %s/nokey: No such file or directory", tmpdir));
	/* Relative to the directory of the file; a buffer's name has none: the current one. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	load_err("upstream pd pagerduty { routing-key-file nokey.key }\n",
	    fmt("1: cannot read routing key file %s/nokey.key: No such file or directory", cwd));
	load_err(fmt("upstream pd pagerduty { routing-key-file \"%s\" }\n", tmpdir),
	    fmt("1: cannot read routing key file %s: not a regular file", tmpdir));
	load_err("upstream pd pagerduty { routing-key-file \"\" }\n",
	    "1: routing-key-file must not be empty");
	free(write_file("empty.key", " \t\n\n"));
	load_err(fmt("upstream pd pagerduty { routing-key-file \"%s/empty.key\" }\n", tmpdir),
	    fmt("1: routing key file %s/empty.key is empty", tmpdir));
	/* Two keys, or one with a space: refused without quoting either. */
	free(write_file("two.key", KEY "\n" KEY "\n"));
	load_err(fmt("upstream pd pagerduty { routing-key-file \"%s/two.key\" }\n", tmpdir),
	    fmt("1: routing key file %s/two.key must hold one key of printable characters",
		tmpdir));
	free(write_file("space.key", "SECRET PART\n"));
	load_err(fmt("upstream pd pagerduty { routing-key-file \"%s/space.key\" }\n", tmpdir),
	    fmt("1: routing key file %s/space.key must hold one key of printable characters",
		tmpdir));
	memset(big, 'S', 1025);
	big[1025] = '\0';
	free(write_file("big.key", big));
	load_err(fmt("upstream pd pagerduty { routing-key-file \"%s/big.key\" }\n", tmpdir),
	    fmt("1: routing key file %s/big.key is larger than 1024 bytes", tmpdir));
	big[1024] = '\n'; /* 1024 bytes and a newline are fine */
	free(write_file("big.key", big));
	conf_free(load_ok(fmt("upstream pd pagerduty { routing-key-file \"%s/big.key\" }\n",
	    tmpdir)));
	free(big);
}
END_TEST

START_TEST(test_upstream_errors)
{
	const char *pd = fmt("routing-key-file \"%s/pd.key\"", tmpdir);
	char *many = NULL, *tmp, *long_url;

	/* The key is read before the url is checked: the message must not carry it. */
	load_err(fmt("upstream pd pagerduty {\n %s\n url \"ftp://x\"\n}\n", pd),
	    "3: url must start with http:// or https://, got \"ftp://x\"");
	load_err(fmt("upstream pd pagerduty { %s; url https:// }\n", pd),
	    "1: url has no host, got 'https://'");
	load_err(fmt("upstream pd pagerduty { %s; url \"https://a b\" }\n", pd),
	    "1: url must not contain spaces or control characters, got \"https://a b\"");
	load_err(fmt("upstream pd pagerduty { %s; client-url mailto:x }\n", pd),
	    "1: client-url must start with http:// or https://, got 'mailto:x'");
	load_err(fmt("upstream pd pagerduty {\n %s\n url http://a\n url http://b\n}\n", pd),
	    "4: duplicate 'url' in upstream 'pd' (first at line 3)");
	load_err("upstream pd opsgenie { }\n",
	    "1: unknown upstream kind 'opsgenie'; expected pagerduty, webhook or alertmanager");
	load_err("upstream pd\n", "1: unknown upstream kind end of line; expected pagerduty, webhook or alertmanager");
	load_err("upstream \"\" pagerduty { }\n", "1: an upstream name must have 1 to 127 bytes");
	load_err(fmt("%s\n%s", upstream("pd"), upstream("pd")),
	    "3: duplicate upstream name 'pd' (first at test.conf:1)");
	for (int i = 0; i <= 64; i++) {
		xasprintf(&tmp, "%s%s", many ? many : "", upstream(fmt("u%d", i)));
		free(many);
		many = tmp;
	}
	load_err(many, "65: more than 64 upstreams");
	free(many);
	load_err(fmt("upstream pd pagerduty { %s; timeout 0s }\n", pd),
	    "1: timeout must be at least 1ms, got '0s'");
	load_err(fmt("upstream pd pagerduty { %s; connect-timeout 2h }\n", pd),
	    "1: connect-timeout must be at most 1h, got '2h'");
	load_err(fmt("upstream pd pagerduty { %s; backoff-max 2d }\n", pd),
	    "1: backoff-max must be at most 1d, got '2d'");
	load_err(fmt("upstream pd pagerduty { %s; backoff-initial soon }\n", pd),
	    "1: expected a duration like 30s, got 'soon'");
	load_err(fmt("upstream pd pagerduty {\n %s\n backoff-initial 10m\n}\n", pd),
	    "3: backoff-initial 10m is longer than backoff-max 5m");
	load_err(fmt("upstream pd pagerduty {\n %s\n backoff-initial 1m\n backoff-max 30s\n}\n",
		     pd),
	    "4: backoff-initial 1m is longer than backoff-max 30s");
	load_err(fmt("upstream pd pagerduty { %s; rate-limit 120 per hour }\n", pd),
	    "1: expected 'per minute' as in \"rate-limit 120 per minute\", got 'hour'");
	load_err(fmt("upstream pd pagerduty {\n %s\n rate-limit 120\n}\n", pd),
	    "3: expected 'per minute' as in \"rate-limit 120 per minute\", got end of line");
	load_err(fmt("upstream pd pagerduty { %s; rate-limit 0 per minute }\n", pd),
	    "1: rate-limit must be between 1 and 1024, got '0'");
	load_err(fmt("upstream pd pagerduty { %s; rate-limit 1025 per minute }\n", pd),
	    "1: rate-limit must be between 1 and 1024, got '1025'");
	load_err(fmt("upstream pd pagerduty { %s; rate-limit fast }\n", pd),
	    "1: expected a number, got 'fast'");
	load_err(fmt("upstream pd pagerduty { %s; client \"\" }\n", pd),
	    "1: client must have 1 to 255 bytes");
	long_url = xmalloc(2048);
	memset(long_url, 'a', 1100);
	long_url[1100] = '\0';
	load_err(fmt("upstream pd pagerduty { %s; client-url \"https://%s\" }\n", pd, long_url),
	    "1: client-url must have at most 1024 bytes");
	free(long_url);
	load_err(fmt("upstream pd pagerduty { %s; ca-file \"%s/none.pem\" }\n", pd, tmpdir),
	    fmt("1: cannot read ca-file %s/none.pem: No such file or directory", tmpdir));
	load_err(fmt("upstream pd pagerduty { %s; send-resolved-undelivered maybe }\n", pd),
	    "1: send-resolved-undelivered takes yes or no, got 'maybe'");
	load_err(fmt("upstream pd pagerduty { %s; token x }\n", pd),
	    "1: unknown keyword 'token', expected one of: backoff-initial, backoff-max, ca-file, "
	    "client, client-url, connect-timeout, heartbeat, rate-limit, routing-key-credential, "
	    "routing-key-file, send-resolved-undelivered, timeout, url");
	load_err(fmt("upstream pd pagerduty {\n %s\n", pd),
	    "3: unexpected end of file in upstream (opened at line 1), expected '}'");
}
END_TEST

START_TEST(test_send)
{
	struct conf *conf = load_ok(fmt(
	    "default send \"am\"\n"
	    "rule disk {\n"
	    "  match message ~ \"I/O error, dev (?<dev>\\\\S+)\"\n"
	    "  send \"pd\" am\n"
	    "  component \"{dev}\"; group \"{host}\"; class \"disk/{program}\"\n"
	    "}\n"
	    "rule quiet { match any }\n"
	    "%s%s",
	    upstream("am"), upstream("pd")));
	const struct rule *r = conf->rules[0];

	ck_assert_int_eq(conf->default_action, CONF_DEFAULT_KEEP);
	ck_assert_uint_eq(conf->ndefault_send, 1);
	ck_assert_uint_eq(conf->default_send[0], 0);
	ck_assert_uint_eq(r->nsend, 2);
	ck_assert_uint_eq(r->send[0], 1); /* in the order written */
	ck_assert_uint_eq(r->send[1], 0);
	ck_assert_str_eq(conf->upstreams[r->send[0]].name, "pd");
	ck_assert_str_eq(r->component->source, "{dev}");
	ck_assert_str_eq(r->group->source, "{host}");
	ck_assert_str_eq(r->class_->source, "disk/{program}");
	r = conf->rules[1];
	ck_assert_uint_eq(r->nsend, 0);
	ck_assert_ptr_null(r->send);
	ck_assert_ptr_null(r->component);
	ck_assert_ptr_null(r->group);
	ck_assert_ptr_null(r->class_);
	conf_free(conf);

	conf = load_ok(fmt("%sdefault send pd\n", upstream("pd")));
	ck_assert_uint_eq(conf->ndefault_send, 1);
	conf_free(conf);
}
END_TEST

START_TEST(test_send_errors)
{
	char *many = xstrdup("rule x { match any; send"), *tmp;

	load_err("rule x {\n match any\n send y\n}\n", "3: rule 'x' sends to unknown upstream 'y'");
	load_err(fmt("rule x { match any; send pd }\nrule y {\n match any\n send pd z\n}\n%s",
		     upstream("pd")),
	    "4: rule 'y' sends to unknown upstream 'z'");
	load_err(fmt("\ndefault send a pd\n%s", upstream("pd")),
	    "2: default sends to unknown upstream 'a'");
	load_err("rule x { match any; send a a }\n", "1: send names upstream 'a' twice");
	load_err("rule x { match any; send\n}\n", "1: expected an upstream name, got end of line");
	load_err("rule x { match any; send { }\n", "1: expected an upstream name, got '{'");
	load_err("rule x {\n match any\n send a\n send b\n}\n",
	    "4: duplicate 'send' in rule 'x' (first at line 3)");
	for (int i = 0; i <= 64; i++) {
		xasprintf(&tmp, "%s u%d", many, i);
		free(many);
		many = tmp;
	}
	load_err(many, "1: send names more than 64 upstreams");
	free(many);
	/* Checked before names are resolved. */
	load_err("rule x {\n match any\n drop\n send pd\n}\n",
	    "4: rule 'x' drops what it matches, so it cannot have send");
	load_err("rule x { match any; drop; component c }\n",
	    "1: rule 'x' drops what it matches, so it cannot have component");
	load_err("rule x { match any; drop; group g }\n",
	    "1: rule 'x' drops what it matches, so it cannot have group");
	load_err("rule x { match any; class c; drop }\n",
	    "1: rule 'x' drops what it matches, so it cannot have class");
	load_err("rule x {\n match any\n class \"{nope}\"\n}\n",
	    "3: unknown field '{nope}' in class template");
	load_err("rule x {\n match any\n\n component \"{a\"\n}\n",
	    "4: unterminated '{' at offset 0 in component template");
	load_err("rule x { match any; group \"}\" }\n",
	    "1: unmatched '}' at offset 0 in group template");
	load_err("rule x { match any; group\n}\n", "1: expected a group template, got end of line");
	load_err("rule x { match any; group a; group b }\n",
	    "1: duplicate 'group' in rule 'x' (first at line 1)");
}
END_TEST

/* Upstreams may come after the rules that use them, in the same file or in an include. */
START_TEST(test_send_include)
{
	struct conf *conf;
	char *m, *cause = NULL;

	free(write_file("conf.d/up.conf",
	    "upstream \"inc\" pagerduty {\n routing-key-file \"../pd.key\"\n}\n"));
	m = write_file("main.conf", "rule r { match any; send inc }\n"
				    "include \"conf.d/*.conf\"\n"
				    "default send inc\n");
	ck_assert_msg(conf_load(m, &conf, &cause) == 0, "%s", cause ? cause : "?");
	ck_assert_uint_eq(conf->nupstreams, 1);
	ck_assert_str_eq(conf->upstreams[0].routing_key, KEY);
	ck_assert_str_eq(conf->upstreams[0].file, fmt("%s/conf.d/up.conf", tmpdir));
	ck_assert_uint_eq(conf->rules[0]->nsend, 1);
	ck_assert_uint_eq(conf->rules[0]->send[0], 0);
	ck_assert_uint_eq(conf->ndefault_send, 1);
	conf_free(conf);
	free(m);

	/* An unknown name is reported where the send is, in the included file. */
	free(write_file("sub/r.conf", "\nrule r {\n match any\n send nothere\n}\n"));
	m = write_file("m2.conf", "include \"sub/r.conf\"\n");
	file_err(m, "sub/r.conf:4: rule 'r' sends to unknown upstream 'nothere'");
	free(m);
	/* An error in an included upstream names that file. */
	free(write_file("sub/u.conf",
	    "upstream u pagerduty {\n routing-key-file missing.key\n}\n"));
	m = write_file("m3.conf", "include \"sub/u.conf\"\n");
	file_err(m, fmt("sub/u.conf:2: cannot read routing key file %s/sub/missing.key: No such "
			"file or directory",
			tmpdir));
	free(m);
}
END_TEST

START_TEST(test_example_config)
{
	struct conf *conf;
	char *cause = NULL;
	int r = conf_load(TEST_DATA_DIR "/../../etc/triaged.conf", &conf, &cause);

	ck_assert_msg(r == 0, "etc/triaged.conf: %s", cause ? cause : "?");
	/* ./var of the source tree, taken from the file's directory. */
	ck_assert_str_eq(conf->state_dir, TEST_DATA_DIR "/../../etc/../var");
	ck_assert_uint_eq(conf->nlistens, 4);
	ck_assert_uint_eq(conf->nrules, 6);
	ck_assert_str_eq(conf->rules[0]->name, "cron chatter");
	ck_assert(conf->rules[0]->drop);
	ck_assert_str_eq(conf->rules[2]->name, "interface down");
	ck_assert_ptr_nonnull(conf->rules[2]->resolve_on);
	ck_assert_int_eq(conf->rules[2]->hold, 30 * USEC_PER_SEC);
	ck_assert_uint_eq(conf->rules[2]->flap_cycles, 3);
	ck_assert_uint_eq(conf->rules[1]->threshold, 5);
	ck_assert_int_eq(conf->default_action, CONF_DEFAULT_DROP);
	conf_free(conf);
}
END_TEST

START_TEST(test_tcp_limits)
{
	struct conf *conf = load_ok(
	    "listen syslog tcp 127.0.0.1:514\n"
	    "listen syslog tcp 127.0.0.1:515 {\n idle-timeout 30s\n"
	    " max-connections-per-source 100\n}\n"
	    "listen syslog tcp 127.0.0.1:516 { idle-timeout off; max-connections 8 }\n"
	    "listen syslog tcp 127.0.0.1:517 { idle-timeout 0; max-connections 64;"
	    " max-connections-per-source 64 }\n"
	    "listen syslog udp 127.0.0.1:514\n");
	const struct conf_listen *l = conf->listens;

	ck_assert_int_eq(l[0].idle_timeout, CONF_DEFAULT_IDLE_TIMEOUT);
	ck_assert_int_eq(l[0].idle_timeout, 600 * USEC_PER_SEC);
	ck_assert_uint_eq(l[0].max_per_source, CONF_DEFAULT_MAX_PER_SOURCE);
	ck_assert_uint_eq(l[0].max_per_source, 32);
	ck_assert_int_eq(l[1].idle_timeout, 30 * USEC_PER_SEC);
	ck_assert_uint_eq(l[1].max_per_source, 100);
	ck_assert_int_eq(l[2].idle_timeout, 0);
	ck_assert_uint_eq(l[2].max_per_source, 8); /* the default never exceeds max-connections */
	ck_assert_int_eq(l[3].idle_timeout, 0);
	ck_assert_uint_eq(l[3].max_per_source, 64);
	ck_assert_int_eq(l[4].idle_timeout, 0); /* UDP has no connections */
	ck_assert_uint_eq(l[4].max_per_source, 0);
	conf_free(conf);
}
END_TEST

START_TEST(test_tcp_limit_errors)
{
	load_err("listen syslog tcp *:514 {\n max-connections 10\n"
		 " max-connections-per-source 20\n}\n",
	    "1: max-connections-per-source 20 is more than max-connections 10");
	load_err("listen syslog tcp *:514 { max-connections-per-source 2000 }\n",
	    "1: max-connections-per-source 2000 is more than max-connections 1024");
	load_err("listen syslog tcp *:514 {\n max-connections-per-source 0\n}\n",
	    "2: max-connections-per-source must be between 1 and 65536, got '0'");
	load_err("listen syslog tcp *:514 { max-connections-per-source -1 }\n",
	    "1: max-connections-per-source must be between 1 and 65536, got '-1'");
	load_err("listen syslog tcp *:514 { max-connections-per-source 70000 }\n",
	    "1: max-connections-per-source must be between 1 and 65536, got '70000'");
	load_err("listen syslog tcp *:514 { max-connections-per-source many }\n",
	    "1: expected a number, got 'many'");
	load_err("listen syslog tcp *:514 {\n\n idle-timeout soon\n}\n",
	    "3: expected a duration like 30s, got 'soon'");
	load_err("listen syslog tcp *:514 { idle-timeout -5s }\n",
	    "1: expected a duration like 30s, got '-5s'");
	load_err("listen syslog tcp *:514 { idle-timeout 500ms }\n",
	    "1: idle-timeout must be 0 (off) or from 1s to 7d, got '500ms'");
	load_err("listen syslog tcp *:514 { idle-timeout 8d }\n",
	    "1: idle-timeout must be 0 (off) or from 1s to 7d, got '8d'");
	load_err("listen syslog tcp *:514 { idle-timeout }\n",
	    "1: expected a duration like 30s, got '}'");
	load_err("listen syslog udp *:514 { idle-timeout 1m }\n",
	    "1: unknown keyword 'idle-timeout', expected one of: charset, max-message, name, rcvbuf");
	load_err("listen syslog unix /run/log { max-connections-per-source 1 }\n",
	    "1: unknown keyword 'max-connections-per-source', expected one of: charset, max-message, name");
}
END_TEST

START_TEST(test_listen_tls_errors)
{
	const char *files = "certificate \"/nonexistent/c.pem\"; key \"/nonexistent/k.pem\"";
	char *text;

	load_err("listen syslog tls *:6514\n", "1: a tls listener needs certificate and key");
	load_err("listen syslog tls *:6514 { key \"k.pem\" }\n",
	    "1: a tls listener needs certificate and key");
	load_err("listen syslog tls *:6514 {\n certificate \"a\"\n certificate \"b\"\n}\n",
	    "3: certificate given twice");
	load_err("listen syslog tls *:6514 { verify-peer maybe }\n",
	    "1: verify-peer must be none, optional or required, got 'maybe'");
	load_err("listen syslog tls *:6514 { handshake-timeout 2m }\n",
	    "1: handshake-timeout must be from 1s to 1m");
	load_err("listen syslog tls *:6514 { allowed-names \"\" }\n",
	    "1: an allowed name must be a DNS name of 1 to 253 bytes");
	load_err("listen syslog udp *:6514 { verify-peer none }\n",
	    "1: unknown keyword 'verify-peer', expected one of: charset, max-message, name, rcvbuf");
	load_err("listen syslog tcp *:6514\nlisten syslog tls *:6514\n",
	    "2: duplicate listen address *:6514 (first at test.conf:1)");
	xasprintf(&text, "listen syslog tls *:6514 {\n %s\n}\n", files);
	load_err(text, "1: cannot read certificate /nonexistent/c.pem: No such file or directory");
	free(text);
	xasprintf(&text, "listen syslog tls *:6514 { %s; verify-peer required }\n", files);
	load_err(text, "1: verify-peer required needs ca");
	free(text);
	xasprintf(&text, "listen syslog tls *:6514 { %s; allowed-names a.example b.example }\n",
	    files);
	load_err(text, "1: allowed-names needs verify-peer optional or required");
	free(text);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_lex_tokens);
	tcase_add_test(tc, test_lex_limits);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_settings);
	tcase_add_test(tc, test_listen);
	tcase_add_test(tc, test_listen_unix_relative);
	tcase_add_test(tc, test_listen_errors);
	tcase_add_test(tc, test_listen_tls_errors);
	tcase_add_test(tc, test_setting_errors);
	tcase_add_test(tc, test_control_groups);
	tcase_add_test(tc, test_rule_statements);
	tcase_add_test(tc, test_flap_statement);
	tcase_add_test(tc, test_group_by_statement);
	tcase_add_test(tc, test_retention);
	tcase_add_test(tc, test_expressions);
	tcase_add_test(tc, test_rule_errors);
	tcase_add_test(tc, test_expression_limits);
	tcase_add_test(tc, test_resolve_on);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_peek_control_socket);
	tcase_add_test(tc, test_include_error_locations);
	tcase_add_test(tc, test_relative_paths);
	tcase_add_test(tc, test_missing_main_file);
	tcase_add_test(tc, test_upstream);
	tcase_add_test(tc, test_upstream_alertmanager);
	tcase_add_test(tc, test_upstream_credential);
	tcase_add_test(tc, test_upstream_key_errors);
	tcase_add_test(tc, test_upstream_errors);
	tcase_add_test(tc, test_send);
	tcase_add_test(tc, test_send_errors);
	tcase_add_test(tc, test_send_include);
	tcase_add_test(tc, test_example_config);
	tcase_add_test(tc, test_tcp_limits);
	tcase_add_test(tc, test_tcp_limit_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(conf_suite());
}
