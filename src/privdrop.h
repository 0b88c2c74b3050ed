/*
 * privdrop.h - triaged -u USER: started as root outside systemd, triaged
 * binds its ports, hands its directories to USER and becomes USER, with no
 * capabilities and no way back, before it opens LMDB or reads input.
 */
#ifndef TRIAGED_PRIVDROP_H
#define TRIAGED_PRIVDROP_H

/*
 * Create each of dirs (NULL-terminated; missing parents are not made) that
 * does not exist and give it, with everything below it, to user; then drop
 * to user: its supplementary groups from the group database, gid, uid,
 * no capabilities, no new privileges.  Checks that root cannot be
 * regained.  0, or -errno with *cause set.
 */
int privdrop(const char *user, const char *const *dirs, char **cause);

#endif
