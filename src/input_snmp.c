/*
 * input_snmp.c - SNMP trap and inform listeners through net-snmp, in
 * process.  Each listener is one net-snmp session whose socket and timeouts
 * (snmp_sess_select_info2) are watched by sd-event; every net-snmp call
 * happens on the loop thread.  The socket is read here in batches: v1/v2c
 * traps are decoded without the session (input_snmp_decode.c), the rest
 * is handed to it (input_snmp_recv.c).  Received notifications are
 * authorized (v1/v2c community per source CIDR, v3 user and security
 * level), turned into events and submitted; an inform's Response waits in
 * memory until the batch holding its event is committed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "input_snmp.h"
#include "input_priority.h"
#include "input_snmp_event.h"
#include "input_snmp_recv.h"
#include "input_snmp_users.h"
#include "listenfds.h"
#include "log.h"
#include "pipeline.h"
#include "rules.h"
#include "util.h"

#define BATCHES_PER_WAKEUP 32 /* recvmmsg batches per wakeup, within INPUT_DISPATCH_USEC */
#define MAX_FDS		 4  /* descriptors one session exports (one for UDP) */
#define PENDING_MAX	 65536 /* inform responses held at most; beyond, senders retry */

struct snmp_listener {
	struct snmp_input *si;
	struct snmp_listener *next;
	char *name, *address, *file;
	int line;
	uint64_t rcvbuf; /* `rcvbuf SIZE`, 0: the kernel's default */
	enum text_charset charset; /* how OctetStrings are read */
	void *sp; /* net-snmp single-session handle */
	sd_event_source *io[MAX_FDS];
	size_t nio;
	sd_event_source *timer;
	bool keep;
	struct sockaddr_storage local; /* the socket's address */
	struct sockaddr_storage peer; /* sender of the datagram being read */
	socklen_t peerlen;
	char peer_text[INET6_ADDRSTRLEN];
	bool not_notification; /* the datagram read held a request, not a trap */
	struct listener_info info;
};

struct pending {
	struct snmp_listener *l;
	netsnmp_pdu *reply;
	uint64_t gen; /* the commit that holds its trap; 0 while in the open batch */
};

struct snmp_input {
	struct daemon *d;
	struct batch *batch; /* joined, once the store is open */
	struct snmp_listener *listeners;
	struct event ev;
	struct snmp_recv *recv; /* the read buffers, once a listener is open */
	struct pending *pending;
	size_t npending, cap;
	bool users_made;
	struct snmp_learn learn;
	struct log_ratelimit rl;
};

/* Why pdu may not come in, or NULL when it may. */
static const char *
authorize(const struct snmp_listener *l, const netsnmp_pdu *pdu)
{
	const struct conf_snmp *cs = &l->si->d->conf->snmp;
	bool known = false;

	if (pdu->version != SNMP_VERSION_3)
		return snmp_community_refusal(cs, pdu->community, pdu->community_len, &l->peer);
	for (size_t i = 0; i < cs->nusers; i++) {
		const struct conf_snmp_user *u = &cs->users[i];
		if (pdu->securityName == NULL || strlen(u->name) != pdu->securityNameLen ||
		    memcmp(u->name, pdu->securityName, pdu->securityNameLen) != 0)
			continue;
		if (pdu->securityLevel >= (int)u->min_level)
			return NULL;
		known = true;
	}
	return known ? "a v3 user below its minimum security level" : "an unknown v3 user";
}

/*
 * The USM state a v3 response is built with.  net-snmp frees a request's
 * state when it frees the request, never after sending a response, so the
 * response that took it over frees it here.
 */
static void
free_state_ref(int model, void *ref)
{
	struct snmp_secmod_def *sm;

	if (ref != NULL && (sm = find_sec_mod(model)) != NULL && sm->pdu_free_state_ref != NULL)
		sm->pdu_free_state_ref(ref);
}

static void
reply_free(netsnmp_pdu *reply)
{
	free_state_ref(reply->securityModel, reply->securityStateRef);
	reply->securityStateRef = NULL;
	snmp_free_pdu(reply);
}

