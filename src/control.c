/*
 * control.c - serves triagectl.  Requests are short and run on the loop
 * thread; each first commits the open batch so a reply never
 * shows state that is not yet durable.  Clients are hostile until proven
 * otherwise: identity comes from the kernel, requests and replies are
 * bounded, and a client that stops reading or talking is dropped.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "batch.h"
#include "conf.h"
#include "control.h"
#include "control_json.h"
#include "control_peer.h"
#include "control_request.h"
#include "daemon.h"
#include "log.h"
#include "statedir.h"
#include "util.h"

#define CONTROL_MAX_REQUEST (64 * 1024)	       /* bytes of one request line, newline included */
#define CONTROL_MAX_CLIENTS 64
#define CONTROL_MAX_OUTPUT  (64 * 1024 * 1024) /* bytes of one reply */
#define CONTROL_STALL_USEC  (10 * USEC_PER_SEC) /* a reply may sit unread this long */
#define CONTROL_IDLE_USEC   (60 * USEC_PER_SEC) /* a client may ask nothing this long */
#define CONTROL_READ_CHUNK  4096		/* per wakeup, so one client cannot hog the loop */

/* Replies that must go out even when jansson cannot build one. */
#define REPLY_ERROR(msg) "{\"ok\":false,\"error\":\"" msg "\"}"
#define REPLY_TOO_LARGE \
	REPLY_ERROR("request too large: a request line may have at most 65535 bytes")
#define REPLY_TOO_BIG	  REPLY_ERROR("reply larger than 64 MiB; ask for less with --limit")
#define REPLY_UNENCODABLE REPLY_ERROR("internal error: the reply could not be encoded")

/*
 * A person at the control socket is answered before a drain's deliveries
 * go on (after a due commit): `triagectl show` stays quick while 100,000
 * pages go out.  Connections are local and few, so they cannot starve it.
 */
#define CONTROL_PRIORITY (SD_EVENT_PRIORITY_IMPORTANT / 2)

struct client {
	struct control *ctl;
	struct client *next;
	int fd;
	sd_event_source *io, *timer;
	struct control_peer peer;
	char in[CONTROL_MAX_REQUEST];
	size_t inlen;
	char *out; /* one reply at a time: the next request waits until it is sent */
	size_t outlen, outoff, outcap;
	uint64_t last_request, last_progress; /* CLOCK_MONOTONIC usec */
	bool closing;			      /* send what is queued, then hang up */
};

struct control {
	struct daemon *d;
	char *path;
	int fd;
	bool bound; /* the socket file is ours to remove */
	uid_t self; /* the daemon's euid: may act; (uid_t)-1 when that is the overflow uid */
	gid_t overflow_gid; /* never an admin group: every unmapped group shows as it */
	char self_name[CONTROL_NAME_MAX + 1];
	sd_event_source *src;
	sd_event_source *resume; /* re-enables src after a pause for want of descriptors */
	struct client *clients;
	struct control_stats stats;
	struct log_ratelimit rl, rl_refused; /* refusals apart: they must not hide drops */
};

static uint64_t
loop_now(const struct control *ctl)
{
	uint64_t now = 0;

	sd_event_now(ctl->d->event, CLOCK_MONOTONIC, &now);
	return now;
}

static void
client_free(struct client *cl)
{
	struct control *ctl = cl->ctl;

	for (struct client **p = &ctl->clients; *p; p = &(*p)->next)
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	ctl->stats.clients--;
	sd_event_source_disable_unref(cl->io);
	sd_event_source_disable_unref(cl->timer);
	close(cl->fd);
	control_peer_clear(&cl->peer);
	free(cl->out);
	free(cl);
}

static bool
pending(const struct client *cl)
{
	return cl->outoff < cl->outlen;
}

