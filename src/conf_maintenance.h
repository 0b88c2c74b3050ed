/*
 * conf_maintenance.h - `maintenance "NAME" { ... }` blocks of the config:
 * a recurring window's schedule and its matchers, into conf->maintenance.
 */
#ifndef TRIAGED_CONF_MAINTENANCE_H
#define TRIAGED_CONF_MAINTENANCE_H

struct conf;
struct conf_maintenance;
struct lex;

/* `maintenance "NAME" { ... }`, the keyword read; adds the window to conf. */
int conf_maintenance_parse(struct lex *lx, struct conf *conf, char **cause);
/* The window with this name, or NULL. */
const struct conf_maintenance *conf_maintenance_find(const struct conf *conf, const char *name);
void conf_maintenance_clear(struct conf_maintenance *w);

#endif
