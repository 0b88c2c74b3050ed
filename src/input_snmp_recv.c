/*
 * input_snmp_recv.c - batched reads of an SNMP listener's socket, and the
 * hand-over of one datagram to net-snmp's session through its transport's
 * f_recv: the session then parses, authenticates (USM), calls back and
 * answers (informs) exactly as when it reads the socket itself, and the
 * common case (v1/v2c traps) never pays for a session round trip.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "input_snmp_event.h"
#include "input_snmp_recv.h"
#include "util.h"

struct snmp_recv {
	struct mmsghdr msgs[SNMP_RECV_BATCH];
	struct iovec iov[SNMP_RECV_BATCH];
	char cmsgs[SNMP_RECV_BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct snmp_dgram d[SNMP_RECV_BATCH];
	uint8_t *bufs; /* SNMP_RECV_BATCH slots of SNMP_DGRAM_MAX */
};

/*
 * The datagram being handed to a session.  net-snmp calls f_recv with no
 * argument of ours, so it is found here; set only for the duration of one
 * snmp_sess_read2() on the loop thread.
 */
static const struct snmp_dgram *handing;

struct snmp_recv *
snmp_recv_new(void)
{
	struct snmp_recv *r = xcalloc(1, sizeof(*r));

	r->bufs = xmalloc((size_t)SNMP_RECV_BATCH * SNMP_DGRAM_MAX);
	return r;
}

void
snmp_recv_free(struct snmp_recv *r)
{
	if (r == NULL)
		return;
	free(r->bufs);
	free(r);
}

static void
prepare(struct snmp_recv *r, int i)
{
	struct msghdr *mh = &r->msgs[i].msg_hdr;

	r->iov[i].iov_base = r->bufs + (size_t)i * SNMP_DGRAM_MAX;
	r->iov[i].iov_len = SNMP_DGRAM_MAX;
	memset(mh, 0, sizeof(*mh));
	mh->msg_iov = &r->iov[i];
	mh->msg_iovlen = 1;
	mh->msg_name = &r->d[i].peer;
	mh->msg_namelen = sizeof(r->d[i].peer);
	mh->msg_control = r->cmsgs[i];
	mh->msg_controllen = sizeof(r->cmsgs[i]);
}

/* Where it was sent: the socket's address, with the one IP_PKTINFO names (IPv4). */
static void
destination(struct snmp_dgram *d, struct msghdr *mh, const struct sockaddr_storage *local)
{
	d->local = *local;
	d->ifindex = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO ||
		    local->ss_family != AF_INET)
			continue;
		struct in_pktinfo pi;
		memcpy(&pi, CMSG_DATA(c), sizeof(pi));
		((struct sockaddr_in *)&d->local)->sin_addr = pi.ipi_addr;
		d->ifindex = pi.ipi_ifindex;
	}
}

int
snmp_recv_batch(struct snmp_recv *r, int fd, const struct sockaddr_storage *local,
    struct snmp_dgram **ret)
{
	int n;

	for (int i = 0; i < SNMP_RECV_BATCH; i++)
		prepare(r, i);
	if ((n = recvmmsg(fd, r->msgs, SNMP_RECV_BATCH, MSG_DONTWAIT, NULL)) < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct msghdr *mh = &r->msgs[i].msg_hdr;
		struct snmp_dgram *d = &r->d[i];
		d->data = r->iov[i].iov_base;
		d->len = r->msgs[i].msg_len;
		d->cut = (mh->msg_flags & MSG_TRUNC) != 0;
		d->peerlen = mh->msg_namelen;
		destination(d, mh, local);
	}
	*ret = r->d;
	return n;
}

/*
 * The sender as the transport's own f_recv gives it: an address pair for
 * udp (its Response leaves from the address the inform came to), the
 * sender alone for udp6.
 */
static int
handover_recv(netsnmp_transport *t, void *buf, int size, void **opaque, int *olength)
{
	const struct snmp_dgram *d = handing;

	(void)t;
	*opaque = NULL;
	*olength = 0;
	handing = NULL;
	if (d == NULL || d->len > (size_t)size) {
		errno = EAGAIN;
		return -1;
	}
	memcpy(buf, d->data, d->len);
	if (d->peer.ss_family == AF_INET) {
		netsnmp_indexed_addr_pair *a = xcalloc(1, sizeof(*a));
		memcpy(&a->remote_addr, &d->peer, sizeof(struct sockaddr_in));
		memcpy(&a->local_addr, &d->local, sizeof(struct sockaddr_in));
		a->if_index = d->ifindex;
		*opaque = a;
		*olength = (int)sizeof(*a);
	} else {
		struct sockaddr_in6 *a = xcalloc(1, sizeof(*a));
		memcpy(a, &d->peer, sizeof(*a));
		*opaque = a;
		*olength = (int)sizeof(*a);
	}
	return (int)d->len;
}

int
snmp_recv_adopt_session(void *sp)
{
	netsnmp_transport *t = snmp_sess_transport(sp);

	if (t == NULL)
		return -EINVAL;
	t->f_recv = handover_recv;
	return 0;
}

void
snmp_recv_handover(void *sp, int fd, const struct snmp_dgram *d)
{
	netsnmp_large_fd_set fds;

	handing = d;
	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	NETSNMP_LARGE_FD_SET(fd, &fds);
	snmp_sess_read2(sp, &fds);
	netsnmp_large_fd_set_cleanup(&fds);
	handing = NULL;
}
