/*
 * check_curl_glue.c - HTTP requests on a real sd-event loop against a tiny
 * HTTP/1.1 keep-alive server forked onto 127.0.0.1 (an ephemeral port):
 * status codes, bodies, Retry-After, timeouts, refused connections, TLS
 * never downgraded (and verified, against openssl s_server when the tool is
 * there), connection reuse, cancellation and the body cap.  The server is
 * forked in main(), before Check starts: forked from a Check fixture it
 * sometimes corrupted Check's message stream under ASan.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "curl_glue.h"
#include "util.h"

#define SRV_CONNS 64
#define SRV_BUF 16384
#define BIG_BODY 100000

/* Shared with the server child through a MAP_SHARED page. */
struct srv_stats {
	unsigned accepts;
	unsigned requests;
};

struct srv_conn {
	int fd;
	size_t len;
	char buf[SRV_BUF];
};

static struct {
	pid_t pid;
	int ctl; /* closing it tells the server to exit */
	int refused_fd; /* bound, never listening: connects are refused */
	unsigned port, refused_port;
	struct srv_stats *stats;
} srv = { .pid = -1, .ctl = -1, .refused_fd = -1 };

/* ---- the server (runs in the forked child) ---- */

static void
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

static void
reply(int fd, int status, const char *extra, const char *body, size_t len)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\n\r\n",
	    status, extra, len);
	char *out = xmalloc((size_t)n + len);

	/* One write, so the response is one segment: no Nagle/delayed-ACK stall. */
	memcpy(out, head, (size_t)n);
	memcpy(out + n, body, len);
	write_all(fd, out, (size_t)n + len);
	free(out);
}

/* Copy the value of header name (case-insensitive) from the request head, or "". */
static void
header_value(const char *head, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name);
	const char *line = strstr(head, "\r\n");

	out[0] = '\0';
	while (line != NULL && line[2] != '\r') {
		line += 2;
		const char *end = strstr(line, "\r\n");
		if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
			const char *v = line + nlen + 1;
			while (*v == ' ')
				v++;
			snprintf(out, size, "%.*s", (int)(end - v), v);
			return;
		}
		line = end;
	}
}

static void
route(int fd, const char *method, const char *path, const char *head, const char *body, size_t blen)
{
	if (strcmp(path, "/ok") == 0) {
		reply(fd, 202, "", "{\"status\":\"success\"}", 20);
	} else if (strcmp(path, "/bad") == 0) {
		reply(fd, 400, "", "{\"status\":\"invalid event\"}", 26);
	} else if (strcmp(path, "/ratelimit") == 0) {
		reply(fd, 429, "retry-after:   17  \r\n", "{}", 2);
	} else if (strcmp(path, "/fail") == 0) {
		reply(fd, 500, "", "oops", 4);
	} else if (strcmp(path, "/slow") == 0) {
		/* never answered: the client gives up */
	} else if (strcmp(path, "/big") == 0) {
		char *b = xmalloc(BIG_BODY);
		memset(b, 'x', BIG_BODY);
		reply(fd, 200, "", b, BIG_BODY);
		free(b);
	} else if (strcmp(path, "/echo") == 0) {
		char ct[128], xt[128], ua[128], ex[64], out[8192];
		header_value(head, "Content-Type", ct, sizeof(ct));
		header_value(head, "X-Test", xt, sizeof(xt));
		header_value(head, "User-Agent", ua, sizeof(ua));
		header_value(head, "Expect", ex, sizeof(ex));
		int n = snprintf(out, sizeof(out), "%s|%s|%s|%s|%s|%zu|%.*s", method, ct, xt, ua,
		    ex, blen, (int)(blen < 4096 ? blen : 4096), body);
		reply(fd, 200, "", out, (size_t)n);
	} else {
		reply(fd, 404, "", "", 0);
	}
}