static int
out_append(struct client *cl, const char *p, size_t n)
{
	if (cl->outlen + n > CONTROL_MAX_OUTPUT)
		return -EMSGSIZE;
	if (cl->outlen + n > cl->outcap) {
		cl->outcap = cl->outcap ? cl->outcap : 4096;
		while (cl->outcap < cl->outlen + n)
			cl->outcap *= 2;
		cl->out = xreallocarray(cl->out, cl->outcap, 1);
	}
	memcpy(cl->out + cl->outlen, p, n);
	cl->outlen += n;
	return 0;
}

struct dump {
	struct client *cl;
	bool too_big;
};

static int
dump_cb(const char *buf, size_t size, void *data)
{
	struct dump *dp = data;

	if (out_append(dp->cl, buf, size) == 0)
		return 0;
	dp->too_big = true;
	return -1;
}

/*
 * Queue reply as one line.  Written straight into the output buffer so an
 * oversized reply costs no second copy and stops at the bound; a reply
 * that cannot be encoded (NULL, or text that is not UTF-8) becomes an
 * error reply, logged once.
 */
static void
client_reply(struct client *cl, json_t *reply)
{
	struct dump dp = { .cl = cl };
	const char *fallback = REPLY_TOO_BIG;

	cl->outlen = cl->outoff = 0;
	if (reply != NULL && json_dump_callback(reply, dump_cb, &dp, JSON_COMPACT) == 0 &&
	    dump_cb("\n", 1, &dp) == 0)
		return;
	if (!dp.too_big) {
		fallback = REPLY_UNENCODABLE;
		log_ratelimited(&cl->ctl->rl, "control: a reply to uid %u could not be encoded",
		    (unsigned)cl->peer.uid);
	}
	cl->outlen = 0;
	out_append(cl, fallback, strlen(fallback));
	out_append(cl, "\n", 1);
}

static json_t *
reply_error(const char *msg)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *
refuse(struct client *cl, const struct control_request *rq)
{
	struct control *ctl = cl->ctl;
	const char *group = ctl->d->conf->control_admin_group;
	const char *verb = control_verb_name(rq->verb);
	char *msg;
	json_t *reply;

	ctl->stats.refused_permission++;
	log_ratelimited(&ctl->rl_refused, "control: refused %s from %s, pid %d: not allowed to act",
	    verb, control_peer_actor(&cl->peer), (int)cl->peer.pid);
	if (group != NULL)
		xasprintf(&msg, "permission denied: %s needs root, the triaged user (%s) or a "
				"member of control-admin-group %s; you are %s", verb,
		    ctl->self_name, group, control_peer_actor(&cl->peer));
	else
		xasprintf(&msg, "permission denied: %s needs root or the triaged user (%s), "
				"and no control-admin-group is set; you are %s", verb,
		    ctl->self_name, control_peer_actor(&cl->peer));
	reply = reply_error(msg);
	free(msg);
	return reply;
}

static bool
may_act(const struct control *ctl, const struct control_peer *peer)
{
	const struct conf *conf = ctl->d->conf; /* the running one: a reload applies at once */
	bool admin = conf->control_admin_group && conf->control_admin_gid != ctl->overflow_gid;

	return control_peer_may_act(peer, ctl->self, admin ? &conf->control_admin_gid : NULL);
}

static json_t *
dispatch(struct client *cl, const char *line, size_t len)
{
	struct control *ctl = cl->ctl;
	struct control_request rq;
	char *cause = NULL;
	json_t *reply;
	int r;

	if (control_request_parse(line, len, &rq, &cause) < 0) {
		reply = reply_error(cause);
		free(cause);
		return reply;
	}
	if (control_verb_acting(rq.verb) && !may_act(ctl, &cl->peer))
		reply = refuse(cl, &rq);
	else {
		/*
		 * An acting verb starts from what is durable and commits its own
		 * change.  A reading one reads what is committed and forces no
		 * commit: polling `show` must not turn into an fsync per request.
		 */
		if (control_verb_acting(rq.verb)) { /* who changed what, for the record */
			log_info("control: %s by %s, pid %d", control_verb_name(rq.verb),
			    control_peer_actor(&cl->peer), (int)cl->peer.pid);
			batch_flush(ctl->d->batch);
		}
		reply = control_commands[rq.verb](ctl->d, &rq, &cl->peer);
		/* A person is told it is done when it is durable, as an inform's sender is. */
		if (control_verb_acting(rq.verb) && (r = batch_sync(ctl->d->batch)) < 0)
			log_warnx("control: %s by %s: not made durable yet (%s), retrying",
			    control_verb_name(rq.verb), control_peer_actor(&cl->peer), strerror(-r));
	}
	control_request_clear(&rq);
	return reply;
}

