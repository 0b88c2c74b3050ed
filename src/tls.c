/*
 * tls.c - server-side TLS for the syslog listeners (see tls.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "conf.h"
#include "tls.h"
#include "util.h"

struct tls_ctx {
	SSL_CTX *ssl;
	int64_t not_after; /* the certificate's, seconds since the epoch */
};

struct tls_session {
	SSL *ssl;
};

/* OpenSSL's first reason (the cause; later ones say where), or fallback; the queue emptied. */
static void
ssl_reason(char *buf, size_t size, const char *fallback)
{
	unsigned long e = ERR_peek_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, size, "%s", r != NULL ? r : fallback);
	ERR_clear_error();
}

/* Certificates, chains and keys are a few KiB; a file much larger is not one. */
#define TLS_FILE_MAX (1024 * 1024)

/*
 * path's bytes in a memory BIO, read now: a regular file of at most
 * TLS_FILE_MAX, opened without blocking, so that a FIFO in its place
 * cannot hang a reload and OpenSSL never opens the path itself.
 */
static int
read_file(const char *what, const char *path, BIO **ret, char **cause)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY), r = 0;
	const char *why = NULL;
	char *buf = NULL;
	struct stat st;
	size_t len = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > TLS_FILE_MAX)
		why = "larger than 1 MiB";
	else {
		buf = xmalloc((size_t)st.st_size + 1);
		r = read_upto(fd, buf, (size_t)st.st_size, &len);
	}
	if (fd >= 0)
		close(fd);
	if (r < 0 || why != NULL) {
		xasprintf(cause, "cannot read %s %s: %s", what, path, why ? why : strerror(-r));
		free(buf);
		return r < 0 ? r : -EINVAL;
	}
	*ret = BIO_new(BIO_s_mem());
	if (*ret == NULL || BIO_write(*ret, buf, (int)len) != (int)len) {
		BIO_free(*ret);
		xasprintf(cause, "cannot read %s %s: out of memory", what, path);
		r = -ENOMEM;
	}
	explicit_bzero(buf, len); /* a key */
	free(buf);
	ERR_clear_error();
	return r;
}

static int
load_fail(const char *what, const char *path, char **cause)
{
	char why[256];

	ssl_reason(why, sizeof(why), "unknown error");
	xasprintf(cause, "cannot load %s %s: %s", what, path, why);
	return -EINVAL;
}

/* The end of a PEM file: PEM_read_bio's "no start line" after at least one entry. */
static bool
pem_end(void)
{
	unsigned long e = ERR_peek_last_error();

	if (ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
		return false;
	ERR_clear_error();
	return true;
}

/* The server's certificate, then the chain behind it, as OpenSSL's chain file loader reads them. */
static int
load_chain(SSL_CTX *ssl, BIO *b, const char *path, char **cause)
{
	X509 *x = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL);

	if (x == NULL || SSL_CTX_use_certificate(ssl, x) != 1) {
		X509_free(x);
		return load_fail("certificate", path, cause);
	}
	X509_free(x);
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ssl, x) != 1) {
			X509_free(x);
			return load_fail("certificate", path, cause);
		}
	return pem_end() ? 0 : load_fail("certificate", path, cause);
}

static int
load_key(SSL_CTX *ssl, BIO *b, const struct conf_tls *c, char **cause)
{
	EVP_PKEY *pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	int r = 0;

	if (pk == NULL)
		return load_fail("key", c->key, cause);
	/* Using the key checks it against the certificate. */
	if (SSL_CTX_use_PrivateKey(ssl, pk) != 1 || SSL_CTX_check_private_key(ssl) != 1) {
		ERR_clear_error();
		xasprintf(cause, "key %s does not match certificate %s", c->key, c->certificate);
		r = -EINVAL;
	}
	EVP_PKEY_free(pk);
	return r;
}

static int
load_identity(SSL_CTX *ssl, const struct conf_tls *c, char **cause)
{
	BIO *cert = NULL, *key = NULL;
	int r;

	if ((r = read_file("certificate", c->certificate, &cert, cause)) == 0
	    && (r = read_file("key", c->key, &key, cause)) == 0
	    && (r = load_chain(ssl, cert, c->certificate, cause)) == 0)
		r = load_key(ssl, key, c, cause);
	BIO_free(cert);
	BIO_free(key);
	return r;
}

/*
 * The CA certificates client certificates must chain to; their names go
 * to clients as the hint they pick a certificate by.
 */
static int
load_ca(SSL_CTX *ssl, const char *path, char **cause)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ssl);
	STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
	X509 *x;
	BIO *b;
	int r;

	if ((r = read_file("ca", path, &b, cause)) < 0) {
		sk_X509_NAME_free(names);
		return r;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		X509_NAME *n = X509_NAME_dup(X509_get_subject_name(x));
		if (X509_STORE_add_cert(store, x) != 1 || n == NULL || !sk_X509_NAME_push(names, n))
			r = -EINVAL;
		X509_free(x);
		if (r < 0)
			break;
	}
	BIO_free(b);
	if (r == 0 && sk_X509_NAME_num(names) > 0 && pem_end()) {
		SSL_CTX_set_client_CA_list(ssl, names);
		return 0;
	}
	sk_X509_NAME_pop_free(names, X509_NAME_free);
	return load_fail("ca", path, cause);
}

