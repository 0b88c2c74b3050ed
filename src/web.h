/*
 * web.h - what the HTTP listener serves: ack and resolve links (a page
 * that asks, a POST that acts, in the name of "ack link"), /metrics
 * (Prometheus) and /healthz.
 * The link key lives in the state directory (link.key), made on first use.
 */
#ifndef TRIAGED_WEB_H
#define TRIAGED_WEB_H

#include <stdint.h>

#include "link_token.h"

struct daemon;
struct web;

struct web_stats {
	uint64_t requests;
	uint64_t acted;	     /* acks and resolves done by a link */
	uint64_t refused;    /* forged or unknown tokens, unknown paths */
	uint64_t expired;    /* signed tokens past their time */
	uint64_t stale;	     /* links to an incident already acked, closed or pruned */
	uint64_t failed;     /* the state database refused the change */
	uint64_t connections; /* open now */
	uint64_t connections_refused; /* closed at once: max-connections were open */
};

/* Bind d->conf->http's address, before privileges are dropped; *out NULL when none is asked. */
int web_bind(struct daemon *d, struct web **out, char **cause);
/* Read or make the link key and start serving; after the pipeline is up. */
int web_start(struct web *w, char **cause);
void web_free(struct web *w);
void web_get_stats(const struct web *w, struct web_stats *st);

/*
 * The link that does ACTION to incarnation ID, good for link-lifetime from
 * NOW (usec, realtime); malloc'd.  NULL when there is no HTTP listener.
 */
char *web_link(const struct web *w, enum link_action action, uint64_t id, int64_t now);

#endif
