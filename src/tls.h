/*
 * tls.h - TLS for the syslog listeners (RFC 5425), and the only user of
 * libssl: a server context built from a listener's certificate, key and
 * CA, and non-blocking sessions over accepted sockets, driven by the
 * caller's event loop.  No threads, no blocking: every call returns at
 * once and says which socket event it waits for.
 */
#ifndef TRIAGED_TLS_H
#define TRIAGED_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct conf_tls;
struct tls_ctx;
struct tls_session;

/*
 * Load c's certificate, key and CA into a fresh context (TLS 1.2 at
 * least): 0, or -errno and *cause naming the file and what is wrong with
 * it.  The context is reference-counted: sessions made from it keep it
 * alive after tls_ctx_free(), so a reload can swap it under them.
 */
int tls_ctx_new(const struct conf_tls *c, struct tls_ctx **ret, char **cause);
void tls_ctx_free(struct tls_ctx *ctx); /* NULL-safe */
/* When ctx's certificate expires, seconds since the epoch; 0 if unknown. */
int64_t tls_ctx_not_after(const struct tls_ctx *ctx);

/* A server session over the connected non-blocking socket fd (not owned). */
int tls_session_new(struct tls_ctx *ctx, int fd, struct tls_session **ret);
void tls_session_free(struct tls_session *s); /* NULL-safe */

/*
 * Go on with the handshake: 1 when it is done, 0 while it waits for the
 * socket (*events: EPOLLIN or EPOLLOUT), -ENODATA when the peer closed
 * without sending a byte (a load balancer's or monitor's port check), or
 * -EPROTO with why (a phrase from OpenSSL, never the peer's bytes) filled.
 */
int tls_session_handshake(struct tls_session *s, uint32_t *events, char *why, size_t whylen);
/*
 * Read application data: > 0 bytes, 0 at the end of the stream (clean or
 * not), or -EAGAIN with *events set.
 */
ssize_t tls_session_read(struct tls_session *s, void *buf, size_t n, uint32_t *events);
/* Decrypted bytes wait inside the session, which the socket will not announce. */
bool tls_session_pending(const struct tls_session *s);

#endif
