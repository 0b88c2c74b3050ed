/*
 * curl_glue.c - libcurl's multi_socket interface driven by sd-event.  curl
 * tells us which sockets to watch (socket callback) and when to wake it up
 * (timer callback); we turn both into sd-event sources and hand readiness
 * back with curl_multi_socket_action().  Nothing here blocks or threads.
 * The only file that includes <curl/curl.h>.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/queue.h>

#include "curl_glue.h"
#include "util.h"

#define BODY_MAX (64 * 1024) /* response bytes kept; the rest is read and dropped */
#define RETRY_AFTER_MAX 64 /* longer Retry-After values are cut */
#define METHOD_MAX 16
#define TIMEOUT_DEFAULT (30 * USEC_PER_SEC)
#define CONNECT_DEFAULT (10 * USEC_PER_SEC)
#define MAX_HOST_CONNS 4L /* per upstream; more requests queue in curl */
#define TIMER_ACCURACY_USEC 1 /* sd-event would otherwise coalesce short wakeups late */
/*
 * curl re-asks for its long timeouts (connect, request) after nearly every
 * action, each time a few µs off.  Let those fire up to this late, so
 * sd-event picks the same aligned time and need not re-arm its timerfd.
 */
#define LONG_TIMEOUT_MS 1000
#define LONG_ACCURACY_USEC (100 * 1000)

/* One socket curl asked us to watch; attached to the socket with curl_multi_assign. */
struct watch {
	struct curl_glue *g;
	sd_event_source *src;
	LIST_ENTRY(watch) link;
};

struct transfer {
	struct curl_glue *g;
	LIST_ENTRY(transfer) link;
	CURL *easy;
	struct curl_slist *headers;
	struct curl_slist *rcpts; /* mail */
	char *upload;		  /* mail: the message, read by curl from up_off */
	size_t up_len, up_off;
	http_done_cb cb;
	void *arg;
	int64_t start_usec;
	char *body; /* NUL-terminated when non-NULL */
	size_t body_len, body_cap;
	char *retry_after;
	char errbuf[CURL_ERROR_SIZE];
};

struct curl_glue {
	sd_event *event;
	CURLM *multi;
	sd_event_source *timer;
	sd_event_source *now; /* a defer source for curl's 0 ms timeouts */
	LIST_HEAD(, watch) watches;
	LIST_HEAD(, transfer) transfers;
	unsigned in_flight;
	bool global_ref;
	unsigned dispatching; /* > 0 while callers' callbacks may run */
	bool closing; /* curl_glue_free was called; no new requests */
};

/* curl_global_init/cleanup are process-wide; the daemon has one thread. */
static unsigned curl_users;

static void glue_destroy(struct curl_glue *g);

static void
transfer_free(struct transfer *t)
{
	curl_easy_cleanup(t->easy); /* NULL-safe */
	curl_slist_free_all(t->headers);
	curl_slist_free_all(t->rcpts);
	free(t->upload);
	free(t->body);
	free(t->retry_after);
	free(t);
}

static int
map_error(CURLcode c)
{
	switch (c) {
	case CURLE_OK: return 0;
	case CURLE_COULDNT_CONNECT: return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT: return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return -EHOSTUNREACH;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_USE_SSL_FAILED:
#if LIBCURL_VERSION_NUM >= 0x074d00
	case CURLE_SSL_CLIENTCERT:
#endif
		return -EPROTO;
	default: return -EIO;
	}
}

/*
 * Hand a finished (or cancelled) transfer to its owner and free it.  The
 * easy handle must already be out of the multi handle.
 */
static void
transfer_finish(struct transfer *t, CURLcode code, int error)
{
	struct http_response resp = { .error = error, .error_text = "", .body = "" };
	curl_off_t total = 0;

	LIST_REMOVE(t, link);
	t->g->in_flight--;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &resp.status);
	if (error == -ECANCELED
	    || curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total) != CURLE_OK || total <= 0)
		total = now_monotonic_usec() - t->start_usec;
	resp.elapsed_usec = total;
	if (error == -ECANCELED)
		resp.error_text = "cancelled";
	else if (error != 0)
		resp.error_text = t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(code);
	if (t->body != NULL) {
		resp.body = t->body;
		resp.body_len = t->body_len;
	}
	resp.retry_after = t->retry_after;
	t->g->dispatching++;
	t->cb(&resp, t->arg);
	t->g->dispatching--;
	transfer_free(t);
}

