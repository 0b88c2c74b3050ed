/*
 * statedir.c - one triaged per state directory (see statedir.h).  The
 * daemon takes the lock before it binds or replaces any socket and before
 * net-snmp or LMDB open anything, so a second start fails without
 * disturbing the first.  flock decides, not the pid in the file, so a
 * crashed daemon leaves no stale lock behind.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "statedir.h"
#include "util.h"

struct statedir {
	char *path;
	char *real; /* path with symbolic links resolved: what lies below it */
	int fd; /* the lock file, open for as long as the lock is held */
	bool locked;
};

/* The holder writes its pid just after it locks: give it half a second. */
static long
holder_pid(int fd)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };
	char buf[32];
	int64_t pid;
	ssize_t n;

	for (int i = 0; i < 50; i++) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 1 && buf[n - 1] == '\n') {
			buf[n - 1] = '\0';
			if (parse_int64(buf, 1, INT32_MAX, &pid) == 0)
				return (long)pid;
		}
		nanosleep(&pause, NULL);
	}
	return -1;
}

static int
write_pid(int fd)
{
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) < 0)
		return -errno;
	if (pwrite(fd, pid, (size_t)n, 0) != n)
		return errno ? -errno : -EIO;
	return 0;
}

static int
lock_take(struct statedir *sd, const char *file, char **cause)
{
	long other;
	int r;

	sd->fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	if (sd->fd < 0) {
		r = -errno;
		xasprintf(cause, "cannot open %s: %s", file, strerror(errno));
		return r;
	}
	if (flock(sd->fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		if (r != -EWOULDBLOCK) {
			xasprintf(cause, "cannot lock %s: %s", file, strerror(-r));
			return r;
		}
		if ((other = holder_pid(sd->fd)) > 0)
			xasprintf(cause, "another triaged (pid %ld) uses %s", other, sd->path);
		else
			xasprintf(cause, "another triaged (pid unknown) uses %s", sd->path);
		return -EBUSY;
	}
	sd->locked = true;
	if ((r = write_pid(sd->fd)) < 0)
		xasprintf(cause, "cannot write %s: %s", file, strerror(-r));
	return r;
}

int
statedir_open(const char *path, struct statedir **ret, char **cause)
{
	struct statedir *sd = xcalloc(1, sizeof(*sd));
	char *file;
	int r;

	sd->fd = -1;
	sd->path = xstrdup(path);
	*ret = NULL;
	if (mkdir(path, 0750) < 0 && errno != EEXIST) {
		r = -errno;
		xasprintf(cause, "cannot create %s: %s", path, strerror(errno));
		goto fail;
	}
	if ((sd->real = realpath(path, NULL)) == NULL) {
		r = -errno;
		xasprintf(cause, "cannot resolve %s: %s", path, strerror(errno));
		goto fail;
	}
	xasprintf(&file, "%s/" STATEDIR_LOCK, path);
	r = lock_take(sd, file, cause);
	free(file);
	if (r < 0)
		goto fail;
	*ret = sd;
	return 0;
fail:
	statedir_free(sd);
	return r;
}

void
statedir_free(struct statedir *sd)
{
	if (sd == NULL)
		return;
	/*
	 * Leave no pid behind that no longer holds the lock; should this fail,
	 * the next holder overwrites it all the same.
	 */
	if (sd->locked && ftruncate(sd->fd, 0) < 0)
		sd->locked = false;
	if (sd->fd >= 0)
		close(sd->fd);
	free(sd->path);
	free(sd->real);
	free(sd);
}

/* Whether the resolved path real is top or lies below it. */
static bool
below(const char *real, const char *top)
{
	size_t n = strlen(top);

	if (strcmp(top, "/") == 0)
		return true;
	return strncmp(real, top, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

/* Whether a path has a ".." component: lexically below is then not below. */
static bool
has_dotdot(const char *p)
{
	for (const char *s = strstr(p, ".."); s != NULL; s = strstr(s + 2, ".."))
		if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return true;
	return false;
}

/* Make each directory of dir after its first skip bytes, which exist. */
static int
make_dirs(char *dir, size_t skip)
{
	for (char *p = dir + skip + 1;; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) == 0) {
			/* Whatever the umask: the socket's own mode decides who connects. */
			if (chmod(dir, 0755) < 0)
				return -errno;
		} else if (errno != EEXIST)
			return -errno;
		*p = c;
		if (c == '\0')
			return 0;
	}
}

int
statedir_make_socket_dir(const struct statedir *sd, const char *sock)
{
	char *dir, *have, *cut, *real = NULL;
	int r = 0;

	if (sd == NULL || (cut = strrchr(sock, '/')) == NULL || cut == sock)
		return 0;
	dir = xstrndup(sock, (size_t)(cut - sock));
	have = xstrdup(dir);
	/* Up to the deepest directory that exists. */
	while (access(have, F_OK) < 0 && errno == ENOENT && (cut = strrchr(have, '/')) != NULL
	    && cut != have)
		*cut = '\0';
	if (strcmp(have, dir) != 0 && access(have, F_OK) == 0
	    && (real = realpath(have, NULL)) != NULL && below(real, sd->real)
	    && !has_dotdot(dir + strlen(have)))
		r = make_dirs(dir, strlen(have));
	free(real);
	free(have);
	free(dir);
	return r;
}
