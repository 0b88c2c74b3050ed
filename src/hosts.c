/*
 * hosts.c - the host alias map: an open-addressing hash table from each
 * alias (a lower-cased name, or an address as 16 bytes) to its host.  It is
 * filled once, when the config is read, and kept at most half full, so a
 * lookup is one hash and a short probe whatever the sender writes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "hosts.h"

#define ADDR_KEY_LEN 17	     /* '\0' then 16 bytes: no name starts with NUL */
#define HASH_SEED    0x686f7374 /* any constant; the table is rebuilt on every load */

struct alias {
	char *key; /* NULL: free slot; owned */
	size_t len;
	size_t host;
};

struct host_map {
	struct host *hosts;
	size_t nhosts;
	struct alias *slots;
	size_t cap; /* a power of two, or 0 */
	size_t nslots;
};

struct host_map *
host_map_new(void)
{
	return xcalloc(1, sizeof(struct host_map));
}

void
host_map_free(struct host_map *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nhosts; i++) {
		free(m->hosts[i].name);
		free(m->hosts[i].file);
	}
	free(m->hosts);
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	free(m);
}

size_t
host_map_add_host(struct host_map *m, const char *name, const char *file, int line)
{
	m->hosts = xreallocarray(m->hosts, m->nhosts + 1, sizeof(*m->hosts));
	m->hosts[m->nhosts] = (struct host){ xstrdup(name), xstrdup(file), line };
	return m->nhosts++;
}

const struct host *
host_map_get(const struct host_map *m, size_t idx)
{
	return idx < m->nhosts ? &m->hosts[idx] : NULL;
}

size_t
host_map_count(const struct host_map *m)
{
	return m == NULL ? 0 : m->nhosts;
}

int
hosts_parse_addr(const char *s, size_t n, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, addr) == 1)
		return 0;
	memset(addr, 0, 10);
	addr[10] = addr[11] = 0xff;
	return inet_pton(AF_INET, buf, addr + 12) == 1 ? 0 : -EINVAL;
}

/* The slot that holds key, or the free one where it would go. */
static struct alias *
probe(const struct host_map *m, const char *key, size_t len)
{
	size_t mask = m->cap - 1, i = hash64(key, len, HASH_SEED) & mask;

	for (;; i = (i + 1) & mask) {
		struct alias *a = &m->slots[i];
		if (a->key == NULL || (a->len == len && memcmp(a->key, key, len) == 0))
			return a;
	}
}

/* Double the table (or make the first one); keys move, nothing is copied. */
static void
grow(struct host_map *m)
{
	struct alias *old = m->slots;
	size_t oldcap = m->cap;

	m->cap = oldcap ? 2 * oldcap : 16;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key != NULL)
			*probe(m, old[i].key, old[i].len) = old[i];
	free(old);
}

static int
insert(struct host_map *m, size_t idx, const char *key, size_t len, size_t *owner)
{
	struct alias *a;

	if (m->nslots >= HOSTS_MAX_ALIASES)
		return -E2BIG;
	if (2 * (m->nslots + 1) > m->cap)
		grow(m);
	a = probe(m, key, len);
	if (a->key != NULL) {
		*owner = a->host;
		return a->host == idx ? 0 : -EEXIST;
	}
	a->key = xmalloc(len);
	memcpy(a->key, key, len);
	a->len = len;
	a->host = idx;
	m->nslots++;
	return 0;
}

/* key gets the lookup form of s: an address's 17 bytes or the lower-cased name; its length. */
static size_t
make_key(const char *s, size_t n, char key[HOSTS_NAME_MAX + 1])
{
	uint8_t addr[16];

	if (hosts_parse_addr(s, n, addr) == 0) {
		key[0] = '\0';
		memcpy(key + 1, addr, sizeof(addr));
		return ADDR_KEY_LEN;
	}
	if (n > HOSTS_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		key[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	return n;
}

int
host_map_add(struct host_map *m, size_t idx, const char *alias, size_t *owner)
{
	char key[HOSTS_NAME_MAX + 1];
	size_t len = make_key(alias, strlen(alias), key);

	if (len == 0)
		return -EINVAL;
	return insert(m, idx, key, len, owner);
}

static const struct host *
lookup(const struct host_map *m, const char *key, size_t len)
{
	const struct alias *a;

	if (m == NULL || m->nslots == 0 || len == 0)
		return NULL;
	a = probe(m, key, len);
	return a->key != NULL ? &m->hosts[a->host] : NULL;
}

const struct host *
hosts_lookup(const struct host_map *m, const char *s, size_t n)
{
	char key[HOSTS_NAME_MAX + 1];

	if (m == NULL || m->nslots == 0)
		return NULL;
	return lookup(m, key, make_key(s, n, key));
}

const char *
hosts_canonical(const struct host_map *m, const char *s, size_t n)
{
	const struct host *h = hosts_lookup(m, s, n);

	return h != NULL ? h->name : NULL;
}

const char *
hosts_by_sockaddr(const struct host_map *m, const struct sockaddr_storage *ss)
{
	char key[ADDR_KEY_LEN] = { 0 };
	const struct host *h;

	if (ss->ss_family == AF_INET6) {
		memcpy(key + 1, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	} else if (ss->ss_family == AF_INET) {
		key[11] = key[12] = (char)0xff;
		memcpy(key + 13, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else
		return NULL;
	h = lookup(m, key, sizeof(key));
	return h != NULL ? h->name : NULL;
}

void
hosts_apply(const struct host_map *m, struct event *ev)
{
	const char *canon;

	if (m == NULL || m->nslots == 0)
		return;
	/* The host the event names first; the sender's address only for a host no block knows. */
	if ((canon = hosts_canonical(m, ev->host.p, ev->host.n)) == NULL &&
	    (canon = hosts_by_sockaddr(m, &ev->src)) == NULL)
		return;
	if (str_eq_cstr(ev->host, canon))
		return;
	/* With every field slot taken the original is lost here, but kept in raw. */
	(void)event_add_field(ev, STR_LIT(EVENT_ORIGINAL_HOST), ev->host);
	ev->host = str_make(canon, strlen(canon));
}
