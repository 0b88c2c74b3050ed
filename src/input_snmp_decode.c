/*
 * input_snmp_decode.c - the common case of the SNMP input without a
 * session: a v1 or v2c Trap or SNMPv2-Trap is decoded by net-snmp's own
 * message parsers (snmp_comstr_parse, snmp_pdu_parse), its community
 * checked against the config and the sender, and turned into an event.
 * What needs the session (v3 and its USM keys, informs and their
 * Responses, requests that net-snmp counts and ignores) is only sorted
 * out here, and left to input_snmp.c.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "conf.h"
#include "input_snmp.h"
#include "input_snmp_event.h"
#include "rules.h"

const char *
snmp_community_refusal(const struct conf_snmp *cs, const void *community, size_t len,
    const struct sockaddr_storage *peer)
{
	bool known = false;

	for (size_t i = 0; i < cs->ncommunities; i++) {
		const struct conf_snmp_community *c = &cs->communities[i];
		if (community == NULL || strlen(c->community) != len ||
		    memcmp(c->community, community, len) != 0)
			continue;
		if (c->nfrom == 0)
			return NULL;
		for (size_t k = 0; k < c->nfrom; k++)
			if (cidr_match(&c->from[k], peer))
				return NULL;
		known = true;
	}
	return known ? "a community not allowed from this address" : "an unknown community";
}

/*
 * The message's version, community and where its PDU starts (NULL: not a
 * v1/v2c message net-snmp can read; *version says whether it is v3).
 */
static u_char *
community_header(const uint8_t *data, size_t *len, u_char *community, size_t *clen,
    long *version)
{
	/* net-snmp's parsers take no const, and read only. */
	u_char *p = (u_char *)(uintptr_t)data;

	*version = -1;
	p = snmp_comstr_parse(p, len, community, clen, version);
	if (p == NULL || *len == 0)
		return NULL;
	return p;
}

static void
release(netsnmp_pdu *pdu)
{
	snmp_free_varbind(pdu->variables);
	free(pdu->enterprise);
	pdu->variables = NULL;
	pdu->enterprise = NULL;
}

enum snmp_decoded
snmp_input_decode(const struct conf_snmp *cs, const uint8_t *data, size_t len,
    const struct sockaddr_storage *peer, struct event *ev, const char **why)
{
	u_char community[COMMUNITY_MAX_LEN], *p;
	size_t clen = sizeof(community), left = len;
	netsnmp_pdu pdu;
	long version;

	*why = NULL;
	if ((p = community_header(data, &left, community, &clen, &version)) == NULL)
		return version == SNMP_VERSION_3 ? SNMP_DECODED_SESSION : SNMP_DECODED_MALFORMED;
	if ((version != SNMP_VERSION_1 && version != SNMP_VERSION_2c) ||
	    (p[0] != SNMP_MSG_TRAP && p[0] != SNMP_MSG_TRAP2))
		return SNMP_DECODED_SESSION;
	memset(&pdu, 0, sizeof(pdu));
	pdu.version = version;
	pdu.community = community;
	pdu.community_len = clen;
	if (snmp_pdu_parse(&pdu, p, &left) < 0) {
		release(&pdu);
		return SNMP_DECODED_MALFORMED;
	}
	if (cs != NULL && (*why = snmp_community_refusal(cs, community, clen, peer)) != NULL) {
		release(&pdu);
		return SNMP_DECODED_REFUSED;
	}
	snmp_event_from_pdu(&pdu, ev);
	release(&pdu);
	return SNMP_DECODED_TRAP;
}

int
snmp_input_parse_packet(const uint8_t *data, size_t len, struct event *ev)
{
	const char *why;

	if (snmp_lib_init(NULL, false, NULL) < 0)
		return -EIO;
	event_reset(ev, SNMP_EVENT_SCRATCH);
	if (snmp_input_decode(NULL, data, len, NULL, ev, &why) != SNMP_DECODED_TRAP)
		return -EBADMSG;
	return 0;
}
