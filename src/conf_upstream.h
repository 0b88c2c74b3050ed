/*
 * conf_upstream.h - the upstream part of the config parser: `upstream NAME
 * KIND { ... }` blocks with their routing keys, and the `send` lists of
 * rules and of `default send`.  A send list may name an upstream declared
 * further on or in a later include, so its names wait in a struct
 * conf_sends until the whole configuration is read, then become indices
 * into conf->upstreams.
 */
#ifndef TRIAGED_CONF_UPSTREAM_H
#define TRIAGED_CONF_UPSTREAM_H

#include <stddef.h>

struct conf;
struct conf_upstream;
struct lex;
struct rule;

#define CONF_UPSTREAM_NAME_MAX 127  /* bytes in an upstream's name */
#define CONF_ROUTING_KEY_MAX   1024 /* bytes in a key file, trailing white space included */

/* `send "A" "B"` as written. */
struct conf_send {
	char **names; /* owned */
	size_t n;
	const char *file; /* borrowed from the lexer: valid while the load runs */
	int line;
};

/* The send lists of one load, in file order; rule NULL stands for `default send`. */
struct conf_sends {
	struct conf_send_ref {
		struct rule *rule; /* borrowed: owned by the conf being built */
		struct conf_send send;
	} *v;
	size_t n;
};

/*
 * The `upstream` statement, its keyword already read: check it, read its
 * routing key, and append it to conf->upstreams.  Errors never contain the
 * key.
 */
int conf_upstream_parse(struct lex *lx, struct conf *conf, char **cause);
/* Free what u owns, wiping the routing key first. */
void conf_upstream_clear(struct conf_upstream *u);

/*
 * The names after `send` up to the end of the statement: at least one, none
 * twice.  On failure s is left empty.
 */
/*
 * Read a secret (a routing key, credentials): a regular file of at most
 * CONF_ROUTING_KEY_MAX bytes holding one word of printable characters,
 * trailing white space stripped.  what and path go into messages; the
 * file's content never does.
 */
int conf_read_secret(struct lex *lx, const char *what, const char *path, char **ret,
    char **cause);
/*
 * OPT "FILE" and OPT "NAME" ($CREDENTIALS_DIRECTORY/NAME, systemd's
 * LoadCredential=): the string after the option read, then the secret
 * from that file (conf_read_secret) into *dst.  opt and what name it in
 * messages.
 */
int conf_secret_file(struct lex *lx, const char *opt, const char *what, char **dst,
    char **cause);
int conf_secret_credential(struct lex *lx, const char *opt, const char *what, char **dst,
    char **cause);
int conf_send_parse(struct lex *lx, struct conf_send *s, char **cause);
void conf_send_clear(struct conf_send *s);

/* Move s (left empty) into l, for rule or (NULL) for the default. */
void conf_sends_add(struct conf_sends *l, struct rule *rule, struct conf_send *s);
/*
 * Turn every list into indices (rule->send, conf->default_send) now that
 * all upstreams are known; an unknown name is an error at its send line.
 */
int conf_sends_resolve(const struct conf_sends *l, struct conf *conf, char **cause);
void conf_sends_free(struct conf_sends *l);

#endif