/* Answer every complete request in c->buf; returns -1 to close the connection. */
static int
serve_buffer(struct srv_conn *c, struct srv_stats *st)
{
	for (;;) {
		char method[16], path[128], clen[32];
		char *end;
		size_t hlen, blen, total;

		if (c->len > 0 && (c->buf[0] < 'A' || c->buf[0] > 'Z')) {
			reply(c->fd, 400, "Connection: close\r\n", "", 0); /* e.g. a TLS hello */
			return -1;
		}
		c->buf[c->len] = '\0';
		if ((end = strstr(c->buf, "\r\n\r\n")) == NULL)
			return c->len >= SRV_BUF - 1 ? -1 : 0;
		hlen = (size_t)(end - c->buf) + 4;
		header_value(c->buf, "Content-Length", clen, sizeof(clen));
		blen = (size_t)strtoul(clen, NULL, 10);
		total = hlen + blen;
		if (total >= SRV_BUF)
			return -1;
		if (c->len < total)
			return 0;
		if (sscanf(c->buf, "%15s %127s", method, path) != 2)
			return -1;
		*end = '\0';
		__atomic_add_fetch(&st->requests, 1, __ATOMIC_SEQ_CST);
		route(c->fd, method, path, c->buf, c->buf + hlen, blen);
		memmove(c->buf, c->buf + total, c->len - total);
		c->len -= total;
	}
}

static void
server_loop(int lfd, int ctl, struct srv_stats *st)
{
	struct srv_conn *conns = xcalloc(SRV_CONNS, sizeof(*conns));
	struct pollfd pfd[SRV_CONNS + 2];

	for (int i = 0; i < SRV_CONNS; i++)
		conns[i].fd = -1;
	for (;;) {
		pfd[0] = (struct pollfd) { .fd = ctl, .events = POLLIN };
		pfd[1] = (struct pollfd) { .fd = lfd, .events = POLLIN };
		for (int i = 0; i < SRV_CONNS; i++)
			pfd[i + 2] = (struct pollfd) { .fd = conns[i].fd, .events = POLLIN };
		if (poll(pfd, SRV_CONNS + 2, -1) < 0)
			continue;
		if (pfd[0].revents != 0)
			break;
		if (pfd[1].revents & POLLIN) {
			int fd = accept(lfd, NULL, NULL), i;
			for (i = 0; fd >= 0 && i < SRV_CONNS && conns[i].fd >= 0; i++)
				;
			if (fd >= 0 && i == SRV_CONNS)
				close(fd);
			else if (fd >= 0) {
				conns[i].fd = fd;
				conns[i].len = 0;
				__atomic_add_fetch(&st->accepts, 1, __ATOMIC_SEQ_CST);
			}
		}
		for (int i = 0; i < SRV_CONNS; i++) {
			struct srv_conn *c = &conns[i];
			ssize_t k;
			if (c->fd < 0 || pfd[i + 2].revents == 0)
				continue;
			k = read(c->fd, c->buf + c->len, SRV_BUF - 1 - c->len);
			if (k > 0)
				c->len += (size_t)k;
			if (k <= 0 || serve_buffer(c, st) < 0) {
				close(c->fd);
				c->fd = -1;
			}
		}
	}
	for (int i = 0; i < SRV_CONNS; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	free(conns);
}

/* Outside any test, so no ck_assert. */
static void
must(bool ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(EXIT_FAILURE);
	}
}

