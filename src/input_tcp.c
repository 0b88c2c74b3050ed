/*
 * input_tcp.c - TCP connections of the syslog listeners: accepted up to
 * max-connections, each read through its own RFC 6587 framer.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "framing.h"
#include "input_syslog_int.h"
#include "input_tcp.h"
#include "log.h"
#include "util.h"

#define TCP_READ_SIZE (64 * 1024)
#define TCP_READS     16 /* reads per wakeup per connection */

struct conn {
	struct listener *l;
	struct conn *prev, *next;
	int fd;
	sd_event_source *src;
	struct framer fr;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	char source[INET6_ADDRSTRLEN];
};

static void
conn_close(struct conn *c)
{
	struct listener *l = c->l;

	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	sd_event_source_disable_unref(c->src);
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

static int
conn_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct conn *c = userdata;
	struct frame_ctx fc = { .c = c };
	char *buf = c->l->in->tcpbuf;

	for (int i = 0; i < TCP_READS; i++) {
		ssize_t n = read(fd, buf, TCP_READ_SIZE);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		fc.now = now_realtime_usec();
		if (n <= 0) {
			framer_finish(&c->fr, frame_cb, &fc);
			conn_close(c);
			return 0;
		}
		if (framer_feed(&c->fr, buf, (size_t)n, frame_cb, &fc) < 0) {
			c->l->info.bad_frames++;
			log_ratelimited(&c->l->in->rl, "%s: closing the connection from %s: "
			    "bad RFC 6587 octet count", c->l->c.name, c->source);
			conn_close(c);
			return 0;
		}
	}
	return 0;
}

static void
conn_accept(struct listener *l, int fd, const struct sockaddr_storage *ss, socklen_t len)
{
	struct conn *c;

	if (l->info.connections >= l->c.max_connections) {
		l->info.refused++;
		log_ratelimited(&l->in->rl, "%s: refusing a connection: max-connections %u reached",
		    l->c.name, l->c.max_connections);
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->l = l;
	c->fd = fd;
	memcpy(&c->peer, ss, len);
	c->peerlen = len;
	sockaddr_text(ss, c->source, sizeof(c->source));
	framer_init(&c->fr, l->c.max_message);
	if (sd_event_add_io(l->in->d->event, &c->src, fd, EPOLLIN, conn_cb, c) < 0) {
		framer_free(&c->fr);
		close(fd);
		free(c);
		return;
	}
	c->next = l->conns;
	if (l->conns)
		l->conns->prev = c;
	l->conns = c;
	l->info.connections++;
}

static int
accept_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct listener *l = userdata;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int cfd = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_ratelimited(&l->in->rl, "%s: accept: %s", l->c.name, strerror(errno));
			break;
		}
		conn_accept(l, cfd, &ss, len);
	}
	return 0;
}

int
input_tcp_start(struct listener *l)
{
	return sd_event_add_io(l->in->d->event, &l->src, l->fd, EPOLLIN, accept_cb, l);
}

void
input_tcp_stop(struct listener *l)
{
	while (l->conns)
		conn_close(l->conns);
}

void
input_tcp_init(struct inputs *in)
{
	in->tcpbuf = xmalloc(TCP_READ_SIZE);
}

void
input_tcp_fini(struct inputs *in)
{
	free(in->tcpbuf);
	in->tcpbuf = NULL;
}
