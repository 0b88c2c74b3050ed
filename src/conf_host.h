/*
 * conf_host.h - `host NAME { address ...; name ... }` blocks of the config:
 * the aliases of one device, read into conf->hosts (hosts.h).
 */
#ifndef TRIAGED_CONF_HOST_H
#define TRIAGED_CONF_HOST_H

#include <stdbool.h>

struct conf;
struct lex;

/* `host NAME { ... }`, the keyword read; adds the block to conf->hosts. */
int conf_host_parse(struct lex *lx, struct conf *conf, char **cause);
/*
 * Whether s may name a host in keys and RFC 5424 headers: 1 to 255
 * printable ASCII characters, no space (`hostname`, `host` and `name`).
 */
bool conf_host_name_valid(const char *s);

#endif
