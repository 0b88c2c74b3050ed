/*
 * listenfds.c - the sockets the service manager passed us, claimed by
 * listeners by name or by address (see listenfds.h).  Socket activation
 * lets triaged.service bind 514 and 162 without any capability, and keeps
 * datagrams and connections queued in the kernel while triaged restarts.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "listenfds.h"
#include "util.h"

struct passed {
	int fd; /* -1 once taken */
	int type;
	char *name;
	struct sockaddr_storage sa;
	socklen_t salen;
};

struct listenfds {
	struct passed *p;
	size_t n;
};

void
listenfds_add(struct listenfds *lf, int fd, const char *name)
{
	struct passed *p;
	socklen_t tl;

	lf->p = xreallocarray(lf->p, lf->n + 1, sizeof(*lf->p));
	p = &lf->p[lf->n++];
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->name = xstrdup(name != NULL ? name : "unknown");
	p->salen = sizeof(p->sa);
	tl = sizeof(p->type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &p->type, &tl) < 0
	    || getsockname(fd, (struct sockaddr *)&p->sa, &p->salen) < 0) {
		p->type = -1; /* not a socket: matches no address */
		p->salen = 0;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int
listenfds_new(struct listenfds **ret)
{
	struct listenfds *lf = xcalloc(1, sizeof(*lf));
	char **names = NULL;
	int n;

	n = sd_listen_fds_with_names(1, &names);
	if (n < 0) {
		free(lf);
		return n;
	}
	for (int i = 0; i < n; i++) {
		listenfds_add(lf, SD_LISTEN_FDS_START + i, names ? names[i] : NULL);
		free(names ? names[i] : NULL);
	}
	free(names);
	*ret = lf;
	return 0;
}

static bool
same_address(const struct passed *p, const struct sockaddr *sa, socklen_t salen)
{
	if (p->salen == 0 || p->sa.ss_family != sa->sa_family)
		return false;
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *a = (const void *)&p->sa, *b = (const void *)sa;
		return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *a = (const void *)&p->sa, *b = (const void *)sa;
		return a->sin6_port == b->sin6_port
		    && memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
	}
	case AF_UNIX: {
		const struct sockaddr_un *a = (const void *)&p->sa, *b = (const void *)sa;
		size_t off = offsetof(struct sockaddr_un, sun_path);
		if (p->salen <= off || salen <= off)
			return false;
		return strncmp(a->sun_path, b->sun_path, sizeof(a->sun_path)) == 0;
	}
	default: return false;
	}
}

static int
claim(struct passed *p)
{
	int fd = p->fd;
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	p->fd = -1;
	return fd;
}

int
listenfds_take(
    struct listenfds *lf, const char *name, int type, const struct sockaddr *sa, socklen_t salen)
{
	if (lf == NULL)
		return -ENOENT;
	for (size_t i = 0; name != NULL && i < lf->n; i++) {
		struct passed *p = &lf->p[i];
		if (p->fd < 0 || p->name == NULL || strcmp(p->name, name) != 0)
			continue;
		return p->type == type ? claim(p) : -EPROTOTYPE;
	}
	for (size_t i = 0; sa != NULL && i < lf->n; i++) {
		struct passed *p = &lf->p[i];
		if (p->fd >= 0 && p->type == type && same_address(p, sa, salen))
			return claim(p);
	}
	return -ENOENT;
}

void
listenfds_describe(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type = 0;
	socklen_t tl = sizeof(type);
	char a[INET6_ADDRSTRLEN] = "?";
	const char *proto;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0
	    || getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		snprintf(buf, size, "fd %d", fd);
		return;
	}
	if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *sun = (const void *)&ss;
		snprintf(buf, size, "unix %.*s", (int)sizeof(sun->sun_path), sun->sun_path);
		return;
	}
	proto = type == SOCK_STREAM ? "tcp" : type == SOCK_DGRAM ? "udp" : "socket";
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, size, "%s %s:%u", proto, a, ntohs(s4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, size, "%s [%s]:%u", proto, a, ntohs(s6->sin6_port));
	} else
		snprintf(buf, size, "%s fd %d", proto, fd);
}

void
listenfds_close_unclaimed(struct listenfds *lf, listenfds_cb cb, void *arg)
{
	char desc[160];

	for (size_t i = 0; lf != NULL && i < lf->n; i++) {
		struct passed *p = &lf->p[i];
		if (p->fd < 0)
			continue;
		if (cb != NULL) {
			listenfds_describe(p->fd, desc, sizeof(desc));
			cb(p->name ? p->name : "unknown", desc, arg);
		}
		close(p->fd);
		p->fd = -1;
	}
}

void
listenfds_free(struct listenfds *lf)
{
	if (lf == NULL)
		return;
	listenfds_close_unclaimed(lf, NULL, NULL);
	for (size_t i = 0; i < lf->n; i++)
		free(lf->p[i].name);
	free(lf->p);
	free(lf);
}
