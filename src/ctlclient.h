/*
 * ctlclient.h - the client side of the control socket, for triagectl.
 */
#ifndef TRIAGED_CTLCLIENT_H
#define TRIAGED_CTLCLIENT_H

#include <jansson.h>

/*
 * Send one request and wait (up to timeout_ms) for its reply.  Returns 0 and
 * a new reply object, or -errno with *cause saying what went wrong.
 */
int ctlclient_call(const char *path, json_t *req, int timeout_ms, json_t **reply, char **cause);

#endif
