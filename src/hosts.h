/*
 * hosts.h - host aliases: the names and addresses by which one device is
 * known, each mapped to the device's canonical name, so that a switch's
 * syslog (which names itself "sw2"), its relayed lines ("SW2.example.net")
 * and its traps (which come from its address) all get the same host.  The
 * map is built by the config parser (conf_host.c) and owned by struct conf;
 * a lookup hashes once and never allocates.
 */
#ifndef TRIAGED_HOSTS_H
#define TRIAGED_HOSTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util.h"

struct event;

#define HOSTS_NAME_MAX	  255	  /* bytes in a name, as DNS and RFC 5424's HOSTNAME */
#define HOSTS_MAX_ALIASES 1000000 /* names and addresses in all blocks: beyond, it is garbage */

/* One `host` block: its canonical name and where it was declared; owned by the map. */
struct host {
	char *name;
	char *file;
	int line;
};

struct host_map;

struct host_map *host_map_new(void);
void host_map_free(struct host_map *m);

/* A new host called name (an alias of itself once added); its index. */
size_t host_map_add_host(struct host_map *m, const char *name, const char *file, int line);
const struct host *host_map_get(const struct host_map *m, size_t idx);
size_t host_map_count(const struct host_map *m);

/*
 * Make alias (a name, compared without case, or an IPv4 or IPv6 address in
 * text; an address written as a name is taken as the address) stand for
 * host idx.  0, also when idx has it already; -EEXIST with *owner set when
 * another host has it; -E2BIG beyond HOSTS_MAX_ALIASES; -EINVAL when a name
 * is empty or longer than HOSTS_NAME_MAX.
 */
int host_map_add(struct host_map *m, size_t idx, const char *alias, size_t *owner);

/*
 * Whether s (not NUL-terminated) parses as an IPv4 or IPv6 address; *addr
 * gets it as 16 bytes, IPv4 (and v4-mapped IPv6) as ::ffff:a.b.c.d, so the
 * two spellings of one sender are one key.
 */
int hosts_parse_addr(const char *s, size_t n, uint8_t addr[16]);

/* The host a name or an address in text (not NUL-terminated) stands for, or NULL. */
const struct host *hosts_lookup(const struct host_map *m, const char *s, size_t n);
/* Its canonical name, or NULL. */
const char *hosts_canonical(const struct host_map *m, const char *s, size_t n);
/* The canonical name for a sender's address (AF_INET, AF_INET6), or NULL. */
const char *hosts_by_sockaddr(const struct host_map *m, const struct sockaddr_storage *ss);

/*
 * Give ev its canonical host: by its host (a HOSTNAME, an agent address),
 * else by the sender's address.  The host it had before is kept as the
 * field "original-host"; an event whose host stays has no such field.
 * m may be NULL (no host blocks).
 */
void hosts_apply(const struct host_map *m, struct event *ev);

#endif