static void
queue_reply(struct snmp_listener *l, netsnmp_pdu *pdu)
{
	struct snmp_input *si = l->si;
	netsnmp_pdu *reply;

	if (si->npending >= PENDING_MAX)
		return; /* unanswered: the sender retries */
	if ((reply = snmp_clone_pdu(pdu)) == NULL)
		return;
	/* The response needs the request's USM state; it owns it from now on. */
	pdu->securityStateRef = NULL;
	reply->command = SNMP_MSG_RESPONSE;
	reply->errstat = 0;
	reply->errindex = 0;
	if (si->npending == si->cap) {
		si->cap = si->cap ? si->cap * 2 : 64;
		si->pending = xreallocarray(si->pending, si->cap, sizeof(*si->pending));
	}
	si->pending[si->npending].l = l;
	si->pending[si->npending].gen = 0;
	si->pending[si->npending++].reply = reply;
	/* Make the batch commit within a millisecond, not at the log-only pace. */
	if (si->batch != NULL)
		batch_due(si->batch, BATCH_URGENT);
}

/* The listener's event, reset for the datagram being read, from its sender. */
static struct event *
event_begin(struct snmp_listener *l)
{
	struct event *ev = &l->si->ev;

	event_reset(ev, SNMP_EVENT_SCRATCH);
	ev->recv_usec = now_realtime_usec();
	ev->listener = l->name;
	ev->charset = l->charset;
	memcpy(&ev->src, &l->peer, l->peerlen);
	ev->srclen = l->peerlen;
	ev->source = str_make(l->peer_text, strlen(l->peer_text));
	ev->host = ev->source;
	return ev;
}

/* 0 when ev reached the open batch. */
static int
submit(struct snmp_listener *l, struct event *ev)
{
	const struct pipeline_stats *st = pipeline_get_stats(l->si->d->pipeline);
	uint64_t errors = st->store_errors;

	l->info.received++;
	if (ev->flags & EVENT_MALFORMED)
		l->info.malformed++;
	if (pipeline_submit(l->si->d->pipeline, ev) < 0 || st->store_errors != errors)
		return -EIO;
	return 0;
}

static void
deliver(struct snmp_listener *l, netsnmp_pdu *pdu)
{
	struct event *ev = event_begin(l);

	snmp_event_from_pdu(pdu, ev);
	/* An inform whose event did not reach the batch stays unanswered. */
	if (submit(l, ev) == 0 && pdu->command == SNMP_MSG_INFORM)
		queue_reply(l, pdu);
}

static int
recv_cb(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct snmp_listener *l = magic;
	const char *why;

	(void)sess;
	(void)reqid;
	if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE)
		return 1;
	if (pdu->command != SNMP_MSG_TRAP && pdu->command != SNMP_MSG_TRAP2 &&
	    pdu->command != SNMP_MSG_INFORM) {
		l->not_notification = true; /* counted by read_one() */
		return 1;
	}
	if ((why = authorize(l, pdu)) != NULL) {
		l->info.unauthorized++;
		log_ratelimited(&l->si->rl, "%s: dropping a notification from %s: %s", l->name,
		    l->peer_text, why);
		return 1;
	}
	deliver(l, pdu);
	return 1;
}

/* Library counters that a failed read moves: bad packets, and bad credentials. */
static void
read_counters(uint32_t *bad, uint32_t *denied)
{
	*bad = snmp_get_statistic(STAT_SNMPINASNPARSEERRS) +
	    snmp_get_statistic(STAT_SNMPINBADVERSIONS) +
	    snmp_get_statistic(STAT_SNMPUNKNOWNSECURITYMODELS) +
	    snmp_get_statistic(STAT_SNMPINVALIDMSGS);
	*denied = snmp_get_statistic(STAT_SNMPINBADCOMMUNITYNAMES) +
	    snmp_get_statistic(STAT_USMSTATSUNSUPPORTEDSECLEVELS) +
	    snmp_get_statistic(STAT_USMSTATSUNKNOWNUSERNAMES) +
	    snmp_get_statistic(STAT_USMSTATSWRONGDIGESTS) +
	    snmp_get_statistic(STAT_USMSTATSDECRYPTIONERRORS);
}