/* Answer one request; the time after, when the client's time to read starts. */
static uint64_t
client_answer(struct client *cl, const char *line, size_t len)
{
	json_t *reply = dispatch(cl, line, len);

	client_reply(cl, reply);
	json_decref(reply);
	/* Not the loop's time: making a big listing may have taken seconds. */
	cl->last_request = cl->last_progress = (uint64_t)now_monotonic_usec();
	return cl->last_progress;
}

/* Send what is queued: 0 (all sent, or the socket is full), or -errno to drop the client. */
static int
client_flush(struct client *cl, uint64_t now)
{
	while (pending(cl)) {
		ssize_t n = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0)
			return -errno;
		cl->outoff += (size_t)n;
		cl->last_progress = now;
	}
	/* Give back what a large reply took. */
	free(cl->out);
	cl->out = NULL;
	cl->outlen = cl->outoff = cl->outcap = 0;
	return 0;
}

/* Take what the socket has, a chunk at a time; at EOF answer what is complete, then close. */
static int
client_read(struct client *cl)
{
	size_t room = sizeof(cl->in) - cl->inlen;
	ssize_t n;

	if (room == 0)
		return 0;
	n = recv(cl->fd, cl->in + cl->inlen, room < CONTROL_READ_CHUNK ? room : CONTROL_READ_CHUNK,
	    MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		cl->closing = true;
	cl->inlen += (size_t)n;
	return 0;
}

/* Answer complete lines while nothing waits to be sent: that is the backpressure. */
static int
client_process(struct client *cl, uint64_t now)
{
	size_t off = 0;
	char *nl;
	int r = 0;

	while (r == 0 && !pending(cl) &&
	    (nl = memchr(cl->in + off, '\n', cl->inlen - off)) != NULL) {
		now = client_answer(cl, cl->in + off, (size_t)(nl - (cl->in + off)));
		off = (size_t)(nl - cl->in) + 1;
		r = client_flush(cl, now);
	}
	memmove(cl->in, cl->in + off, cl->inlen - off);
	cl->inlen -= off;
	if (r == 0 && !pending(cl) && !cl->closing && cl->inlen == sizeof(cl->in)) {
		cl->ctl->stats.too_large++;
		log_ratelimited(&cl->ctl->rl, "control: request over %d bytes from uid %u, pid %d",
		    CONTROL_MAX_REQUEST, (unsigned)cl->peer.uid, (int)cl->peer.pid);
		cl->closing = true;
		out_append(cl, REPLY_TOO_LARGE "\n", strlen(REPLY_TOO_LARGE "\n"));
		cl->last_progress = now;
		r = client_flush(cl, now);
	}
	return r;
}

/* Wait for what the client's state needs, and until when. */
static void
client_arm(struct client *cl)
{
	uint64_t deadline = pending(cl) ? cl->last_progress + CONTROL_STALL_USEC :
					  cl->last_request + CONTROL_IDLE_USEC;

	sd_event_source_set_io_events(cl->io, pending(cl) ? EPOLLOUT : EPOLLIN);
	sd_event_source_set_time(cl->timer, deadline);
	sd_event_source_set_enabled(cl->timer, SD_EVENT_ONESHOT);
}

static int
client_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct client *cl = userdata;
	uint64_t now = loop_now(cl->ctl);
	int r = client_flush(cl, now);

	if (r == 0 && !pending(cl) && !cl->closing && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		r = client_read(cl);
	if (r == 0)
		r = client_process(cl, now);
	if (r < 0 || (cl->closing && !pending(cl)))
		client_free(cl); /* peer gone, done or hostile: nothing more to say */
	else
		client_arm(cl);
	return 0;
}

/* The deadline client_arm() set has passed: the client is stuck or idle. */
static int
client_timer_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct client *cl = userdata;
	struct control *ctl = cl->ctl;
	bool slow = pending(cl);

	if (slow)
		ctl->stats.dropped_slow++;
	else
		ctl->stats.dropped_idle++;
	log_ratelimited(&ctl->rl, "control: dropped the client uid %u, pid %d: %s",
	    (unsigned)cl->peer.uid, (int)cl->peer.pid,
	    slow ? "its replies went unread for 10s" : "no request for 60s");
	client_free(cl);
	return 0;
}