/* The CA that client certificates must chain to, and the names one must carry. */
static int
load_peer_checks(SSL_CTX *ssl, const struct conf_tls *c, char **cause)
{
	X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(ssl);
	int r;

	if (c->ca != NULL && (r = load_ca(ssl, c->ca, cause)) < 0)
		return r;
	if (c->verify != TLS_VERIFY_NONE)
		SSL_CTX_set_verify(ssl,
		    SSL_VERIFY_PEER
		        | (c->verify == TLS_VERIFY_REQUIRED ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
		    NULL);
	/* Checked by X509_check_host during verification: SAN DNS names, else the CN. */
	X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	for (size_t i = 0; i < c->nallowed; i++)
		if (X509_VERIFY_PARAM_add1_host(vp, c->allowed_names[i], 0) != 1) {
			ERR_clear_error();
			xasprintf(cause, "cannot use allowed name '%s'", c->allowed_names[i]);
			return -EINVAL;
		}
	return 0;
}

/* When the certificate loaded expires: seconds since the epoch, 0 if unknown. */
static int64_t
not_after(SSL_CTX *ssl)
{
	X509 *x = SSL_CTX_get0_certificate(ssl);
	struct tm tm;

	if (x == NULL || ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

int64_t
tls_ctx_not_after(const struct tls_ctx *ctx)
{
	return ctx->not_after;
}

int
tls_ctx_new(const struct conf_tls *c, struct tls_ctx **ret, char **cause)
{
	SSL_CTX *ssl = SSL_CTX_new(TLS_server_method());
	struct tls_ctx *ctx;
	int r;

	if (ssl == NULL) {
		ERR_clear_error();
		xasprintf(cause, "cannot make a TLS context: out of memory");
		return -ENOMEM;
	}
	SSL_CTX_set_min_proto_version(ssl, TLS1_2_VERSION);
	/* Log senders never resume or renegotiate; each would only be more to attack. */
	SSL_CTX_set_options(ssl, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ssl, 0);
	SSL_CTX_set_session_cache_mode(ssl, SSL_SESS_CACHE_OFF);
	/* Thousands of quiet senders: no 34 KiB of buffers each while idle. */
	SSL_CTX_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
	if ((r = load_identity(ssl, c, cause)) < 0 || (r = load_peer_checks(ssl, c, cause)) < 0) {
		SSL_CTX_free(ssl);
		return r;
	}
	ctx = xcalloc(1, sizeof(*ctx));
	ctx->ssl = ssl;
	ctx->not_after = not_after(ssl);
	*ret = ctx;
	return 0;
}

void
tls_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl);
	free(ctx);
}

int
tls_session_new(struct tls_ctx *ctx, int fd, struct tls_session **ret)
{
	SSL *ssl = SSL_new(ctx->ssl);

	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
		ERR_clear_error();
		SSL_free(ssl);
		return -ENOMEM;
	}
	*ret = xcalloc(1, sizeof(**ret));
	(*ret)->ssl = ssl;
	return 0;
}

void
tls_session_free(struct tls_session *s)
{
	if (s == NULL)
		return;
	SSL_free(s->ssl);
	free(s);
}

/* 1 when err only means waiting for the socket, with *events set. */
static bool
want_io(int err, uint32_t *events)
{
	if (err == SSL_ERROR_WANT_READ)
		*events = EPOLLIN;
	else if (err == SSL_ERROR_WANT_WRITE)
		*events = EPOLLOUT;
	else
		return false;
	return true;
}

int
tls_session_handshake(struct tls_session *s, uint32_t *events, char *why, size_t whylen)
{
	long vr;
	int r, err;

	ERR_clear_error();
	if ((r = SSL_accept(s->ssl)) == 1)
		return 1;
	err = SSL_get_error(s->ssl, r);
	if (want_io(err, events))
		return 0;
	if (BIO_number_read(SSL_get_rbio(s->ssl)) == 0) {
		ERR_clear_error();
		return -ENODATA; /* a port check: connected and closed without a word */
	}
	if ((vr = SSL_get_verify_result(s->ssl)) != X509_V_OK) {
		snprintf(why, whylen, "client certificate: %s", X509_verify_cert_error_string(vr));
		ERR_clear_error();
	} else if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN)
		ssl_reason(why, whylen, "the client closed the connection");
	else
		ssl_reason(why, whylen, "protocol error");
	return -EPROTO;
}

ssize_t
tls_session_read(struct tls_session *s, void *buf, size_t n, uint32_t *events)
{
	int r, err;

	ERR_clear_error();
	if ((r = SSL_read(s->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n)) > 0)
		return r;
	err = SSL_get_error(s->ssl, r);
	if (want_io(err, events))
		return -EAGAIN;
	ERR_clear_error();
	return 0;
}

bool
tls_session_pending(const struct tls_session *s)
{
	return SSL_pending(s->ssl) > 0;
}