static void
arm_timer(struct snmp_listener *l)
{
	netsnmp_large_fd_set fds;
	struct timeval tv = { 0, 0 };
	int numfds = 0, block = 1;
	uint64_t now;

	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	snmp_sess_select_info2(l->sp, &numfds, &fds, &tv, &block);
	netsnmp_large_fd_set_cleanup(&fds);
	if (block || l->timer == NULL) {
		sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
		return;
	}
	if (sd_event_now(l->si->d->event, CLOCK_MONOTONIC, &now) < 0)
		now = (uint64_t)now_monotonic_usec();
	sd_event_source_set_time(l->timer, now + (uint64_t)tv.tv_sec * USEC_PER_SEC +
	    (uint64_t)tv.tv_usec);
	sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT);
}

static int
timer_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct snmp_listener *l = userdata;

	snmp_sess_timeout(l->sp);
	arm_timer(l);
	return 0;
}

/* One datagram through net-snmp's session, which calls recv_cb for a good one. */
static void
session_read(struct snmp_listener *l, int fd, const struct snmp_dgram *d)
{
	uint32_t bad0, denied0, bad1, denied1;

	l->not_notification = false;
	read_counters(&bad0, &denied0);
	snmp_recv_handover(l->sp, fd, d);
	read_counters(&bad1, &denied1);
	/* A wrong v3 digest moves the parse counters too: credentials first. */
	if (denied1 != denied0) {
		l->info.unauthorized++;
		log_ratelimited(&l->si->rl, "%s: dropping a notification from %s: "
		    "bad community or v3 credentials", l->name, l->peer_text);
	} else if (l->not_notification) {
		l->info.malformed++;
		log_ratelimited(&l->si->rl, "%s: ignoring an SNMP request (not a notification) "
		    "from %s", l->name, l->peer_text);
	} else if (bad1 != bad0) {
		l->info.malformed++;
		log_ratelimited(&l->si->rl, "%s: dropping a malformed SNMP message from %s",
		    l->name, l->peer_text);
	}
}

/*
 * A v3 message from an engine no `user` line names, for a user the config
 * has without an engine-id: learned, and said by name for the first ones.
 */
static void
learn_engine(struct snmp_listener *l, const struct snmp_dgram *d)
{
	struct snmp_input *si = l->si;
	char hex[SNMP_ENGINE_HEX], name[SNMP_USER_NAME];

	if (snmp_users_learn(&si->learn, &si->d->conf->snmp, d->data, d->len,
	    now_monotonic_usec(), hex, name) && si->learn.learned <= 100)
		log_info("%s: learned engine ID 0x%s of user %s from %s", l->name, hex, name,
		    l->peer_text);
}

/* The sender of d, as text only when it differs from the previous datagram's. */
static void
set_peer(struct snmp_listener *l, const struct snmp_dgram *d)
{
	if (d->peerlen == l->peerlen && memcmp(&d->peer, &l->peer, d->peerlen) == 0)
		return;
	memset(&l->peer, 0, sizeof(l->peer));
	memcpy(&l->peer, &d->peer, d->peerlen);
	l->peerlen = d->peerlen;
	sockaddr_text(&l->peer, l->peer_text, sizeof(l->peer_text));
}

static void
handle(struct snmp_listener *l, int fd, const struct snmp_dgram *d)
{
	struct event *ev;
	const char *why;

	set_peer(l, d);
	if (d->cut) {
		l->info.malformed++;
		log_ratelimited(&l->si->rl, "%s: dropping an SNMP message over %d bytes from %s",
		    l->name, SNMP_DGRAM_MAX, l->peer_text);
		return;
	}
	ev = event_begin(l);
	switch (snmp_input_decode(&l->si->d->conf->snmp, d->data, d->len, &l->peer, ev, &why)) {
	case SNMP_DECODED_TRAP:
		(void)submit(l, ev);
		break;
	case SNMP_DECODED_REFUSED:
		l->info.unauthorized++;
		log_ratelimited(&l->si->rl, "%s: dropping a notification from %s: %s", l->name,
		    l->peer_text, why);
		break;
	case SNMP_DECODED_MALFORMED:
		l->info.malformed++;
		log_ratelimited(&l->si->rl, "%s: dropping a malformed SNMP message from %s",
		    l->name, l->peer_text);
		break;
	case SNMP_DECODED_SESSION:
		learn_engine(l, d);
		session_read(l, fd, d);
		break;
	}
}

