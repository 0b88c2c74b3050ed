/*
 * control.c - serves triagectl.  Requests are short and run on the loop
 * thread; each first commits the pipeline's open batch so a reply never
 * shows state that is not yet durable.
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

#include "conf.h"
#include "control.h"
#include "control_json.h"
#include "daemon.h"
#include "log.h"
#include "pipeline.h"
#include "util.h"

#define CONTROL_MAX_REQUEST (64 * 1024)
#define CONTROL_MAX_CLIENTS 64

struct client {
	struct control *ctl;
	struct client *next;
	int fd;
	sd_event_source *src;
	char *in;
	size_t inlen;
	char *out;
	size_t outlen, outoff;
};

struct control {
	struct daemon *d;
	char *path;
	int fd;
	sd_event_source *src;
	struct client *clients;
	unsigned nclients;
};

static void
client_free(struct client *cl)
{
	struct control *ctl = cl->ctl;

	for (struct client **p = &ctl->clients; *p; p = &(*p)->next)
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	ctl->nclients--;
	sd_event_source_disable_unref(cl->src);
	close(cl->fd);
	free(cl->in);
	free(cl->out);
	free(cl);
}

static json_t *
reply_error(const char *what, const char *detail)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s%s", what, detail ? detail : "");
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *
dispatch(struct control *ctl, json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "command"));

	if (cmd == NULL)
		return reply_error("request has no \"command\"", NULL);
	pipeline_flush(ctl->d->pipeline);
	for (const struct control_command *c = control_commands; c->name; c++)
		if (strcmp(c->name, cmd) == 0)
			return c->run(ctl->d, req);
	return reply_error("unknown command: ", cmd);
}

static void
client_reply(struct client *cl, json_t *reply)
{
	char *s = json_dumps(reply, JSON_COMPACT);
	size_t n = strlen(s);

	cl->out = xreallocarray(cl->out, cl->outlen + n + 1, 1);
	memcpy(cl->out + cl->outlen, s, n);
	cl->out[cl->outlen + n] = '\n';
	cl->outlen += n + 1;
	free(s);
}

static void
client_request(struct client *cl, const char *line, size_t len)
{
	json_error_t err;
	json_t *req = json_loadb(line, len, 0, &err);
	json_t *reply;

	if (req == NULL || !json_is_object(req))
		reply = reply_error("request is not a JSON object: ", req ? "" : err.text);
	else
		reply = dispatch(cl->ctl, req);
	client_reply(cl, reply);
	json_decref(reply);
	json_decref(req);
}

/* Write what is queued; 1 when all was written, 0 to wait, -errno to drop the client. */
static int
client_flush(struct client *cl)
{
	while (cl->outoff < cl->outlen) {
		ssize_t n = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			sd_event_source_set_io_events(cl->src, EPOLLIN | EPOLLOUT);
			return 0;
		}
		if (n < 0)
			return -errno;
		cl->outoff += (size_t)n;
	}
	cl->outoff = cl->outlen = 0;
	sd_event_source_set_io_events(cl->src, EPOLLIN);
	return 1;
}

static int
client_read(struct client *cl)
{
	char buf[4096];
	ssize_t n = recv(cl->fd, buf, sizeof(buf), 0);
	char *nl;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	if (cl->inlen + (size_t)n > CONTROL_MAX_REQUEST)
		return -EMSGSIZE;
	cl->in = xreallocarray(cl->in, cl->inlen + (size_t)n, 1);
	memcpy(cl->in + cl->inlen, buf, (size_t)n);
	cl->inlen += (size_t)n;
	while ((nl = memchr(cl->in, '\n', cl->inlen)) != NULL) {
		size_t len = (size_t)(nl - cl->in);
		client_request(cl, cl->in, len);
		memmove(cl->in, nl + 1, cl->inlen - len - 1);
		cl->inlen -= len + 1;
	}
	return 0;
}

static int
client_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct client *cl = userdata;
	int r = 0;

	if (revents & EPOLLIN)
		r = client_read(cl);
	if (r >= 0 && cl->outlen > 0)
		r = client_flush(cl);
	if (r < 0 && cl->outlen == 0)
		client_free(cl);
	else if (r < 0)
		client_free(cl); /* peer gone or hostile: nothing more to say */
	return 0;
}

static int
accept_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct control *ctl = userdata;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct client *cl;

	if (cfd < 0)
		return 0;
	if (ctl->nclients >= CONTROL_MAX_CLIENTS) {
		close(cfd);
		return 0;
	}
	cl = xcalloc(1, sizeof(*cl));
	cl->ctl = ctl;
	cl->fd = cfd;
	if (sd_event_add_io(ctl->d->event, &cl->src, cfd, EPOLLIN, client_cb, cl) < 0) {
		close(cfd);
		free(cl);
		return 0;
	}
	cl->next = ctl->clients;
	ctl->clients = cl;
	ctl->nclients++;
	return 0;
}

static int
control_bind(struct control *ctl, char **cause)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(ctl->path) >= sizeof(sun.sun_path)) {
		xasprintf(cause, "control socket path too long: %s", ctl->path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, ctl->path, strlen(ctl->path) + 1);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0)
		goto fail;
	if (lstat(ctl->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(ctl->path);
	/* Group members may drive triagectl; others may not even connect. */
	mode_t old = umask(0117);
	int r = bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r < 0 || chmod(ctl->path, 0660) < 0 || listen(ctl->fd, 16) < 0)
		goto fail;
	return 0;
fail:
	r = -errno;
	xasprintf(cause, "cannot listen on control socket %s: %s", ctl->path, strerror(errno));
	return r;
}

int
control_new(struct daemon *d, const char *path, struct control **ret, char **cause)
{
	struct control *ctl = xcalloc(1, sizeof(*ctl));
	int r;

	ctl->d = d;
	ctl->fd = -1;
	ctl->path = xstrdup(path);
	if ((r = control_bind(ctl, cause)) < 0)
		goto fail;
	if ((r = sd_event_add_io(d->event, &ctl->src, ctl->fd, EPOLLIN, accept_cb, ctl)) < 0) {
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
	if (ctl->fd >= 0) {
		close(ctl->fd);
		unlink(ctl->path);
	}
	free(ctl->path);
	free(ctl);
}
