/*
 * curl_glue.h - HTTP requests on the event loop: libcurl's multi interface
 * driven by sd-event (socket and timer callbacks), never blocking, never a
 * thread.  The only module that includes <curl/curl.h>.  Connections are
 * reused (HTTP/1.1 keep-alive) and TLS is always verified.
 */
#ifndef TRIAGED_CURL_GLUE_H
#define TRIAGED_CURL_GLUE_H

#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

struct curl_glue;

struct http_request {
	const char *url;
	const char *method;	  /* "POST", "GET", "PUT" */
	const char *content_type; /* NULL: none */
	const char *body;	  /* copied by curl_glue_request(); may be NULL */
	size_t body_len;
	const char *const *headers; /* extra "Name: value" lines, NULL-terminated, or NULL */
	int64_t timeout_usec;	    /* whole request; 0: 30 s */
	int64_t connect_timeout_usec; /* 0: 10 s */
	const char *ca_file;	    /* NULL: the system's trust store */
	const char *user, *password; /* HTTP basic auth; NULL: none */
};

struct http_response {
	long status;	       /* HTTP status; 0 when no response arrived */
	int error;	       /* 0, or a transport failure: -ECONNREFUSED, -ETIMEDOUT, -EPROTO (TLS), -EIO */
	const char *error_text; /* curl's words for error, "" when none */
	const char *body;      /* response body, NUL-terminated, capped at 64 KiB */
	size_t body_len;
	const char *retry_after; /* the Retry-After header's value, or NULL */
	int64_t elapsed_usec;
};

/* A message to send by SMTP: the same loop, the same transfers. */
enum mail_tls { MAIL_TLS_NO = 0, MAIL_TLS_TRY, MAIL_TLS_REQUIRED };

struct mail_request {
	const char *url;	/* smtp://HOST[:PORT] or smtps://HOST[:PORT] */
	const char *from, *rcpt; /* addr-specs: the envelope */
	const char *message;	/* RFC 5322, CRLF lines; copied */
	size_t message_len;
	const char *user, *password; /* NULL: no AUTH */
	enum mail_tls starttls;	     /* smtp:// only */
	int64_t timeout_usec;	     /* 0: 30 s */
	int64_t connect_timeout_usec; /* 0: 10 s */
	const char *ca_file;	     /* NULL: the system's trust store */
};

/*
 * Called once per request on the loop thread, also when the request is
 * cancelled by curl_glue_free (then error is -ECANCELED).  resp and its
 * strings are valid only during the call.
 */
typedef void (*http_done_cb)(const struct http_response *resp, void *arg);

int curl_glue_new(sd_event *event, struct curl_glue **ret);
void curl_glue_free(struct curl_glue *g); /* NULL-safe */

/* Start a request; returns 0 or -errno (then cb is never called). */
int curl_glue_request(struct curl_glue *g, const struct http_request *req, http_done_cb cb,
    void *arg);
/*
 * Start sending a message; 0 or -errno (then cb is never called).  The
 * response's status is the server's last reply code; error is 0 only
 * when the server took the message.
 */
int curl_glue_mail(struct curl_glue *g, const struct mail_request *req, http_done_cb cb,
    void *arg);
/* Requests started and not yet completed. */
unsigned curl_glue_in_flight(const struct curl_glue *g);

#endif
