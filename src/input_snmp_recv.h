/*
 * input_snmp_recv.h - an SNMP listener's socket read in recvmmsg batches,
 * and a datagram already read handed to the listener's net-snmp session
 * as if the session had read it itself, for what only a session can do
 * (v3, informs).  No net-snmp types here: sessions are opaque pointers.
 */
#ifndef TRIAGED_INPUT_SNMP_RECV_H
#define TRIAGED_INPUT_SNMP_RECV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SNMP_RECV_BATCH 32    /* datagrams per recvmmsg */
#define SNMP_DGRAM_MAX	65535 /* bytes of one, as net-snmp's own buffer */

struct snmp_dgram {
	uint8_t *data; /* in the batch's buffers, until the next read */
	size_t len;
	bool cut; /* longer than SNMP_DGRAM_MAX: the rest is lost */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct sockaddr_storage local; /* the address it was sent to */
	int ifindex;
};

struct snmp_recv;

/* Buffers for one batch (2 MiB of address space, touched as datagrams need). */
struct snmp_recv *snmp_recv_new(void);
void snmp_recv_free(struct snmp_recv *r);

/*
 * Read up to SNMP_RECV_BATCH datagrams from fd, bound to local: how many
 * (0: none waiting), or -errno; *ret points to them until the next call.
 */
int snmp_recv_batch(struct snmp_recv *r, int fd, const struct sockaddr_storage *local,
    struct snmp_dgram **ret);

/* From now on, session sp (UDP) reads only what snmp_recv_handover() gives it; 0 or -EINVAL. */
int snmp_recv_adopt_session(void *sp);

/* Session sp, reading from fd, processes d as a datagram it read: its callback runs. */
void snmp_recv_handover(void *sp, int fd, const struct snmp_dgram *d);

#endif
