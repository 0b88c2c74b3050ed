/*
 * conf_notifier.h - `notifier email|sms|chat|exec { ... }`: how triaged
 * sends the pages of escalation policies itself, into conf->mail,
 * conf->sms, conf->chat and conf->exec.  The credentials are read when
 * the config is loaded, from files or systemd credentials, and never
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

/* What the notifiers beside e-mail share, first in each: a request's time, its retries. */
struct conf_notifier_limits {
	int64_t timeout;	 /* usec: one request, or one run of the program */
	int64_t backoff_initial; /* usec, default 5s */
	int64_t backoff_max;	 /* usec, default 5m */
	char *file;		 /* declared at file:line */
	int line;
};

/*
 * `notifier sms`: Twilio's Messages API (a form POST of To, From, Body
 * with HTTP basic auth).  token is wiped on free.
 */
struct conf_sms {
	struct conf_notifier_limits lim;
	char *url;	   /* .../Accounts/SID/Messages.json */
	char *account_sid; /* the basic-auth user */
	char *token;	   /* the auth token, from token-file or token-credential */
	char *from;	   /* E.164 */
	char *ca_file;
};

enum conf_chat_format {
	CONF_CHAT_SLACK = 0, /* Slack's incoming webhooks: text and blocks */
	CONF_CHAT_MATTERMOST, /* Mattermost's: text */
	CONF_CHAT_TEAMS,      /* Microsoft Teams' connectors: a MessageCard */
};

/* `notifier chat`: incoming webhooks; a contact's `chat "URL"` goes before url. */
struct conf_chat {
	struct conf_notifier_limits lim;
	char *url; /* NULL: every contact notified by chat has its own */
	enum conf_chat_format format;
	char *ca_file;
};

#define CONF_EXEC_ARGS_MAX    16
#define CONF_EXEC_RUNNING_MAX 64 /* the most max-running may say */

/* `notifier exec`: a program run with the page as JSON on its standard input. */
struct conf_exec {
	struct conf_notifier_limits lim;
	char *argv[CONF_EXEC_ARGS_MAX + 1]; /* argv[0] an absolute path; NULL-terminated */
	size_t argc;
	unsigned max_running; /* programs running at once, default 4 */
};

/* `notifier email|sms|chat|exec { ... }`, the keyword read. */
int conf_notifier_parse(struct lex *lx, struct conf *conf, char **cause);
/* conf_notifier_http.c and conf_notifier_exec.c: the blocks after their word. */
int conf_notifier_sms_parse(struct lex *lx, struct conf *conf, int line, char **cause);
int conf_notifier_chat_parse(struct lex *lx, struct conf *conf, int line, char **cause);
int conf_notifier_exec_parse(struct lex *lx, struct conf *conf, int line, char **cause);
/* Their limits' defaults, and the options timeout, backoff-initial and backoff-max. */
void conf_notifier_limits_init(struct conf_notifier_limits *l, const struct lex *lx, int line);
int conf_notifier_limits_opt(struct lex *lx, struct conf_notifier_limits *l, char **cause);
int conf_notifier_limits_check(struct lex *lx, const struct conf_notifier_limits *l,
    char **cause);
/* Once the whole config is read: every contact's notify has what it needs. */
int conf_notifier_resolve(struct conf *conf, char **cause);
void conf_notifier_free(struct conf *conf);

#endif
