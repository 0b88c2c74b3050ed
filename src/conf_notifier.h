/*
 * conf_notifier.h - `notifier email { ... }`: how triaged sends the pages
 * of escalation policies itself, into conf->mail.  The credentials are
 * read when the config is loaded, from credentials-file, and never
 * printed.
 */
#ifndef TRIAGED_CONF_NOTIFIER_H
#define TRIAGED_CONF_NOTIFIER_H

#include <stdint.h>

struct conf;
struct lex;

enum conf_mail_tls {
	CONF_MAIL_STARTTLS_NO = 0, /* smtp:// in the clear */
	CONF_MAIL_STARTTLS_TRY,	   /* STARTTLS when the server offers it */
	CONF_MAIL_STARTTLS_REQUIRED,
};

struct conf_mail {
	char *server;		  /* smtp://HOST[:PORT] or smtps://HOST[:PORT] */
	char *from;		  /* an addr-spec: the envelope sender and From: */
	enum conf_mail_tls starttls; /* smtp:// only; default try */
	char *user, *password;	  /* NULL without credentials-file; wiped on free */
	char *ca_file;		  /* NULL: the system's trust store */
	int64_t timeout;	  /* usec, default 30s: one message */
	int64_t backoff_initial;  /* usec, default 5s */
	int64_t backoff_max;	  /* usec, default 5m */
	char *file;		  /* declared at file:line */
	int line;
};

/* `notifier email { ... }`, the keyword read. */
int conf_notifier_parse(struct lex *lx, struct conf *conf, char **cause);
void conf_notifier_free(struct conf *conf);

#endif
