/*
 * privdrop.c - become an unprivileged user for good (see privdrop.h).
 * Done once at start, before the loop runs, so the blocking calls here
 * (getpwnam, a walk over the state directory) never stall input.
 */
#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privdrop.h"
#include "util.h"

/* Give dirfd's entries, recursively, to uid:gid; symlinks are not followed. */
static int
chown_below(int dirfd, uid_t uid, gid_t gid, int depth)
{
	DIR *dir;
	struct dirent *de;
	int r = 0;

	if (depth > 16 || (dir = fdopendir(dirfd)) == NULL) {
		close(dirfd);
		return depth > 16 ? -ELOOP : -errno;
	}
	while (r == 0 && (de = readdir(dir)) != NULL) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		else if ((st.st_uid != uid || st.st_gid != gid)
		    && fchownat(dirfd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		else if (S_ISDIR(st.st_mode)) {
			int fd = openat(
			    dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = fd < 0 ? -errno : chown_below(fd, uid, gid, depth + 1);
		}
	}
	closedir(dir);
	return r;
}

static int
give_dir(const char *dir, uid_t uid, gid_t gid, char **cause)
{
	int fd, r;

	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		r = -errno;
		xasprintf(cause, "cannot create %s: %s", dir, strerror(errno));
		return r;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fchown(fd, uid, gid) < 0) {
		r = -errno;
		if (fd >= 0)
			close(fd);
	} else
		r = chown_below(fd, uid, gid, 0); /* closes fd */
	if (r < 0)
		xasprintf(cause, "cannot give %s to uid %u: %s", dir, (unsigned)uid, strerror(-r));
	return r;
}

static int
no_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct c[2];

	memset(c, 0, sizeof(c));
	if (syscall(SYS_capset, &h, c) < 0)
		return -errno;
	if (syscall(SYS_capget, &h, c) < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++)
		if (c[i].effective || c[i].permitted || c[i].inheritable)
			return -EPERM;
	return 0;
}

/* Give dirs to uid:gid, then become them; check that root is out of reach. */
static int
become(const char *user, uid_t uid, gid_t gid, const char *const *dirs, char **cause)
{
	int r;

	for (size_t i = 0; dirs != NULL && dirs[i] != NULL; i++)
		if ((r = give_dir(dirs[i], uid, gid, cause)) < 0)
			return r;
	/* The user's own groups, as a login gets them: control-group may be one. */
	if (initgroups(user, gid) < 0 || setresgid(gid, gid, gid) < 0
	    || setresuid(uid, uid, uid) < 0) {
		r = -errno;
		xasprintf(cause, "cannot become %s: %s", user, strerror(errno));
		return r;
	}
	if (setuid(0) == 0 || seteuid(0) == 0 || getuid() != uid || geteuid() != uid
	    || getgid() != gid || getegid() != gid) {
		xasprintf(cause, "-u %s: root privileges could be regained, stopping", user);
		return -EPERM;
	}
	return 0;
}

int
privdrop(const char *user, const char *const *dirs, char **cause)
{
	struct passwd *pw;
	int r;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		xasprintf(cause, "unknown user %s%s%s", user, errno ? ": " : "",
		    errno ? strerror(errno) : "");
		return errno ? -errno : -ESRCH;
	}
	if (pw->pw_uid == 0) {
		xasprintf(cause, "-u %s: refusing to run as uid 0", user);
		return -EINVAL;
	}
	/* Already the user (started by it): nothing to give away, keep its groups. */
	if ((getuid() != pw->pw_uid || geteuid() != pw->pw_uid)
	    && (r = become(user, pw->pw_uid, pw->pw_gid, dirs, cause)) < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || no_capabilities() < 0) {
		xasprintf(cause, "-u %s: cannot clear capabilities", user);
		return -EPERM;
	}
	return 0;
}
