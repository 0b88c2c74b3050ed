/*
 * conf_tls.h - the TLS options of `listen syslog tls ADDRESS { ... }`:
 * certificate, key, ca, verify-peer, allowed-names, handshake-timeout; and
 * the check, at load time, that the files can be read and fit together.
 */
#ifndef TRIAGED_CONF_TLS_H
#define TRIAGED_CONF_TLS_H

struct lex;
struct conf_listen;
struct conf_tls;

/* Keyword handlers for the listen block; ctx is the struct conf_listen. */
int conf_tls_opt_certificate(struct lex *lx, void *ctx, char **cause);
int conf_tls_opt_key(struct lex *lx, void *ctx, char **cause);
int conf_tls_opt_ca(struct lex *lx, void *ctx, char **cause);
int conf_tls_opt_verify_peer(struct lex *lx, void *ctx, char **cause);
int conf_tls_opt_allowed_names(struct lex *lx, void *ctx, char **cause);
int conf_tls_opt_handshake_timeout(struct lex *lx, void *ctx, char **cause);

/*
 * At the end of a TLS listen statement: what is required is there, and
 * the certificate, key and CA load (so triaged -t and a reload see a bad
 * file at its line).  0, or -errno with "FILE:LINE: ..." in *cause.
 */
int conf_tls_check(struct lex *lx, struct conf_listen *l, char **cause);
void conf_tls_clear(struct conf_tls *t);

#endif