/* Complete every transfer curl reports done.  Runs after each socket_action. */
static void
glue_drain(struct curl_glue *g)
{
	CURLMsg *msg;
	int left;

	while (!g->closing && (msg = curl_multi_info_read(g->multi, &left)) != NULL) {
		CURL *easy = msg->easy_handle;
		CURLcode code = msg->data.result; /* msg is invalid after remove_handle */
		char *priv = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		curl_multi_remove_handle(g->multi, easy);
		if (priv != NULL)
			transfer_finish((struct transfer *)priv, code, map_error(code));
	}
}

/* Tell curl what happened, then complete what finished.  May free g (see curl_glue_free). */
static void
glue_action(struct curl_glue *g, curl_socket_t fd, int mask)
{
	int running;

	g->dispatching++;
	curl_multi_socket_action(g->multi, fd, mask, &running);
	glue_drain(g);
	g->dispatching--;
	if (g->closing && g->dispatching == 0)
		glue_destroy(g);
}

static int
on_io_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct watch *w = userdata;
	int mask = 0;

	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		mask |= CURL_CSELECT_IN;
	if (revents & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (revents & EPOLLERR)
		mask |= CURL_CSELECT_ERR;
	glue_action(w->g, fd, mask);
	return 0;
}

static int
on_timer_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	glue_action(userdata, CURL_SOCKET_TIMEOUT, 0);
	return 0;
}

static int
on_now_cb(sd_event_source *s, void *userdata)
{
	glue_action(userdata, CURL_SOCKET_TIMEOUT, 0);
	return 0;
}

static void
watch_free(struct watch *w)
{
	LIST_REMOVE(w, link);
	sd_event_source_disable_unref(w->src);
	free(w);
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching one socket. */
static int
socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct curl_glue *g = userp;
	struct watch *w = socketp;
	uint32_t events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (w != NULL)
			watch_free(w); /* curl forgets the assignment itself */
		return 0;
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= EPOLLOUT;
	if (w != NULL)
		return sd_event_source_set_io_events(w->src, events) < 0 ? -1 : 0;

	w = xcalloc(1, sizeof(*w));
	w->g = g;
	if (sd_event_add_io(g->event, &w->src, fd, events, on_io_cb, w) < 0) {
		free(w);
		return -1;
	}
	LIST_INSERT_HEAD(&g->watches, w, link);
	if (curl_multi_assign(g->multi, fd, w) != CURLM_OK) {
		watch_free(w);
		return -1;
	}
	return 0;
}

/* Off, or due at once through the loop; -1 on failure. */
static int
timer_now(struct curl_glue *g, bool on)
{
	if (on && g->now == NULL)
		return sd_event_add_defer(g->event, &g->now, on_now_cb, g) < 0 ? -1 : 0;
	if (g->now != NULL && sd_event_source_set_enabled(g->now, on ? SD_EVENT_ONESHOT :
	    SD_EVENT_OFF) < 0)
		return -1;
	return 0;
}

/*
 * CURLMOPT_TIMERFUNCTION: one oneshot timer, and a defer source for 0 ms,
 * which goes through the loop too (curl is never re-entered from inside its
 * own callback) but costs no timerfd update: curl asks for it after
 * nearly every new request.
 */
static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct curl_glue *g = userp;
	uint64_t now, when, accuracy;
	int r;

	if (timer_now(g, timeout_ms == 0) < 0)
		return -1;
	if (timeout_ms <= 0) {
		if (g->timer != NULL && sd_event_source_set_enabled(g->timer, SD_EVENT_OFF) < 0)
			return -1;
		return 0;
	}
	if (sd_event_now(g->event, CLOCK_MONOTONIC, &now) < 0)
		return -1;
	when = now + (uint64_t)timeout_ms * USEC_PER_MSEC;
	accuracy = timeout_ms >= LONG_TIMEOUT_MS ? LONG_ACCURACY_USEC : TIMER_ACCURACY_USEC;
	if (g->timer == NULL)
		r = sd_event_add_time(g->event, &g->timer, CLOCK_MONOTONIC, when, accuracy,
		    on_timer_cb, g);
	else if ((r = sd_event_source_set_time(g->timer, when)) >= 0 &&
	    (r = sd_event_source_set_time_accuracy(g->timer, accuracy)) >= 0)
		r = sd_event_source_set_enabled(g->timer, SD_EVENT_ONESHOT);
	return r < 0 ? -1 : 0;
}

