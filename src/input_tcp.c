/*
 * input_tcp.c - TCP and TLS connections of the syslog listeners.  Each listener
 * keeps its connections in a list ordered by activity, so one timer at the
 * oldest connection's deadline closes idle ones without a scan; counts
 * connections per source address so that one sender cannot take every
 * slot; and keeps a descriptor in reserve so that running out of them
 * refuses connections instead of spinning the loop.  A TLS connection
 * first goes through its handshake, driven by the socket's readiness and
 * ended by a timer if it takes too long; then its bytes go through the
 * same framer and parser as TCP's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conn_limit.h"
#include "daemon.h"
#include "framing.h"
#include "input_priority.h"
#include "input_syslog_int.h"
#include "input_tcp.h"
#include "log.h"
#include "tls.h"
#include "util.h"

#define TCP_READ_SIZE (16 * 1024)
#define TCP_READS     64 /* reads per wakeup per connection, within INPUT_DISPATCH_USEC */
/* Idle timeouts are minutes; a coarse timer lets the loop batch the closes. */
#define IDLE_ACCURACY_USEC USEC_PER_SEC
/* A handshake that took a little longer than its timeout is as stalled. */
#define HANDSHAKE_ACCURACY_USEC (USEC_PER_SEC / 10)
/* How long accepting pauses when even the reserve descriptor is gone. */
#define ACCEPT_PAUSE_USEC (USEC_PER_SEC / 4)

struct conn {
	struct listener *l;
	struct conn *prev, *next; /* most recently active first */
	uint64_t active_usec;	  /* CLOCK_MONOTONIC: accepted or last read data */
	int fd;
	sd_event_source *src;
	uint32_t events;	    /* what src waits for: EPOLLIN, or EPOLLOUT for TLS */
	struct tls_session *tls;    /* NULL: plain TCP */
	sd_event_source *handshake; /* TLS: the handshake's deadline, until it is done */
	struct framer fr;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	char source[INET6_ADDRSTRLEN];
};

/* The time this loop iteration began: no clock call per read. */
static uint64_t
loop_now(struct inputs *in)
{
	uint64_t now = 0;

	sd_event_now(in->d->event, CLOCK_MONOTONIC, &now);
	return now;
}

/* Arm one of l's one-shot CLOCK_MONOTONIC timers, made on first use. */
static int
timer_arm(struct listener *l, sd_event_source **s, uint64_t when, uint64_t accuracy,
    sd_event_time_handler_t cb)
{
	int r;

	if (*s == NULL)
		return sd_event_add_time(l->in->d->event, s, CLOCK_MONOTONIC, when, accuracy, cb, l);
	if ((r = sd_event_source_set_time(*s, when)) < 0)
		return r;
	return sd_event_source_set_enabled(*s, SD_EVENT_ONESHOT);
}

static void
conn_unlink(struct conn *c)
{
	struct listener *l = c->l;

	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->oldest = c->prev;
	c->prev = c->next = NULL;
}

static void
conn_link_first(struct conn *c)
{
	struct listener *l = c->l;

	c->next = l->conns;
	if (l->conns)
		l->conns->prev = c;
	else
		l->oldest = c;
	l->conns = c;
}

/* Data came in: to the front, so that the list stays ordered by activity. */
static void
conn_touch(struct conn *c, uint64_t now)
{
	c->active_usec = now;
	if (c != c->l->conns) {
		conn_unlink(c);
		conn_link_first(c);
	}
}

static void
conn_close(struct conn *c)
{
	struct listener *l = c->l;

	conn_unlink(c);
	conn_limit_release(l->per_source, &c->peer);
	sd_event_source_disable_unref(c->src);
	sd_event_source_disable_unref(c->handshake);
	tls_session_free(c->tls);
	close(c->fd);
	framer_free(&c->fr);
	l->info.connections--;
	free(c);
}

struct frame_ctx {
	struct conn *c;
	int64_t now;
};

static void
frame_cb(const char *msg, size_t len, bool cut, void *arg)
{
	struct frame_ctx *fc = arg;
	struct conn *c = fc->c;

	input_syslog_deliver(c->l, msg, len, cut, &c->peer, c->peerlen, c->source, fc->now);
}

/*
 * The end of a stream, at the peer's EOF or at our idle timeout.  In LF
 * framing only the LF ends a message, and a sender may write its last one
 * without it and then keep the connection open: after an idle timeout
 * that message is as complete as it would be at EOF, so it is delivered
 * the same way.  A partial octet-counted frame is short by its own count
 * and framer_finish drops it in both cases.
 */
