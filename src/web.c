/*
 * web.c - the pages behind ack and resolve links, /metrics and /healthz.
 *
 * A link is GET /ack/TOKEN or /resolve/TOKEN: a page that shows the
 * incident and asks, because mail scanners and chat previews fetch every
 * link they see; only the POST from that page acts.  Everything shown came
 * from the network and is escaped for HTML (markup.h); the token is checked
 * before anything is read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "batch.h"
#include "conf.h"
#include "control_json.h"
#include "daemon.h"
#include "http_server.h"
#include "incident.h"
#include "log.h"
#include "markup.h"
#include "metrics.h"
#include "pipeline.h"
#include "store.h"
#include "util.h"
#include "web.h"

#define KEY_FILE "link.key"
#define ACTOR	 "ack link"
#define HTML	 "text/html; charset=utf-8"

struct web {
	struct daemon *d;
	int fd; /* bound, until the server takes it */
	struct http_server *server;
	uint8_t key[LINK_KEY_LEN];
	struct web_stats stats;
};

/* A page: title, then the body's HTML; the caller escapes what it puts in. */
struct page {
	FILE *f;
	char *buf;
	size_t len;
};

static void
page_open(struct page *pg, const char *title)
{
	pg->buf = NULL;
	pg->len = 0;
	if ((pg->f = open_memstream(&pg->buf, &pg->len)) == NULL)
		fatalx("open_memstream: %s", strerror(errno));
	fputs("<!doctype html>\n<html><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width\"><title>", pg->f);
	markup_html(pg->f, title);
	fputs("</title><style>body{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}"
	      "dt{font-weight:bold}button{font-size:1.2em;padding:.4em 1.2em}</style></head><body><h1>",
	    pg->f);
	markup_html(pg->f, title);
	fputs("</h1>\n", pg->f);
}

static void
page_close(struct page *pg, unsigned status, struct http_reply *out)
{
	fputs("</body></html>\n", pg->f);
	if (fclose(pg->f) != 0)
		fatalx("writing a page: %s", strerror(errno));
	out->status = status;
	out->type = HTML;
	out->body = pg->buf;
	out->len = pg->len;
}

static void
simple_page(unsigned status, const char *title, const char *text, struct http_reply *out)
{
	struct page pg;

	page_open(&pg, title);
	fputs("<p>", pg.f);
	markup_html(pg.f, text);
	fputs("</p>\n", pg.f);
	page_close(&pg, status, out);
}

static void
field(FILE *f, const char *name, const char *value)
{
	fprintf(f, "<dt>%s</dt><dd>", name);
	markup_html(f, value);
	fputs("</dd>\n", f);
}

static void
describe(FILE *f, const struct incident *inc)
{
	char first[64], count[32];

	format_rfc3339(inc->first_seen, first, sizeof(first));
	snprintf(count, sizeof(count), "%llu", (unsigned long long)inc->count);
	fputs("<dl>\n", f);
	field(f, "Summary", inc->summary);
	field(f, "Host", inc->host);
	field(f, "Key", inc->key);
	field(f, "State", incident_state_name(inc->state));
	field(f, "Events", count);
	field(f, "First seen", first);
	field(f, "Rule", inc->rule);
	fputs("</dl>\n", f);
}

static int
read_incident(struct web *w, uint64_t id, struct incident *inc)
{
	struct store_txn *t;
	int r;

	if ((r = store_txn_begin(w->d->store, false, &t)) < 0)
		return r;
	r = store_incident_get(t, id, inc);
	store_txn_abort(t);
	return r;
}

/* Whether ACTION can still be done to INC; else why not, for a 410 page. */
static const char *
still_open_to(const struct incident *inc, enum link_action action)
{
	if (incident_state_closed(inc->state))
		return "This incident is already closed.";
	if (action == LINK_ACK && inc->state == INCIDENT_ACKNOWLEDGED)
		return "This incident is already acknowledged.";
	return NULL;
}

