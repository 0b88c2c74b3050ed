/*
 * check_conf_snmp.c - the snmp { } block, trap conditions in rules (OIDs
 * exact and subtree, varbind comparisons, community/user), the resolution
 * of MIB names at the end of a load, and the trap-to-event conversion of
 * the SNMP input over hand-encoded v1 and v2c packets.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "conf.h"
#include "event.h"
#include "input_snmp.h"
#include "rules.h"

#include "conf_load.h"
#include "event_field.h"

START_TEST(test_block)
{
	struct conf *c = load("snmp {\n"
			      "  community \"public\" from 10.0.0.0/8 127.0.0.1\n"
			      "  community \"any\"\n"
			      "  user \"netops\" auth sha256 \"auth-pass\" priv aes \"priv-pass\" "
			      "engine-id 0x8000000001020304 level auth\n"
			      "  user \"ro\" auth md5 \"12345678\"\n"
			      "  mibs \"IF-MIB\" SNMPv2-MIB\n"
			      "  mib-dirs \"/usr/share/snmp/mibs\"\n"
			      "}\n");
	const struct conf_snmp *s = &c->snmp;

	ck_assert_uint_eq(s->ncommunities, 2);
	ck_assert_str_eq(s->communities[0].community, "public");
	ck_assert_uint_eq(s->communities[0].nfrom, 2);
	ck_assert_uint_eq(s->communities[0].from[0].prefix, 8);
	ck_assert_uint_eq(s->communities[0].from[1].prefix, 32);
	ck_assert_uint_eq(s->communities[1].nfrom, 0);
	ck_assert_uint_eq(s->nusers, 2);
	ck_assert_int_eq(s->users[0].auth, CONF_SNMP_AUTH_SHA256);
	ck_assert_int_eq(s->users[0].priv, CONF_SNMP_PRIV_AES);
	ck_assert_str_eq(s->users[0].engine_id, "8000000001020304");
	ck_assert_int_eq(s->users[0].min_level, CONF_SNMP_AUTH);
	ck_assert_int_eq(s->users[1].min_level, CONF_SNMP_AUTH);
	ck_assert_uint_eq(s->nmibs, 2);
	ck_assert_str_eq(s->mibs[1], "SNMPv2-MIB");
	ck_assert_uint_eq(s->nmib_dirs, 1);
	conf_free(c);
}
END_TEST

START_TEST(test_block_errors)
{
	load_fails("snmp {\n user \"u\" auth sha \"short\"\n}\n", "t.conf:2: an auth password must have at least 8");
	load_fails("snmp {\n user \"u\" priv aes \"12345678\"\n}\n", "t.conf:2: user 'u' has priv but no auth");
	load_fails("snmp {\n user \"u\" auth sha1 \"12345678\"\n}\n", "t.conf:2: unknown auth protocol 'sha1'");
	load_fails("snmp {\n user \"u\" auth sha \"12345678\" engine-id 0x12\n}\n", "t.conf:2: an engine ID is 5 to 32 bytes");
	load_fails("snmp {\n user \"u\" auth sha \"12345678\" level priv\n}\n", "level priv needs priv");
	load_fails("snmp {\n user \"u\" auth sha \"12345678\"\n user \"u\" auth md5 \"12345678\"\n}\n",
	    "t.conf:3: duplicate user 'u' (first at t.conf:2)");
	load_fails("snmp {\n community \"x\" from 10.0.0.0/33\n}\n", "t.conf:2: expected an address or CIDR");
	load_fails("snmp {\n mibs\n}\n", "t.conf:2: mibs needs a name");
	load_fails("snmp {\n view \"x\"\n}\n", "unknown keyword 'view'");
}
END_TEST

static struct event ev;

static void
trap_event(const char *trap_oid, const char *ifindex)
{
	event_reset(&ev, 1024);
	ev.type = EVENT_TRAP;
	event_add_field(&ev, STR_LIT("trap-oid"), str_make(trap_oid, strlen(trap_oid)));
	event_add_field(&ev, STR_LIT("community"), STR_LIT("public"));
	event_add_field(&ev, STR_LIT("IF-MIB::ifIndex"), str_make(ifindex, strlen(ifindex)));
	event_add_field(&ev, STR_LIT("var.1.3.6.1.2.1.2.2.1.1"), str_make(ifindex, strlen(ifindex)));
}

static enum rules_verdict
eval(const struct conf *c, const char **name)
{
	const struct rule *r = NULL;
	enum rules_verdict v = rules_eval(c->rules, c->nrules, &ev, &r);

	*name = r ? r->name : "";
	return v;
}

START_TEST(test_conditions)
{
	struct conf *c = load(
	    "rule \"exact\" { match trap 1.3.6.1.6.3.1.1.5.3 and var IF-MIB::ifIndex >= 10\n"
	    "  resolve-on trap .1.3.6.1.6.3.1.1.5.4\n key \"if/{IF-MIB::ifIndex}/{var.1.3.6.1.2.1.2.2.1.1}\" }\n"
	    "rule \"under\" { match trap under 1.3.6.1.6.3.1.1.5 and community \"public\" "
	    "and var 1.3.6.1.2.1.2.2.1.1 ~ \"^[0-9]$\" }\n"
	    "rule \"enterprise\" { match trap under 1.3.6.1.4.1.9 }\n");
	const char *name;
	char key[128];

	trap_event("1.3.6.1.6.3.1.1.5.3", "12");
	ck_assert_int_eq(eval(c, &name), RULES_MATCH);
	ck_assert_str_eq(name, "exact");
	template_expand(c->rules[0]->key, &ev, key, sizeof(key));
	ck_assert_str_eq(key, "if/12/12");
	trap_event("1.3.6.1.6.3.1.1.5.3", "9"); /* numeric: 9 < 10, not "9" > "10" */
	ck_assert_int_eq(eval(c, &name), RULES_MATCH);
	ck_assert_str_eq(name, "under");
	trap_event("1.3.6.1.6.3.1.1.5.4", "12");
	ck_assert_int_eq(eval(c, &name), RULES_RESOLVE);
	ck_assert_str_eq(name, "exact");
	trap_event("1.3.6.1.6.3.1.1.50", "1"); /* not under ...5: a '.' boundary */
	ck_assert_int_eq(eval(c, &name), RULES_NONE);
	trap_event("1.3.6.1.4.1.9", "1");
	ck_assert_int_eq(eval(c, &name), RULES_MATCH);
	ck_assert_str_eq(name, "enterprise");
	trap_event("1.3.6.1.4.1.99", "1");
	ck_assert_int_eq(eval(c, &name), RULES_NONE);
	conf_free(c);
	event_free(&ev);
}
END_TEST

