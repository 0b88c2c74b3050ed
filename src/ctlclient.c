/*
 * ctlclient.c - one request, one reply over the control socket.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlclient.h"
#include "util.h"

#define REPLY_MAX (256 * 1024 * 1024)

static int
connect_to(const char *path, char **cause)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		xasprintf(cause, "control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		r = -errno;
		if (r == -EACCES || r == -EPERM)
			xasprintf(cause, "cannot reach triaged at %s: %s; only root, the user "
					 "triaged runs as and members of its control-group may "
					 "connect", path, strerror(-r));
		else
			xasprintf(cause, "cannot reach triaged at %s: %s (is triaged running?)",
			    path, strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	return fd;
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read up to the first newline; the reply is one line of JSON. */
static int
read_line(int fd, int timeout_ms, char **line, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = xmalloc(cap);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		int pr = poll(&pfd, 1, timeout_ms);
		if (pr == 0 || (pr < 0 && errno != EINTR)) {
			free(buf);
			return pr == 0 ? -ETIMEDOUT : -errno;
		}
		if (pr < 0)
			continue;
		if (n == cap) {
			if (cap >= REPLY_MAX) {
				free(buf);
				return -EMSGSIZE;
			}
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		ssize_t r = recv(fd, buf + n, cap - n, 0);
		if (r <= 0) {
			free(buf);
			return r == 0 ? -ECONNRESET : -errno;
		}
		char *nl = memchr(buf + n, '\n', (size_t)r);
		n += (size_t)r;
		if (nl != NULL) {
			*line = buf;
			*len = (size_t)(nl - buf);
			return 0;
		}
	}
}

int
ctlclient_call(const char *path, json_t *req, int timeout_ms, json_t **reply, char **cause)
{
	char *s, *line = NULL;
	size_t len = 0;
	json_error_t jerr;
	int fd, r;

	if ((fd = connect_to(path, cause)) < 0)
		return fd;
	s = json_dumps(req, JSON_COMPACT);
	r = s != NULL ? send_all(fd, s, strlen(s)) : -EINVAL;
	if (r == 0)
		r = send_all(fd, "\n", 1);
	free(s);
	if (r == 0)
		r = read_line(fd, timeout_ms, &line, &len);
	close(fd);
	if (r < 0) {
		xasprintf(cause, "talking to triaged at %s: %s", path, strerror(-r));
		return r;
	}
	*reply = json_loadb(line, len, 0, &jerr);
	free(line);
	if (*reply == NULL) {
		xasprintf(cause, "triaged sent a reply that is not JSON: %s", jerr.text);
		return -EBADMSG;
	}
	return 0;
}
