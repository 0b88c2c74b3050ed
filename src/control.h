/*
 * control.h - the control socket: a unix stream socket (mode 0660, group
 * control-group) speaking newline-delimited JSON.  One request object per
 * line, one reply per line: {"command":"status"} -> {"ok":true,...} or
 * {"ok":false,"error":"..."}.  Who asks is taken from the kernel; acting
 * verbs need root, the daemon's own user or control-admin-group.
 */
#ifndef TRIAGED_CONTROL_H
#define TRIAGED_CONTROL_H

#include <stdint.h>

struct daemon;
struct control;

/* Since start; for status. */
struct control_stats {
	uint64_t clients;	     /* connected now */
	uint64_t refused_busy;	     /* connections refused: too many clients */
	uint64_t refused_permission; /* acting requests from someone not allowed */
	uint64_t dropped_slow;	     /* replies left unread for too long */
	uint64_t dropped_idle;	     /* no request for too long */
	uint64_t too_large;	     /* requests over the size limit */
};

/* Bind path, owned by d->conf->control_group when set; *cause says why not. */
int control_new(struct daemon *d, const char *path, struct control **ret, char **cause);
void control_free(struct control *c); /* NULL-safe; removes the socket file */
void control_get_stats(const struct control *c, struct control_stats *st);

#endif