int
curl_glue_new(sd_event *event, struct curl_glue **ret)
{
	struct curl_glue *g;
	CURLM *m;

	if (event == NULL || ret == NULL)
		return -EINVAL;
	g = xcalloc(1, sizeof(*g));
	g->event = sd_event_ref(event);
	if (curl_users == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto fail;
	curl_users++;
	g->global_ref = true;
	g->multi = m = curl_multi_init();
	if (m == NULL || curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, socket_cb) != CURLM_OK
	    || curl_multi_setopt(m, CURLMOPT_SOCKETDATA, g) != CURLM_OK
	    || curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, timer_cb) != CURLM_OK
	    || curl_multi_setopt(m, CURLMOPT_TIMERDATA, g) != CURLM_OK
	    || curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, MAX_HOST_CONNS) != CURLM_OK)
		goto fail;
	*ret = g;
	return 0;
fail:
	curl_glue_free(g);
	return -EIO;
}

static void
glue_destroy(struct curl_glue *g)
{
	if (g->multi != NULL)
		curl_multi_cleanup(g->multi); /* may still report sockets to socket_cb */
	while (!LIST_EMPTY(&g->watches))
		watch_free(LIST_FIRST(&g->watches));
	sd_event_source_disable_unref(g->timer);
	sd_event_source_disable_unref(g->now);
	sd_event_unref(g->event);
	if (g->global_ref && --curl_users == 0)
		curl_global_cleanup();
	free(g);
}

void
curl_glue_free(struct curl_glue *g)
{
	if (g == NULL || g->closing)
		return;
	g->closing = true;
	g->dispatching++;
	while (!LIST_EMPTY(&g->transfers)) {
		struct transfer *t = LIST_FIRST(&g->transfers);

		curl_multi_remove_handle(g->multi, t->easy);
		transfer_finish(t, CURLE_OK, -ECANCELED);
	}
	g->dispatching--;
	/* Called from a completion callback: glue_action destroys g on its way out. */
	if (g->dispatching == 0)
		glue_destroy(g);
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;
	size_t take = n < BODY_MAX - t->body_len ? n : BODY_MAX - t->body_len;

	if (take == 0)
		return n;
	if (t->body_len + take + 1 > t->body_cap) {
		size_t cap = t->body_cap ? t->body_cap : 1024;
		while (cap < t->body_len + take + 1)
			cap *= 2;
		if (cap > BODY_MAX + 1)
			cap = BODY_MAX + 1;
		t->body = xreallocarray(t->body, cap, 1);
		t->body_cap = cap;
	}
	memcpy(t->body + t->body_len, data, take);
	t->body_len += take;
	t->body[t->body_len] = '\0';
	return n;
}

/* Keep the Retry-After of the last response only (a 100 Continue comes first). */
static size_t
header_cb(char *line, size_t size, size_t nmemb, void *userdata)
{
	static const char name[] = "retry-after:";
	struct transfer *t = userdata;
	size_t n = size * nmemb, len;
	const char *v;

	if (n >= 5 && strncasecmp(line, "HTTP/", 5) == 0) {
		free(t->retry_after);
		t->retry_after = NULL;
	} else if (n >= sizeof(name) - 1 && strncasecmp(line, name, sizeof(name) - 1) == 0) {
		v = line + sizeof(name) - 1;
		len = n - (sizeof(name) - 1);
		while (len > 0 && (*v == ' ' || *v == '\t'))
			v++, len--;
		while (len > 0 && strchr(" \t\r\n", v[len - 1]) != NULL)
			len--;
		free(t->retry_after);
		t->retry_after = xstrndup(v, len < RETRY_AFTER_MAX ? len : RETRY_AFTER_MAX);
	}
	return n;
}

static bool
valid_method(const char *m)
{
	size_t n = strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

	return n > 0 && n <= METHOD_MAX && m[n] == '\0';
}

