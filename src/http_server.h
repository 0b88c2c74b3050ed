/*
 * http_server.h - a small HTTP/1.1 server on the event loop (libmicrohttpd
 * driven by sd-event: no thread, no blocking), for the ack links and the
 * health check.  Requests are answered whole by one handler call.
 */
#ifndef TRIAGED_HTTP_SERVER_H
#define TRIAGED_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

struct http_request {
	const char *method; /* as sent; libmicrohttpd checked it is a token */
	const char *path;   /* decoded by libmicrohttpd, without the query */
};

struct http_reply {
	unsigned status;
	const char *type; /* Content-Type */
	char *body;	  /* malloc'd, taken by the server */
	size_t len;
	const char *allow; /* for 405: the Allow header */
};

typedef void (*http_handler)(void *arg, const struct http_request *rq, struct http_reply *out);

struct http_server_stats {
	uint64_t requests;
	uint64_t connections; /* open now */
	uint64_t refused;     /* connections closed at once: max-connections were open */
};

struct http_server;

/*
 * Serve on FD (bound and listening, non-blocking; the server owns it from
 * here, also on failure) with at most MAX_CONNECTIONS at a time.
 */
int http_server_new(sd_event *event, int fd, unsigned max_connections, http_handler handler,
    void *arg, struct http_server **out);
void http_server_free(struct http_server *s);
void http_server_get_stats(const struct http_server *s, struct http_server_stats *st);

/* A TCP socket bound to SA and listening, non-blocking, close-on-exec; -errno. */
int http_server_bind(const struct sockaddr *sa, socklen_t salen);

#endif
