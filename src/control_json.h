/*
 * control_json.h - the control socket's commands, one table entry per verb.
 * Each takes a parsed, permitted request (control.c parses it and checks
 * who may run it) and returns a new reply object, or NULL when none could
 * be built.  peer is who asked, as the kernel says.
 */
#ifndef TRIAGED_CONTROL_JSON_H
#define TRIAGED_CONTROL_JSON_H

#include <jansson.h>

struct daemon;
struct control_peer;
struct control_request;

typedef json_t *control_command_fn(struct daemon *d, const struct control_request *rq,
    struct control_peer *peer);

extern control_command_fn *const control_commands[]; /* indexed by enum control_verb */

/* A failure reply: "WHAT: strerror(-r)"; or msg (any bytes). */
json_t *control_fail_errno(const char *what, int r);
json_t *control_fail(const char *msg);

/* What `triagectl status --json` shows; /metrics renders it too. */
json_t *control_status_json(struct daemon *d);

/* control_report.c: a page of a report's incidents and its hourly counts. */
control_command_fn control_report;

#endif
