/*
 * triagectl.h - what triagectl's files share: the options of a run, the
 * verb table's entry, and the helpers that put reply values in tables.
 * triagectl.c has the common verbs and the command line, ctl_timeline.c
 * the timeline and the postmortem draft, ctl_report.c the report,
 * ctl_oncall.c who is on call and the overrides.
 */
#ifndef TRIAGED_TRIAGECTL_H
#define TRIAGED_TRIAGECTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct opts {
	const char *socket;
	bool json;
	bool all;
	bool force; /* queue drop: even a resolve whose trigger was delivered */
	bool wide; /* no cell cut, absolute times */
	bool utc;
	int argc; /* the verb's own arguments */
	const char *state;
	long limit;
	const char *who;
	const char *comment, *start, *end; /* silence add */
	const char *trap;     /* explain --trap OID */
	const char *listener; /* explain --listener NAME */
	const char *from;     /* explain --from ADDR */
	const char *config;   /* -c: the running configuration, for replay */
	const char *since;    /* replay, report --since DURATION */
	const char *event;    /* explain --event ID */
	const char *format;   /* timeline: "table" or "md" (a postmortem draft) */
	int64_t id;	      /* show, timeline: one incarnation; 0: the newest */
	int64_t max;	      /* report: incidents walked at most */
	const char *html;     /* report: the HTML file to write */
	const char *at, *next; /* oncall --at TIME --next DURATION */
	const char *incident;  /* page --incident KEY */
};

struct verb {
	const char *name;
	const char *args; /* for usage */
	int nargs; /* -1: 0 to 2, -2: any, -3: 1 to VERB_ARGS_MAX; checked by the request builder */
	json_t *(*request)(const struct opts *o, char **argv);
	void (*print)(const struct opts *o, json_t *reply);
	int (*run)(const struct opts *o); /* instead of one request and its print */
};

#define TERM_WIDTH 80 /* every table fits, unless --wide */
#define VERB_ARGS_MAX 32
#define REPORT_MAX_DEFAULT 100000 /* incidents a report walks without --max */
#define REPORT_MAX_MAX	   1000000
#define REPORT_SINCE_MAX   (400 * 86400 * 1000000LL) /* the hourly counts kept */
#define CALL_TIMEOUT_MS 30000

/* A member of a reply object: its string ("-" when none), its integer. */
const char *jstr(json_t *o, const char *k);
long long jint(json_t *o, const char *k);
/* A cell of a table: cut to width (unless --wide), padded unless it ends the row. */
void cell(const struct opts *o, const char *s, size_t width, bool last);
/* A time from a reply: relative in a table ("3m ago"), absolute with --wide or in detail. */
void when(const struct opts *o, const char *rfc3339, bool relative, char *buf, size_t size);
/* Text that goes on after `used` columns, wrapped within TERM_WIDTH, never cut. */
void put_wrapped(const struct opts *o, const char *s, size_t used);

/* ctl_timeline.c */
json_t *req_timeline(const struct opts *o, char **argv);
void print_timeline(const struct opts *o, json_t *reply);
/* show's past and related incidents, after its timeline. */
void print_relatives(const struct opts *o, json_t *incident);

/* ctl_oncall.c: oncall and override. */
json_t *req_oncall(const struct opts *o, char **argv);
void print_oncall(const struct opts *o, json_t *reply);
json_t *req_override(const struct opts *o, char **argv);
void print_override(const struct opts *o, json_t *reply);
void print_oncall_status(json_t *oncall); /* in status */

/* ctl_report.c: triagectl report; its exit status. */
int run_report(const struct opts *o);

#endif
