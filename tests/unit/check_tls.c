/*
 * check_tls.c - the TLS module over a socketpair, against an OpenSSL
 * client in the same thread: loading files (a missing one, one that is not
 * PEM, a FIFO, a key of another certificate; a chain), a handshake that
 * waits for the socket instead of blocking, reads and the end of the
 * stream, bytes that are not TLS, and client certificates checked for
 * presence and name.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "check_run.h"
#include "conf.h"
#include "tls.h"
#include "util.h"

static char dir[] = "/tmp/check_tls.XXXXXX";

static char *
path(const char *name)
{
	char *p;

	xasprintf(&p, "%s/%s", dir, name);
	return p;
}

/* A self-signed certificate for cn (also its SAN DNS name), as NAME.pem and NAME.key. */
static void
make_cert(const char *name, const char *cn)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	char *p, san[300];
	FILE *f;

	ck_assert_ptr_nonnull(pk);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, pk);
	X509_NAME_add_entry_by_txt(
	    X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	snprintf(san, sizeof(san), "DNS:%s", cn);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(x, pk, EVP_sha256()), 0);
	xasprintf(&p, "%s/%s.pem", dir, name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	PEM_write_X509(f, x);
	fclose(f);
	free(p);
	xasprintf(&p, "%s/%s.key", dir, name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	free(p);
	X509_free(x);
	EVP_PKEY_free(pk);
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_cert("server", "server.example");
	make_cert("client", "client.example");
}

static void
teardown(void)
{
	const char *names[]
	    = { "server.pem", "server.key", "client.pem", "client.key", "junk.pem" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *p = path(names[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

static struct conf_tls
conf_for(const char *cert, const char *key)
{
	struct conf_tls c = { .certificate = path(cert), .key = path(key) };

	return c;
}

/* A cause from tls_ctx_new, with the temporary directory written as DIR. */
static void
assert_cause(const struct conf_tls *c, const char *want)
{
	struct tls_ctx *ctx = NULL;
	char *cause = NULL, *w;
	const char *d = dir;

	ck_assert_int_lt(tls_ctx_new(c, &ctx, &cause), 0);
	ck_assert_ptr_null(ctx);
	ck_assert_ptr_nonnull(cause);
	w = xstrdup(want);
	for (char *p; (p = strstr(w, "DIR")) != NULL;) {
		char *n;
		*p = '\0';
		xasprintf(&n, "%s%s%s", w, d, p + 3);
		free(w);
		w = n;
	}
	ck_assert_str_eq(cause, w);
	free(w);
	free(cause);
}

START_TEST(test_load_errors)
{
	struct conf_tls c = conf_for("server.pem", "client.key");
	FILE *f;
	char *junk = path("junk.pem");

	assert_cause(&c, "key DIR/client.key does not match certificate DIR/server.pem");
	free(c.key);
	c.key = path("missing.key");
	assert_cause(&c, "cannot read key DIR/missing.key: No such file or directory");
	free(c.key);
	c.key = path("server.key");
	ck_assert_ptr_nonnull(f = fopen(junk, "w"));
	fputs("not a certificate\n", f);
	fclose(f);
	free(c.certificate);
	c.certificate = junk;
	assert_cause(&c, "cannot load certificate DIR/junk.pem: no start line");
	free(junk);
	c.certificate = path("server.pem");
	c.ca = path("junk.pem");
	c.verify = TLS_VERIFY_REQUIRED;
	assert_cause(&c, "cannot load ca DIR/junk.pem: no start line");
	/* A FIFO in place of a file would block the loop at a reload: refused at once. */
	free(c.ca);
	c.ca = path("fifo.pem");
	ck_assert_int_eq(mkfifo(c.ca, 0600), 0);
	assert_cause(&c, "cannot read ca DIR/fifo.pem: not a regular file");
	unlink(c.ca);
	free(c.certificate);
	free(c.key);
	free(c.ca);
}
END_TEST

struct pair {
	int fd[2];
	struct tls_ctx *ctx;
	struct tls_session *server;
	SSL_CTX *cctx;
	SSL *client;
};

/* A server session on fd[0] and an OpenSSL client on fd[1], both non-blocking. */
static void
pair_open(struct pair *p, const struct conf_tls *c, const char *client_cert)
{
	char *cause = NULL;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p->fd), 0);
	ck_assert_msg(tls_ctx_new(c, &p->ctx, &cause) == 0, "%s", cause ? cause : "?");
	ck_assert_int_eq(tls_session_new(p->ctx, p->fd[0], &p->server), 0);
	p->cctx = SSL_CTX_new(TLS_client_method());
	if (client_cert != NULL) {
		char *pem, *key;
		xasprintf(&pem, "%s/%s.pem", dir, client_cert);
		xasprintf(&key, "%s/%s.key", dir, client_cert);
		ck_assert_int_eq(SSL_CTX_use_certificate_file(p->cctx, pem, SSL_FILETYPE_PEM), 1);
		ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(p->cctx, key, SSL_FILETYPE_PEM), 1);
		free(pem);
		free(key);
	}
	p->client = SSL_new(p->cctx);
	SSL_set_fd(p->client, p->fd[1]);
}

static void
pair_close(struct pair *p)
{
	tls_session_free(p->server);
	tls_ctx_free(p->ctx);
	SSL_free(p->client);
	SSL_CTX_free(p->cctx);
	close(p->fd[0]);
	if (p->fd[1] >= 0)
		close(p->fd[1]);
	ERR_clear_error();
}

/*
 * Step client and server in turn until the server is done: its result,
 * why filled on failure.  Every server step that waits asks for EPOLLIN:
 * over a socketpair nothing fills up.
 */
static int
handshake(struct pair *p, char *why, size_t whylen)
{
	for (int i = 0; i < 20; i++) {
		uint32_t ev = 0;
		SSL_connect(p->client);
		int r = tls_session_handshake(p->server, &ev, why, whylen);
		if (r != 0)
			return r;
		ck_assert_uint_eq(ev, EPOLLIN);
	}
	ck_abort_msg("the handshake did not end");
	return -1;
}

/* A chain file: the server's certificate, then others behind it. */
START_TEST(test_chain)
{
	struct conf_tls c = conf_for("chain.pem", "server.key");
	char *cert = path("server.pem"), *other = path("client.pem"), *cause = NULL;
	struct tls_ctx *ctx = NULL;
	FILE *out, *in;
	int ch;

	ck_assert_ptr_nonnull(out = fopen(c.certificate, "w"));
	for (int i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(in = fopen(i == 0 ? cert : other, "r"));
		while ((ch = fgetc(in)) != EOF)
			fputc(ch, out);
		fclose(in);
	}
	fclose(out);
	ck_assert_msg(tls_ctx_new(&c, &ctx, &cause) == 0, "%s", cause ? cause : "?");
	ck_assert_int_gt(tls_ctx_not_after(ctx), 0);
	tls_ctx_free(ctx);
	unlink(c.certificate);
	free(c.certificate);
	free(c.key);
	free(cert);
	free(other);
}
END_TEST

START_TEST(test_handshake_and_read)
{
	struct conf_tls c = conf_for("server.pem", "server.key");
	struct pair p;
	uint32_t ev = 0;
	char why[256], buf[64];

	pair_open(&p, &c, NULL);
	/* Nothing sent yet: the server waits for the socket instead of blocking. */
	ck_assert_int_eq(tls_session_handshake(p.server, &ev, why, sizeof(why)), 0);
	ck_assert_uint_eq(ev, EPOLLIN);
	ck_assert_int_eq(handshake(&p, why, sizeof(why)), 1);
	while (SSL_connect(p.client) != 1)
		ck_assert_int_eq(SSL_get_error(p.client, -1) == SSL_ERROR_WANT_READ, 1);
	ck_assert_int_eq(tls_session_read(p.server, buf, sizeof(buf), &ev), -EAGAIN);
	ck_assert_int_eq(SSL_write(p.client, "11 <13>1 - h p", 14), 14);
	ck_assert_int_eq(tls_session_read(p.server, buf, sizeof(buf), &ev), 14);
	ck_assert_int_eq(memcmp(buf, "11 <13>1 - h p", 14), 0);
	ck_assert(!tls_session_pending(p.server));
	/* A record larger than the read: the rest waits inside the session. */
	ck_assert_int_eq(SSL_write(p.client, "0123456789", 10), 10);
	ck_assert_int_eq(tls_session_read(p.server, buf, 4, &ev), 4);
	ck_assert(tls_session_pending(p.server));
	ck_assert_int_eq(tls_session_read(p.server, buf, sizeof(buf), &ev), 6);
	ck_assert_int_eq(memcmp(buf, "456789", 6), 0);
	SSL_shutdown(p.client);
	close(p.fd[1]);
	p.fd[1] = -1;
	ck_assert_int_eq(tls_session_read(p.server, buf, sizeof(buf), &ev), 0);
	pair_close(&p);
	free(c.certificate);
	free(c.key);
}
END_TEST

START_TEST(test_not_tls)
{
	struct conf_tls c = conf_for("server.pem", "server.key");
	const char plain[] = "<13>Dec  5 03:00:00 host prog: plain text on the TLS port\n";
	struct pair p;
	uint32_t ev = 0;
	char why[256] = "";

	pair_open(&p, &c, NULL);
	ck_assert_int_eq(write(p.fd[1], plain, sizeof(plain) - 1), (ssize_t)sizeof(plain) - 1);
	ck_assert_int_eq(tls_session_handshake(p.server, &ev, why, sizeof(why)), -EPROTO);
	ck_assert_str_eq(why, "wrong version number");
	pair_close(&p);
	free(c.certificate);
	free(c.key);
}
END_TEST

/* The client certificate is self-signed, so it is its own CA. */
static int
verified(
    enum tls_verify mode, const char *client_cert, const char *allowed, char *why, size_t whylen)
{
	struct conf_tls c = conf_for("server.pem", "server.key");
	char *names[] = { (char *)allowed };
	struct pair p;
	int r;

	c.ca = path("client.pem");
	c.verify = mode;
	c.allowed_names = allowed != NULL ? names : NULL;
	c.nallowed = allowed != NULL ? 1 : 0;
	pair_open(&p, &c, client_cert);
	r = handshake(&p, why, whylen);
	pair_close(&p);
	free(c.certificate);
	free(c.key);
	free(c.ca);
	return r;
}

START_TEST(test_client_certificates)
{
	const enum tls_verify req = TLS_VERIFY_REQUIRED, opt = TLS_VERIFY_OPTIONAL;
	char why[256] = "";

	ck_assert_int_eq(verified(req, "client", NULL, why, sizeof(why)), 1);
	ck_assert_int_eq(verified(req, "client", "client.example", why, sizeof(why)), 1);
	ck_assert_int_eq(verified(req, "client", "other.example", why, sizeof(why)), -EPROTO);
	ck_assert_str_eq(why, "client certificate: hostname mismatch");
	ck_assert_int_eq(verified(req, NULL, NULL, why, sizeof(why)), -EPROTO);
	ck_assert_str_eq(why, "peer did not return a certificate");
	/* Another certificate, unknown to the CA file. */
	ck_assert_int_eq(verified(req, "server", NULL, why, sizeof(why)), -EPROTO);
	ck_assert_str_eq(why, "client certificate: self-signed certificate");
	/* optional: no certificate is let in, a bad one or a wrong name is not. */
	ck_assert_int_eq(verified(opt, NULL, "client.example", why, sizeof(why)), 1);
	ck_assert_int_eq(verified(opt, "client", "client.example", why, sizeof(why)), 1);
	ck_assert_int_eq(verified(opt, "server", NULL, why, sizeof(why)), -EPROTO);
	ck_assert_int_eq(verified(opt, "client", "other.example", why, sizeof(why)), -EPROTO);
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_chain);
	tcase_add_test(tc, test_handshake_and_read);
	tcase_add_test(tc, test_not_tls);
	tcase_add_test(tc, test_client_certificates);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(tls_suite());
}