static int
bind_loopback(unsigned *port)
{
	struct sockaddr_in sa
	    = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	must(fd >= 0, "socket");
	must(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind");
	must(getsockname(fd, (struct sockaddr *)&sa, &len) == 0, "getsockname");
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Forked before Check runs anything, so the server shares none of its state. */
static void
server_start(void)
{
	int lfd, pipefd[2];

	srv.stats = mmap(
	    NULL, sizeof(*srv.stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	must(srv.stats != MAP_FAILED, "mmap");
	lfd = bind_loopback(&srv.port);
	must(listen(lfd, 128) == 0, "listen");
	srv.refused_fd = bind_loopback(&srv.refused_port);
	must(pipe2(pipefd, O_CLOEXEC) == 0, "pipe2");
	srv.pid = fork();
	must(srv.pid >= 0, "fork");
	if (srv.pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pipefd[1]);
		server_loop(lfd, pipefd[0], srv.stats);
		_exit(0);
	}
	close(lfd);
	close(pipefd[0]);
	srv.ctl = pipefd[1];
}

static void
server_stop(void)
{
	close(srv.ctl);
	close(srv.refused_fd);
	if (srv.pid > 0)
		waitpid(srv.pid, NULL, 0);
	munmap(srv.stats, sizeof(*srv.stats));
	srv.pid = -1;
}

static unsigned
stat_accepts(void)
{
	return __atomic_load_n(&srv.stats->accepts, __ATOMIC_SEQ_CST);
}

static unsigned
stat_requests(void)
{
	return __atomic_load_n(&srv.stats->requests, __ATOMIC_SEQ_CST);
}

/* ---- the client side ---- */

struct result {
	int calls;
	long status;
	int error;
	char error_text[256];
	char body[256];
	size_t body_len;
	bool body_all_x;
	char retry_after[64];
	bool has_retry_after;
	int64_t elapsed_usec;
};

static void
done_cb(const struct http_response *resp, void *arg)
{
	struct result *r = arg;

	r->calls++;
	r->status = resp->status;
	r->error = resp->error;
	snprintf(r->error_text, sizeof(r->error_text), "%s", resp->error_text);
	ck_assert_ptr_nonnull(resp->body);
	ck_assert_int_eq(resp->body[resp->body_len], '\0');
	snprintf(r->body, sizeof(r->body), "%s", resp->body);
	r->body_len = resp->body_len;
	r->body_all_x = resp->body_len > 0 && strspn(resp->body, "x") == resp->body_len;
	r->has_retry_after = resp->retry_after != NULL;
	if (resp->retry_after != NULL)
		snprintf(r->retry_after, sizeof(r->retry_after), "%s", resp->retry_after);
	r->elapsed_usec = resp->elapsed_usec;
}

static char *
url(const char *path)
{
	char *u;
	xasprintf(&u, "http://127.0.0.1:%u%s", srv.port, path);
	return u;
}

/* Run the loop until g has nothing in flight or timeout_usec passes. */
static void
run_until_idle(sd_event *e, struct curl_glue *g, int64_t timeout_usec)
{
	int64_t deadline = now_monotonic_usec() + timeout_usec;

	while (curl_glue_in_flight(g) > 0 && now_monotonic_usec() < deadline)
		ck_assert_int_ge(sd_event_run(e, 50 * USEC_PER_MSEC), 0);
}

struct fixture {
	sd_event *e;
	struct curl_glue *g;
};

static struct fixture
fx_new(void)
{
	struct fixture f;

	ck_assert_int_eq(sd_event_new(&f.e), 0);
	ck_assert_int_eq(curl_glue_new(f.e, &f.g), 0);
	return f;
}

static void
fx_free(struct fixture *f)
{
	curl_glue_free(f->g);
	sd_event_unref(f->e);
}

/* One request, run to completion. */
static struct result
fetch(const char *path, const char *method, const char *body, int64_t timeout_usec)
{
	struct fixture f = fx_new();
	struct result r = { 0 };
	char *u = url(path);
	struct http_request req = { .url = u,
		.method = method,
		.body = body,
		.body_len = body != NULL ? strlen(body) : 0,
		.content_type = "application/json",
		.timeout_usec = timeout_usec };

	ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r), 0);
	ck_assert_uint_eq(curl_glue_in_flight(f.g), 1);
	free(u);
	run_until_idle(f.e, f.g, 5 * USEC_PER_SEC);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_uint_eq(curl_glue_in_flight(f.g), 0);
	fx_free(&f);
	ck_assert_int_eq(r.calls, 1); /* free does not call it again */
	return r;
}

START_TEST(test_accepted)
{
	struct result r = fetch("/ok", "POST", "{\"event_action\":\"trigger\"}", 0);

	ck_assert_int_eq(r.error, 0);
	ck_assert_str_eq(r.error_text, "");
	ck_assert_int_eq(r.status, 202);
	ck_assert_str_eq(r.body, "{\"status\":\"success\"}");
	ck_assert_uint_eq(r.body_len, 20);
	ck_assert(!r.has_retry_after);
	ck_assert_int_gt(r.elapsed_usec, 0);
}
END_TEST

START_TEST(test_bad_request)
{
	struct result r = fetch("/bad", "POST", "{}", 0);

	ck_assert_int_eq(r.error, 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.body, "{\"status\":\"invalid event\"}");
}
END_TEST

START_TEST(test_rate_limited)
{
	struct result r = fetch("/ratelimit", "POST", "{}", 0);

	ck_assert_int_eq(r.error, 0);
	ck_assert_int_eq(r.status, 429);
	ck_assert(r.has_retry_after);
	ck_assert_str_eq(r.retry_after, "17");
}
END_TEST

START_TEST(test_server_error)
{
	struct result r = fetch("/fail", "GET", NULL, 0);

	ck_assert_int_eq(r.error, 0);
	ck_assert_int_eq(r.status, 500);
	ck_assert_str_eq(r.body, "oops");
	ck_assert(!r.has_retry_after);
}
END_TEST

START_TEST(test_timeout)
{
	struct result r = fetch("/slow", "POST", "{}", 300 * USEC_PER_MSEC);

	ck_assert_int_eq(r.error, -ETIMEDOUT);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_ne(r.error_text, "");
	ck_assert_int_ge(r.elapsed_usec, 290 * USEC_PER_MSEC);
	ck_assert_int_lt(r.elapsed_usec, 2 * USEC_PER_SEC);
}
END_TEST

START_TEST(test_refused)
{
	struct fixture f = fx_new();
	struct result r = { 0 };
	char u[64];
	struct http_request req = { .url = u, .method = "POST" };

	snprintf(u, sizeof(u), "http://127.0.0.1:%u/ok", srv.refused_port);
	ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r), 0);
	run_until_idle(f.e, f.g, 5 * USEC_PER_SEC);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.error, -ECONNREFUSED);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_ne(r.error_text, "");
	fx_free(&f);
}
END_TEST