static int
fake_resolver(const struct conf *conf, const char *name, char *buf, size_t size)
{
	ck_assert_uint_eq(conf->snmp.nmibs, 1);
	if (strcmp(name, "IF-MIB::linkDown") != 0)
		return -ENOENT;
	snprintf(buf, size, "1.3.6.1.6.3.1.1.5.3");
	return 0;
}

START_TEST(test_resolver)
{
	struct conf *c;

	/* Without a resolver, names stay as written (and never match a numeric trap-oid). */
	c = load("rule \"r\" { match trap IF-MIB::linkDown }\n");
	ck_assert_str_eq(c->rules[0]->match->b->value.p, "IF-MIB::linkDown");
	conf_free(c);
	conf_set_oid_resolver(fake_resolver);
	c = load("snmp { mibs \"IF-MIB\" }\nrule \"r\" { match trap IF-MIB::linkDown }\n");
	ck_assert_str_eq(c->rules[0]->match->b->value.p, "1.3.6.1.6.3.1.1.5.3");
	conf_free(c);
	load_fails("snmp { mibs \"IF-MIB\" }\nrule \"r\" {\n match trap under IF-MIB::linkDrown\n}\n",
	    "t.conf:3: unknown trap OID 'IF-MIB::linkDrown'");
	conf_set_oid_resolver(NULL);
	load_fails("rule \"r\" { match trap under foo }\n", "expected an OID like IF-MIB::linkDown");
	load_fails("rule \"r\" { match trap var foo = 1 }\n", "expected a varbind like");
	load_fails("rule \"r\" { match trap; summary \"{IF-MIB::ifDescr} {var.1.3} {trap} {x}\" }\n",
	    "unknown field '{x}'");
}
END_TEST

