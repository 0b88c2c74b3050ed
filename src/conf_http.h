/*
 * conf_http.h - `listen http ADDRESS { ... }`: the HTTP listener of the ack
 * links and the health check (see conf.h's struct conf_http).
 */
#ifndef TRIAGED_CONF_HTTP_H
#define TRIAGED_CONF_HTTP_H

struct conf;
struct conf_http;
struct lex;

/* The statement with `listen` read and `http` next; at most one per config. */
int conf_http_parse(struct lex *lx, struct conf *conf, char **cause);
void conf_http_free(struct conf_http *h);

#endif
