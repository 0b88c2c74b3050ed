/*
 * input_syslog.c - the syslog listeners.  UDP and the unix datagram socket
 * read in recvmmsg batches straight into per-slot buffers; TCP connections
 * are input_tcp.c's.  Every message is parsed and submitted to
 * the pipeline before the next is read, so nothing waits in memory.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/sock_diag.h>

#include "conf.h"
#include "conf_listen.h"
#include "daemon.h"
#include "event.h"
#include "input_syslog.h"
#include "input_priority.h"
#include "input_syslog_int.h"
#include "input_tcp.h"
#include "listenfds.h"
#include "log.h"
#include "parse_syslog.h"
#include "pipeline.h"
#include "statedir.h"
#include "util.h"

#define UDP_VLEN	  32  /* datagrams per recvmmsg */
#define UDP_ROUNDS	  32  /* recvmmsg calls per wakeup before yielding to the loop */
static void
info_init(struct listener *l)
{
	l->info.name = l->c.name;
	l->info.proto = conf_listen_proto_name(l->c.proto);
	l->info.stream = conf_listen_is_stream(&l->c);
	l->info.address = l->c.address;
}

void
input_syslog_deliver(struct listener *l, const char *msg, size_t len, bool cut,
    const struct sockaddr_storage *src, socklen_t srclen, const char *source, int64_t now)
{
	struct inputs *in = l->in;
	struct event *ev = &in->ev;

	event_reset(ev, len + 64);
	ev->recv_usec = now;
	ev->listener = l->c.name;
	ev->charset = l->c.charset;
	ev->raw = str_make(msg, len);
	if (src != NULL) {
		memcpy(&ev->src, src, srclen);
		ev->srclen = srclen;
		ev->source = str_make(source, strlen(source));
		ev->host = ev->source;
	} else {
		const char *h = in->d->conf->hostname;
		ev->source = STR_LIT("local");
		ev->host = str_make(h, strlen(h));
	}
	in->pctx.now_usec = now;
	parse_syslog(ev, msg, len, &in->pctx);
	if (cut)
		ev->flags |= EVENT_TRUNCATED;
	l->info.received++;
	if (ev->flags & EVENT_MALFORMED)
		l->info.malformed++;
	if (cut)
		l->info.truncated++;
	pipeline_submit(in->d->pipeline, ev);
}

/* inet_ntop once per sender burst, not per datagram. */
static const char *
source_text(struct listener *l, const struct sockaddr_storage *ss, socklen_t len)
{
	if (len > sizeof(l->last_src) || memcmp(&l->last_src, ss, len) != 0) {
		memset(&l->last_src, 0, sizeof(l->last_src));
		memcpy(&l->last_src, ss, len);
		sockaddr_text(ss, l->last_source, sizeof(l->last_source));
	}
	return l->last_source;
}

/*
 * The kernel's running count of drops on the socket, from a datagram's
 * SO_RXQ_OVFL or from SO_MEMINFO; a datagram queued before the last look
 * carries an older value, which adds nothing.
 */
static void
note_drops(struct listener *l, uint32_t v)
{
	if ((int32_t)(v - l->kernel_drops) <= 0)
		return;
	l->info.dropped += v - l->kernel_drops;
	l->kernel_drops = v;
}

/*
 * The kernel's drop count, and when the datagram arrived: its time in the
 * socket's queue counts towards a line's latency, so it is the kernel's
 * time, not the read's (which stays when the kernel gives none).
 */
static int64_t
read_cmsgs(struct listener *l, struct msghdr *mh, int64_t read_at)
{
	int64_t at = read_at;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
			uint32_t v;
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			note_drops(l, v);
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP) {
			struct timeval tv;
			memcpy(&tv, CMSG_DATA(c), sizeof(tv));
			int64_t t = (int64_t)tv.tv_sec * USEC_PER_SEC + tv.tv_usec;
			if (t > 0 && t <= read_at)
				at = t;
		}
	}
	return at;
}