/* Hand-encoded: v2c trap linkDown, ifIndex.3 = 3, ifDescr.3 = "eth3", an unknown enterprise var. */
static const uint8_t v2c_linkdown[] = {
	0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69,
	0x63, 0xa7, 0x6a, 0x02, 0x01, 0x4d, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
	0x30, 0x5f, 0x30, 0x0e, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01,
	0x03, 0x00, 0x43, 0x02, 0x04, 0xd2, 0x30, 0x17, 0x06, 0x0a, 0x2b, 0x06,
	0x01, 0x06, 0x03, 0x01, 0x01, 0x04, 0x01, 0x00, 0x06, 0x09, 0x2b, 0x06,
	0x01, 0x06, 0x03, 0x01, 0x01, 0x05, 0x03, 0x30, 0x0f, 0x06, 0x0a, 0x2b,
	0x06, 0x01, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01, 0x03, 0x02, 0x01, 0x03,
	0x30, 0x12, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x02, 0x02, 0x01,
	0x02, 0x03, 0x04, 0x04, 0x65, 0x74, 0x68, 0x33, 0x30, 0x0f, 0x06, 0x0a,
	0x2b, 0x06, 0x01, 0x04, 0x01, 0x86, 0x8d, 0x1f, 0x07, 0x01, 0x02, 0x01,
	0x2a,
};

/* v1 enterprise-specific trap 17 from 1.3.6.1.4.1.8072.3, agent 10.1.2.3, ifIndex.5 = 5. */
static const uint8_t v1_specific[] = {
	0x30, 0x3a, 0x02, 0x01, 0x00, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69,
	0x63, 0xa4, 0x2d, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xbf, 0x08,
	0x03, 0x40, 0x04, 0x0a, 0x01, 0x02, 0x03, 0x02, 0x01, 0x06, 0x02, 0x01,
	0x11, 0x43, 0x02, 0x02, 0x2b, 0x30, 0x11, 0x30, 0x0f, 0x06, 0x0a, 0x2b,
	0x06, 0x01, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01, 0x05, 0x02, 0x01, 0x05,
};

/* v2c linkDown ifIndex.3 relayed by a forwarder: snmpTrapAddress.0 = 192.0.2.12. */
static const uint8_t v2c_relayed[] = {
	0x30, 0x65, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69,
	0x63, 0xa7, 0x58, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
	0x30, 0x4d, 0x30, 0x0e, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01,
	0x03, 0x00, 0x43, 0x02, 0x03, 0xe8, 0x30, 0x17, 0x06, 0x0a, 0x2b, 0x06,
	0x01, 0x06, 0x03, 0x01, 0x01, 0x04, 0x01, 0x00, 0x06, 0x09, 0x2b, 0x06,
	0x01, 0x06, 0x03, 0x01, 0x01, 0x05, 0x03, 0x30, 0x0f, 0x06, 0x0a, 0x2b,
	0x06, 0x01, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01, 0x03, 0x02, 0x01, 0x03,
	0x30, 0x11, 0x06, 0x09, 0x2b, 0x06, 0x01, 0x06, 0x03, 0x12, 0x01, 0x03,
	0x00, 0x40, 0x04, 0xc0, 0x00, 0x02, 0x0c,
};

static void
assert_field(const char *name, const char *want)
{
	assert_event_field(&ev, name, want);
}