static int
client_new(struct control *ctl, int cfd)
{
	struct client *cl = xcalloc(1, sizeof(*cl));
	uint64_t now = loop_now(ctl);
	int r;

	cl->ctl = ctl;
	cl->fd = cfd;
	cl->last_request = now;
	if ((r = control_peer_read(cfd, &cl->peer)) < 0 ||
	    (r = sd_event_add_io(ctl->d->event, &cl->io, cfd, EPOLLIN, client_cb, cl)) < 0 ||
	    (r = sd_event_source_set_priority(cl->io, CONTROL_PRIORITY)) < 0 ||
	    (r = sd_event_add_time(ctl->d->event, &cl->timer, CLOCK_MONOTONIC,
		 now + CONTROL_IDLE_USEC, USEC_PER_SEC, client_timer_cb, cl)) < 0) {
		sd_event_source_disable_unref(cl->io);
		control_peer_clear(&cl->peer);
		free(cl);
		return r;
	}
	cl->next = ctl->clients;
	ctl->clients = cl;
	ctl->stats.clients++;
	return 0;
}

#define ACCEPT_PAUSE (250 * USEC_PER_MSEC)

static int
resume_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct control *ctl = userdata;

	sd_event_source_set_enabled(ctl->src, SD_EVENT_ON);
	return 0;
}

/*
 * Out of descriptors or memory, the client stays queued and the socket
 * readable: accepting again at once would spin the loop, so pause.
 */
static void
accept_failed(struct control *ctl, int err)
{
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	log_ratelimited(&ctl->rl, "control: cannot accept a client: %s, pausing for 250ms",
	    strerror(err));
	if (sd_event_source_set_time_relative(ctl->resume, ACCEPT_PAUSE) >= 0 &&
	    sd_event_source_set_enabled(ctl->resume, SD_EVENT_ONESHOT) >= 0)
		sd_event_source_set_enabled(ctl->src, SD_EVENT_OFF);
}

static int
accept_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct control *ctl = userdata;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int r;

	if (cfd < 0) {
		accept_failed(ctl, errno);
		return 0;
	}
	if (ctl->stats.clients >= CONTROL_MAX_CLIENTS) {
		ctl->stats.refused_busy++;
		log_ratelimited(&ctl->rl, "control: %d clients connected, refusing another",
		    CONTROL_MAX_CLIENTS);
		close(cfd);
		return 0;
	}
	if ((r = client_new(ctl, cfd)) < 0) {
		log_ratelimited(&ctl->rl, "control: cannot take a client: %s", strerror(-r));
		close(cfd);
	}
	return 0;
}

/*
 * Hand the socket file to control-group.  Not being allowed to is fatal:
 * falling back to the daemon's group would let the wrong people in or keep
 * the right ones out.
 */