static void
dgram_prepare(struct listener *l, int i)
{
	struct msghdr *mh = &l->msgs[i].msg_hdr;

	l->iov[i].iov_base = l->bufs + (size_t)i * l->c.max_message;
	l->iov[i].iov_len = l->c.max_message;
	mh->msg_iov = &l->iov[i];
	mh->msg_iovlen = 1;
	mh->msg_name = &l->addrs[i];
	mh->msg_namelen = sizeof(l->addrs[i]);
	mh->msg_control = l->cmsgs[i];
	mh->msg_controllen = sizeof(l->cmsgs[i]);
	mh->msg_flags = 0;
}

static int
dgram_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct listener *l = userdata;

	int64_t start = now_monotonic_usec();
	bool drained = false;

	for (int round = 0; round < UDP_ROUNDS && !drained; round++) {
		if (round > 0 && now_monotonic_usec() - start >= INPUT_DISPATCH_USEC)
			break;
		for (int i = 0; i < UDP_VLEN; i++)
			dgram_prepare(l, i);
		int n = recvmmsg(fd, l->msgs, UDP_VLEN, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_ratelimited(&l->in->rl, "%s: recvmmsg: %s", l->c.name, strerror(errno));
			drained = true;
			break;
		}
		int64_t now = now_realtime_usec();
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &l->msgs[i].msg_hdr;
			bool cut = (mh->msg_flags & MSG_TRUNC) != 0;
			const struct sockaddr_storage *ss = NULL;
			const char *source = NULL;
			if (l->c.proto == LISTEN_UDP && mh->msg_namelen > 0) {
				ss = &l->addrs[i];
				source = source_text(l, ss, mh->msg_namelen);
			}
			int64_t at = read_cmsgs(l, mh, now);
			input_syslog_deliver(l, l->iov[i].iov_base, l->msgs[i].msg_len, cut, ss,
			    mh->msg_namelen, source, at);
		}
		drained = n < UDP_VLEN;
	}
	input_priority_after(s, drained, &l->info.backlogged);
	return 0;
}

static int
sock_options(struct listener *l, int fd)
{
	int one = 1, zero = 0;

	/*
	 * A passed socket is bound already; the unit decided these.  TCP only:
	 * a restart must bind while old connections sit in TIME_WAIT, while
	 * on UDP it would let a second process bind the port and take a share
	 * of the datagrams.
	 */
	if (conf_listen_is_stream(&l->c) && !l->adopted)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l->c.sa.ss_family == AF_INET6 && !l->adopted) {
		/* "[::]" means every address, IPv4 included, whatever the sysctl says. */
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&l->c.sa;
		int v6only = IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr) ? zero : one;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	}
	if (!conf_listen_is_stream(&l->c)) {
		setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one));
		if (l->c.rcvbuf > 0) {
			int v = l->c.rcvbuf > INT32_MAX ? INT32_MAX : (int)l->c.rcvbuf;
			if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
			    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
				return -errno;
		}
	}
	return 0;
}

/* Unix listeners carry only a path in the config; the address is built here. */
static int
unix_address(struct listener *l)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&l->c.sa;

	if (strlen(l->c.address) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memset(&l->c.sa, 0, sizeof(l->c.sa));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, l->c.address, strlen(l->c.address) + 1);
	l->c.salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(l->c.address) + 1);
	return 0;
}

/*
 * The socket the service manager passed for this listener, by name or
 * address: 1 when adopted, 0 when there is none, -errno.
 */
