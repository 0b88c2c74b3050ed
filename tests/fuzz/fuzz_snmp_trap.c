/*
 * fuzz_snmp_trap.c - libFuzzer target for what a UDP datagram to an SNMP
 * listener goes through: net-snmp's message parser (v1, v2c, v3 headers)
 * and our trap-to-event conversion (RFC 3584 mapping, varbind fields, the
 * snmptrapd-style rendering).  The event is then run through a trap rule
 * and its templates, as the pipeline would.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "event.h"
#include "input_snmp.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rule_text[] =
    "rule \"t\" { match trap under 1.3.6.1.6.3.1.1.5 and var IF-MIB::ifIndex >= 2 and "
    "community ~ \"^pub\"\n key \"{host}/{IF-MIB::ifIndex}/{var.1.3.6.1.2.1.2.2.1.1}\"\n"
    " summary \"{trap} {trap-oid} {version} {user} {agent} {enterprise} {uptime} {message}\" }\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf *conf;
	static struct event ev;
	const struct rule *r = NULL;
	char *cause = NULL, buf[512];

	if (conf == NULL && conf_load_buffer("fuzz.conf", rule_text, sizeof(rule_text) - 1, &conf,
	    &cause) < 0)
		abort();
	if (snmp_input_parse_packet(data, size, &ev) < 0)
		return 0;
	ev.host = STR_LIT("192.0.2.1");
	if (rules_eval(conf->rules, conf->nrules, &ev, &r) != RULES_NONE) {
		template_expand(r->key, &ev, buf, sizeof(buf));
		template_expand(r->summary, &ev, buf, sizeof(buf));
	}
	return 0;
}