static void
confirm(struct web *w, enum link_action action, uint64_t id, struct http_reply *out)
{
	const char *verb = action == LINK_ACK ? "Acknowledge" : "Resolve";
	struct incident inc;
	const char *gone;
	struct page pg;
	char title[64];
	int r;

	if ((r = read_incident(w, id, &inc)) < 0) {
		w->stats.stale += r == -ENOENT;
		simple_page(r == -ENOENT ? 410 : 503, "Not available", r == -ENOENT ?
		    "This incident is no longer stored." : "The state database cannot be read now.",
		    out);
		return;
	}
	if ((gone = still_open_to(&inc, action)) != NULL) {
		w->stats.stale++;
		page_open(&pg, "Nothing to do");
		fprintf(pg.f, "<p>%s</p>\n", gone);
		describe(pg.f, &inc);
		page_close(&pg, 410, out);
		return;
	}
	snprintf(title, sizeof(title), "%s this incident?", verb);
	page_open(&pg, title);
	describe(pg.f, &inc);
	fprintf(pg.f, "<form method=\"post\"><button type=\"submit\">%s</button></form>\n", verb);
	page_close(&pg, 200, out);
}

static void
act(struct web *w, enum link_action action, uint64_t id, struct http_reply *out)
{
	char *cause = NULL;
	int r;

	r = pipeline_act_on_id(w->d->pipeline, id, action == LINK_RESOLVE, ACTOR, &cause);
	if (r == 0)
		r = batch_sync(w->d->batch); /* the answer says it is done: durable first */
	if (r == 0) {
		w->stats.acted++;
		simple_page(200, action == LINK_ACK ? "Acknowledged" : "Resolved",
		    action == LINK_ACK ? "The incident is acknowledged: escalation stops." :
					 "The incident is resolved.", out);
	} else if (r == -EALREADY || r == -ESTALE || r == -ENOENT) {
		w->stats.stale++;
		simple_page(410, "Nothing to do", cause ? cause : "This link is used up.", out);
	} else {
		w->stats.failed++;
		simple_page(503, "Not done", cause ? cause : "The change could not be stored.", out);
	}
	free(cause);
}

static void
on_link(struct web *w, const struct http_request *rq, enum link_action want, const char *token,
    struct http_reply *out)
{
	enum link_action action = LINK_NONE;
	uint64_t id = 0;
	enum link_verdict v;

	v = link_token_check(w->key, token, strlen(token), now_realtime_usec() / USEC_PER_SEC,
	    &action, &id);
	if (v == LINK_FORGED || action != want) {
		w->stats.refused++;
		simple_page(404, "Not found", "This link is not valid.", out);
	} else if (v == LINK_EXPIRED) {
		w->stats.expired++;
		simple_page(410, "Expired", "This link has expired; use triagectl or a newer page.",
		    out);
	} else if (strcmp(rq->method, "POST") == 0)
		act(w, action, id, out);
	else
		confirm(w, action, id, out);
}

static void
healthz(struct web *w, struct http_reply *out)
{
	bool degraded = batch_get_stats(w->d->batch)->degraded;

	out->status = degraded ? 503 : 200;
	out->body = xstrdup(degraded ? "degraded: the state database refuses writes\n" : "ok\n");
	out->len = strlen(out->body);
}

static void
metrics(struct web *w, struct http_reply *out)
{
	json_t *st = control_status_json(w->d);

	out->status = 200;
	out->type = METRICS_CONTENT_TYPE;
	out->body = metrics_render(st, now_realtime_usec());
	out->len = strlen(out->body);
	json_decref(st);
}

static bool
method_is(const struct http_request *rq, const char *a, const char *b, const char *c)
{
	return strcmp(rq->method, a) == 0 || strcmp(rq->method, b) == 0 ||
	       (c != NULL && strcmp(rq->method, c) == 0);
}

