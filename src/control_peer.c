/*
 * control_peer.c - a control client's identity from the kernel and what it
 * may do (see control_peer.h).  Read once at accept: the credentials are
 * those of connect() and do not change for the connection's life.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "control_peer.h"
#include "control_request.h"
#include "util.h"

/*
 * SO_PEERGROUPS says how much room it needs when the buffer is too small
 * (ERANGE), so a second call normally fits.  A kernel without it
 * (before 4.13) leaves the primary group only, which can only deny.
 */
static int
read_groups(int fd, struct control_peer *p)
{
	socklen_t want = 32 * sizeof(gid_t);

	for (int tries = 0; tries < 3; tries++) {
		socklen_t len = want;

		p->groups = xreallocarray(p->groups, want / sizeof(gid_t), sizeof(gid_t));
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &len) == 0) {
			p->ngroups = len / sizeof(gid_t);
			return 0;
		}
		if (errno == ENOPROTOOPT)
			return 0;
		if (errno != ERANGE)
			return -errno;
		if (len / sizeof(gid_t) > CONTROL_PEER_MAX_GROUPS || len <= want)
			return -E2BIG;
		want = len;
	}
	return -ERANGE;
}

int
control_peer_read(int fd, struct control_peer *p)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int r;

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -errno;
	if (len != sizeof(uc))
		return -EIO;
	p->uid = uc.uid;
	p->gid = uc.gid;
	p->pid = uc.pid;
	if ((r = read_groups(fd, p)) < 0)
		control_peer_clear(p);
	return r;
}

void
control_peer_clear(struct control_peer *p)
{
	if (p == NULL)
		return;
	free(p->groups);
	free(p->actor);
	memset(p, 0, sizeof(*p));
}

bool
control_peer_in_group(const struct control_peer *p, gid_t gid)
{
	if (p->gid == gid)
		return true;
	for (size_t i = 0; i < p->ngroups; i++)
		if (p->groups[i] == gid)
			return true;
	return false;
}

bool
control_peer_may_act(const struct control_peer *p, uid_t self, const gid_t *admin)
{
	if (p->uid == 0 || p->uid == self)
		return true;
	return admin != NULL && control_peer_in_group(p, *admin);
}

static unsigned
read_id(const char *path)
{
	FILE *f = fopen(path, "re");
	char buf[32];
	int64_t v = 65534;

	if (f != NULL && fgets(buf, sizeof(buf), f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		if (parse_int64(buf, 0, UINT32_MAX - 1, &v) < 0)
			v = 65534;
	}
	if (f != NULL)
		fclose(f);
	return (unsigned)v;
}

void
control_overflow_ids(uid_t *uid, gid_t *gid)
{
	*uid = read_id("/proc/sys/kernel/overflowuid");
	*gid = read_id("/proc/sys/kernel/overflowgid");
}

/*
 * The name from the password database, cleaned; false when there is none.
 * getpwuid() and its static buffer are fine: the daemon has one thread.
 */
static bool
lookup_name(uid_t uid, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	return pw != NULL && pw->pw_name != NULL &&
	    control_text_clean(pw->pw_name, strlen(pw->pw_name), buf, size) > 0;
}

void
control_user_name(uid_t uid, char *buf, size_t size)
{
	if (!lookup_name(uid, buf, size))
		snprintf(buf, size, "%u", (unsigned)uid);
}

const char *
control_peer_actor(struct control_peer *p)
{
	char name[CONTROL_NAME_MAX + 1];

	if (p->actor != NULL)
		return p->actor;
	if (lookup_name(p->uid, name, sizeof(name)))
		xasprintf(&p->actor, "%s (uid %u)", name, (unsigned)p->uid);
	else
		xasprintf(&p->actor, "uid %u", (unsigned)p->uid);
	return p->actor;
}
