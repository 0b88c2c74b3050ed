/*
 * control_peer.h - who is at the other end of a control connection, as the
 * kernel says (SO_PEERCRED, SO_PEERGROUPS at connect time), never as the
 * client says; and whether that person may change anything.
 */
#ifndef TRIAGED_CONTROL_PEER_H
#define TRIAGED_CONTROL_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CONTROL_PEER_MAX_GROUPS 65536 /* NGROUPS_MAX on Linux */
#define CONTROL_NAME_MAX	64    /* bytes of a user name in a timeline */

struct control_peer {
	uid_t uid; /* effective ids of the connecting process */
	gid_t gid;
	pid_t pid;
	gid_t *groups; /* supplementary groups; owned */
	size_t ngroups;
	char *actor; /* "alice (uid 1001)", made on first use; owned */
};

/* Fill p for the connected unix socket fd.  0 or -errno; p is then empty. */
int control_peer_read(int fd, struct control_peer *p);
void control_peer_clear(struct control_peer *p); /* NULL-safe */

/* The primary group or one of the supplementary groups is gid. */
bool control_peer_in_group(const struct control_peer *p, gid_t gid);

/*
 * Acting verbs are for root, for self (the daemon's own euid) and, when
 * admin is not NULL, for members of *admin.
 */
bool control_peer_may_act(const struct control_peer *p, uid_t self, const gid_t *admin);

/*
 * "alice (uid 1001)", or "uid 1001" when the uid has no name.  The name is
 * looked up (NSS, which may block) on first use only, which is an acting
 * request or a refusal, never a plain read.
 */
const char *control_peer_actor(struct control_peer *p);

/*
 * The ids the kernel shows for a peer whose real ids have no mapping in our
 * user namespace (/proc/sys/kernel/overflow[ug]id, else 65534).  Every such
 * peer looks alike, so these must never grant anything.
 */
void control_overflow_ids(uid_t *uid, gid_t *gid);

/* uid's user name, cleaned for a terminal and cut to size - 1 bytes; its number if none. */
void control_user_name(uid_t uid, char *buf, size_t size);

#endif