static void
handle(void *arg, const struct http_request *rq, struct http_reply *out)
{
	static const char *const prefixes[] = { [LINK_ACK] = "/ack/", [LINK_RESOLVE] = "/resolve/" };
	struct web *w = arg;

	w->stats.requests++;
	if (strcmp(rq->path, "/metrics") == 0 && method_is(rq, "GET", "HEAD", NULL)) {
		metrics(w, out);
		return;
	}
	if (strcmp(rq->path, "/healthz") == 0) {
		if (method_is(rq, "GET", "HEAD", NULL))
			healthz(w, out);
		else {
			simple_page(405, "Method not allowed", "Use GET.", out);
			out->allow = "GET, HEAD";
		}
		return;
	}
	for (int a = LINK_ACK; a <= LINK_RESOLVE; a++) {
		if (strncmp(rq->path, prefixes[a], strlen(prefixes[a])) != 0)
			continue;
		if (method_is(rq, "GET", "HEAD", "POST"))
			on_link(w, rq, (enum link_action)a, rq->path + strlen(prefixes[a]), out);
		else {
			simple_page(405, "Method not allowed", "Use GET, then the page's button.", out);
			out->allow = "GET, HEAD, POST";
		}
		return;
	}
	w->stats.refused++;
	simple_page(404, "Not found", "Nothing here.", out);
}

/* 32 bytes, or made (0600, written whole, then renamed into place). */
static int
load_key(struct web *w, const char *dir, char **cause)
{
	char *path, *tmp;
	ssize_t n;
	int fd, r = 0;

	xasprintf(&path, "%s/%s", dir, KEY_FILE);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, w->key, sizeof(w->key));
		close(fd);
		if (n != (ssize_t)sizeof(w->key)) {
			xasprintf(cause, "%s: expected %zu bytes of key; remove it to make a new one "
			    "(links already sent stop working)", path, sizeof(w->key));
			r = -EINVAL;
		}
		free(path);
		return r;
	}
	if (errno != ENOENT || getrandom(w->key, sizeof(w->key), 0) != (ssize_t)sizeof(w->key)) {
		r = -errno;
		xasprintf(cause, "cannot read or make the link key %s: %s", path, strerror(errno));
		free(path);
		return r;
	}
	xasprintf(&tmp, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    write(fd, w->key, sizeof(w->key)) != (ssize_t)sizeof(w->key) || fsync(fd) < 0 ||
	    rename(tmp, path) < 0) {
		r = -errno;
		xasprintf(cause, "cannot write the link key %s: %s", path, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(path);
	return r;
}

int
web_bind(struct daemon *d, struct web **out, char **cause)
{
	const struct conf_http *h = d->conf->http;
	struct web *w;
	int fd;

	*out = NULL;
	if (h == NULL)
		return 0;
	if ((fd = http_server_bind((const struct sockaddr *)&h->sa, h->salen)) < 0) {
		xasprintf(cause, "%s:%d: cannot listen on http %s: %s", h->file, h->line, h->address,
		    strerror(-fd));
		return fd;
	}
	w = xcalloc(1, sizeof(*w));
	w->d = d;
	w->fd = fd;
	*out = w;
	log_info("listening on http %s", h->address);
	return 0;
}

int
web_start(struct web *w, char **cause)
{
	int r;

	if (w == NULL)
		return 0;
	if ((r = load_key(w, w->d->conf->state_dir, cause)) < 0)
		return r;
	r = http_server_new(w->d->event, w->fd, w->d->conf->http->max_connections, handle, w,
	    &w->server);
	w->fd = -1; /* the server has it, also on failure */
	if (r < 0)
		xasprintf(cause, "cannot start the HTTP server: %s", strerror(-r));
	return r;
}

void
web_free(struct web *w)
{
	if (w == NULL)
		return;
	http_server_free(w->server);
	if (w->fd >= 0)
		close(w->fd);
	explicit_bzero(w->key, sizeof(w->key));
	free(w);
}

void
web_get_stats(const struct web *w, struct web_stats *st)
{
	struct http_server_stats hs = { 0 };

	*st = w->stats;
	if (w->server != NULL)
		http_server_get_stats(w->server, &hs);
	st->connections = hs.connections;
	st->connections_refused = hs.refused;
}

char *
web_link(const struct web *w, enum link_action action, uint64_t id, int64_t now)
{
	const struct conf_http *h;
	char tok[LINK_TOKEN_LEN + 1], *url;

	if (w == NULL || (h = w->d->conf->http) == NULL)
		return NULL;
	link_token_make(w->key, action, id, (now + h->link_lifetime) / USEC_PER_SEC, tok);
	xasprintf(&url, "%s/%s/%s", h->url, link_action_name(action), tok);
	return url;
}