static int
io_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct snmp_listener *l = userdata;
	struct snmp_dgram *d;
	int64_t start = now_monotonic_usec();
	bool drained = false;
	int n = 0;

	for (int round = 0; round < BATCHES_PER_WAKEUP && !drained; round++) {
		if (round > 0 && now_monotonic_usec() - start >= INPUT_DISPATCH_USEC)
			break;
		if ((n = snmp_recv_batch(l->si->recv, fd, &l->local, &d)) < 0)
			log_ratelimited(&l->si->rl, "%s: recvmmsg: %s", l->name, strerror(-n));
		for (int i = 0; i < n; i++)
			handle(l, fd, &d[i]);
		drained = n < SNMP_RECV_BATCH;
	}
	input_priority_after(s, drained, &l->info.backlogged);
	arm_timer(l);
	return 0;
}

static void
drop_pending(struct snmp_input *si, const struct snmp_listener *l)
{
	size_t k = 0;

	for (size_t i = 0; i < si->npending; i++) {
		if (l == NULL || si->pending[i].l == l)
			reply_free(si->pending[i].reply);
		else
			si->pending[k++] = si->pending[i];
	}
	si->npending = k;
}

static void
listener_free(struct snmp_listener *l)
{
	if (l == NULL)
		return;
	drop_pending(l->si, l);
	for (size_t i = 0; i < l->nio; i++)
		sd_event_source_disable_unref(l->io[i]);
	sd_event_source_disable_unref(l->timer);
	if (l->sp != NULL)
		snmp_sess_close(l->sp);
	free(l->name);
	free(l->address);
	free(l->file);
	free(l);
}

/* "udp:192.0.2.1:162" or "udp6:[::1]:162" for net-snmp, from the parsed address. */
static void
transport_spec(const struct conf_listen *c, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (c->sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&c->sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "udp6:[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&c->sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, size, "udp:%s:%u", host, ntohs(s4->sin_port));
	}
}

/* Watch every descriptor the session exports. */
static int
watch_fds(struct snmp_listener *l)
{
	netsnmp_large_fd_set fds;
	struct timeval tv = { 0, 0 };
	int numfds = 0, block = 1, r = 0;

	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	snmp_sess_select_info2(l->sp, &numfds, &fds, &tv, &block);
	for (int fd = 0; fd < numfds && r >= 0; fd++) {
		if (!NETSNMP_LARGE_FD_ISSET(fd, &fds) || l->nio >= MAX_FDS)
			continue;
		r = sd_event_add_io(l->si->d->event, &l->io[l->nio], fd, EPOLLIN, io_cb, l);
		if (r >= 0)
			r = sd_event_source_set_priority(l->io[l->nio++], INPUT_PRIORITY);
	}
	netsnmp_large_fd_set_cleanup(&fds);
	if (r >= 0 && l->nio == 0)
		r = -EBADF;
	socklen_t len = sizeof(l->local);
	if (r >= 0 && getsockname(sd_event_source_get_io_fd(l->io[0]),
	    (struct sockaddr *)&l->local, &len) < 0)
		r = -errno;
	if (r >= 0 && l->rcvbuf > 0) {
		int v = l->rcvbuf > INT32_MAX ? INT32_MAX : (int)l->rcvbuf;
		int fd = sd_event_source_get_io_fd(l->io[0]);
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
		    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
			r = -errno;
	}
	if (r >= 0)
		r = sd_event_add_time(l->si->d->event, &l->timer, CLOCK_MONOTONIC, UINT64_MAX, 0,
		    timer_cb, l);
	if (r >= 0)
		arm_timer(l);
	return r;
}

/*
 * The transport for a socket the service manager passed (triaged.socket's
 * "snmp-udp"): net-snmp cannot adopt a descriptor, so a transport of the
 * same family is opened on an ephemeral loopback port and its socket is
 * replaced by the passed one.
 */
static netsnmp_transport *
transport_adopt(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	netsnmp_transport *t;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
		return NULL;
	t = netsnmp_transport_open_server("snmptrap",
	    ss.ss_family == AF_INET6 ? "udp6:[::1]:0" : "udp:127.0.0.1:0");
	if (t == NULL)
		return NULL;
	if (dup2(fd, t->sock) < 0 || fcntl(t->sock, F_SETFD, FD_CLOEXEC) < 0) {
		netsnmp_transport_free(t);
		return NULL;
	}
	return t;
}