START_TEST(test_tls_not_downgraded)
{
	struct fixture f = fx_new();
	struct result r = { 0 };
	char u[64];
	struct http_request req = { .url = u,
		.method = "POST",
		.body = "{}",
		.body_len = 2,
		.timeout_usec = 3 * USEC_PER_SEC };

	snprintf(u, sizeof(u), "https://127.0.0.1:%u/ok", srv.port);
	ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r), 0);
	run_until_idle(f.e, f.g, 5 * USEC_PER_SEC);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.error, -EPROTO);
	ck_assert_int_eq(r.status, 0);
	fx_free(&f);
}
END_TEST

/* Connect to 127.0.0.1:port until it answers; bounded. */
static bool
wait_listening(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		.sin_port = htons((uint16_t)port) };

	for (int i = 0; i < 300; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		close(fd);
		if (r == 0)
			return true;
		usleep(10000);
	}
	return false;
}

static struct result
fetch_tls(unsigned port, const char *ca_file)
{
	struct fixture f = fx_new();
	struct result r = { 0 };
	char u[64];
	struct http_request req
	    = { .url = u, .method = "GET", .ca_file = ca_file, .timeout_usec = 3 * USEC_PER_SEC };

	snprintf(u, sizeof(u), "https://127.0.0.1:%u/", port);
	ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r), 0);
	run_until_idle(f.e, f.g, 5 * USEC_PER_SEC);
	ck_assert_int_eq(r.calls, 1);
	fx_free(&f);
	return r;
}

/*
 * A real TLS server (openssl s_server) with a fresh self-signed certificate:
 * refused against the system trust store, accepted with it as ca_file.
 * Skipped when the openssl tool is missing.
 */