static int
control_chgrp(struct control *ctl, char **cause)
{
	const struct conf *conf = ctl->d->conf;
	int r;

	if (conf->control_group == NULL ||
	    lchown(ctl->path, (uid_t)-1, conf->control_gid) == 0)
		return 0;
	r = -errno;
	if (r == -EPERM)
		xasprintf(cause, "cannot give the control socket %s to group %s: %s; run "
				 "triaged as root, or add its user (%s) to group %s (under "
				 "systemd: SupplementaryGroups=%s in the unit)", ctl->path,
		    conf->control_group, strerror(-r), ctl->self_name, conf->control_group,
		    conf->control_group);
	else if (r == -EINVAL) /* the gid has no mapping in our user namespace */
		xasprintf(cause, "cannot give the control socket %s to group %s: the group is "
				 "not visible in triaged's user namespace (under systemd: "
				 "PrivateUsers=no is needed)", ctl->path, conf->control_group);
	else
		xasprintf(cause, "cannot give the control socket %s to group %s: %s", ctl->path,
		    conf->control_group, strerror(-r));
	return r;
}

static int
control_bind(struct control *ctl, char **cause)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int r;

	if (strlen(ctl->path) >= sizeof(sun.sun_path)) {
		xasprintf(cause, "control socket path too long: %s", ctl->path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, ctl->path, strlen(ctl->path) + 1);
	if ((r = statedir_make_socket_dir(ctl->d->statedir, ctl->path)) < 0) {
		errno = -r;
		goto fail;
	}
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0)
		goto fail;
	/* Left by a run that crashed: the state dir's lock says none is running. */
	if (lstat(ctl->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(ctl->path);
	/* Owner only until the group is right; then the group may connect, others not. */
	old = umask(0177);
	r = bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r < 0)
		goto fail;
	ctl->bound = true;
	if ((r = control_chgrp(ctl, cause)) < 0)
		return r;
	if (chmod(ctl->path, 0660) < 0 || listen(ctl->fd, 16) < 0)
		goto fail;
	return 0;
fail:
	r = -errno;
	xasprintf(cause, "%scannot listen on control socket %s: %s",
	    ctl->d->conf->control_socket_where, ctl->path, strerror(errno));
	return r;
}

int
control_new(struct daemon *d, const char *path, struct control **ret, char **cause)
{
	struct control *ctl = xcalloc(1, sizeof(*ctl));
	uid_t overflow_uid;
	int r;

	ctl->d = d;
	ctl->fd = -1;
	ctl->path = xstrdup(path);
	ctl->self = geteuid();
	control_user_name(ctl->self, ctl->self_name, sizeof(ctl->self_name));
	control_overflow_ids(&overflow_uid, &ctl->overflow_gid);
	if (ctl->self == overflow_uid) /* then every unmapped peer would pass for us */
		ctl->self = (uid_t)-1;
	ctl->rl.interval_usec = ctl->rl_refused.interval_usec = 10 * USEC_PER_SEC;
	if ((r = control_bind(ctl, cause)) < 0)
		goto fail;
	if ((r = sd_event_add_time(d->event, &ctl->resume, CLOCK_MONOTONIC, UINT64_MAX, 0,
		 resume_cb, ctl)) >= 0)
		r = sd_event_source_set_enabled(ctl->resume, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_io(d->event, &ctl->src, ctl->fd, EPOLLIN, accept_cb, ctl);
	if (r >= 0)
		r = sd_event_source_set_priority(ctl->src, CONTROL_PRIORITY);
	if (r < 0) {
		xasprintf(cause, "cannot watch the control socket: %s", strerror(-r));
		goto fail;
	}
	*ret = ctl;
	return 0;
fail:
	control_free(ctl);
	return r;
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->clients)
		client_free(ctl->clients);
	sd_event_source_disable_unref(ctl->src);
	sd_event_source_disable_unref(ctl->resume);
	if (ctl->fd >= 0)
		close(ctl->fd);
	if (ctl->bound)
		unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}

void
control_get_stats(const struct control *ctl, struct control_stats *st)
{
	*st = ctl->stats;
}
