/*
 * conf.h - the parsed configuration.  conf_load() builds a complete struct
 * conf or nothing: on any error it returns -EINVAL with *cause set to
 * "FILE:LINE: message" and frees what it built, so a reload can keep the
 * running configuration.  A struct conf is immutable once loaded and owns
 * everything it points to, including its rules.
 */
#ifndef TRIAGED_CONF_H
#define TRIAGED_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "maintenance.h"
#include "matcher.h"
#include "text.h"

struct inhibit_rule;
struct conf_contact; /* conf_oncall.h */
struct conf_schedule;
struct conf_policy; /* conf_policy.h */
struct conf_mail;   /* conf_notifier.h */
struct conf_sms;
struct conf_chat;
struct conf_exec;
struct rule;

enum listen_kind {
	LISTEN_SYSLOG = 0,
	LISTEN_SNMP,
};

enum listen_proto {
	LISTEN_UDP = 0,
	LISTEN_TCP,
	LISTEN_UNIX,
	LISTEN_TLS, /* syslog over TLS, RFC 5425 */
};

enum tls_verify {
	TLS_VERIFY_NONE = 0, /* no client certificate asked for */
	TLS_VERIFY_OPTIONAL, /* asked for; one that is sent must verify */
	TLS_VERIFY_REQUIRED, /* a client without a valid certificate is refused */
};

#define CONF_DEFAULT_HANDSHAKE_TIMEOUT (10 * 1000000LL) /* 10s */
#define CONF_MAX_ALLOWED_NAMES	       64

/* The TLS options of `listen syslog tls ADDRESS { ... }`; paths absolute. */
struct conf_tls {
	char *certificate; /* PEM chain, the server's certificate first */
	char *key;	   /* PEM private key */
	char *ca;	   /* PEM CA bundle for client certificates; NULL: none */
	enum tls_verify verify;
	char **allowed_names; /* DNS names, one of which a client certificate must carry */
	size_t nallowed;
	int64_t handshake_timeout; /* usec from accept to a finished handshake */
};

#define CONF_DEFAULT_MAX_MESSAGE (64 * 1024)
#define CONF_MAX_MAX_MESSAGE	 (16 * 1024 * 1024)
#define CONF_DEFAULT_MAX_CONNECTIONS 1024
/*
 * A relay (rsyslog, syslog-ng) opens one or a few connections, and a NAT
 * address may hide several relays; 32 leaves them room while a flood from
 * one address can take no more than 32 of the 1024 default slots.
 */
#define CONF_DEFAULT_MAX_PER_SOURCE 32
#define CONF_DEFAULT_IDLE_TIMEOUT   (600 * 1000000LL) /* 10m */
#define CONF_MAX_IDLE_TIMEOUT	    (7 * 86400 * 1000000LL)
#define CONF_DEFAULT_RETENTION_AGE  (30 * 86400 * 1000000LL) /* 30d */
#define CONF_DEFAULT_RETENTION_RESOLVED 100000

struct conf_listen {
	enum listen_kind kind;
	enum listen_proto proto;
	char *name;    /* `name "x"` option, else "syslog/udp/127.0.0.1:5514" */
	char *address; /* as written: "127.0.0.1:5514", "[::1]:5514"; unix: the absolute path */
	/*
	 * Numeric, never resolved through DNS.  "*:514" is [::]:514 and means
	 * IPv6 and IPv4: the socket must be opened with IPV6_V6ONLY off.
	 */
	struct sockaddr_storage sa;
	socklen_t salen;
	uint64_t rcvbuf;	  /* SO_RCVBUF(FORCE); 0 leaves the kernel default */
	uint64_t max_message;	  /* bytes; inherits conf->max_message */
	uint32_t max_connections; /* TCP only */
	enum text_charset charset; /* `charset utf-8|latin1`: how its bytes are read */
	uint32_t max_per_source;  /* TCP: max-connections-per-source, <= max_connections */
	int64_t idle_timeout;	  /* TCP: usec without data before a close; 0: never */
	struct conf_tls tls;	  /* LISTEN_TLS only */
	char *file;		  /* where it was declared, for messages */
	int line;
};

#define CONF_DEFAULT_LINK_LIFETIME (24 * 3600 * 1000000LL)
#define CONF_DEFAULT_HTTP_CONNECTIONS 64