static int
sock_adopt(struct listener *l, int type, char **cause)
{
	int fd, r;

	fd = listenfds_take(l->in->d->listenfds, l->c.name, type, (struct sockaddr *)&l->c.sa,
	    l->c.salen);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0) {
		xasprintf(cause, "%s:%d: the passed socket '%s' is not a %s socket", l->c.file,
		    l->c.line, l->c.name, type == SOCK_STREAM ? "stream" : "datagram");
		return fd;
	}
	l->adopted = true;
	l->fd = fd;
	if ((r = sock_options(l, fd)) < 0) {
		xasprintf(cause, "%s:%d: cannot set options on the passed socket for %s: %s",
		    l->c.file, l->c.line, l->c.address, strerror(-r));
		return r;
	}
	if (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0) {
		r = -errno;
		xasprintf(cause, "%s:%d: cannot listen on the passed socket for %s: %s", l->c.file,
		    l->c.line, l->c.address, strerror(errno));
		return r;
	}
	return 1;
}

static int
sock_bind(struct listener *l, char **cause)
{
	int type = conf_listen_is_stream(&l->c) ? SOCK_STREAM : SOCK_DGRAM;
	int family = l->c.proto == LISTEN_UNIX ? AF_UNIX : l->c.sa.ss_family;
	int fd = -1;
	int r;

	if (l->c.proto == LISTEN_UNIX && (r = unix_address(l)) < 0) {
		errno = -r;
		goto fail;
	}
	if ((r = sock_adopt(l, type, cause)) != 0)
		return r < 0 ? r : 0;
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if ((r = sock_options(l, fd)) < 0) {
		errno = -r;
		goto fail;
	}
	if (l->c.proto == LISTEN_UNIX) {
		/*
		 * A socket file left by a run that crashed would make bind fail;
		 * the state dir's lock says no other triaged is using it.
		 */
		struct stat st;
		if ((r = statedir_make_socket_dir(l->in->d->statedir, l->c.address)) < 0) {
			errno = -r;
			goto fail;
		}
		if (lstat(l->c.address, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(l->c.address);
	}
	if (bind(fd, (struct sockaddr *)&l->c.sa, l->c.salen) < 0)
		goto fail;
	if (l->c.proto == LISTEN_UNIX)
		chmod(l->c.address, 0666); /* like /dev/log: any local program may log */
	if (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)
		goto fail;
	l->fd = fd;
	return 0;
fail:
	r = -errno;
	xasprintf(cause, "%s:%d: cannot listen on %s %s: %s", l->c.file, l->c.line,
	    l->info.proto, l->c.address, strerror(errno));
	if (fd >= 0)
		close(fd);
	return r;
}

static void
dgram_alloc(struct listener *l)
{
	l->msgs = xcalloc(UDP_VLEN, sizeof(*l->msgs));
	l->iov = xcalloc(UDP_VLEN, sizeof(*l->iov));
	l->addrs = xcalloc(UDP_VLEN, sizeof(*l->addrs));
	l->cmsgs = xcalloc(UDP_VLEN, sizeof(*l->cmsgs));
	l->bufs = xreallocarray(NULL, UDP_VLEN, l->c.max_message);
}

static void
listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	input_tcp_stop(l);
	sd_event_source_disable_unref(l->src);
	if (l->fd >= 0)
		close(l->fd);
	if (l->c.proto == LISTEN_UNIX && l->fd >= 0 && !l->adopted)
		unlink(l->c.address);
	free(l->msgs);
	free(l->iov);
	free(l->addrs);
	free(l->cmsgs);
	free(l->bufs);
	free(l->c.name);
	free(l->c.address);
	free(l->c.file);
	free(l);
}

static int
listener_open(struct inputs *in, const struct conf_listen *c, struct listener **ret, char **cause)
{
	struct listener *l = xcalloc(1, sizeof(*l));
	char *why = NULL;
	int r;

	l->in = in;
	l->fd = -1;
	l->c = *c;
	l->c.name = xstrdup(c->name);
	l->c.address = xstrdup(c->address);
	l->c.file = xstrdup(c->file ? c->file : "?");
	/* The paths stay the config's: the TLS context has what they held. */
	l->c.tls = (struct conf_tls){ 0 };
	info_init(l);
	if (c->proto == LISTEN_TLS && (r = input_tcp_tls(l, c, &why)) < 0) {
		xasprintf(cause, "%s:%d: %s", l->c.file, l->c.line, why);
		free(why);
		goto fail;
	}
	if ((r = sock_bind(l, cause)) < 0)
		goto fail;
	if (conf_listen_is_stream(c))
		r = input_tcp_start(l);
	else {
		dgram_alloc(l);
		r = sd_event_add_io(in->d->event, &l->src, l->fd, EPOLLIN, dgram_cb, l);
		if (r >= 0)
			r = sd_event_source_set_priority(l->src, INPUT_PRIORITY);
	}
	if (r < 0) {
		xasprintf(cause, "cannot watch %s: %s", c->name, strerror(-r));
		goto fail;
	}
	*ret = l;
	return 0;
fail:
	listener_free(l);
	return r;
}

static struct listener *
listener_find(struct inputs *in, const struct conf_listen *c)
{
	for (struct listener *l = in->listeners; l != NULL; l = l->next)
		if (l->c.proto == c->proto && strcmp(l->c.address, c->address) == 0 &&
		    l->c.max_message == c->max_message)
			return l;
	return NULL;
}

int
inputs_apply(struct inputs *in, const struct conf *conf, char **cause)
{
	struct listener *fresh = NULL, **tail = &fresh, *l, **pl;
	int r;

	for (l = in->listeners; l != NULL; l = l->next)
		l->keep = false;
	for (size_t i = 0; i < conf->nlistens; i++) {
		const struct conf_listen *c = &conf->listens[i];
		if (c->kind != LISTEN_SYSLOG)
			continue;
		if ((l = listener_find(in, c)) != NULL) {
			l->keep = true;
			l->c.charset = c->charset;
			if (conf_listen_is_stream(c))
				input_tcp_update(l, c);
			continue;
		}
		if ((r = listener_open(in, c, &l, cause)) < 0) {
			while ((l = fresh) != NULL) {
				fresh = l->next;
				listener_free(l);
			}
			return r;
		}
		l->keep = true;
		*tail = l; /* keep the config's order, for status */
		tail = &l->next;
	}
	for (pl = &in->listeners; (l = *pl) != NULL;) {
		if (l->keep) {
			pl = &l->next;
			continue;
		}
		log_info("closing listener %s", l->c.name);
		*pl = l->next;
		listener_free(l);
	}
	*pl = fresh;
	for (l = fresh; l != NULL; l = l->next)
		log_info("listening on %s %s%s", l->info.proto, l->c.address,
		    l->adopted ? " (socket passed by the service manager)" : "");
	in->pctx.local_tz_offset_sec = local_tz_offset(now_realtime_usec());
	return 0;
}

int
inputs_new(struct daemon *d, struct inputs **ret)
{
	struct inputs *in = xcalloc(1, sizeof(*in));

	in->d = d;
	in->rl.interval_usec = 10 * USEC_PER_SEC;
	input_tcp_init(in);
	in->pctx.local_tz_offset_sec = local_tz_offset(now_realtime_usec());
	*ret = in;
	return 0;
}

void
inputs_free(struct inputs *in)
{
	struct listener *l;

	if (in == NULL)
		return;
	while ((l = in->listeners) != NULL) {
		in->listeners = l->next;
		listener_free(l);
	}
	event_free(&in->ev);
	input_tcp_fini(in);
	free(in);
}

/*
 * SO_RXQ_OVFL reports the kernel's drop count only with the next datagram
 * read, so drops after the last one would never show: ask the socket.
 */
static void
refresh_drops(struct listener *l)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (conf_listen_is_stream(&l->c) || l->fd < 0 ||
	    getsockopt(l->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0 ||
	    len <= SK_MEMINFO_DROPS * sizeof(mem[0]))
		return;
	note_drops(l, mem[SK_MEMINFO_DROPS]);
}

void
inputs_foreach(struct inputs *in, inputs_info_cb cb, void *arg)
{
	for (struct listener *l = in->listeners; l != NULL; l = l->next) {
		refresh_drops(l);
		cb(&l->info, arg);
	}
}