/* Rounded up, so 1 us never becomes curl's "no timeout"; at most a day. */
static long
usec_to_ms(int64_t usec, int64_t dflt)
{
	usec = usec <= 0 ? dflt : usec < 86400 * USEC_PER_SEC ? usec : 86400 * USEC_PER_SEC;
	return (long)((usec + USEC_PER_MSEC - 1) / USEC_PER_MSEC);
}

static int
add_header(struct transfer *t, const char *line)
{
	struct curl_slist *l;

	if (strpbrk(line, "\r\n") != NULL)
		return -EINVAL; /* no header injection */
	if ((l = curl_slist_append(t->headers, line)) == NULL)
		return -ENOMEM;
	t->headers = l;
	return 0;
}

static int
build_headers(struct transfer *t, const struct http_request *req)
{
	char *ct;
	int r;

	/*
	 * An empty "Expect:" stops curl waiting for 100 Continue before large
	 * bodies; an empty "Content-Type:" drops curl's form-urlencoded default.
	 */
	if ((r = add_header(t, "Expect:")) < 0)
		return r;
	xasprintf(&ct, "Content-Type:%s%s", req->content_type != NULL ? " " : "",
	    req->content_type != NULL ? req->content_type : "");
	r = add_header(t, ct);
	free(ct);
	if (r < 0)
		return r;
	for (const char *const *h = req->headers; h != NULL && *h != NULL; h++)
		if ((r = add_header(t, *h)) < 0)
			return r;
	return 0;
}

#define SETOPT(e, opt, val)                                                                        \
	do {                                                                                       \
		if (curl_easy_setopt((e), (opt), (val)) != CURLE_OK)                               \
			return -EIO;                                                               \
	} while (0)

