/*
 * listenfds.h - sockets passed by the service manager (triaged.socket, or
 * systemd-socket-activate in tests).  They are taken once at start; each
 * listener claims its socket by FileDescriptorName= or by bound address,
 * and what nobody claimed is closed.  Inputs of every kind share this.
 */
#ifndef TRIAGED_LISTENFDS_H
#define TRIAGED_LISTENFDS_H

#include <stddef.h>
#include <sys/socket.h>

struct listenfds;

/*
 * Take the sockets in $LISTEN_FDS (for this process) and unset the
 * variables, so nothing we start inherits them.  With none passed *ret is
 * an empty set.  0 or -errno.
 */
int listenfds_new(struct listenfds **ret);

/* Add fd (owned from now on) under name (NULL: "unknown"), as if passed; for tests. */
void listenfds_add(struct listenfds *lf, int fd, const char *name);

/*
 * Remove a passed socket from the set and return it (non-blocking,
 * close-on-exec; the caller owns it): the one named name if any (NULL
 * skips the name), else one of socket type type (SOCK_DGRAM, SOCK_STREAM)
 * bound to sa: same family, address and port, or the same path for
 * AF_UNIX.  -ENOENT when none matches; -EPROTOTYPE when the socket named
 * name is of another type.
 */
int listenfds_take(
    struct listenfds *lf, const char *name, int type, const struct sockaddr *sa, socklen_t salen);

/* Close the sockets nobody took, calling cb (may be NULL) for each first. */
typedef void (*listenfds_cb)(const char *name, const char *address, void *arg);
void listenfds_close_unclaimed(struct listenfds *lf, listenfds_cb cb, void *arg);

/* Close what is left and free; NULL-safe. */
void listenfds_free(struct listenfds *lf);

/* "udp 127.0.0.1:514", "tcp [::]:514", "unix /run/triaged/log": for messages. */
void listenfds_describe(int fd, char *buf, size_t size);

#endif
