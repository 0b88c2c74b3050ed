/*
 * input_snmp.h - SNMP trap and inform listeners (`listen snmp udp ADDR`),
 * in-process through net-snmp, driven by the sd-event loop.  v1, v2c and
 * v3 (USM) notifications become EVENT_TRAP events for the pipeline;
 * informs are answered only once their event is committed to the store.
 * No net-snmp types leave input_snmp*.c.
 */
#ifndef TRIAGED_INPUT_SNMP_H
#define TRIAGED_INPUT_SNMP_H

#include <stddef.h>
#include <stdint.h>

#include "input_syslog.h" /* struct listener_info, inputs_info_cb */

struct batch;
struct conf;
struct conf_snmp;
struct daemon;
struct event;
struct snmp_input;
struct sockaddr_storage;

int snmp_input_new(struct daemon *d, struct snmp_input **ret);
/* Answers nothing still pending (senders retry) and saves net-snmp's state. */
void snmp_input_free(struct snmp_input *si);
/*
 * Open and close SNMP listeners to match conf, and create its v3 users.
 * Who may send is read from the daemon's running conf for each PDU.
 */
int snmp_input_apply(struct snmp_input *si, const struct conf *conf, char **cause);
/*
 * Take part in the batch: an inform is answered only when the batch holding
 * its event commits, and forgotten (the sender retries) when it is lost.
 */
int snmp_input_join(struct snmp_input *si, struct batch *b);
void snmp_input_foreach(struct snmp_input *si, inputs_info_cb cb, void *arg);

/*
 * conf_oid_resolver for conf_set_oid_resolver(): MIB names with conf's MIBs.
 * The first call sets net-snmp up for good, with its persistent files under
 * conf's state dir: only once that is locked (see statedir.h).
 */
int snmp_input_resolve_oid(const struct conf *conf, const char *name, char *buf, size_t size);
/* The same for triaged -t: net-snmp reads and writes nothing, the state dir is left alone. */
int snmp_input_resolve_oid_nostate(const struct conf *conf, const char *name, char *buf,
    size_t size);

/* Bytes of scratch an SNMP event is reset with: room for every varbind's text. */
#define SNMP_EVENT_SCRATCH (64 * 1024)

/* What the receive path makes of one datagram, by snmp_input_decode(). */
enum snmp_decoded {
	SNMP_DECODED_TRAP,	/* a v1/v2c trap in a community allowed from the sender: in ev */
	SNMP_DECODED_REFUSED,	/* a v1/v2c trap in another community: *why says */
	SNMP_DECODED_MALFORMED, /* neither a v1/v2c message net-snmp can parse nor v3 */
	SNMP_DECODED_SESSION,	/* v3, an inform or a request: for net-snmp's session */
};

/*
 * One UDP payload from peer, without a session: a v1/v2c Trap or
 * SNMPv2-Trap is parsed by net-snmp, its community checked against cs
 * (NULL: any) and converted into ev (reset by the caller with
 * SNMP_EVENT_SCRATCH bytes, its source already set).  ev borrows nothing
 * from data.  Everything else is only classified.
 */
enum snmp_decoded snmp_input_decode(const struct conf_snmp *cs, const uint8_t *data, size_t len,
    const struct sockaddr_storage *peer, struct event *ev, const char **why);

/*
 * The same for the fuzzer and unit tests, with any community: 0 when data
 * is a v1/v2c trap (converted into ev, reset here), or -EBADMSG.
 */
int snmp_input_parse_packet(const uint8_t *data, size_t len, struct event *ev);

/*
 * A v2c trap as snmptrap's command line gives it, into ev (reset by the
 * caller with SNMP_EVENT_SCRATCH bytes, 64 KiB): trap_oid, then nwords
 * words, OID TYPE VALUE for each varbind (snmptrap's type letters), names
 * through the loaded MIBs.  0, or -EINVAL with *cause saying which word.
 */
int snmp_event_from_words(const char *trap_oid, char *const *words, size_t nwords,
    struct event *ev, char **cause);

#endif
