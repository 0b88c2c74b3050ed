/*
 * input_syslog.h - syslog listeners: UDP (recvmmsg batches), TCP (RFC 6587
 * framing, many connections), TLS (RFC 5425) and a unix datagram socket, IPv4 and IPv6.
 * Each received message is parsed and handed to the pipeline at once.
 */
#ifndef TRIAGED_INPUT_SYSLOG_H
#define TRIAGED_INPUT_SYSLOG_H

#include <stdbool.h>
#include <stdint.h>

struct daemon;
struct conf;
struct inputs;

struct listener_info {
	const char *name;
	const char *proto; /* "udp", "tcp", "unix", "tls" */
	bool stream;	   /* connections (tcp, tls), not datagrams (udp, unix) */
	const char *address;
	uint64_t received;    /* messages handed to the pipeline */
	uint64_t malformed;   /* of which the parser could not make sense */
	uint64_t truncated;   /* of which cut at max-message */
	uint64_t dropped;     /* lost before we saw them: kernel buffer overflow (UDP) */
	uint64_t bad_frames;  /* TCP streams closed for a broken octet count */
	uint64_t connections; /* TCP: open now */
	uint64_t refused;     /* TCP: connections refused over max-connections or out of fds */
	uint64_t refused_per_source; /* TCP: over max-connections-per-source */
	uint64_t idle_closed; /* TCP: connections closed after idle-timeout */
	uint64_t tls_handshake_failures; /* TLS: refused or broken handshakes */
	uint64_t tls_handshake_timeouts; /* TLS: handshakes not done within handshake-timeout */
	int64_t tls_not_after; /* TLS: when the certificate served expires, epoch seconds */
	uint64_t unauthorized; /* SNMP: bad community, source or v3 credentials */
	uint64_t backlogged;  /* reads that left more waiting: the input was behind (input_priority.h) */
};

int inputs_new(struct daemon *d, struct inputs **ret);
void inputs_free(struct inputs *in);

/*
 * Make the open listeners match conf: keep those with the same protocol
 * and address, open new ones, close the rest.  When a new listener cannot
 * be opened nothing changes and *cause says why.
 */
int inputs_apply(struct inputs *in, const struct conf *conf, char **cause);

typedef void (*inputs_info_cb)(const struct listener_info *info, void *arg);
void inputs_foreach(struct inputs *in, inputs_info_cb cb, void *arg);

#endif