/* `listen http ADDRESS { url "BASE"; link-lifetime D; max-connections N }` */
struct conf_http {
	char *address; /* as written */
	struct sockaddr_storage sa;
	socklen_t salen;
	char *url;		  /* what links begin with, no trailing '/'; default http://ADDRESS */
	int64_t link_lifetime;	  /* usec an ack link stays good */
	uint32_t max_connections; /* at a time */
	char *file;
	int line;
};

enum upstream_kind {
	UPSTREAM_PAGERDUTY = 0,
	UPSTREAM_WEBHOOK,
	UPSTREAM_ALERTMANAGER,
};

#define CONF_MAX_UPSTREAMS 64
#define CONF_AM_PEERS_MAX  16 /* urls of one alertmanager upstream: its cluster's members */
#define CONF_DEFAULT_PD_URL "https://events.pagerduty.com/v2/enqueue"

/*
 * `upstream "NAME" pagerduty { ... }`.  The routing key is read when the
 * config is loaded, from routing-key-file or from the systemd credential
 * routing-key-credential ($CREDENTIALS_DIRECTORY/NAME), trailing white
 * space stripped; it is never printed, not even by triaged -t.
 */
struct conf_upstream {
	char *name;
	enum upstream_kind kind;
	char *url;		  /* default CONF_DEFAULT_PD_URL */
	char *routing_key;	  /* 32 characters for PagerDuty; owned, wiped on free */
	char *secret;		  /* webhook: the HMAC key, or NULL (unsigned); wiped on free */
	char *heartbeat_url;	  /* `heartbeat URL every D`: pinged with GET; NULL: none */
	int64_t heartbeat_every;  /* usec */
	char *ca_file;		  /* NULL: the system's trust store */
	int64_t timeout;	  /* usec, default 10s: one request */
	int64_t connect_timeout;  /* usec, default 5s */
	int64_t backoff_initial;  /* usec, default 1s: first retry delay cap */
	int64_t backoff_max;	  /* usec, default 5m */
	uint32_t rate_per_minute; /* default 120 (PagerDuty's per-key limit); 0 = unlimited */
	char *client;		  /* payload "client", default "triaged" */
	char *client_url;	  /* payload "client_url", default none */
	/*
	 * send-resolved-undelivered yes: a trigger still queued when its
	 * incident resolves is sent anyway, with its resolve, for the record.
	 * Default no: neither goes (outbox_stale.c).
	 */
	bool send_resolved_undelivered;
	/*
	 * The outbox queues it is delivered through, one per peer: for
	 * alertmanager "NAME@URL" for each url (every member of an
	 * Alertmanager cluster gets every alert), else NAME alone.  urls[i]
	 * is where queues[i] goes (urls[0] aliases url).  Owned.
	 */
	char **queues, **urls;
	size_t nqueues;
	int64_t resend;		  /* alertmanager: a firing alert is sent again this often (usec) */
	int64_t resend_resolved;  /* alertmanager: a resolve is sent again for this long (usec) */
	bool heartbeat_watchdog;  /* alertmanager `heartbeat every D`: a Watchdog alert, no URL */
	char *file;		  /* declared at file:line */
	int line;
};

/* `snmp { ... }`: who may send traps, and which MIBs name them. */
enum conf_snmp_auth {
	CONF_SNMP_AUTH_NONE = 0,
	CONF_SNMP_AUTH_MD5,
	CONF_SNMP_AUTH_SHA,
	CONF_SNMP_AUTH_SHA224,
	CONF_SNMP_AUTH_SHA256,
	CONF_SNMP_AUTH_SHA384,
	CONF_SNMP_AUTH_SHA512,
};

enum conf_snmp_priv {
	CONF_SNMP_PRIV_NONE = 0,
	CONF_SNMP_PRIV_DES,
	CONF_SNMP_PRIV_AES,    /* AES-128 (RFC 3826) */
	CONF_SNMP_PRIV_AES192,
	CONF_SNMP_PRIV_AES256,
};

/* Security levels, numbered as in RFC 3411 (and net-snmp). */
enum conf_snmp_level {
	CONF_SNMP_NOAUTH = 1,
	CONF_SNMP_AUTH = 2,
	CONF_SNMP_PRIV = 3,
};