START_TEST(test_tls_verified)
{
	char dir[] = "/tmp/check_curl_glue.XXXXXX", cert[64], key[64], addr[32], cmd[512];
	unsigned port;
	struct result r;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd),
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	    "-keyout %s -out %s -days 2 -subj /CN=127.0.0.1 "
	    "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
	    key, cert);
	if (system(cmd) != 0) {
		fprintf(stderr, "curl_glue: no openssl tool, TLS verification test skipped\n");
		rmdir(dir);
		return;
	}
	close(bind_loopback(&port)); /* a free port for s_server */
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(null, 0), dup2(null, 1), dup2(null, 2);
		execlp("openssl", "openssl", "s_server", "-accept", addr, "-cert", cert, "-key",
		    key, "-www", "-quiet", (char *)NULL);
		_exit(127);
	}
	ck_assert(wait_listening(port));
	r = fetch_tls(port, NULL);
	ck_assert_int_eq(r.error, -EPROTO);
	ck_assert_int_eq(r.status, 0);
	r = fetch_tls(port, cert);
	ck_assert_int_eq(r.error, 0);
	ck_assert_int_eq(r.status, 200);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(cert);
	unlink(key);
	rmdir(dir);
}
END_TEST

START_TEST(test_other_protocol_refused)
{
	struct fixture f = fx_new();
	struct result r = { 0 };
	struct http_request req = { .url = "file:///etc/passwd", .method = "GET" };

	ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r), 0);
	run_until_idle(f.e, f.g, 5 * USEC_PER_SEC);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.error, -EIO);
	ck_assert_uint_eq(r.body_len, 0);
	fx_free(&f);
}
END_TEST

START_TEST(test_many_concurrent)
{
	enum { N = 200 };
	struct fixture f = fx_new();
	struct result *r = xcalloc(N, sizeof(*r));
	char *u = url("/ok");
	struct http_request req = { .url = u, .method = "POST", .body = "{}", .body_len = 2 };
	unsigned accepts = stat_accepts();

	for (int i = 0; i < N; i++)
		ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r[i]), 0);
	ck_assert_uint_eq(curl_glue_in_flight(f.g), N);
	run_until_idle(f.e, f.g, 8 * USEC_PER_SEC);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_int_eq(r[i].error, 0);
		ck_assert_int_eq(r[i].status, 202);
	}
	/* At most 4 connections to one host, kept alive and reused. */
	ck_assert_uint_le(stat_accepts() - accepts, 4);
	ck_assert_uint_ge(stat_accepts() - accepts, 1);
	fx_free(&f);
	free(u);
	free(r);
}
END_TEST

struct chain {
	struct curl_glue *g;
	struct http_request req;
	int left, done;
	int64_t started;
	int64_t lat[100];
};