/*
 * "[::]" (and "*") means every address, IPv4 included, as for syslog; net-snmp
 * opens its IPv6 sockets IPv6-only, so bind a dual-stack one and adopt it.
 */
static netsnmp_transport *
transport_any(const struct conf_listen *c)
{
	int zero = 0, fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	netsnmp_transport *t = NULL;

	if (fd < 0)
		return NULL;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) == 0 &&
	    bind(fd, (const struct sockaddr *)&c->sa, c->salen) == 0)
		t = transport_adopt(fd);
	close(fd);
	return t;
}

/* Passed by the service manager (by name or address), else bound here. */
static netsnmp_transport *
transport_open(struct snmp_input *si, const struct conf_listen *c, bool *adopted)
{
	char spec[128];
	netsnmp_transport *t;
	int fd;

	fd = listenfds_take(si->d->listenfds, c->name, SOCK_DGRAM, (const struct sockaddr *)&c->sa,
	    c->salen);
	*adopted = fd >= 0;
	if (fd >= 0) {
		t = transport_adopt(fd);
		close(fd);
		return t;
	}
	if (c->sa.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&c->sa)->sin6_addr))
		return transport_any(c);
	transport_spec(c, spec, sizeof(spec));
	return netsnmp_transport_open_server("snmptrap", spec);
}

static int
listener_open(struct snmp_input *si, const struct conf_listen *c, struct snmp_listener **ret,
    char **cause)
{
	struct snmp_listener *l = xcalloc(1, sizeof(*l));
	netsnmp_transport *t;
	netsnmp_session sess;
	bool adopted;
	int r;

	l->si = si;
	l->name = xstrdup(c->name);
	l->address = xstrdup(c->address);
	l->file = xstrdup(c->file ? c->file : "?");
	l->line = c->line;
	l->rcvbuf = c->rcvbuf;
	l->charset = c->charset;
	l->info.name = l->name;
	l->info.proto = "udp";
	l->info.address = l->address;
	if ((t = transport_open(si, c, &adopted)) == NULL) {
		xasprintf(cause, "%s:%d: cannot %s snmp udp %s", l->file, l->line,
		    adopted ? "use the passed socket for" : "listen on", c->address);
		listener_free(l);
		return -EADDRNOTAVAIL;
	}
	snmp_sess_init(&sess);
	sess.peername = SNMP_DEFAULT_PEERNAME;
	sess.version = SNMP_DEFAULT_VERSION;
	sess.community_len = SNMP_DEFAULT_COMMUNITY_LEN;
	sess.retries = SNMP_DEFAULT_RETRIES;
	sess.timeout = SNMP_DEFAULT_TIMEOUT;
	sess.callback = recv_cb;
	sess.callback_magic = l;
	sess.authenticator = NULL;
	sess.isAuthoritative = SNMP_SESS_UNKNOWNAUTH;
	if ((l->sp = snmp_sess_add(&sess, t, NULL, NULL)) == NULL ||
	    snmp_recv_adopt_session(l->sp) < 0) {
		xasprintf(cause, "%s:%d: cannot start an SNMP session on %s", l->file, l->line,
		    c->address);
		listener_free(l);
		return -EIO;
	}
	if (si->recv == NULL)
		si->recv = snmp_recv_new();
	if ((r = watch_fds(l)) < 0) {
		xasprintf(cause, "cannot watch %s: %s", l->name, strerror(-r));
		listener_free(l);
		return r;
	}
	*ret = l;
	return 0;
}

static struct snmp_listener *
listener_find(struct snmp_input *si, const struct conf_listen *c)
{
	for (struct snmp_listener *l = si->listeners; l != NULL; l = l->next)
		if (strcmp(l->address, c->address) == 0)
			return l;
	return NULL;
}

