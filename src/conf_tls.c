/*
 * conf_tls.c - the TLS options of a syslog listener (see conf_tls.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_lex.h"
#include "conf_tls.h"
#include "tls.h"
#include "util.h"

/* A file option given once: its path, resolved from the config file's directory. */
static int
opt_file(struct lex *lx, const char *what, char **dst, char **cause)
{
	if (*dst != NULL)
		return lex_error(lx, lx->tok.line, cause, "%s given twice", what);
	return lex_expect_path(lx, what, 4096, dst, cause);
}

int
conf_tls_opt_certificate(struct lex *lx, void *ctx, char **cause)
{
	return opt_file(lx, "certificate", &((struct conf_listen *)ctx)->tls.certificate, cause);
}

int
conf_tls_opt_key(struct lex *lx, void *ctx, char **cause)
{
	return opt_file(lx, "key", &((struct conf_listen *)ctx)->tls.key, cause);
}

int
conf_tls_opt_ca(struct lex *lx, void *ctx, char **cause)
{
	return opt_file(lx, "ca", &((struct conf_listen *)ctx)->tls.ca, cause);
}

/* verify-peer none|optional|required */
int
conf_tls_opt_verify_peer(struct lex *lx, void *ctx, char **cause)
{
	static const char *const modes[] = { "none", "optional", "required" };
	struct conf_tls *t = &((struct conf_listen *)ctx)->tls;
	char got[256];
	int r;

	if ((r = lex_next(lx, cause)) < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (tok_is_word(&lx->tok, modes[i])) {
			t->verify = (enum tls_verify)i;
			return 0;
		}
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(
	    lx, lx->tok.line, cause, "verify-peer must be none, optional or required, got %s", got);
}

/* allowed-names "a.example.net" "b.example.net" ...: adds to those given before. */
int
conf_tls_opt_allowed_names(struct lex *lx, void *ctx, char **cause)
{
	struct conf_tls *t = &((struct conf_listen *)ctx)->tls;
	const struct token *tk;
	char *name;
	int r;

	do {
		if (t->nallowed >= CONF_MAX_ALLOWED_NAMES)
			return lex_error(lx, lx->tok.line, cause, "more than %d allowed-names",
			    CONF_MAX_ALLOWED_NAMES);
		if ((r = lex_expect_string(lx, "a DNS name", &name, cause)) < 0)
			return r;
		if (name[0] == '\0' || strlen(name) > 253 || strpbrk(name, " \t\r\n") != NULL) {
			free(name);
			return lex_error(lx, lx->tok.line, cause,
			    "an allowed name must be a DNS name of 1 to 253 bytes");
		}
		t->allowed_names
		    = xreallocarray(t->allowed_names, t->nallowed + 1, sizeof(*t->allowed_names));
		t->allowed_names[t->nallowed++] = name;
		if ((r = lex_peek(lx, &tk, cause)) < 0)
			return r;
	} while (tk->type == TOK_STRING || tk->type == TOK_WORD);
	return 0;
}

/* A second at least: a slow link; a minute at most: a stalled client holds a slot that long. */
int
conf_tls_opt_handshake_timeout(struct lex *lx, void *ctx, char **cause)
{
	struct conf_tls *t = &((struct conf_listen *)ctx)->tls;
	int r;

	if ((r = lex_expect_duration(lx, "handshake-timeout", 0, &t->handshake_timeout, cause)) < 0)
		return r;
	if (t->handshake_timeout >= USEC_PER_SEC && t->handshake_timeout <= 60 * USEC_PER_SEC)
		return 0;
	return lex_error(lx, lx->tok.line, cause, "handshake-timeout must be from 1s to 1m");
}

int
conf_tls_check(struct lex *lx, struct conf_listen *l, char **cause)
{
	struct conf_tls *t = &l->tls;
	struct tls_ctx *ctx;
	char *why = NULL;
	int r;

	if (t->certificate == NULL || t->key == NULL)
		return lex_error(lx, l->line, cause, "a tls listener needs certificate and key");
	if (t->verify != TLS_VERIFY_NONE && t->ca == NULL)
		return lex_error(lx, l->line, cause, "verify-peer %s needs ca",
		    t->verify == TLS_VERIFY_REQUIRED ? "required" : "optional");
	if (t->nallowed > 0 && t->verify == TLS_VERIFY_NONE)
		return lex_error(
		    lx, l->line, cause, "allowed-names needs verify-peer optional or required");
	if (t->handshake_timeout == 0)
		t->handshake_timeout = CONF_DEFAULT_HANDSHAKE_TIMEOUT;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	return 0; /* the fuzzer must not wander the file system */
#endif
	if ((r = tls_ctx_new(t, &ctx, &why)) < 0) {
		r = lex_error(lx, l->line, cause, "%s", why);
		free(why);
		return r;
	}
	tls_ctx_free(ctx);
	return 0;
}

void
conf_tls_clear(struct conf_tls *t)
{
	free(t->certificate);
	free(t->key);
	free(t->ca);
	for (size_t i = 0; i < t->nallowed; i++)
		free(t->allowed_names[i]);
	free(t->allowed_names);
	memset(t, 0, sizeof(*t));
}