/* Method and body.  libcurl copies every string option; COPYPOSTFIELDS copies the body. */
static int
setup_method(CURL *e, const struct http_request *req)
{
	const char *m = req->method;
	bool has_body = strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;

	if (!valid_method(m) || (req->body == NULL && req->body_len > 0))
		return -EINVAL;
	if (strcmp(m, "GET") == 0)
		SETOPT(e, CURLOPT_HTTPGET, 1L);
	else if (strcmp(m, "HEAD") == 0)
		SETOPT(e, CURLOPT_NOBODY, 1L);
	if (has_body) {
		SETOPT(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		SETOPT(e, CURLOPT_COPYPOSTFIELDS, req->body != NULL ? req->body : "");
	}
	if (has_body && strcmp(m, "POST") != 0)
		SETOPT(e, CURLOPT_CUSTOMREQUEST, m);
	return 0;
}

static int
setup_easy(struct transfer *t, const struct http_request *req)
{
	CURL *e = t->easy;
	long total_ms = usec_to_ms(req->timeout_usec, TIMEOUT_DEFAULT);
	long connect_ms = usec_to_ms(req->connect_timeout_usec, CONNECT_DEFAULT);

	SETOPT(e, CURLOPT_URL, req->url);
	SETOPT(e, CURLOPT_PRIVATE, (char *)t);
	SETOPT(e, CURLOPT_ERRORBUFFER, t->errbuf);
	SETOPT(e, CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(e, CURLOPT_WRITEDATA, t);
	SETOPT(e, CURLOPT_HEADERFUNCTION, header_cb);
	SETOPT(e, CURLOPT_HEADERDATA, t);
	SETOPT(e, CURLOPT_HTTPHEADER, t->headers);
	SETOPT(e, CURLOPT_NOSIGNAL, 1L);
	SETOPT(e, CURLOPT_TIMEOUT_MS, total_ms);
	SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	SETOPT(e, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file != NULL)
		SETOPT(e, CURLOPT_CAINFO, req->ca_file);
	if (req->user != NULL) {
		SETOPT(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SETOPT(e, CURLOPT_USERNAME, req->user);
		SETOPT(e, CURLOPT_PASSWORD, req->password);
	}
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SETOPT(e, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SETOPT(e, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(e, CURLOPT_USERAGENT, PACKAGE "/" PACKAGE_VERSION);
	return setup_method(e, req);
}

static struct transfer *
transfer_new(struct curl_glue *g, http_done_cb cb, void *arg)
{
	struct transfer *t = xcalloc(1, sizeof(*t));

	t->g = g;
	t->cb = cb;
	t->arg = arg;
	t->start_usec = now_monotonic_usec();
	t->easy = curl_easy_init();
	return t;
}

/* Set up (r: how that went), then in the multi handle; freed when it fails. */
static int
transfer_start(struct transfer *t, int r)
{
	struct curl_glue *g = t->g;

	/* Arms the timer (0 ms); the transfer starts on the next loop iteration. */
	if (r == 0 && curl_multi_add_handle(g->multi, t->easy) != CURLM_OK)
		r = -EIO;
	if (r < 0) {
		transfer_free(t);
		return r;
	}
	LIST_INSERT_HEAD(&g->transfers, t, link);
	g->in_flight++;
	return 0;
}

int
curl_glue_request(struct curl_glue *g, const struct http_request *req, http_done_cb cb, void *arg)
{
	struct transfer *t;
	int r;

	if (g == NULL || req == NULL || req->url == NULL || req->method == NULL || cb == NULL)
		return -EINVAL;
	if (g->closing)
		return -ECANCELED;
	t = transfer_new(g, cb, arg);
	if (t->easy == NULL)
		r = -ENOMEM;
	else if ((r = build_headers(t, req)) == 0)
		r = setup_easy(t, req);
	return transfer_start(t, r);
}

static size_t
read_cb(char *buf, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb, left = t->up_len - t->up_off;

	if (n > left)
		n = left;
	memcpy(buf, t->upload + t->up_off, n);
	t->up_off += n;
	return n;
}

static int
setup_mail(struct transfer *t, const struct mail_request *req)
{
	static const long tls[] = { CURLUSESSL_NONE, CURLUSESSL_TRY, CURLUSESSL_ALL };
	CURL *e = t->easy;
	char *from;

	if ((t->rcpts = curl_slist_append(NULL, req->rcpt)) == NULL)
		return -ENOMEM;
	xasprintf(&from, "<%s>", req->from);
	SETOPT(e, CURLOPT_URL, req->url);
	SETOPT(e, CURLOPT_PRIVATE, (char *)t);
	SETOPT(e, CURLOPT_ERRORBUFFER, t->errbuf);
	int r = curl_easy_setopt(e, CURLOPT_MAIL_FROM, from) == CURLE_OK ? 0 : -EIO;
	free(from);
	if (r < 0)
		return r;
	SETOPT(e, CURLOPT_MAIL_RCPT, t->rcpts);
	SETOPT(e, CURLOPT_UPLOAD, 1L);
	SETOPT(e, CURLOPT_READFUNCTION, read_cb);
	SETOPT(e, CURLOPT_READDATA, t);
	SETOPT(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->up_len);
	SETOPT(e, CURLOPT_USE_SSL, tls[req->starttls]);
	SETOPT(e, CURLOPT_NOSIGNAL, 1L);
	SETOPT(e, CURLOPT_TIMEOUT_MS, usec_to_ms(req->timeout_usec, TIMEOUT_DEFAULT));
	SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, usec_to_ms(req->connect_timeout_usec,
	    CONNECT_DEFAULT));
	SETOPT(e, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file != NULL)
		SETOPT(e, CURLOPT_CAINFO, req->ca_file);
	if (req->user != NULL) {
		SETOPT(e, CURLOPT_USERNAME, req->user);
		SETOPT(e, CURLOPT_PASSWORD, req->password);
	}
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	SETOPT(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	return 0;
}

int
curl_glue_mail(struct curl_glue *g, const struct mail_request *req, http_done_cb cb, void *arg)
{
	struct transfer *t;
	int r;

	if (g == NULL || req == NULL || req->url == NULL || req->from == NULL ||
	    req->rcpt == NULL || req->message == NULL || cb == NULL ||
	    (unsigned)req->starttls > MAIL_TLS_REQUIRED)
		return -EINVAL;
	if (g->closing)
		return -ECANCELED;
	t = transfer_new(g, cb, arg);
	t->upload = xmalloc(req->message_len + 1);
	memcpy(t->upload, req->message, req->message_len);
	t->up_len = req->message_len;
	r = t->easy == NULL ? -ENOMEM : setup_mail(t, req);
	return transfer_start(t, r);
}

unsigned
curl_glue_in_flight(const struct curl_glue *g)
{
	return g != NULL ? g->in_flight : 0;
}
