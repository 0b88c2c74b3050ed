/*
 * input_snmp.c - SNMP trap and inform listeners through net-snmp, in
 * process.  Each listener is one net-snmp session whose socket and timeouts
 * (snmp_sess_select_info2) are watched by sd-event; every net-snmp call
 * happens on the loop thread.  Received notifications are authorized
 * (v1/v2c community per source CIDR, v3 user and security level), turned
 * into events and submitted; an inform's Response waits in memory until
 * the batch holding its event is committed.
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
#include "input_snmp_event.h"
#include "listenfds.h"
#include "log.h"
#include "pipeline.h"
#include "rules.h"
#include "util.h"

#define READS_PER_WAKEUP 64 /* datagrams read before yielding to the loop */
#define MAX_FDS		 4  /* descriptors one session exports (one for UDP) */
#define PENDING_MAX	 65536 /* inform responses held at most; beyond, senders retry */
#define LEARN_MAX	 10000 /* engine IDs learned for users without engine-id, per process */
#define LEARN_PER_SEC	 20    /* and per second: each costs a key localization */
#define PEEK_MAX	 2048  /* bytes of a v3 message read ahead for its header */

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
	struct pending *pending;
	size_t npending, cap;
	bool users_made;
	size_t learned; /* engine IDs learned, up to LEARN_MAX */
	int64_t learn_second; /* the second learn_count counts in */
	unsigned learn_count;
	struct log_ratelimit rl;
};