struct cidr; /* rules.h */
struct conf;
struct host_map; /* hosts.h */

/* `community "x" [from CIDR ...]`: v1/v2c, from anywhere when nfrom == 0. */
struct conf_snmp_community {
	char *community;
	struct cidr *from;
	size_t nfrom;
};

/* `user "x" auth ALG "pass" [priv ALG "pass"] [engine-id HEX] [level auth|priv]`. */
struct conf_snmp_user {
	char *name;
	enum conf_snmp_auth auth;
	char *auth_pass; /* owned, wiped on free */
	enum conf_snmp_priv priv;
	char *priv_pass; /* owned, wiped on free */
	char *engine_id; /* hex as written, without 0x; NULL: any sender / our own (informs) */
	enum conf_snmp_level min_level; /* default: what auth/priv configure */
	char *file;
	int line;
};

struct conf_snmp {
	struct conf_snmp_community *communities;
	size_t ncommunities;
	struct conf_snmp_user *users;
	size_t nusers;
	char **mibs; /* module names to load: "IF-MIB" */
	size_t nmibs;
	char **mib_dirs; /* absolute */
	size_t nmib_dirs;
};

/*
 * Turns a symbolic OID ("IF-MIB::linkDown") into numeric text
 * ("1.3.6.1.6.3.1.1.5.3") with the MIBs conf names; 0 or -errno.  The
 * config parser knows no MIBs: the SNMP input installs one before loading.
 */
typedef int (*conf_oid_resolver)(const struct conf *conf, const char *name, char *buf,
    size_t size);
/* Install fn (NULL: none; symbolic trap OIDs then stay unresolved and never match). */
void conf_set_oid_resolver(conf_oid_resolver fn);

/*
 * `journal { ... }`: read the systemd journal.  Values of one kind are
 * OR-ed, kinds are AND-ed (sd-journal's own rule: matches on one field are
 * alternatives, matches on different fields must all hold).
 */
enum conf_journal_start {
	CONF_JOURNAL_TAIL = 0, /* first start: only entries that arrive from now on */
	CONF_JOURNAL_HEAD,     /* first start: everything the journal holds */
};

struct conf_journal {
	bool enabled;	      /* a journal block was given */
	int priority;	      /* `priority <= LEVEL`: 0..7; -1: every priority */
	char **units;	      /* _SYSTEMD_UNIT values ("sshd" taken as "sshd.service") */
	size_t nunits;
	char **identifiers;   /* SYSLOG_IDENTIFIER values */
	size_t nidentifiers;
	char **matches;	      /* raw "FIELD=value" matches */
	size_t nmatches;
	char *directory;      /* absolute; NULL: the local system journal */
	enum conf_journal_start start;
	char *file;	      /* declared at file:line */
	int line;
};

/*
 * `maintenance "NAME" { every ...; match FIELD OP VALUE ... }`: a recurring
 * window during which what its matchers hold (all of them) is suppressed.
 */
#define CONF_MAX_MAINTENANCE	  256
#define CONF_MAINTENANCE_NAME_MAX 64
struct conf_maintenance {
	char *name;
	struct maintenance_schedule sched;
	struct matcher m[MATCHER_MAX];
	size_t nmatchers;
	char *file; /* declared at file:line */
	int line;
};

enum conf_default {
	CONF_DEFAULT_DROP = 0, /* `default drop`: unmatched events are dropped */
	CONF_DEFAULT_KEEP,     /* `default keep`: each becomes an incident with a hashed key */
};

/* The default map-size: 16G of address space on 64-bit systems, 64M where there is less. */
#define CONF_MAP_SIZE_64 ((uint64_t)16 << 30)
#define CONF_MAP_SIZE_32 ((uint64_t)64 << 20)

struct conf {
	char *path; /* the main file as given */

	char *hostname;	      /* default gethostname() */
	char *state_dir;      /* absolute; default LOCALSTATEDIR "/lib/triaged" */
	char *control_socket; /* absolute; default RUNSTATEDIR "/triaged/control.sock" */
	char *control_socket_where; /* "file:line: " of control-socket, "" by default: for messages */
	/*
	 * `control-group NAME`: the control socket's group (who may connect);
	 * NULL: the daemon's own.  `control-admin-group NAME`: who besides root
	 * and the daemon's user may use the acting verbs; NULL: nobody else.
	 * The gids are looked up when the config is loaded.
	 */
	char *control_group;
	gid_t control_gid;
	char *control_admin_group;
	gid_t control_admin_gid;
	uint64_t max_message; /* `max-message SIZE`, default 64 KiB */

