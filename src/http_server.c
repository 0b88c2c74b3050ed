/*
 * http_server.c - libmicrohttpd on the sd-event loop.
 *
 * MHD runs with its own epoll set and no thread of its own; that set's
 * descriptor is watched by the loop, which calls MHD_run() when it is
 * readable and when MHD's next timeout (idle connections) comes.  Each
 * request is answered at once by the handler; request bodies are read and
 * thrown away (the forms post nothing that matters), within MHD's
 * per-connection memory limit.  max-connections is kept here, not by MHD,
 * whose own limit only stops accepting (the kernel's backlog then fills
 * unseen): one past it is accepted, closed at once and counted.
 */
#include "config.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_server.h"
#include "log.h"
#include "util.h"

#define CONNECTION_TIMEOUT_S 10	       /* a slow client holds a slot no longer */
#define CONNECTION_MEMORY    (32 * 1024) /* headers and body, per connection */
#define PER_ADDRESS_MAX	     16

struct http_server {
	struct MHD_Daemon *mhd;
	sd_event_source *io, *timer;
	http_handler handler;
	void *arg;
	unsigned max;
	struct http_server_stats stats;
	struct log_ratelimit rl;
};

static void
arm(struct http_server *s)
{
	MHD_UNSIGNED_LONG_LONG ms = 0;
	uint64_t now = 0;

	if (MHD_get_timeout(s->mhd, &ms) != MHD_YES) {
		sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
		return;
	}
	sd_event_now(sd_event_source_get_event(s->timer), CLOCK_MONOTONIC, &now);
	sd_event_source_set_time(s->timer, now + (uint64_t)ms * 1000);
	sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static void
run(struct http_server *s)
{
	MHD_run(s->mhd);
	arm(s);
}

static int
on_io(sd_event_source *src, int fd, uint32_t revents, void *arg)
{
	run(arg);
	return 0;
}

static int
on_timer(sd_event_source *src, uint64_t usec, void *arg)
{
	run(arg);
	return 0;
}

static enum MHD_Result
queue(struct MHD_Connection *c, struct http_reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(r->body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", r->type ? r->type : "text/plain; charset=utf-8");
	/* The links carry their token in the path: nothing may keep or pass it on. */
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
	if (r->allow != NULL)
		MHD_add_response_header(resp, "Allow", r->allow);
	ret = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Called for the headers, for each piece of body, and once more at its end. */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	static int seen_headers;
	struct http_server *s = cls;
	struct http_request rq = { .method = method, .path = url };
	struct http_reply r = { .status = 500 };

	if (*con_cls == NULL) {
		*con_cls = &seen_headers;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	s->stats.requests++;
	s->handler(s->arg, &rq, &r);
	return queue(c, &r);
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("http: %s", buf);
}

/* Before MHD takes a connection on: closed at once when max-connections are open. */
static enum MHD_Result
on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct http_server *s = cls;

	if (s->stats.connections < s->max)
		return MHD_YES;
	s->stats.refused++;
	log_ratelimited(&s->rl, "http: %u connections open (max-connections), closing a new one",
	    s->max);
	return MHD_NO;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		s->stats.connections++;
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED && s->stats.connections > 0)
		s->stats.connections--;
}

int
http_server_bind(const struct sockaddr *sa, socklen_t salen)
{
	int fd, one = 1, r;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 0 }, sizeof(int));
	if (bind(fd, sa, salen) < 0 || listen(fd, 64) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int
http_server_new(sd_event *event, int fd, unsigned max_connections, http_handler handler,
    void *arg, struct http_server **out)
{
	struct http_server *s = xcalloc(1, sizeof(*s));
	const union MHD_DaemonInfo *info;
	int r = -ENOMEM;

	s->handler = handler;
	s->arg = arg;
	s->max = max_connections;
	s->rl.interval_usec = 60 * USEC_PER_SEC;
	/* One more for MHD than we serve: the one on_accept refuses. */
	s->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, on_accept, s, on_request, s,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    MHD_OPTION_CONNECTION_LIMIT, max_connections + 1,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_ADDRESS_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_END);
	if (s->mhd == NULL) {
		close(fd);
		free(s);
		return -EINVAL;
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL ||
	    (r = sd_event_add_io(event, &s->io, info->epoll_fd, EPOLLIN, on_io, s)) < 0 ||
	    (r = sd_event_add_time(event, &s->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_timer,
	     s)) < 0) {
		http_server_free(s);
		return r < 0 ? r : -EINVAL;
	}
	arm(s);
	*out = s;
	return 0;
}

void
http_server_free(struct http_server *s)
{
	if (s == NULL)
		return;
	sd_event_source_disable_unref(s->io);
	sd_event_source_disable_unref(s->timer);
	if (s->mhd != NULL)
		MHD_stop_daemon(s->mhd); /* closes the listening socket too */
	free(s);
}

void
http_server_get_stats(const struct http_server *s, struct http_server_stats *st)
{
	*st = s->stats;
}
