/*
 * fuzz_snmp_trap.c - libFuzzer target for what a UDP datagram to an SNMP
 * listener goes through without a session: the sorting of v1/v2c traps
 * from what the session takes (informs, v3, requests), net-snmp's message
 * and PDU parsers, the community check against the config and the sender,
 * and our trap-to-event conversion (RFC 3584 mapping, varbind fields, the
 * snmptrapd-style rendering).  The event is then run through a trap rule
 * and its templates, as the pipeline would.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "event.h"
#include "input_snmp.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char conf_text[] =
    "snmp { community \"public\" from 192.0.2.0/24; community \"private\" }\n"
    "rule \"t\" { match trap under 1.3.6.1.6.3.1.1.5 and var IF-MIB::ifIndex >= 2 and "
    "community ~ \"^pub\"\n key \"{host}/{IF-MIB::ifIndex}/{var.1.3.6.1.2.1.2.2.1.1}\"\n"
    " summary \"{trap} {trap-oid} {version} {user} {agent} {enterprise} {uptime} {message}\" }\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf *conf;
	static struct event ev;
	static struct sockaddr_storage peer;
	const struct rule *r = NULL;
	char *cause = NULL, buf[512];
	const char *why;

	if (conf == NULL) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&peer;
		if (conf_load_buffer("fuzz.conf", conf_text, sizeof(conf_text) - 1, &conf,
		    &cause) < 0 || snmp_input_resolve_oid_nostate(conf, "1.3.6.1.6.3.1.1.5.3", buf,
		    sizeof(buf)) < 0)
			abort();
		sin->sin_family = AF_INET;
		inet_pton(AF_INET, "192.0.2.1", &sin->sin_addr);
	}
	event_reset(&ev, SNMP_EVENT_SCRATCH);
	ev.host = STR_LIT("192.0.2.1");
	if (snmp_input_decode(&conf->snmp, data, size, &peer, &ev, &why) != SNMP_DECODED_TRAP)
		return 0;
	if (rules_eval(conf->rules, conf->nrules, &ev, &r) != RULES_NONE) {
		template_expand(r->key, &ev, buf, sizeof(buf));
		template_expand(r->summary, &ev, buf, sizeof(buf));
	}
	return 0;
}
