/*
 * conf_control.h - the control socket's groups in the config:
 * `control-group NAME` and `control-admin-group NAME`.
 */
#ifndef TRIAGED_CONF_CONTROL_H
#define TRIAGED_CONF_CONTROL_H

#include <sys/types.h>

struct lex;

/*
 * The group name after the keyword, and its gid from the group database;
 * what names the statement in messages.  0, or -EINVAL with "FILE:LINE:
 * ..." in *cause (an unknown group included).  *name is set even then,
 * for the caller to free with the rest of its config.
 */
int conf_group_parse(struct lex *lx, const char *what, char **name, gid_t *gid, char **cause);

#endif
