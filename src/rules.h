/*
 * rules.h - compiled rules and their evaluation.  Rules are built by the
 * config parser (conf.c) and owned by struct conf; rules_eval() is a pure
 * function of the rules and the event (plus PCRE2 match data owned by each
 * regex, so it is not reentrant: one loop, one thread).
 */
#ifndef TRIAGED_RULES_H
#define TRIAGED_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum cond_kind {
	COND_TRUE = 0, /* `match syslog` alone */
	COND_AND,
	COND_OR,
	COND_NOT,
	COND_SOURCE_TYPE, /* event source (syslog, trap, journal) */
	COND_FACILITY,	  /* num, op among = != < <= > >= */
	COND_SEVERITY,	  /* num; "severity <= err" means err or worse (0..3) */
	COND_FIELD,	  /* named field vs. string (= !=) or regex (~ !~) */
	COND_ADDRESS,	  /* sender address within a CIDR (op = or !=) */
	COND_TRAP_OID,	  /* field "trap-oid" equals value (num 0) or lies under it (num 1) */
	COND_VAR,	  /* a varbind field: numeric when both sides are numbers, else as FIELD */
};

enum cond_op {
	OP_EQ = 0,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_MATCH,  /* ~ */
	OP_NMATCH, /* !~ */
};

struct regex; /* PCRE2 code, JIT-compiled, match limits set; private to rules.c */

struct cidr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefix;
};

struct cond {
	enum cond_kind kind;
	enum cond_op op;
	struct cond *a, *b;	/* AND/OR: both; NOT: a */
	int num;		/* facility, severity or enum event_source */
	char *field;		/* COND_FIELD: "host", "program", "sd.ID.PARAM", a capture ... */
	struct str fname;	/* field as a slice, so evaluation needs no strlen */
	int field_id;		/* private to rules.c: which fixed field, 0 for named ones */
	struct str value;	/* COND_FIELD: the string, or the pattern for ~ !~; owned */
	struct regex *re;	/* COND_FIELD with ~ or !~ */
	struct cidr cidr;	/* COND_ADDRESS */
	int line;		/* COND_TRAP_OID: where it was written, for resolver errors */
};

/* A compiled "{field} text {other}" template; literal and field parts alternate. */
struct template_part {
	bool is_field;
	struct str text; /* literal text or field name; owned */
	int field_id;	 /* private to rules.c, as in struct cond */
};

struct template {
	char *source; /* as written, for explain and messages */
	size_t nparts;
	struct template_part *parts;
};

#define RULE_DEFAULT_MAX_OPEN 1000 /* also for `default keep` */
#define RULE_MAX_MAX_OPEN     10000000

struct rule {
	char *name;
	size_t name_len; /* strlen(name), for the "rule" field rules_eval() adds */
	char *file; /* declared at file:line */
	int line;

	struct cond *match;	 /* never NULL */
	struct cond *resolve_on; /* NULL when the rule has no resolve-on */
	int resolve_on_line;	 /* where resolve-on was written (same file), for warnings */
	bool drop;

	struct template *key;	  /* NULL: a stable hash of rule, host, program, message */
	struct template *summary; /* NULL: "{host} {program}: {message}" */
	int severity;		  /* -1: the event's own */
	uint32_t threshold;	  /* 0 or 1: fire at once; N: on the Nth within threshold_window */
	int64_t threshold_window; /* usec */
	int64_t auto_resolve;	  /* usec; 0 = never */
	int64_t hold;		  /* usec; 0 = none: a fired incident waits this long for its resolve */
	/* `flap N in T quiet Q`: N down/up cycles within T flap, until Q without one; N 0: none */
	uint32_t flap_cycles;
	int64_t flap_window, flap_quiet; /* usec */
	/* `max-open N`: new keys beyond N open incidents fold into "RULE/overflow" */
	uint32_t max_open;
	/*
	 * `group-by F ... [wait W] [interval I] [max N]`: incidents that fire
	 * with the same values of fields join one parent incident (group.h);
	 * nfields 0: none.
	 */
	struct rule_group {
		char **fields;
		size_t nfields;
		int64_t wait, interval; /* usec */
		uint32_t max;		/* members listed per parent */
	} group_by;