static void
conn_end(struct conn *c)
{
	struct frame_ctx fc = { .c = c, .now = now_realtime_usec() };

	framer_finish(&c->fr, frame_cb, &fc);
	conn_close(c);
}

static int idle_cb(sd_event_source *s, uint64_t usec, void *userdata);

/*
 * Arm the idle timer for the oldest connection's deadline, or turn it off.
 * Reads move connections to the front without touching the timer, which
 * then fires early, finds the oldest still within its time and is armed
 * again; at IDLE_ACCURACY_USEC that is about one wakeup a second at most.
 */
static void
idle_arm(struct listener *l)
{
	int r;

	if (l->c.idle_timeout == 0 || l->oldest == NULL) {
		sd_event_source_set_enabled(l->idle, SD_EVENT_OFF);
		return;
	}
	r = timer_arm(l, &l->idle, l->oldest->active_usec + (uint64_t)l->c.idle_timeout,
	    IDLE_ACCURACY_USEC, idle_cb);
	if (r < 0)
		log_ratelimited(&l->in->rl, "%s: cannot arm the idle timer, idle connections stay "
		    "open: %s", l->c.name, strerror(-r));
}

static int
idle_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct listener *l = userdata;
	uint64_t now = loop_now(l->in);
	struct conn *c;

	while ((c = l->oldest) != NULL && l->c.idle_timeout > 0 &&
	    now - c->active_usec >= (uint64_t)l->c.idle_timeout) {
		l->info.idle_closed++;
		log_debug("%s: closing the idle connection from %s", l->c.name, c->source);
		conn_end(c);
	}
	idle_arm(l);
	return 0;
}

/* TLS asks for the socket to be writable now and then, in a handshake or a read. */
static void
conn_want(struct conn *c, uint32_t events)
{
	if (events != c->events && sd_event_source_set_io_events(c->src, events) >= 0)
		c->events = events;
}

/* Bytes from the connection: > 0, 0 at its end, or -EAGAIN while none wait. */
static ssize_t
conn_read(struct conn *c, char *buf, size_t size)
{
	uint32_t events = EPOLLIN;
	ssize_t n;

	if (c->tls == NULL) {
		if ((n = read(c->fd, buf, size)) < 0)
			return errno == EAGAIN || errno == EINTR ? -EAGAIN : 0;
		return n;
	}
	n = tls_session_read(c->tls, buf, size, &events);
	conn_want(c, n == -EAGAIN ? events : EPOLLIN);
	return n;
}

/*
 * Decrypted bytes held inside the TLS session: the socket will not wake us
 * for them, so they are read before yielding.  A read takes a whole record
 * (TCP_READ_SIZE is TLS's largest), so this is rare and short.
 */
static bool
conn_pending(const struct conn *c)
{
	return c->tls != NULL && tls_session_pending(c->tls);
}

static int
handshake_timeout_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct conn *c = userdata;
	struct listener *l = c->l;

	l->info.tls_handshake_timeouts++;
	log_ratelimited(&l->in->rl_limits, "%s: closing the connection from %s: no TLS handshake "
	    "within %lld ms", l->c.name, c->source, l->c.tls.handshake_timeout / USEC_PER_MSEC);
	conn_close(c);
	return 0;
}

/* A TLS connection starts with its handshake, which must end before the timer. */
static int
conn_tls_start(struct conn *c)
{
	struct listener *l = c->l;
	int r;

	if ((r = tls_session_new(l->tls, c->fd, &c->tls)) < 0)
		return r;
	return sd_event_add_time(l->in->d->event, &c->handshake, CLOCK_MONOTONIC,
	    loop_now(l->in) + (uint64_t)l->c.tls.handshake_timeout, HANDSHAKE_ACCURACY_USEC,
	    handshake_timeout_cb, c);
}

/* 1 when the handshake is done and data may be read; else 0, and c may be closed. */
static int
conn_handshake(struct conn *c)
{
	struct listener *l = c->l;
	uint32_t events = EPOLLIN;
	char why[256];
	int r = tls_session_handshake(c->tls, &events, why, sizeof(why));

	if (r == 0) {
		conn_want(c, events);
		return 0;
	}
	if (r == -ENODATA) {
		conn_close(c); /* a port check is no failure: neither counted nor logged */
		return 0;
	}
	if (r < 0) {
		l->info.tls_handshake_failures++;
		log_ratelimited(&l->in->rl_limits, "%s: TLS handshake with %s failed: %s",
		    l->c.name, c->source, why);
		conn_close(c);
		return 0;
	}
	c->handshake = sd_event_source_disable_unref(c->handshake);
	conn_want(c, EPOLLIN);
	return 1;
}

