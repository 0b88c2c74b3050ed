/*
 * input_snmp_event.h - between the two halves of the SNMP input: net-snmp
 * library set-up and MIB names (process-wide, like the library's own
 * state), and the conversion of a received PDU into a struct event.  Only
 * input_snmp*.c include this, since it brings in net-snmp's headers.
 */
#ifndef TRIAGED_INPUT_SNMP_EVENT_H
#define TRIAGED_INPUT_SNMP_EVENT_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include "event.h"
#include "input_snmp.h" /* SNMP_EVENT_SCRATCH */

struct conf;
struct conf_snmp;

/*
 * Initialise net-snmp once per process: the MIB directories and modules
 * conf names and, when persistent, its configuration and persistent
 * directories under STATE_DIR/snmp (never /etc/snmp or ~/.snmp).  Without
 * persistent (names for a config being loaded, before the state dir is
 * locked), or with no conf or state_dir (fuzzing), nothing is read or
 * written.  Later calls load MIBs conf adds.  The first call decides: a
 * persistent one after a set-up without state is -EALREADY.
 */
int snmp_lib_init(const struct conf *conf, bool persistent, char **cause);
/* Save what net-snmp persists (engineBoots, our engine ID) and shut it down. */
void snmp_lib_shutdown(void);

/*
 * Fill ev (reset by the caller, scratch at least SNMP_EVENT_SCRATCH) from
 * a trap or inform PDU: v1 traps in their RFC 3584 v2 form.  Strings are
 * copied into ev's scratch, so ev does not borrow from pdu.
 */
void snmp_event_from_pdu(netsnmp_pdu *pdu, struct event *ev);

/*
 * Why a v1/v2c message in community (len bytes) from peer may not come in
 * under cs, or NULL when it may.
 */
const char *snmp_community_refusal(const struct conf_snmp *cs, const void *community, size_t len,
    const struct sockaddr_storage *peer);

#endif
