/*
 * conf_http.c - `listen http ADDRESS [{ url "BASE"; link-lifetime D;
 * max-connections N }]`.  The links that pages carry begin with url: the
 * address a person's browser reaches, usually a reverse proxy in front of
 * this loopback listener.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_http.h"
#include "conf_lex.h"
#include "conf_listen.h"
#include "util.h"

#define LINK_LIFETIME_MIN (1 * USEC_PER_SEC)
#define LINK_LIFETIME_MAX (30 * 86400 * USEC_PER_SEC)
#define URL_MAX		  1024

/* http:// or https://, then no byte that would need escaping in a page, a mail or JSON. */
static bool
url_ok(const char *u)
{
	size_t n = strlen(u);

	if (n == 0 || n > URL_MAX ||
	    (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0))
		return false;
	for (const unsigned char *p = (const unsigned char *)u; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\"'<>\\`{}|^", *p) != NULL)
			return false;
	return u[strlen(u[4] == 's' ? "https://" : "http://")] != '\0';
}

static int
opt_url(struct lex *lx, void *ctx, char **cause)
{
	struct conf_http *h = ctx;
	int r;

	free(h->url);
	h->url = NULL;
	if ((r = lex_expect_string(lx, "a URL like \"https://triaged.example.com\"", &h->url,
	     cause)) < 0)
		return r;
	if (!url_ok(h->url))
		return lex_error(lx, lx->tok.line, cause,
		    "url must be http:// or https:// and a host, with no space, quote or <>, got '%s'",
		    strlen(h->url) > 200 ? "(too long)" : h->url);
	while (h->url[strlen(h->url) - 1] == '/')
		h->url[strlen(h->url) - 1] = '\0';
	return 0;
}

static int
opt_link_lifetime(struct lex *lx, void *ctx, char **cause)
{
	struct conf_http *h = ctx;
	int r;

	if ((r = lex_expect_duration(lx, "link-lifetime", 0, &h->link_lifetime, cause)) < 0)
		return r;
	if (h->link_lifetime < LINK_LIFETIME_MIN || h->link_lifetime > LINK_LIFETIME_MAX)
		return lex_error(lx, lx->tok.line, cause, "link-lifetime must be from 1s to 30d");
	return 0;
}

static int
opt_max_connections(struct lex *lx, void *ctx, char **cause)
{
	struct conf_http *h = ctx;
	int64_t n;
	int r;

	if ((r = lex_expect_int(lx, "max-connections", 1, 1024, &n, cause)) < 0)
		return r;
	h->max_connections = (uint32_t)n;
	return 0;
}

static const struct lex_keyword http_keywords[] = {
	{ "link-lifetime", opt_link_lifetime },
	{ "max-connections", opt_max_connections },
	{ "url", opt_url },
};

static int
parse(struct lex *lx, struct conf_http *h, char **cause)
{
	const struct token *t;
	int r;

	if ((r = lex_next(lx, cause)) < 0 || /* "http" */
	    (r = lex_expect_string(lx, "an address like 127.0.0.1:9180", &h->address, cause)) < 0)
		return r;
	if (conf_parse_inet(h->address, &h->sa, &h->salen) < 0)
		return lex_error(lx, lx->tok.line, cause,
		    "expected a numeric address like 127.0.0.1:9180 or [::1]:9180, got '%s'",
		    strlen(h->address) > 200 ? "(too long)" : h->address);
	if ((r = lex_peek(lx, &t, cause)) < 0)
		return r;
	if (t->type == TOK_LBRACE) {
		if ((r = lex_next(lx, cause)) < 0 ||
		    (r = lex_block(lx, http_keywords, ARRAY_SIZE(http_keywords), h, "listen http",
		     cause)) < 0)
			return r;
	}
	return 0;
}

int
conf_http_parse(struct lex *lx, struct conf *conf, char **cause)
{
	struct conf_http *h = xcalloc(1, sizeof(*h));
	int r;

	h->line = lx->tok.line;
	h->file = xstrdup(lx->file);
	h->link_lifetime = CONF_DEFAULT_LINK_LIFETIME;
	h->max_connections = CONF_DEFAULT_HTTP_CONNECTIONS;
	if (conf->http != NULL) {
		r = lex_error(lx, h->line, cause, "a second HTTP listener (the first at %s:%d)",
		    conf->http->file, conf->http->line);
		conf_http_free(h);
		return r;
	}
	if ((r = parse(lx, h, cause)) < 0) {
		conf_http_free(h);
		return r;
	}
	if (h->url == NULL && h->address[0] == '*') {
		r = lex_error(lx, h->line, cause,
		    "an HTTP listener on %s needs a url: the address its links are to name",
		    h->address);
		conf_http_free(h);
		return r;
	}
	if (h->url == NULL)
		xasprintf(&h->url, "http://%s", h->address);
	conf->http = h;
	return 0;
}

void
conf_http_free(struct conf_http *h)
{
	if (h == NULL)
		return;
	free(h->address);
	free(h->url);
	free(h->file);
	free(h);
}