	/* `send "NAME" ...`: indices into conf->upstreams (resolved at load) */
	uint32_t *send;
	size_t nsend;
	/* PagerDuty payload fields: `component T`, `group T`, `class T` */
	struct template *component, *group, *class_;
	/* `page "POLICY"`: NULL when none; an index into conf->policies once resolved */
	char *page;
	int page_line;
	int page_policy;

	/*
	 * What the rule did since the config was loaded (a reload starts
	 * again at 0, as a Prometheus counter may): mutable behind a const
	 * rule, written by the pipeline only.
	 */
	struct rule_counts {
		uint64_t matched, dropped, resolving;
	} *counts;
};

enum rules_verdict {
	RULES_NONE = 0, /* no rule matched: the config's default applies */
	RULES_MATCH,	/* rule's match holds */
	RULES_RESOLVE,	/* rule's resolve-on holds (match was tested first) */
};

/*
 * Try the rules in order; the first whose match or resolve-on holds wins.
 * Named captures of the winning rule's regexes are added to ev as fields,
 * pointing into ev's strings, then a "rule" field with the rule's name, so
 * templates can say {rule}.  Captures of conditions that did not hold are
 * taken back.  A regex that hits its match limit counts as not matching.
 * *which (may be NULL) is set to the winning rule (NULL with RULES_NONE).
 */
enum rules_verdict rules_eval(struct rule *const *rules, size_t nrules, struct event *ev,
    const struct rule **which);

/*
 * Evaluate one condition tree; adds named captures like rules_eval.  A field
 * the event lacks compares as "".  Facility and severity compare by number:
 * "severity <= err" holds for err, crit, alert and emerg.
 */
bool cond_eval(const struct cond *c, struct event *ev);

/* Whether the address ss lies within c (a v4-mapped IPv6 address matches a v4 CIDR). */
bool cidr_match(const struct cidr *c, const struct sockaddr_storage *ss);
/* Whether every address within inner lies within outer (same family only). */
bool cidr_contains(const struct cidr *outer, const struct cidr *inner);
/* "a.b.c.d", "a.b.c.d/n", "x::y/n" into c; -EINVAL when it is none of those. */
int cidr_parse(const char *s, struct cidr *c);

/* Constructors for the parser; they take ownership of a, b and re. */
struct cond *cond_new(enum cond_kind kind, struct cond *a, struct cond *b);
struct cond *cond_field(const char *field, enum cond_op op, const char *value, size_t len,
    struct regex *re);
struct rule *rule_new(const char *name, const char *file, int line);

/*
 * Expand t with ev's fields into buf (always NUL-terminated when size > 0).
 * Returns the length the full expansion needs, like snprintf, so the caller
 * can detect truncation.  A field missing at run time expands to "".
 */
size_t template_expand(const struct template *t, const struct event *ev, char *buf, size_t size);

/*
 * Compile a template: "{name}" is a field, "{{" and "}}" are literal braces.
 * Fields must be builtins (host program pid msgid message source facility
 * severity rule seq), "sd." names, or among known; otherwise -EINVAL and
 * *cause is a phrase such as "unknown field '{x}'" for the caller to place.
 */
int template_compile(const char *src, const char *const *known, size_t nknown,
    struct template **ret, char **cause);
void template_free(struct template *t);
/*
 * Whether a template may use the field name, by the rules above; trap
 * fields (trap trap-oid community user version agent enterprise uptime),
 * names with "::" (MIB names of varbinds), "var." names and journal field
 * names (upper case, digits and '_': MESSAGE, _SYSTEMD_UNIT) are known too.
 */
bool template_field_known(struct str name, const char *const *known, size_t nknown);

/*
 * Compile a regex (bytes, not UTF-8) with JIT and match limits; *cause gets
 * PCRE2's message and offset.
 */
int regex_compile(const char *pattern, struct regex **ret, char **cause);
void regex_free(struct regex *re);
/* The regex's named groups, for template validation; valid while re lives. */
size_t regex_names(const struct regex *re, const char *const **names);

void cond_free(struct cond *c);
void rule_free(struct rule *r);

#endif
