/*
 * control_json.h - the control socket's commands, one table entry each.
 * Each takes the request object and returns a new reply object.
 */
#ifndef TRIAGED_CONTROL_JSON_H
#define TRIAGED_CONTROL_JSON_H

#include <jansson.h>

struct daemon;

struct control_command {
	const char *name;
	json_t *(*run)(struct daemon *d, json_t *req);
};

extern const struct control_command control_commands[]; /* NULL-terminated */

#endif
