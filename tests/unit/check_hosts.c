/*
 * check_hosts.c - host aliases: `host` blocks read from the config (and
 * their file:line errors), lookups by name without case and by address in
 * either spelling, and events given their device's canonical name with the
 * original kept for rules and templates.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "conf.h"
#include "event.h"
#include "hosts.h"
#include "rules.h"

#include "conf_load.h"

static const char sw2[] = "host \"sw2\" {\n"
			  "  address 192.0.2.12 198.51.100.7\n"
			  "  name \"sw2.example.net\" \"sw2-mgmt\"\n"
			  "  address 2001:db8::12\n"
			  "}\n"
			  "host sw3 { name SW3.Example.Net; address 192.0.2.13 }\n";

static const char *
canon(const struct conf *c, const char *s)
{
	return hosts_canonical(c->hosts, s, strlen(s));
}

START_TEST(test_parse)
{
	struct conf *c = load(sw2);

	ck_assert_uint_eq(host_map_count(c->hosts), 2);
	ck_assert_str_eq(host_map_get(c->hosts, 0)->name, "sw2");
	ck_assert_str_eq(host_map_get(c->hosts, 0)->file, "t.conf");
	ck_assert_int_eq(host_map_get(c->hosts, 1)->line, 6);
	ck_assert_str_eq(canon(c, "sw2"), "sw2");
	ck_assert_str_eq(canon(c, "SW2"), "sw2");
	ck_assert_str_eq(canon(c, "sw2.example.net"), "sw2");
	ck_assert_str_eq(canon(c, "Sw2-Mgmt"), "sw2");
	ck_assert_str_eq(canon(c, "192.0.2.12"), "sw2");
	ck_assert_str_eq(canon(c, "198.51.100.7"), "sw2");
	ck_assert_str_eq(canon(c, "::ffff:192.0.2.12"), "sw2");
	ck_assert_str_eq(canon(c, "2001:DB8:0::12"), "sw2");
	ck_assert_str_eq(canon(c, "sw3.example.net"), "sw3");
	ck_assert_str_eq(canon(c, "192.0.2.13"), "sw3");
	ck_assert_ptr_null(canon(c, "sw4"));
	ck_assert_ptr_null(canon(c, "sw2."));
	ck_assert_ptr_null(canon(c, "192.0.2.14"));
	ck_assert_ptr_null(canon(c, ""));
	ck_assert_str_eq(hosts_canonical(c->hosts, "sw2-mgmt", 3), "sw2"); /* not NUL-ended */
	conf_free(c);
	c = load("hostname h\n");
	ck_assert_ptr_null(c->hosts);
	ck_assert_ptr_null(canon(c, "h"));
	conf_free(c);
}
END_TEST

START_TEST(test_errors)
{
	load_fails("host a { name b }\nhost c {\n name x\n name B\n}\n",
	    "t.conf:4: 'B' is already an alias of host 'a' (t.conf:1)");
	load_fails("host a { address 192.0.2.1 }\n\nhost c { address ::ffff:192.0.2.1 }\n",
	    "t.conf:3: '::ffff:192.0.2.1' is already an alias of host 'a' (t.conf:1)");
	load_fails("host a { }\nhost A { }\n", "t.conf:2: 'A' is already an alias of host 'a'");
	load_fails("host a { name b }\nhost b { }\n", "t.conf:2: 'b' is already an alias of host 'a'");
	load_fails("host a { address 10.0.0.0/8 }\n",
	    "t.conf:1: address '10.0.0.0/8' is not an IPv4 or IPv6 address (one address, no prefix)");
	load_fails("host a { address sw2 }\n", "1: address 'sw2' is not an IPv4 or IPv6 address");
	load_fails("host a { address }\n", "1: expected an address, got '}'");
	load_fails("host a {\n name\n}\n", "2: expected a host name, got end of line");
	load_fails("host a { name \"b c\" }\n",
	    "1: name must be 1 to 255 printable characters without spaces");
	load_fails("host \"\" { }\n", "1: host name must be 1 to 255 printable characters");
	load_fails("host { }\n", "1: expected a host name, got '{'");
	load_fails("host a\n", "expected '{', got end of file");
	load_fails("host a { colour red }\n",
	    "1: unknown keyword 'colour', expected one of: address, name");
	/* The same alias twice in one block is no clash. */
	struct conf *c = load("host a { name b B; address 192.0.2.1 ::ffff:192.0.2.1 }\n");
	ck_assert_str_eq(canon(c, "b"), "a");
	conf_free(c);
}
END_TEST

