/*
 * conn_limit.c - connections open per source address (see conn_limit.h).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn_limit.h"
#include "util.h"

/*
 * Fixed, so a flood never makes us rehash: at the default 1024 connections
 * a chain holds about one entry, at the 65536 maximum about 64.
 */
#define CONN_LIMIT_BITS	   10
#define CONN_LIMIT_BUCKETS (1U << CONN_LIMIT_BITS)

struct source {
	struct source *next;
	struct in6_addr addr; /* IPv4 as v4-mapped IPv6 */
	uint32_t count;	      /* > 0 while the entry exists */
};

struct conn_limit {
	uint64_t seed;
	size_t nsources;
	struct source *buckets[CONN_LIMIT_BUCKETS];
};

struct conn_limit *
conn_limit_new(uint64_t seed)
{
	struct conn_limit *cl = xcalloc(1, sizeof(*cl));

	cl->seed = seed;
	return cl;
}

void
conn_limit_free(struct conn_limit *cl)
{
	struct source *s;

	if (cl == NULL)
		return;
	for (size_t i = 0; i < CONN_LIMIT_BUCKETS; i++) {
		while ((s = cl->buckets[i]) != NULL) {
			cl->buckets[i] = s->next;
			free(s);
		}
	}
	free(cl);
}

/* The address as IPv6, so that 192.0.2.1 and ::ffff:192.0.2.1 are one key. */
static struct in6_addr
source_key(const struct sockaddr_storage *ss)
{
	struct in6_addr a = IN6ADDR_ANY_INIT;

	if (ss->ss_family == AF_INET6)
		a = ((const struct sockaddr_in6 *)ss)->sin6_addr;
	else if (ss->ss_family == AF_INET) {
		a.s6_addr[10] = 0xff;
		a.s6_addr[11] = 0xff;
		memcpy(&a.s6_addr[12], &((const struct sockaddr_in *)ss)->sin_addr, 4);
	}
	return a;
}

static size_t
source_bucket(const struct conn_limit *cl, const struct in6_addr *a)
{
	uint64_t h = hash64(a, sizeof(*a), cl->seed);

	/* FNV's low bits mix poorly; take the top ones after one more round. */
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (size_t)(h >> (64 - CONN_LIMIT_BITS));
}

/* The link to a's entry, or the NULL link at the end of its chain. */
static struct source **
source_find(struct conn_limit *cl, const struct in6_addr *a)
{
	struct source **sp = &cl->buckets[source_bucket(cl, a)];

	while (*sp != NULL && memcmp(&(*sp)->addr, a, sizeof(*a)) != 0)
		sp = &(*sp)->next;
	return sp;
}

int
conn_limit_take(struct conn_limit *cl, const struct sockaddr_storage *ss, uint32_t max)
{
	struct in6_addr a = source_key(ss);
	struct source **sp = source_find(cl, &a);

	if (*sp == NULL) {
		if (max == 0)
			return -EUSERS;
		*sp = xcalloc(1, sizeof(**sp));
		(*sp)->addr = a;
		cl->nsources++;
	} else if ((*sp)->count >= max)
		return -EUSERS;
	(*sp)->count++;
	return 0;
}

void
conn_limit_release(struct conn_limit *cl, const struct sockaddr_storage *ss)
{
	struct in6_addr a = source_key(ss);
	struct source **sp = source_find(cl, &a), *s = *sp;

	if (s == NULL || --s->count > 0)
		return;
	*sp = s->next;
	free(s);
	cl->nsources--;
}

uint32_t
conn_limit_count(const struct conn_limit *cl, const struct sockaddr_storage *ss)
{
	struct in6_addr a = source_key(ss);
	const struct source *s = cl->buckets[source_bucket(cl, &a)];

	while (s != NULL && memcmp(&s->addr, &a, sizeof(a)) != 0)
		s = s->next;
	return s != NULL ? s->count : 0;
}

size_t
conn_limit_sources(const struct conn_limit *cl)
{
	return cl->nsources;
}
