/*
 * control_request.h - one control socket request line, parsed and checked
 * before anything acts on it.  A pure function over bytes: no sockets, no
 * daemon, so it is unit-tested and fuzzed on its own.
 */
#ifndef TRIAGED_CONTROL_REQUEST_H
#define TRIAGED_CONTROL_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTROL_KEY_MAX	  4096	  /* bytes of an incident key */
#define CONTROL_NOTE_MAX  200	  /* bytes of a --who note, after cleaning */
#define CONTROL_LIMIT_MAX 1000000 /* incidents --limit */
#define CONTROL_UPSTREAM_MAX 127  /* bytes of an upstream's name, as the config allows */
#define CONTROL_MATCHER_MAX  1024 /* bytes of one silence matcher as sent (matcher.h bounds it after) */
#define CONTROL_COMMENT_MAX  256  /* bytes of a silence's comment, after cleaning */
#define CONTROL_TIME_MAX     (INT64_MAX / 1000000) /* seconds since 1970 */
#define CONTROL_TEXT_MAX  900	  /* bytes of a note's text, before and after cleaning */
#define CONTROL_LINE_MAX  (60 * 1024) /* bytes of a line to explain (a request is <= 64 KiB) */
#define CONTROL_WORDS_MAX (3 * 64)    /* explain --trap: OID TYPE VALUE words */
#define CONTROL_WORD_MAX  1024	      /* bytes of one of them, and of the trap's OID */
#define CONTROL_NAME_MAX  64	      /* bytes of a schedule's or contact's name, as the config allows */

/* In name order; the reading verbs change nothing, the acting verbs do. */
enum control_verb {
	CONTROL_ACK = 0,
	CONTROL_EVENTS,
	CONTROL_EXPLAIN,
	CONTROL_INCIDENTS,
	CONTROL_METRICS,
	CONTROL_NOTE,
	CONTROL_ONCALL,
	CONTROL_OVERRIDE_ADD,
	CONTROL_OVERRIDE_LIST,
	CONTROL_OVERRIDE_REMOVE,
	CONTROL_PAGE,
	CONTROL_QUEUE,
	CONTROL_QUEUE_DROP,
	CONTROL_QUEUE_RETRY,
	CONTROL_RELOAD,
	CONTROL_REPORT,
	CONTROL_RESOLVE,
	CONTROL_SEND_TEST,
	CONTROL_SHOW,
	CONTROL_SILENCE_ADD,
	CONTROL_SILENCE_EXPIRE,
	CONTROL_SILENCE_LIST,
	CONTROL_STATUS,
	CONTROL_NVERBS,
};

/* incidents: state filters beyond the enum incident_state values (never >= 0). */
#define CONTROL_STATE_ALL  (-1)
#define CONTROL_STATE_OPEN (-2) /* anything not resolved */

/*
 * {"command":"ack","key":"K","who":"note"}.  Fields a verb does not take
 * are ignored; the ones it takes are checked for type and bounds here.
 * Owns key, note and upstream (free with control_request_clear()).
 */
struct control_request {
	enum control_verb verb;
	char *key;    /* show, ack, resolve, note, page --incident: 1 to CONTROL_KEY_MAX bytes of UTF-8 */
	char *note;   /* ack, resolve: the client's "who", cleaned; NULL when none */
	char *text;   /* note: 1 to CONTROL_TEXT_MAX bytes, cleaned */
	int state;    /* incidents: an enum incident_state or CONTROL_STATE_*; default all */
	size_t limit; /* incidents: 1 to CONTROL_LIMIT_MAX; 0 when not given */
	uint64_t id;  /* queue-drop, queue-retry: the delivery; show: the incarnation; 0: none */
	bool all;     /* queue-retry: every dead or waiting delivery */
	bool force;   /* queue-drop: even a resolve whose trigger was delivered */
	char *upstream; /* send-test: 1 to CONTROL_UPSTREAM_MAX bytes */
	/* silence-add: matchers and comment cleaned; times in seconds, 0 when not given */
	char **matchers;
	size_t nmatchers;
	char *comment;
	int64_t start, end, duration;
	/*
	 * report: the incidents that opened within [since, until] (usec, UTC;
	 * until 0: now), a page of them before the cursor (before_at,
	 * before_id; before_at 0: from until on); with tally, a page of the
	 * hourly counts of the range instead.
	 */
	int64_t since, until, before_at;
	uint64_t before_id;
	bool tally;
	/* explain: exactly one of line, trap, event */
	char *line;	/* a syslog line as sent, line_len bytes (may hold NUL) */
	size_t line_len;
	char *listener; /* read line as this listener would; NULL: the first syslog one */
	char *from;	/* the sender's address, numeric; NULL: 127.0.0.1 */
	char *trap;	/* a trap's OID, name or number */
	char **words;	/* its varbinds: OID TYPE VALUE, nwords a multiple of 3 */
	size_t nwords;
	uint64_t event; /* a record of the raw-event log, by its number; 0: none */
	/*
	 * oncall: the schedule (NULL: all), at (usec; 0: now), next (usec, up
	 * to SCHEDULE_HORIZON_MAX; 0: no rota).  override-add: schedule and
	 * contact, from start to end (seconds, above; start 0: now);
	 * override-remove: id.
	 */
	char *schedule;
	char *contact;
	int64_t at, next;
	/* page: a policy's or contact's name, with text */
	char *target;
};

/*
 * Parse one request line (without its newline).  0, or -EINVAL/-EMSGSIZE
 * with *cause saying what is wrong in words fit for the client; rq is then
 * left empty.
 */
int control_request_parse(const char *buf, size_t len, struct control_request *rq,
    char **cause);
void control_request_clear(struct control_request *rq); /* frees what rq owns; NULL-safe */

const char *control_verb_name(enum control_verb v);
/*
 * True for verbs that change state (ack, note, resolve, reload, queue-retry,
 * queue-drop, send-test, silence-add, silence-expire, override-add,
 * override-remove, page).
 */
bool control_verb_acting(enum control_verb v);

/*
 * Copy client text of n bytes into out (size > 0) for a timeline or a
 * terminal: repaired and escaped as text from the network is at ingest
 * (text.h: invalid UTF-8 becomes U+FFFD, C0, DEL and C1 "#ooo"), then cut
 * to at most size - 1 bytes between characters.  Always NUL-terminates;
 * returns the bytes written.
 */
size_t control_text_clean(const char *s, size_t n, char *out, size_t size);

#endif
