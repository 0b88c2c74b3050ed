/*
 * control.h - the control socket: a unix stream socket (mode 0660) speaking
 * newline-delimited JSON.  One request object per line, one reply per line:
 * {"command":"status"} -> {"ok":true,...} or {"ok":false,"error":"..."}.
 */
#ifndef TRIAGED_CONTROL_H
#define TRIAGED_CONTROL_H

struct daemon;
struct control;

int control_new(struct daemon *d, const char *path, struct control **ret, char **cause);
void control_free(struct control *c); /* NULL-safe; removes the socket file */

#endif
