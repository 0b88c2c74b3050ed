/*
 * input_syslog_int.h - what the syslog listeners (input_syslog.c) share with
 * their TCP and TLS side (input_tcp.c).  Nothing else includes it.
 */
#ifndef TRIAGED_INPUT_SYSLOG_INT_H
#define TRIAGED_INPUT_SYSLOG_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <systemd/sd-event.h>

#include "conf.h"
#include "event.h"
#include "input_syslog.h"
#include "log.h"
#include "parse_syslog.h"

struct conn;
struct conn_limit;
struct tls_ctx;

struct listener {
	struct inputs *in;
	struct listener *next;
	struct conf_listen c; /* a copy; strings owned */
	int fd;
	sd_event_source *src;
	bool keep;    /* mark for inputs_apply */
	bool adopted; /* passed by the service manager: never unlink its path */

	/* datagram sockets */
	struct mmsghdr *msgs;
	struct iovec *iov;
	char *bufs;
	struct sockaddr_storage *addrs;
	/* SO_RXQ_OVFL's drop count and SO_TIMESTAMP's time of arrival */
	char (*cmsgs)[CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(struct timeval))];
	uint32_t kernel_drops; /* last SO_RXQ_OVFL value seen */
	struct sockaddr_storage last_src;
	char last_source[INET6_ADDRSTRLEN];

	/* stream sockets (input_tcp.c) */
	struct conn *conns, *oldest; /* most recently active first */
	sd_event_source *idle;	     /* fires at the oldest connection's deadline, or earlier */
	sd_event_source *resume;     /* accepting paused for want of descriptors */
	struct conn_limit *per_source;
	struct tls_ctx *tls; /* tls listeners: the context new connections take */

	struct listener_info info;
};

struct inputs {
	struct daemon *d;
	struct listener *listeners;
	struct event ev;
	struct parse_ctx pctx;
	struct log_ratelimit rl;

	/* for the TCP listeners (input_tcp.c) */
	char *tcpbuf;
	struct log_ratelimit rl_limits; /* refusals, so a flood does not hide other warnings */
	int reserve_fd;			/* given back to accept and refuse at EMFILE */
	uint64_t seed;			/* for the per-source tables */
};

/* Parse one message and hand it to the pipeline.  src may be NULL (unix socket). */
void input_syslog_deliver(struct listener *l, const char *msg, size_t len, bool cut,
    const struct sockaddr_storage *src, socklen_t srclen, const char *source, int64_t now);

#endif