/* Load the test MIBs into net-snmp, the way the daemon does through the resolver. */
static void
with_mibs(void)
{
	char buf[256];
	struct conf *c = load("state-dir \"/nonexistent/check\"\n"
			      "snmp { mibs \"IF-MIB\" \"SNMPv2-MIB\"; mib-dirs \"" TEST_DATA_DIR "/mibs\" }\n");

	ck_assert_int_eq(snmp_input_resolve_oid(c, "IF-MIB::linkUp", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1.3.6.1.6.3.1.1.5.4");
	ck_assert_int_lt(snmp_input_resolve_oid(c, "IF-MIB::linkSideways", buf, sizeof(buf)), 0);
	conf_free(c);
}

START_TEST(test_convert_v2c)
{
	with_mibs();
	ck_assert_int_eq(snmp_input_parse_packet(v2c_linkdown, sizeof(v2c_linkdown), &ev), 0);
	ck_assert_int_eq(ev.type, EVENT_TRAP);
	ck_assert_int_eq(ev.severity, 4);
	assert_field("trap", "IF-MIB::linkDown");
	assert_field("trap-oid", "1.3.6.1.6.3.1.1.5.3");
	assert_field("version", "2c");
	assert_field("community", "public");
	assert_field("uptime", "1234");
	assert_field("IF-MIB::ifIndex", "3");
	assert_field("IF-MIB::ifDescr", "eth3");
	assert_field("var.1.3.6.1.2.1.2.2.1.2", "eth3");
	assert_field("var.1.3.6.1.4.1.99999.7.1", "42"); /* no MIB: the whole OID */
	assert_field("host", ""); /* left to the input: the sender */
	ck_assert_msg(str_eq_cstr(ev.message, "IF-MIB::linkDown IF-MIB::ifIndex.3 = INTEGER: 3, "
	    "IF-MIB::ifDescr.3 = STRING: eth3, SNMPv2-SMI::enterprises.99999.7.1 = INTEGER: 42"),
	    "message: %.*s", (int)ev.message.n, ev.message.p);
	event_free(&ev);
}
END_TEST

/* No MIB file at all: the generic traps and IF-MIB basics still have their names. */
START_TEST(test_convert_builtin)
{
	char buf[64];
	struct conf *c = load("state-dir \"/nonexistent/check\"\nsnmp { mib-dirs \"/nonexistent\" }\n");

	ck_assert_int_eq(snmp_input_resolve_oid(c, "IF-MIB::linkDown", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1.3.6.1.6.3.1.1.5.3");
	ck_assert_int_eq(snmp_input_resolve_oid(c, "SNMPv2-MIB::coldStart", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1.3.6.1.6.3.1.1.5.1");
	conf_free(c);
	ck_assert_int_eq(snmp_input_parse_packet(v2c_linkdown, sizeof(v2c_linkdown), &ev), 0);
	assert_field("trap", "IF-MIB::linkDown");
	assert_field("IF-MIB::ifIndex", "3");
	assert_field("IF-MIB::ifDescr", "eth3");
	assert_field("var.1.3.6.1.2.1.2.2.1.1", "3");
	ck_assert_msg(strncmp(ev.message.p, "IF-MIB::linkDown IF-MIB::ifIndex.3 = INTEGER: 3, "
	    "IF-MIB::ifDescr.3 = STRING: ", 76) == 0, "message: %.*s", (int)ev.message.n, ev.message.p);
	event_free(&ev);
}
END_TEST

START_TEST(test_convert_v1)
{
	with_mibs();
	ck_assert_int_eq(snmp_input_parse_packet(v1_specific, sizeof(v1_specific), &ev), 0);
	/* RFC 3584: enterprise, 0, specific. */
	assert_field("trap-oid", "1.3.6.1.4.1.8072.3.0.17");
	assert_field("version", "1");
	assert_field("agent", "10.1.2.3");
	assert_field("host", "10.1.2.3"); /* the agent, not the sender */
	assert_field("enterprise", "1.3.6.1.4.1.8072.3");
	assert_field("uptime", "555");
	assert_field("IF-MIB::ifIndex", "5");
	event_free(&ev);
}
END_TEST

/* A forwarder names the device in snmpTrapAddress.0: that is the host. */
START_TEST(test_convert_relayed)
{
	ck_assert_int_eq(snmp_input_parse_packet(v2c_relayed, sizeof(v2c_relayed), &ev), 0);
	assert_field("trap-oid", "1.3.6.1.6.3.1.1.5.3");
	assert_field("IF-MIB::ifIndex", "3");
	assert_field("var.1.3.6.1.6.3.18.1.3.0", "192.0.2.12"); /* no MIB loaded names it */
	assert_field("host", "192.0.2.12");
	event_free(&ev);
}
END_TEST

START_TEST(test_convert_garbage)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01 };
	uint8_t cut[sizeof(v2c_linkdown)];

	ck_assert_int_lt(snmp_input_parse_packet(junk, sizeof(junk), &ev), 0);
	for (size_t n = 0; n < sizeof(v2c_linkdown); n++) {
		memcpy(cut, v2c_linkdown, n);
		ck_assert_int_lt(snmp_input_parse_packet(cut, n, &ev), 0);
	}
	event_free(&ev);
}
END_TEST

static Suite *
conf_snmp_suite(void)
{
	Suite *s = suite_create("conf_snmp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_block);
	tcase_add_test(tc, test_block_errors);
	tcase_add_test(tc, test_conditions);
	tcase_add_test(tc, test_resolver);
	tcase_add_test(tc, test_convert_v2c);
	tcase_add_test(tc, test_convert_builtin);
	tcase_add_test(tc, test_convert_v1);
	tcase_add_test(tc, test_convert_relayed);
	tcase_add_test(tc, test_convert_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(conf_snmp_suite());
}