static void
chain_cb(const struct http_response *resp, void *arg)
{
	struct chain *c = arg;

	ck_assert_int_eq(resp->status, 202);
	c->lat[c->done++] = now_monotonic_usec() - c->started;
	if (--c->left > 0) {
		c->started = now_monotonic_usec();
		ck_assert_int_eq(curl_glue_request(c->g, &c->req, chain_cb, c), 0);
	}
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Each request starts from the previous one's callback; one connection serves all. */
START_TEST(test_sequential_keepalive)
{
	struct fixture f = fx_new();
	struct chain c = { .g = f.g, .left = (int)ARRAY_SIZE(c.lat) };
	unsigned accepts = stat_accepts();

	c.req = (struct http_request) { .url = url("/ok"),
		.method = "POST",
		.body = "{}",
		.body_len = 2,
		.content_type = "application/json" };
	c.started = now_monotonic_usec();
	ck_assert_int_eq(curl_glue_request(f.g, &c.req, chain_cb, &c), 0);
	run_until_idle(f.e, f.g, 8 * USEC_PER_SEC);
	ck_assert_int_eq(c.done, (int)ARRAY_SIZE(c.lat));
	ck_assert_uint_eq(stat_accepts() - accepts, 1);
	qsort(c.lat, ARRAY_SIZE(c.lat), sizeof(c.lat[0]), cmp_i64);
	fprintf(stderr,
	    "curl_glue: sequential keep-alive POST on loopback: median %lld us, max %lld us\n",
	    (long long)c.lat[ARRAY_SIZE(c.lat) / 2], (long long)c.lat[ARRAY_SIZE(c.lat) - 1]);
	free((char *)c.req.url);
	fx_free(&f);
}
END_TEST

/* The caller's url, method, body and headers are gone before the request starts. */
START_TEST(test_request_copied)
{
	struct fixture f = fx_new();
	struct result r = { 0 };
	char *u = url("/echo"), *m = xstrdup("PUT"), *body = xmalloc(2001), *ct = xstrdup("text/x"),
	     *h = xstrdup("X-Test: hello");
	const char **hdrs = xcalloc(2, sizeof(*hdrs));
	struct http_request req = { .url = u,
		.method = m,
		.body = body,
		.body_len = 2000,
		.content_type = ct,
		.headers = hdrs };
	char want[128];

	memset(body, 'b', 2000);
	body[2000] = '\0';
	hdrs[0] = h;
	ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r), 0);
	memset(body, 'z', 2000);
	free(u), free(m), free(body), free(ct), free(h), free(hdrs);
	run_until_idle(f.e, f.g, 5 * USEC_PER_SEC);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.status, 200);
	/* method|content-type|x-test|user-agent|expect|body length|body */
	snprintf(want, sizeof(want), "PUT|text/x|hello|triaged/%s||2000|bbbb", PACKAGE_VERSION);
	ck_assert_int_eq(strncmp(r.body, want, strlen(want)), 0);
	fx_free(&f);
}
END_TEST

/* No content type: none sent (not curl's form default), and no Expect either. */
START_TEST(test_no_content_type)
{
	struct fixture f = fx_new();
	struct result r = { 0 };
	char *u = url("/echo");
	struct http_request req = { .url = u, .method = "POST", .body = "{}", .body_len = 2 };
	char want[128];

	ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r), 0);
	run_until_idle(f.e, f.g, 5 * USEC_PER_SEC);
	ck_assert_int_eq(r.calls, 1);
	snprintf(want, sizeof(want), "POST|||triaged/%s||2|{}", PACKAGE_VERSION);
	ck_assert_str_eq(r.body, want);
	free(u);
	fx_free(&f);
}
END_TEST

START_TEST(test_body_truncated)
{
	struct result r = fetch("/big", "GET", NULL, 0);

	ck_assert_int_eq(r.error, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 64 * 1024);
	ck_assert(r.body_all_x);
}
END_TEST

START_TEST(test_free_cancels)
{
	enum { N = 4 };
	struct fixture f = fx_new();
	struct result r[N + 1] = { 0 };
	char *u = url("/slow");
	struct http_request req = { .url = u, .method = "POST", .body = "{}", .body_len = 2 };
	unsigned requests = stat_requests();
	int64_t deadline = now_monotonic_usec() + 3 * USEC_PER_SEC;

	for (int i = 0; i < N; i++)
		ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r[i]), 0);
	/* Wait until the server holds all of them, mid-transfer. */
	while (stat_requests() - requests < N && now_monotonic_usec() < deadline)
		ck_assert_int_ge(sd_event_run(f.e, 20 * USEC_PER_MSEC), 0);
	ck_assert_uint_eq(stat_requests() - requests, N);
	/* And one that never reached the loop. */
	ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r[N]), 0);
	for (int i = 0; i <= N; i++)
		ck_assert_int_eq(r[i].calls, 0);
	fx_free(&f);
	for (int i = 0; i <= N; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_int_eq(r[i].error, -ECANCELED);
		ck_assert_int_eq(r[i].status, 0);
	}
	free(u);
}
END_TEST

struct free_in_cb {
	struct curl_glue *g;
	int calls, cancelled;
};

