/*
 * statedir.h - the state directory: made when missing and locked, so that
 * one triaged at a time uses it; and the directories of the unix sockets
 * placed below it.
 */
#ifndef TRIAGED_STATEDIR_H
#define TRIAGED_STATEDIR_H

struct statedir;

/* The lock file's name in the state directory; it holds the owner's pid. */
#define STATEDIR_LOCK "triaged.lock"

/*
 * Create path when it is missing (mode 0750; its parent must exist) and
 * take an exclusive flock on path/triaged.lock, which then holds our pid.
 * The lock is an open descriptor: it survives the privilege drop and
 * reloads, and goes with statedir_free() or the process.  -EBUSY with
 * *cause "another triaged (pid N) uses PATH" when another process holds
 * it; other -errno with *cause.
 */
int statedir_open(const char *path, struct statedir **ret, char **cause);
/* Release the lock; NULL-safe. */
void statedir_free(struct statedir *sd);

/*
 * When the directory of the unix socket file sock is, or would be, below
 * the state directory (symbolic links followed, no ".." in what is
 * missing), create what is missing of it, each directory with mode 0755
 * whatever the umask: the socket's own mode decides who may connect.
 * 0 also when the directory is elsewhere (binding then says what is
 * wrong); -errno when a directory cannot be made.
 */
int statedir_make_socket_dir(const struct statedir *sd, const char *sock);

#endif