/* Enough aliases to grow the table several times; every one still found. */
START_TEST(test_many)
{
	struct host_map *m = host_map_new();
	char name[64];
	size_t owner;

	for (int h = 0; h < 200; h++) {
		snprintf(name, sizeof(name), "dev%d", h);
		size_t idx = host_map_add_host(m, name, "f", h + 1);
		ck_assert_int_eq(host_map_add(m, idx, name, &owner), 0);
		snprintf(name, sizeof(name), "10.0.%d.%d", h / 100, h % 100);
		ck_assert_int_eq(host_map_add(m, idx, name, &owner), 0);
	}
	ck_assert_int_eq(host_map_add(m, 3, "DEV7", &owner), -EEXIST);
	ck_assert_uint_eq(owner, 7);
	ck_assert_int_eq(host_map_add(m, 3, "", &owner), -EINVAL);
	for (int h = 0; h < 200; h++) {
		char want[32];
		snprintf(want, sizeof(want), "dev%d", h);
		snprintf(name, sizeof(name), "10.0.%d.%d", h / 100, h % 100);
		ck_assert_str_eq(hosts_canonical(m, name, strlen(name)), want);
		ck_assert_str_eq(hosts_canonical(m, want, strlen(want)), want);
	}
	host_map_free(m);
	host_map_free(NULL);
}
END_TEST

static struct event ev;

static void
from(const char *host, int family, const char *addr)
{
	event_reset(&ev, 256);
	ev.host = str_make(host, strlen(host));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ev.src;
		sin->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ev.src;
		sin6->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
	}
}

static void
assert_get(const char *name, const char *want)
{
	struct str v;

	ck_assert_int_eq(event_get(&ev, str_make(name, strlen(name)), &v), 0);
	ck_assert_msg(str_eq_cstr(v, want), "%s = '%.*s', want '%s'", name, (int)v.n, v.p, want);
}

START_TEST(test_apply)
{
	struct conf *c = load(sw2);

	from("SW2.example.net", AF_INET, "203.0.113.1"); /* by name, relayed */
	hosts_apply(c->hosts, &ev);
	assert_get("host", "sw2");
	assert_get("original-host", "SW2.example.net");
	from("192.0.2.12", AF_INET, "192.0.2.12"); /* a trap: host is the agent */
	hosts_apply(c->hosts, &ev);
	assert_get("host", "sw2");
	assert_get("original-host", "192.0.2.12");
	from("Switch", AF_INET6, "::ffff:198.51.100.7"); /* an unknown name: by sender */
	hosts_apply(c->hosts, &ev);
	assert_get("host", "sw2");
	assert_get("original-host", "Switch");
	from("sw3", AF_INET, "192.0.2.12"); /* a known name wins over the sender */
	hosts_apply(c->hosts, &ev);
	assert_get("host", "sw3");
	ck_assert_uint_eq(ev.nfields, 0); /* already canonical: nothing to keep */
	assert_get("original-host", "sw3");
	from("web1", AF_INET, "192.0.2.99");
	hosts_apply(c->hosts, &ev);
	assert_get("host", "web1");
	assert_get("original-host", "web1");
	from("web1", AF_UNSPEC, NULL); /* the unix socket: no address */
	hosts_apply(c->hosts, &ev);
	hosts_apply(NULL, &ev);
	assert_get("host", "web1");
	event_free(&ev);
	conf_free(c);
}
END_TEST

/* Rules see the canonical host; original-host is a condition and a template field. */
START_TEST(test_rules)
{
	struct conf *c = load("host sw2 { name sw2-mgmt }\n"
			      "rule a {\n"
			      "  match host = sw2 and original-host ~ \"^sw2-\"\n"
			      "  key \"{host}/{original-host}\"\n"
			      "}\n");
	const struct rule *rule;
	char key[128];

	from("sw2-mgmt", AF_UNSPEC, NULL);
	hosts_apply(c->hosts, &ev);
	ck_assert_int_eq(rules_eval(c->rules, c->nrules, &ev, &rule), RULES_MATCH);
	template_expand(rule->key, &ev, key, sizeof(key));
	ck_assert_str_eq(key, "sw2/sw2-mgmt");
	from("sw2", AF_UNSPEC, NULL);
	hosts_apply(c->hosts, &ev);
	ck_assert_int_eq(rules_eval(c->rules, c->nrules, &ev, &rule), RULES_NONE);
	event_free(&ev);
	conf_free(c);
}
END_TEST

static Suite *
hosts_suite(void)
{
	Suite *s = suite_create("hosts");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_apply);
	tcase_add_test(tc, test_rules);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(hosts_suite());
}