	bool event_log;		     /* `event-log off` disables the raw-event log */
	int64_t event_log_max_age;   /* usec, default 7d */
	uint64_t event_log_max_size; /* bytes, default 256 MiB */

	struct conf_listen *listens;
	size_t nlistens;

	struct rule **rules; /* in file order, includes expanded in place */
	size_t nrules;
	enum conf_default default_action;
	char *default_file; /* where `default` was written; NULL: not written */
	int default_line;
	/* `default send "A" "B"`: implies keep; indices into upstreams */
	uint32_t *default_send;
	size_t ndefault_send;

	struct conf_upstream *upstreams;
	size_t nupstreams;
	struct conf_snmp snmp;
	struct conf_journal journal;
	/* `host NAME { ... }` blocks: aliases mapped to canonical names; NULL when none */
	struct host_map *hosts;
	uint64_t outbox_max; /* `outbox-max N`: pending deliveries kept, default 100000 */
	uint64_t map_size;   /* `map-size SIZE`: the state database's first LMDB map */
	bool commit_sync_inline; /* `commit-sync inline`: the loop waits for each fsync */
	struct conf_maintenance *maintenance; /* in file order */
	size_t nmaintenance;
	uint32_t silence_max; /* `silence-max N`: silences kept (expired ones too), default 1000 */
	struct inhibit_rule *inhibits; /* `inhibit` statements, in file order (inhibit.h) */
	size_t ninhibits;
	/* `retention { max-age D; max-resolved N }`: when resolved incidents are pruned */
	int64_t retention_max_age;	 /* usec since resolved */
	uint64_t retention_max_resolved; /* resolved incidents kept */
	struct conf_contact *contacts;	 /* `contact` blocks, in file order */
	size_t ncontacts;
	struct conf_schedule *schedules; /* `schedule` blocks, in file order */
	size_t nschedules;
	uint64_t override_max; /* `override-max N`: overrides triagectl may keep, default 1000 */
	struct conf_http *http; /* `listen http ADDRESS { ... }`; NULL: no HTTP listener */
	struct conf_policy *policies; /* `policy` blocks, in file order */
	size_t npolicies;
	struct conf_mail *mail; /* `notifier email { ... }`; NULL: pages are not mailed */
	struct conf_sms *sms;	/* `notifier sms { ... }`; NULL: no SMS is sent */
	struct conf_chat *chat; /* `notifier chat { ... }`; NULL: no chat message is sent */
	struct conf_exec *exec; /* `notifier exec { ... }`; NULL: no program is run */
	uint64_t escalation_max; /* `escalation-max N`: escalations under way, default 10000 */
	int64_t failover_after;	 /* `failover-after D`, usec: rules that send and page page
				    only once their upstreams failed for D; 0: always page */
};

/* The upstream with this name, or NULL. */
const struct conf_upstream *conf_upstream_find(const struct conf *conf, const char *name);

/*
 * Parse path and every file it includes.  Every relative path in them
 * (include patterns, state-dir, control-socket, unix listeners, key and CA
 * files, mib-dirs, the journal directory) is taken from the directory of
 * the file that says it, and made absolute here.  Returns -errno when path
 * itself cannot be read.
 */
int conf_load(const char *path, struct conf **ret, char **cause);

/* configure's localstatedir and runstatedir; these for a build that does not say. */
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif
#define CONF_DEFAULT_CONTROL_SOCKET RUNSTATEDIR "/triaged/control.sock"
/*
 * The control socket a configuration file names (made absolute as the
 * daemon would), or the default: only `control-socket` and `include` are
 * read, so secrets that cannot be read and errors elsewhere do not matter.
 * -errno and *cause when the file cannot be read up to that statement.
 */
int conf_peek_control_socket(const char *path, char **ret, char **cause);
/* The same for text in memory; name stands for the file in messages and includes. */
int conf_load_buffer(const char *name, const char *buf, size_t len, struct conf **ret,
    char **cause);
void conf_free(struct conf *conf);

#endif
