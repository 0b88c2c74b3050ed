/*
 * conn_limit.h - connections open per source address, for a TCP
 * listener's max-connections-per-source.  A fixed array of hash buckets;
 * an address has an entry only while it has connections open, so the table
 * never holds more entries than the listener has connections.  An IPv4
 * sender and the same sender seen as a v4-mapped IPv6 address are one
 * source.  Pure: no sockets, no clock; the listener calls it on accept and
 * on close.
 */
#ifndef TRIAGED_CONN_LIMIT_H
#define TRIAGED_CONN_LIMIT_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr_storage;
struct conn_limit;

/* seed keys the hash, so that senders cannot aim their addresses at one bucket. */
struct conn_limit *conn_limit_new(uint64_t seed);
/* NULL-safe; frees the entries of connections still counted. */
void conn_limit_free(struct conn_limit *cl);

/*
 * Count one more connection from ss's address unless max are open from it
 * already: 0, or -EUSERS and nothing counted.  Addresses of other families
 * than AF_INET and AF_INET6 all count as one source.
 */
int conn_limit_take(struct conn_limit *cl, const struct sockaddr_storage *ss, uint32_t max);
/* A connection counted by conn_limit_take() closed. */
void conn_limit_release(struct conn_limit *cl, const struct sockaddr_storage *ss);

/* Connections open from ss's address. */
uint32_t conn_limit_count(const struct conn_limit *cl, const struct sockaddr_storage *ss);
/* Addresses with connections open: the entries allocated. */
size_t conn_limit_sources(const struct conn_limit *cl);

#endif