/* Why pdu may not come in, or NULL when it may. */
static const char *
authorize(const struct snmp_listener *l, const netsnmp_pdu *pdu)
{
	const struct conf_snmp *cs = &l->si->d->conf->snmp;
	bool known = false;

	if (pdu->version == SNMP_VERSION_3) {
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
	for (size_t i = 0; i < cs->ncommunities; i++) {
		const struct conf_snmp_community *c = &cs->communities[i];
		if (pdu->community == NULL || strlen(c->community) != pdu->community_len ||
		    memcmp(c->community, pdu->community, pdu->community_len) != 0)
			continue;
		if (c->nfrom == 0)
			return NULL;
		for (size_t k = 0; k < c->nfrom; k++)
			if (cidr_match(&c->from[k], &l->peer))
				return NULL;
		known = true;
	}
	return known ? "a community not allowed from this address" : "an unknown community";
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

static void
deliver(struct snmp_listener *l, netsnmp_pdu *pdu)
{
	struct snmp_input *si = l->si;
	struct event *ev = &si->ev;
	const struct pipeline_stats *st = pipeline_get_stats(si->d->pipeline);
	uint64_t errors = st->store_errors;

	event_reset(ev, SNMP_EVENT_SCRATCH);
	ev->recv_usec = now_realtime_usec();
	ev->listener = l->name;
	ev->charset = l->charset;
	memcpy(&ev->src, &l->peer, l->peerlen);
	ev->srclen = l->peerlen;
	ev->source = str_make(l->peer_text, strlen(l->peer_text));
	ev->host = ev->source;
	snmp_event_from_pdu(pdu, ev);
	l->info.received++;
	if (ev->flags & EVENT_MALFORMED)
		l->info.malformed++;
	int r = pipeline_submit(si->d->pipeline, ev);
	/* An inform whose event did not reach the batch stays unanswered. */
	if (pdu->command == SNMP_MSG_INFORM && r == 0 && st->store_errors == errors)
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

/* One datagram through net-snmp, which calls recv_cb for a good one. */
static void
read_one(struct snmp_listener *l, int fd)
{
	netsnmp_large_fd_set fds;
	uint32_t bad0, denied0, bad1, denied1;

	sockaddr_text(&l->peer, l->peer_text, sizeof(l->peer_text));
	l->not_notification = false;
	read_counters(&bad0, &denied0);
	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	NETSNMP_LARGE_FD_SET(fd, &fds);
	snmp_sess_read2(l->sp, &fds);
	netsnmp_large_fd_set_cleanup(&fds);
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

static const char *
auth_name(enum conf_snmp_auth a)
{
	static const char *const names[] = { "", "MD5", "SHA", "SHA-224", "SHA-256", "SHA-384",
		"SHA-512" };
	return names[a];
}

static const char *
priv_name(enum conf_snmp_priv p)
{
	static const char *const names[] = { "", "DES", "AES", "AES-192", "AES-256" };
	return names[p];
}

/* A USM user, as net-snmp's own "createUser" line; no -e: our engine ID (informs). */
static void
make_user(const struct conf_snmp_user *u)
{
	char *engine = NULL, *auth = NULL, *priv = NULL, *line;

	xasprintf(&engine, u->engine_id ? "-e 0x%s " : "%s", u->engine_id ? u->engine_id : "");
	xasprintf(&auth, u->auth ? " %s \"%s\"" : "%s%s", auth_name(u->auth),
	    u->auth_pass ? u->auth_pass : "");
	xasprintf(&priv, u->priv ? " %s \"%s\"" : "%s%s", priv_name(u->priv),
	    u->priv_pass ? u->priv_pass : "");
	xasprintf(&line, "%s\"%s\"%s%s", engine, u->name, auth, priv);
	usm_parse_create_usmUser("createUser", line);
	explicit_bzero(line, strlen(line));
	explicit_bzero(auth, strlen(auth));
	explicit_bzero(priv, strlen(priv));
	free(line);
	free(engine);
	free(auth);
	free(priv);
}

/* One BER TLV at *p: its tag and content; NULL when it does not fit before end. */
static const uint8_t *
ber_next(const uint8_t **p, const uint8_t *end, uint8_t *tag, size_t *len)
{
	const uint8_t *q = *p;
	size_t n;

	if (end - q < 2)
		return NULL;
	*tag = *q++;
	n = *q++;
	if (n & 0x80) {
		size_t k = n & 0x7f;
		if (k == 0 || k > 3 || (size_t)(end - q) < k)
			return NULL;
		for (n = 0; k-- > 0;)
			n = n << 8 | *q++;
	}
	if ((size_t)(end - q) < n)
		return NULL;
	*len = n;
	*p = q + n;
	return q;
}

/*
 * The authoritative engine ID and user name of a v3 message (RFC 3412 and
 * 3414 headers, read without keys); false for anything else.
 */
static bool
v3_sender(const uint8_t *buf, size_t n, const uint8_t **eid, size_t *eidlen,
    const uint8_t **user, size_t *userlen)
{
	const uint8_t *p = buf, *end = buf + n, *c, *sp;
	uint8_t tag;
	size_t len;

	if ((c = ber_next(&p, end, &tag, &len)) == NULL || tag != 0x30)
		return false;
	p = c;
	end = c + len;
	if ((c = ber_next(&p, end, &tag, &len)) == NULL || tag != 0x02 || len != 1 || c[0] != 3 ||
	    ber_next(&p, end, &tag, &len) == NULL || tag != 0x30 || /* msgGlobalData */
	    (c = ber_next(&p, end, &tag, &len)) == NULL || tag != 0x04) /* msgSecurityParameters */
		return false;
	sp = c;
	end = c + len;
	if ((c = ber_next(&sp, end, &tag, &len)) == NULL || tag != 0x30)
		return false;
	sp = c;
	if ((*eid = ber_next(&sp, end, &tag, eidlen)) == NULL || tag != 0x04 ||
	    ber_next(&sp, end, &tag, &len) == NULL || ber_next(&sp, end, &tag, &len) == NULL ||
	    (*user = ber_next(&sp, end, &tag, userlen)) == NULL || tag != 0x04)
		return false;
	return true;
}

/*
 * A v3 trap from an engine no `user` line names: when the config has that
 * user without an engine-id, create it for this engine too (USM keys are
 * per engine), so many devices need one line.  Bounded by LEARN_MAX.
 */
static void
learn_engine(struct snmp_listener *l, int fd)
{
	const struct conf_snmp *cs = &l->si->d->conf->snmp;
	uint8_t buf[PEEK_MAX], local[64];
	const uint8_t *eid, *user;
	size_t eidlen, userlen;
	char name[64], hex[2 * 32 + 1];
	ssize_t n;

	if (l->si->learned >= LEARN_MAX ||
	    (n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT)) <= 0 ||
	    !v3_sender(buf, (size_t)n, &eid, &eidlen, &user, &userlen) || eidlen < 5 ||
	    eidlen > 32 || userlen == 0 || userlen >= sizeof(name))
		return;
	if (snmpv3_get_engineID(local, sizeof(local)) == eidlen && memcmp(local, eid, eidlen) == 0)
		return; /* an inform, to us */
	memcpy(name, user, userlen);
	name[userlen] = '\0';
	if (usm_get_user(eid, eidlen, name) != NULL)
		return;
	for (size_t i = 0; i < cs->nusers; i++) {
		const struct conf_snmp_user *u = &cs->users[i];
		if (u->engine_id != NULL || strcmp(u->name, name) != 0)
			continue;
		for (size_t k = 0; k < eidlen; k++)
			snprintf(hex + 2 * k, 3, "%02x", eid[k]);
		struct conf_snmp_user learned = *u;
		int64_t sec = now_monotonic_usec() / USEC_PER_SEC;
		if (sec != l->si->learn_second) {
			l->si->learn_second = sec;
			l->si->learn_count = 0;
		}
		if (++l->si->learn_count > LEARN_PER_SEC)
			return; /* a flood of made-up engines: later, maybe */
		learned.engine_id = hex;
		make_user(&learned);
		l->si->learned++;
		if (l->si->learned <= 100) /* the first ones by name, then quietly */
			log_info("%s: learned engine ID 0x%s of user %s from %s", l->name, hex, name,
			    l->peer_text);
		return;
	}
}

static int
io_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct snmp_listener *l = userdata;
	char c;

	for (int i = 0; i < READS_PER_WAKEUP; i++) {
		/* Peek first: net-snmp's socket blocks, and we want the sender for messages. */
		l->peerlen = sizeof(l->peer);
		memset(&l->peer, 0, sizeof(l->peer));
		if (recvfrom(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT, (struct sockaddr *)&l->peer,
		    &l->peerlen) < 0)
			break;
		sockaddr_text(&l->peer, l->peer_text, sizeof(l->peer_text));
		learn_engine(l, fd);
		read_one(l, fd);
	}
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
			l->nio++;
	}
	netsnmp_large_fd_set_cleanup(&fds);
	if (r >= 0 && l->nio == 0)
		r = -EBADF;
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
	if ((l->sp = snmp_sess_add(&sess, t, NULL, NULL)) == NULL) {
		xasprintf(cause, "%s:%d: cannot start an SNMP session on %s", l->file, l->line,
		    c->address);
		listener_free(l);
		return -EIO;
	}
	if ((r = watch_fds(l)) < 0) {
		xasprintf(cause, "cannot watch %s: %s", l->name, strerror(-r));
		listener_free(l);
		return r;
	}
	*ret = l;
	return 0;
}

static void
make_users(const struct conf *conf)
{
	for (size_t i = 0; i < conf->snmp.nusers; i++)
		make_user(&conf->snmp.users[i]);
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
		make_users(conf);
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