static void
free_in_cb(const struct http_response *resp, void *arg)
{
	struct free_in_cb *c = arg;

	c->calls++;
	if (resp->error == -ECANCELED) {
		c->cancelled++;
		return;
	}
	curl_glue_free(c->g); /* cancels the rest; g goes away once this returns */
	c->g = NULL;
}

/* The owner may drop the glue from a completion callback. */
START_TEST(test_free_from_callback)
{
	sd_event *e;
	struct free_in_cb c = { 0 };
	char *ok = url("/ok"), *slow = url("/slow");
	struct http_request r1 = { .url = ok, .method = "GET" };
	struct http_request r2 = { .url = slow, .method = "GET" };
	int64_t deadline = now_monotonic_usec() + 3 * USEC_PER_SEC;

	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(curl_glue_new(e, &c.g), 0);
	ck_assert_int_eq(curl_glue_request(c.g, &r2, free_in_cb, &c), 0);
	ck_assert_int_eq(curl_glue_request(c.g, &r1, free_in_cb, &c), 0);
	while (c.g != NULL && now_monotonic_usec() < deadline)
		ck_assert_int_ge(sd_event_run(e, 20 * USEC_PER_MSEC), 0);
	ck_assert_ptr_null(c.g);
	ck_assert_int_eq(c.calls, 2);
	ck_assert_int_eq(c.cancelled, 1);
	/* Nothing of the glue is left on the loop. */
	ck_assert_int_eq(sd_event_run(e, 0), 0);
	sd_event_unref(e);
	free(ok);
	free(slow);
}
END_TEST

START_TEST(test_invalid)
{
	struct fixture f = fx_new();
	struct result r = { 0 };
	const char *bad_hdr[] = { "X-A: 1\r\nX-Injected: 1", NULL };
	struct http_request req = { .url = "http://127.0.0.1:1/", .method = "POST" };

	ck_assert_int_eq(curl_glue_request(f.g, &req, NULL, &r), -EINVAL);
	ck_assert_int_eq(curl_glue_request(NULL, &req, done_cb, &r), -EINVAL);
	req.method = "GET\r\nX: y";
	ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r), -EINVAL);
	req.method = "POST";
	req.headers = bad_hdr;
	ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r), -EINVAL);
	req.headers = NULL;
	req.body_len = 3; /* with a NULL body */
	ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r), -EINVAL);
	req.url = NULL;
	ck_assert_int_eq(curl_glue_request(f.g, &req, done_cb, &r), -EINVAL);
	ck_assert_uint_eq(curl_glue_in_flight(f.g), 0);
	ck_assert_uint_eq(curl_glue_in_flight(NULL), 0);
	ck_assert_int_eq(r.calls, 0);
	curl_glue_free(NULL);
	ck_assert_int_eq(curl_glue_new(NULL, &f.g), -EINVAL);
	fx_free(&f);
}
END_TEST

static Suite *
curl_glue_suite(void)
{
	Suite *su = suite_create("curl_glue");
	TCase *tc = tcase_create("http");

	tcase_set_timeout(tc, 30); /* valgrind */
	tcase_add_test(tc, test_accepted);
	tcase_add_test(tc, test_bad_request);
	tcase_add_test(tc, test_rate_limited);
	tcase_add_test(tc, test_server_error);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_tls_not_downgraded);
	tcase_add_test(tc, test_tls_verified);
	tcase_add_test(tc, test_other_protocol_refused);
	tcase_add_test(tc, test_many_concurrent);
	tcase_add_test(tc, test_sequential_keepalive);
	tcase_add_test(tc, test_request_copied);
	tcase_add_test(tc, test_no_content_type);
	tcase_add_test(tc, test_body_truncated);
	tcase_add_test(tc, test_free_cancels);
	tcase_add_test(tc, test_free_from_callback);
	tcase_add_test(tc, test_invalid);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	setenv("no_proxy", "*", 1); /* loopback only, whatever the environment says */
	server_start();
	sr = srunner_create(curl_glue_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	server_stop();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