int
snmp_input_apply(struct snmp_input *si, const struct conf *conf, char **cause)
{
	struct snmp_listener *fresh = NULL, **tail = &fresh, *l, **pl;
	bool any = false;
	int r;

	for (size_t i = 0; i < conf->nlistens; i++)
		any = any || conf->listens[i].kind == LISTEN_SNMP;
	/* No net-snmp at all for a daemon without SNMP listeners (until a reload adds one). */
	if (!any && si->listeners == NULL)
		return 0;
	if ((r = snmp_lib_init(conf, true, cause)) < 0)
		return r;
	if (!si->users_made) {
		snmp_users_make(&conf->snmp);
		snmp_store("triaged"); /* engineBoots, now, not only at a clean stop */
		si->users_made = true;
	}
	for (l = si->listeners; l != NULL; l = l->next)
		l->keep = false;
	for (size_t i = 0; i < conf->nlistens; i++) {
		const struct conf_listen *c = &conf->listens[i];
		if (c->kind != LISTEN_SNMP)
			continue;
		if ((l = listener_find(si, c)) != NULL) {
			l->keep = true;
			l->charset = c->charset;
			continue;
		}
		if ((r = listener_open(si, c, &l, cause)) < 0) {
			while ((l = fresh) != NULL) {
				fresh = l->next;
				listener_free(l);
			}
			return r;
		}
		l->keep = true;
		*tail = l;
		tail = &l->next;
	}
	for (pl = &si->listeners; (l = *pl) != NULL;) {
		if (l->keep) {
			pl = &l->next;
			continue;
		}
		log_info("closing listener %s", l->name);
		*pl = l->next;
		listener_free(l);
	}
	*pl = fresh;
	for (l = fresh; l != NULL; l = l->next)
		log_info("listening on snmp udp %s", l->address);
	return 0;
}

/* Its trap is in the store now: the answer waits for that commit to be durable. */
static void
batch_committed(void *arg)
{
	struct snmp_input *si = arg;

	for (size_t i = si->npending; i-- > 0 && si->pending[i].gen == 0;)
		si->pending[i].gen = batch_gen(si->batch);
}

static void
answer(struct snmp_input *si, struct pending *p)
{
	void *ref = p->reply->securityStateRef;
	int model = p->reply->securityModel;

	if (snmp_sess_send(p->l->sp, p->reply) != 0) {
		free_state_ref(model, ref); /* the library freed the PDU, not this */
	} else {
		reply_free(p->reply);
		log_ratelimited(&si->rl, "%s: cannot answer an inform from %s, "
		    "the sender will retry", p->l->name, p->l->peer_text);
	}
}

/* Answer the informs whose traps are durable; the others keep their order. */
static void
batch_durable(void *arg)
{
	struct snmp_input *si = arg;
	size_t k = 0;

	for (size_t i = 0; i < si->npending; i++) {
		struct pending *p = &si->pending[i];
		if (p->gen != 0 && batch_is_durable(si->batch, p->gen))
			answer(si, p);
		else
			si->pending[k++] = *p;
	}
	si->npending = k;
}

/*
 * A lost batch or one redone in a grown map: the pipeline holds the events
 * and writes them again, so their informs wait for that commit.
 */
static void
batch_kept(void *arg)
{
	(void)arg;
}

int
snmp_input_join(struct snmp_input *si, struct batch *b)
{
	si->batch = b;
	return batch_join(b, &(struct batch_participant){ .name = "snmp",
	    .committed = batch_committed, .durable = batch_durable, .rolled_back = batch_kept,
	    .redo = batch_kept, .arg = si });
}

int
snmp_input_new(struct daemon *d, struct snmp_input **ret)
{
	struct snmp_input *si = xcalloc(1, sizeof(*si));

	si->d = d;
	si->rl.interval_usec = 10 * USEC_PER_SEC;
	*ret = si;
	return 0;
}

void
snmp_input_free(struct snmp_input *si)
{
	struct snmp_listener *l;

	if (si == NULL)
		return;
	while ((l = si->listeners) != NULL) {
		si->listeners = l->next;
		listener_free(l);
	}
	drop_pending(si, NULL);
	if (si->batch != NULL)
		batch_leave(si->batch, si);
	free(si->pending);
	snmp_recv_free(si->recv);
	event_free(&si->ev);
	free(si);
	snmp_lib_shutdown();
}

void
snmp_input_foreach(struct snmp_input *si, inputs_info_cb cb, void *arg)
{
	if (si == NULL)
		return;
	for (struct snmp_listener *l = si->listeners; l != NULL; l = l->next)
		cb(&l->info, arg);
}
