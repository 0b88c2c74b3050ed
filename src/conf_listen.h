/*
 * conf_listen.h - the `listen` statements of the config (see conf.h's
 * struct conf_listen for what they fill in).
 */
#ifndef TRIAGED_CONF_LISTEN_H
#define TRIAGED_CONF_LISTEN_H

#include <stdbool.h>
#include <sys/socket.h>

#include "conf.h"

struct lex;

/* `listen KIND PROTO ADDRESS [{ ... }]`, the keyword read; appends to conf->listens. */
int conf_listen_parse(struct lex *lx, struct conf *conf, char **cause);
/* Fill in what the listener left to the rest of the file and the defaults. */
void conf_listen_finish(struct conf_listen *l, const struct conf *conf);
void conf_listen_clear(struct conf_listen *l);
/* TCP and TLS: connections, framing, limits and idle-timeout. */
bool conf_listen_is_stream(const struct conf_listen *l);
/* "udp", "tcp", "unix", "tls" */
const char *conf_listen_proto_name(enum listen_proto p);

/* A numeric address and port: "127.0.0.1:514", "[::1]:514", "*:514" ([::], both families). */
int conf_parse_inet(const char *s, struct sockaddr_storage *ss, socklen_t *salen);

#endif