static int
conn_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct conn *c = userdata;
	struct frame_ctx fc = { .c = c };
	char *buf = c->l->in->tcpbuf;

	int64_t start = now_monotonic_usec();

	if (c->handshake != NULL && conn_handshake(c) == 0)
		return 0;
	for (int i = 0;; i++) {
		if (i > 0 && !conn_pending(c) &&
		    (i >= TCP_READS || now_monotonic_usec() - start >= INPUT_DISPATCH_USEC))
			break;
		ssize_t n = conn_read(c, buf, TCP_READ_SIZE);
		if (n == -EAGAIN) {
			input_priority_after(s, true, &c->l->info.backlogged);
			return 0;
		}
		if (n <= 0) {
			conn_end(c);
			return 0;
		}
		conn_touch(c, loop_now(c->l->in));
		fc.now = now_realtime_usec();
		if (framer_feed(&c->fr, buf, (size_t)n, frame_cb, &fc) < 0) {
			c->l->info.bad_frames++;
			log_ratelimited(&c->l->in->rl, "%s: closing the connection from %s: "
			    "bad RFC 6587 octet count", c->l->c.name, c->source);
			conn_close(c);
			return 0;
		}
	}
	input_priority_after(s, false, &c->l->info.backlogged); /* its share read, more may wait */
	return 0;
}

/* With a reset: the sender learns at once, and a flood leaves no TIME_WAIT here. */
static void
refuse(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* 0 when the connection may be taken; else it is counted and logged, and -EUSERS. */
static int
conn_admit(struct listener *l, const struct sockaddr_storage *ss)
{
	char src[INET6_ADDRSTRLEN];

	if (l->info.connections >= l->c.max_connections) {
		l->info.refused++;
		log_ratelimited(&l->in->rl_limits, "%s: refusing a connection: max-connections %u "
		    "reached", l->c.name, l->c.max_connections);
		return -EUSERS;
	}
	if (conn_limit_take(l->per_source, ss, l->c.max_per_source) < 0) {
		l->info.refused_per_source++;
		sockaddr_text(ss, src, sizeof(src));
		log_ratelimited(&l->in->rl_limits, "%s: refusing a connection from %s: "
		    "max-connections-per-source %u reached", l->c.name, src, l->c.max_per_source);
		return -EUSERS;
	}
	return 0;
}

static void
conn_accept(struct listener *l, int fd, const struct sockaddr_storage *ss, socklen_t len)
{
	struct conn *c;

	if (conn_admit(l, ss) < 0) {
		refuse(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->l = l;
	c->fd = fd;
	c->events = EPOLLIN;
	c->active_usec = loop_now(l->in);
	memcpy(&c->peer, ss, len);
	c->peerlen = len;
	sockaddr_text(ss, c->source, sizeof(c->source));
	framer_init(&c->fr, l->c.max_message);
	conn_link_first(c);
	l->info.connections++;
	if (sd_event_add_io(l->in->d->event, &c->src, fd, EPOLLIN, conn_cb, c) < 0 ||
	    sd_event_source_set_priority(c->src, INPUT_PRIORITY) < 0 ||
	    (l->tls != NULL && conn_tls_start(c) < 0)) {
		conn_close(c);
		return;
	}
	if (l->oldest == c)
		idle_arm(l); /* the only one: the timer was off */
}

/* Any descriptor will do as the reserve; /dev/null is there in every sandbox. */
static int
reserve_open(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static int
resume_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct listener *l = userdata;

	sd_event_source_set_enabled(l->src, SD_EVENT_ON);
	return 0;
}

/* Queued connections wait in the backlog meanwhile. */
static void
accept_pause(struct listener *l)
{
	log_ratelimited(&l->in->rl_limits, "%s: out of file descriptors or memory, not "
	    "accepting for %lld ms", l->c.name, ACCEPT_PAUSE_USEC / USEC_PER_MSEC);
	/* Without the timer to turn it on again, spinning beats going deaf. */
	if (timer_arm(l, &l->resume, loop_now(l->in) + ACCEPT_PAUSE_USEC, 0, resume_cb) >= 0)
		sd_event_source_set_enabled(l->src, SD_EVENT_OFF);
}

/*
 * Out of descriptors, a queued connection keeps the listening socket
 * readable and the loop would spin on it.  Give back the reserve
 * descriptor for a moment to take that connection and refuse it; when
 * that fails or the reserve cannot be had back, pause accepting.  0 to go
 * on accepting, or -errno.
 */
static int
accept_shed(struct listener *l, int lfd)
{
	struct inputs *in = l->in;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char src[INET6_ADDRSTRLEN];
	int fd, err = 0;

	if (in->reserve_fd >= 0)
		close(in->reserve_fd);
	if ((fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC)) < 0)
		err = errno;
	else {
		l->info.refused++;
		sockaddr_text(&ss, src, sizeof(src));
		log_ratelimited(&in->rl_limits, "%s: refusing a connection from %s: out of file "
		    "descriptors", l->c.name, src);
		refuse(fd);
	}
	in->reserve_fd = reserve_open();
	if (err == EAGAIN || err == EINTR || err == ECONNABORTED)
		return -err; /* the queue is empty after all */
	if (fd >= 0 && in->reserve_fd >= 0)
		return 0;
	accept_pause(l);
	return -EMFILE;
}

static int
accept_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct listener *l = userdata;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int cfd = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0) {
			conn_accept(l, cfd, &ss, len);
			continue;
		}
		int err = errno;
		if (err == EMFILE || err == ENFILE) {
			if (accept_shed(l, fd) == 0)
				continue;
		} else if (err == ENOBUFS || err == ENOMEM)
			accept_pause(l); /* the connection stays queued: retrying would spin */
		else if (err != EAGAIN && err != EINTR && err != ECONNABORTED)
			log_ratelimited(&l->in->rl, "%s: accept: %s", l->c.name, strerror(err));
		break;
	}
	return 0;
}

int
input_tcp_start(struct listener *l)
{
	l->per_source = conn_limit_new(l->in->seed);
	return sd_event_add_io(l->in->d->event, &l->src, l->fd, EPOLLIN, accept_cb, l);
}

void
input_tcp_stop(struct listener *l)
{
	while (l->conns)
		conn_close(l->conns);
	l->idle = sd_event_source_disable_unref(l->idle);
	l->resume = sd_event_source_disable_unref(l->resume);
	conn_limit_free(l->per_source);
	l->per_source = NULL;
	tls_ctx_free(l->tls);
	l->tls = NULL;
}

int
input_tcp_tls(struct listener *l, const struct conf_listen *c, char **cause)
{
	struct tls_ctx *ctx;
	int r;

	if ((r = tls_ctx_new(&c->tls, &ctx, cause)) < 0)
		return r;
	/* Open sessions hold the old context until they close. */
	tls_ctx_free(l->tls);
	l->tls = ctx;
	l->info.tls_not_after = tls_ctx_not_after(ctx);
	l->c.tls.verify = c->tls.verify;
	l->c.tls.handshake_timeout = c->tls.handshake_timeout;
	return 0;
}

void
input_tcp_update(struct listener *l, const struct conf_listen *c)
{
	bool rearm = l->c.idle_timeout != c->idle_timeout;
	char *cause = NULL;

	l->c.max_connections = c->max_connections;
	l->c.max_per_source = c->max_per_source;
	l->c.idle_timeout = c->idle_timeout;
	if (rearm)
		idle_arm(l);
	if (c->proto != LISTEN_TLS)
		return;
	/* The files were loaded at the config's check; only a change since fails here. */
	if (input_tcp_tls(l, c, &cause) < 0) {
		log_warnx("%s: keeping the previous certificate: %s", l->c.name, cause);
		free(cause);
	} else {
		char until[40];
		format_rfc3339(l->info.tls_not_after * USEC_PER_SEC, until, sizeof(until));
		log_info("%s: certificate and key reloaded from %s, valid until %s", l->c.name,
		    c->tls.certificate, until);
	}
}

void
input_tcp_init(struct inputs *in)
{
	in->tcpbuf = xmalloc(TCP_READ_SIZE);
	in->rl_limits.interval_usec = 10 * USEC_PER_SEC;
	in->reserve_fd = reserve_open();
	/* Only to spread addresses over buckets: a weak seed is better than a fatal error. */
	if (getrandom(&in->seed, sizeof(in->seed), GRND_NONBLOCK) != sizeof(in->seed))
		in->seed = (uint64_t)now_realtime_usec() ^ (uint64_t)getpid();
}

void
input_tcp_fini(struct inputs *in)
{
	if (in->reserve_fd >= 0)
		close(in->reserve_fd);
	in->reserve_fd = -1;
	free(in->tcpbuf);
	in->tcpbuf = NULL;
}
