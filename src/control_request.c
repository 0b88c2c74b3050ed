/*
 * control_request.c - parses and checks one control request line (see
 * control_request.h).  Everything a client sends is bounded here, and
 * every message made from client bytes is cleaned first: replies must be
 * valid UTF-8 or jansson cannot encode them.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "control_request.h"
#include "incident.h"
#include "matcher.h"
#include "schedule.h"
#include "text.h"
#include "util.h"

/* The fields a verb takes. */
#define F_KEY	0x01
#define F_NOTE	0x02
#define F_STATE 0x04
#define F_LIMIT 0x08
#define F_ID	0x10
#define F_ALL	0x20
#define F_FORCE 0x40
#define F_UPSTREAM 0x80
#define F_SILENCE  0x100 /* matchers, comment, start, end, duration */
#define F_SILENCE_ID 0x200
#define F_EXPLAIN  0x400
#define F_TEXT	   0x800
#define F_INCARNATION 0x1000
#define F_RANGE	   0x2000
#define F_ONCALL   0x4000 /* schedule, at, next */
#define F_OVERRIDE 0x8000 /* schedule, contact, start, end */
#define F_TARGET   0x10000 /* a policy's or contact's name */

#define VERB_ECHO_MAX 64 /* bytes of an unknown command echoed back */

static const struct {
	const char *name;
	bool acting;
	unsigned fields;
} verbs[CONTROL_NVERBS] = {
	[CONTROL_ACK] = { "ack", true, F_KEY | F_NOTE },
	[CONTROL_EVENTS] = { "events", false, F_LIMIT },
	[CONTROL_EXPLAIN] = { "explain", false, F_EXPLAIN },
	[CONTROL_INCIDENTS] = { "incidents", false, F_STATE | F_LIMIT },
	[CONTROL_METRICS] = { "metrics", false, 0 },
	[CONTROL_NOTE] = { "note", true, F_KEY | F_TEXT },
	[CONTROL_ONCALL] = { "oncall", false, F_ONCALL },
	[CONTROL_OVERRIDE_ADD] = { "override-add", true, F_OVERRIDE },
	[CONTROL_OVERRIDE_LIST] = { "override-list", false, 0 },
	[CONTROL_OVERRIDE_REMOVE] = { "override-remove", true, F_SILENCE_ID },
	[CONTROL_PAGE] = { "page", true, F_TARGET | F_TEXT },
	[CONTROL_QUEUE] = { "queue", false, F_LIMIT },
	[CONTROL_QUEUE_DROP] = { "queue-drop", true, F_ID | F_FORCE },
	[CONTROL_QUEUE_RETRY] = { "queue-retry", true, F_ID | F_ALL },
	[CONTROL_RELOAD] = { "reload", true, 0 },
	[CONTROL_REPORT] = { "report", false, F_RANGE | F_LIMIT },
	[CONTROL_RESOLVE] = { "resolve", true, F_KEY | F_NOTE },
	[CONTROL_SEND_TEST] = { "send-test", true, F_UPSTREAM },
	[CONTROL_SHOW] = { "show", false, F_KEY | F_INCARNATION },
	[CONTROL_SILENCE_ADD] = { "silence-add", true, F_SILENCE },
	[CONTROL_SILENCE_EXPIRE] = { "silence-expire", true, F_SILENCE_ID },
	[CONTROL_SILENCE_LIST] = { "silence-list", false, 0 },
	[CONTROL_STATUS] = { "status", false, 0 },
};

const char *
control_verb_name(enum control_verb v)
{
	return v < CONTROL_NVERBS ? verbs[v].name : "unknown";
}

bool
control_verb_acting(enum control_verb v)
{
	/* Anything unknown counts as acting: refusing is the safe mistake. */
	return v >= CONTROL_NVERBS || verbs[v].acting;
}

/* Ingest's rules (text.c) for client text too: one way to repair and escape. */
size_t
control_text_clean(const char *s, size_t n, char *out, size_t size)
{
	char *clean = text_clean_dup(s, n);
	size_t len = text_copy(out, size, clean, strlen(clean));

	free(clean);
	return len;
}

static int
parse_verb(json_t *j, struct control_request *rq, char **cause)
{
	json_t *cmd = json_object_get(j, "command");
	char echo[VERB_ECHO_MAX + 1];

	if (!json_is_string(cmd)) {
		xasprintf(cause, "request has no \"command\" string");
		return -EINVAL;
	}
	for (size_t v = 0; v < CONTROL_NVERBS; v++)
		if (strcmp(verbs[v].name, json_string_value(cmd)) == 0) {
			rq->verb = (enum control_verb)v;
			return 0;
		}
	control_text_clean(json_string_value(cmd), json_string_length(cmd), echo, sizeof(echo));
	xasprintf(cause, "unknown command: %s", echo);
	return -EINVAL;
}

/* field as a string of 1 to max bytes; NULL when absent. */
static int
get_string(json_t *j, const char *field, size_t max, json_t **ret, char **cause)
{
	json_t *v = json_object_get(j, field);

	*ret = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max) {
		xasprintf(cause, "\"%s\" must be a string of 1 to %zu bytes", field, max);
		return json_is_string(v) && json_string_length(v) > max ? -EMSGSIZE : -EINVAL;
	}
	*ret = v;
	return 0;
}

/* field as an integer from 1 to max; 0 when absent. */
static int
get_count(json_t *j, const char *field, json_int_t max, uint64_t *ret, char **cause)
{
	json_t *v = json_object_get(j, field);

	*ret = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > max) {
		xasprintf(cause, "\"%s\" must be an integer from 1 to %lld", field, (long long)max);
		return -EINVAL;
	}
	*ret = (uint64_t)json_integer_value(v);
	return 0;
}

/* field as an integer from 0 to INT64_MAX; 0 when absent. */
static int
get_time(json_t *j, const char *field, int64_t *ret, char **cause)
{
	json_t *v = json_object_get(j, field);

	*ret = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		xasprintf(cause, "\"%s\" must be an integer from 0 (microseconds since 1970)",
		    field);
		return -EINVAL;
	}
	*ret = (int64_t)json_integer_value(v);
	return 0;
}

/* A boolean field, false when absent. */
static int
get_bool(json_t *j, const char *field, bool *ret, char **cause)
{
	json_t *v = json_object_get(j, field);

	*ret = json_is_true(v);
	if (v == NULL || json_is_boolean(v))
		return 0;
	xasprintf(cause, "\"%s\" must be true or false", field);
	return -EINVAL;
}

static int
parse_key_note(json_t *j, struct control_request *rq, char **cause)
{
	char note[CONTROL_NOTE_MAX + 1];
	json_t *key, *who;
	int r;

	if ((r = get_string(j, "key", CONTROL_KEY_MAX, &key, cause)) < 0)
		return r;
	if (key == NULL) {
		xasprintf(cause, "%s needs a \"key\"", verbs[rq->verb].name);
		return -EINVAL;
	}
	rq->key = xstrndup(json_string_value(key), json_string_length(key));
	if (!(verbs[rq->verb].fields & F_NOTE))
		return 0;
	who = json_object_get(j, "who");
	if (who != NULL && !json_is_string(who)) {
		xasprintf(cause, "\"who\" must be a string");
		return -EINVAL;
	}
	/* A note longer than the bound is cut, not refused: it is only a remark. */
	if (who != NULL && control_text_clean(json_string_value(who), json_string_length(who), note,
		sizeof(note)) > 0)
		rq->note = xstrdup(note);
	return 0;
}

/* A note's text is kept, not cut: one longer than the bound is refused. */
static int
parse_text(json_t *j, struct control_request *rq, char **cause)
{
	char text[CONTROL_TEXT_MAX + 1];
	json_t *v;
	int r;

	if ((r = get_string(j, "text", CONTROL_TEXT_MAX, &v, cause)) < 0)
		return r;
	if (v == NULL) {
		xasprintf(cause, "%s needs a \"text\"", verbs[rq->verb].name);
		return -EINVAL;
	}
	control_text_clean(json_string_value(v), json_string_length(v), text, sizeof(text));
	rq->text = xstrdup(text);
	return 0;
}

static int
parse_state(json_t *j, struct control_request *rq, char **cause)
{
	json_t *v;
	int r;

	if ((r = get_string(j, "state", 32, &v, cause)) < 0 || v == NULL)
		return r;
	if (strcmp(json_string_value(v), "all") == 0)
		rq->state = CONTROL_STATE_ALL;
	else if (strcmp(json_string_value(v), "open") == 0)
		rq->state = CONTROL_STATE_OPEN;
	else if ((rq->state = incident_state_from_name(json_string_value(v))) < 0) {
		xasprintf(cause,
		    "unknown state; use pending, triggered, acknowledged, suppressed, flapping, "
		    "grouped, resolved, expired, transient, open or all");
		return -EINVAL;
	}
	return 0;
}

static int
parse_queue(json_t *j, struct control_request *rq, char **cause)
{
	bool all;
	int r;

	if ((r = get_count(j, "id", INT64_MAX, &rq->id, cause)) < 0 ||
	    (r = get_bool(j, "all", &all, cause)) < 0)
		return r;
	rq->all = all && (verbs[rq->verb].fields & F_ALL);
	if (rq->id == 0 && !rq->all) {
		xasprintf(cause, rq->verb == CONTROL_QUEUE_DROP ? "queue drop needs an id" :
								  "queue retry needs an id or all");
		return -EINVAL;
	}
	return 0;
}

static int
parse_upstream(json_t *j, struct control_request *rq, char **cause)
{
	json_t *v;
	int r;

	if ((r = get_string(j, "upstream", CONTROL_UPSTREAM_MAX, &v, cause)) < 0)
		return r;
	if (v == NULL) {
		xasprintf(cause, "%s needs an \"upstream\"", verbs[rq->verb].name);
		return -EINVAL;
	}
	rq->upstream = xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

/* "matchers": 1 to MATCHER_MAX strings, each cleaned as client text is. */
static int
parse_matchers(json_t *j, struct control_request *rq, char **cause)
{
	json_t *arr = json_object_get(j, "matchers"), *v;
	char clean[CONTROL_MATCHER_MAX * TEXT_GROWTH + 1];
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > MATCHER_MAX) {
		xasprintf(cause, "silence-add needs \"matchers\": 1 to %d strings", MATCHER_MAX);
		return -EINVAL;
	}
	rq->matchers = xcalloc(json_array_size(arr), sizeof(*rq->matchers));
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > CONTROL_MATCHER_MAX) {
			xasprintf(cause, "each matcher must be a string of 1 to %d bytes",
			    CONTROL_MATCHER_MAX);
			return -EINVAL;
		}
		control_text_clean(json_string_value(v), json_string_length(v), clean, sizeof(clean));
		rq->matchers[rq->nmatchers++] = xstrdup(clean);
	}
	return 0;
}

/* A time in seconds, 1 to CONTROL_TIME_MAX; 0 when absent. */
static int
get_seconds(json_t *j, const char *field, int64_t *ret, char **cause)
{
	uint64_t v;
	int r = get_count(j, field, CONTROL_TIME_MAX, &v, cause);

	*ret = (int64_t)v;
	return r;
}

static int
parse_silence(json_t *j, struct control_request *rq, char **cause)
{
	char comment[CONTROL_COMMENT_MAX + 1];
	json_t *c = json_object_get(j, "comment");
	int r;

	if ((r = parse_matchers(j, rq, cause)) < 0 || (r = get_seconds(j, "start", &rq->start,
	    cause)) < 0 || (r = get_seconds(j, "end", &rq->end, cause)) < 0 ||
	    (r = get_seconds(j, "duration", &rq->duration, cause)) < 0)
		return r;
	if ((rq->end == 0) == (rq->duration == 0)) {
		xasprintf(cause, "silence-add needs either a \"duration\" or an \"end\"");
		return -EINVAL;
	}
	if (c != NULL && !json_is_string(c)) {
		xasprintf(cause, "\"comment\" must be a string");
		return -EINVAL;
	}
	/* A longer comment is cut, not refused: it is only a remark. */
	if (c != NULL && control_text_clean(json_string_value(c), json_string_length(c), comment,
	    sizeof(comment)) > 0)
		rq->comment = xstrdup(comment);
	return 0;
}

/* An optional string field copied out whole (NUL bytes and all); *len may be NULL. */
static int
take_string(json_t *j, const char *field, size_t max, char **out, size_t *len, char **cause)
{
	json_t *v;
	int r;

	if ((r = get_string(j, field, max, &v, cause)) < 0 || v == NULL)
		return r;
	*out = xmalloc(json_string_length(v) + 1);
	memcpy(*out, json_string_value(v), json_string_length(v) + 1);
	if (len != NULL)
		*len = json_string_length(v);
	return 0;
}

static int
parse_silence_id(json_t *j, struct control_request *rq, char **cause)
{
	int r = get_count(j, "id", INT64_MAX, &rq->id, cause);

	if (r == 0 && rq->id == 0) {
		xasprintf(cause, "%s needs an \"id\"", verbs[rq->verb].name);
		return -EINVAL;
	}
	return r;
}

static int
parse_words(json_t *j, struct control_request *rq, char **cause)
{
	json_t *a = json_object_get(j, "vars"), *w;
	size_t i;

	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) % 3 != 0 ||
	    json_array_size(a) > CONTROL_WORDS_MAX) {
		xasprintf(cause, "\"vars\" must be an array of OID TYPE VALUE strings, at most %d",
		    CONTROL_WORDS_MAX);
		return -EINVAL;
	}
	rq->words = xcalloc(json_array_size(a), sizeof(*rq->words));
	json_array_foreach(a, i, w) {
		if (!json_is_string(w) || json_string_length(w) > CONTROL_WORD_MAX ||
		    strlen(json_string_value(w)) != json_string_length(w)) {
			xasprintf(cause, "\"vars\" holds strings of at most %d bytes, without NUL",
			    CONTROL_WORD_MAX);
			return -EINVAL;
		}
		rq->words[rq->nwords++] = xstrdup(json_string_value(w));
	}
	return 0;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "line_hex": a line that is not UTF-8 (a switch's Latin-1), byte for byte. */
static int
take_hex_line(json_t *j, struct control_request *rq, char **cause)
{
	char *hex = NULL;
	size_t n = 0;
	int r;

	if ((r = take_string(j, "line_hex", 2 * CONTROL_LINE_MAX, &hex, &n, cause)) < 0 ||
	    hex == NULL)
		return r;
	rq->line = xmalloc(n / 2 + 1);
	r = n % 2 == 0 ? 0 : -EINVAL;
	for (size_t i = 0; r == 0 && i < n; i += 2) {
		int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
		if (hi < 0 || lo < 0)
			r = -EINVAL;
		else
			rq->line[rq->line_len++] = (char)(hi << 4 | lo);
	}
	rq->line[rq->line_len] = '\0';
	free(hex);
	if (r < 0)
		xasprintf(cause, "\"line_hex\" must be pairs of hex digits");
	return r;
}

/* explain: a "line" (with an optional "listener"), or a "trap" and its "vars"; "from" for both. */
static int
parse_explain(json_t *j, struct control_request *rq, char **cause)
{
	int r;

	if ((r = take_string(j, "line", CONTROL_LINE_MAX, &rq->line, &rq->line_len, cause)) < 0 ||
	    (rq->line == NULL && (r = take_hex_line(j, rq, cause)) < 0) ||
	    (r = take_string(j, "listener", CONTROL_WORD_MAX, &rq->listener, NULL, cause)) < 0 ||
	    (r = take_string(j, "from", 64, &rq->from, NULL, cause)) < 0 ||
	    (r = take_string(j, "trap", CONTROL_WORD_MAX, &rq->trap, NULL, cause)) < 0 ||
	    (r = parse_words(j, rq, cause)) < 0 ||
	    (r = get_count(j, "event", INT64_MAX, &rq->event, cause)) < 0)
		return r;
	if ((rq->line != NULL) + (rq->trap != NULL) + (rq->event != 0) != 1) {
		xasprintf(cause, "explain needs one of a \"line\", a \"trap\" or an \"event\"");
		return -EINVAL;
	}
	if (rq->trap == NULL && rq->nwords > 0) {
		xasprintf(cause, "\"vars\" go with a \"trap\"");
		return -EINVAL;
	}
	return 0;
}

static int
parse_range(json_t *j, struct control_request *rq, char **cause)
{
	int64_t id;
	int r;

	if ((r = get_time(j, "since", &rq->since, cause)) < 0 ||
	    (r = get_time(j, "until", &rq->until, cause)) < 0 ||
	    (r = get_time(j, "before_at", &rq->before_at, cause)) < 0 ||
	    (r = get_time(j, "before_id", &id, cause)) < 0 ||
	    (r = get_bool(j, "tally", &rq->tally, cause)) < 0)
		return r;
	rq->before_id = (uint64_t)id;
	if (rq->until != 0 && rq->until < rq->since) {
		xasprintf(cause, "\"until\" is before \"since\"");
		return -EINVAL;
	}
	return 0;
}

/* A schedule's or contact's name, required or not, into *out. */
static int
take_name(json_t *j, const struct control_request *rq, const char *field, bool required,
    char **out, char **cause)
{
	int r = take_string(j, field, CONTROL_NAME_MAX, out, NULL, cause);

	if (r == 0 && required && *out == NULL) {
		xasprintf(cause, "%s needs a \"%s\"", verbs[rq->verb].name, field);
		return -EINVAL;
	}
	return r;
}

static int
parse_oncall(json_t *j, struct control_request *rq, char **cause)
{
	int r;

	if ((r = take_name(j, rq, "schedule", false, &rq->schedule, cause)) < 0 ||
	    (r = get_time(j, "at", &rq->at, cause)) < 0 || (r = get_time(j, "next", &rq->next,
	    cause)) < 0)
		return r;
	if (rq->next > SCHEDULE_HORIZON_MAX) {
		xasprintf(cause, "\"next\" is at most 90 days");
		return -EINVAL;
	}
	return 0;
}

static int
parse_override(json_t *j, struct control_request *rq, char **cause)
{
	int r;

	if ((r = take_name(j, rq, "schedule", true, &rq->schedule, cause)) < 0 ||
	    (r = take_name(j, rq, "contact", true, &rq->contact, cause)) < 0 ||
	    (r = get_seconds(j, "start", &rq->start, cause)) < 0 ||
	    (r = get_seconds(j, "end", &rq->end, cause)) < 0)
		return r;
	if (rq->end == 0) {
		xasprintf(cause, "override-add needs an \"end\"");
		return -EINVAL;
	}
	return 0;
}

/* page: "incident", the key of an open incident to add responders to; absent: open one. */
static int
parse_incident(json_t *j, struct control_request *rq, char **cause)
{
	json_t *v;
	int r;

	if ((r = get_string(j, "incident", CONTROL_KEY_MAX, &v, cause)) < 0 || v == NULL)
		return r;
	rq->key = xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

static int
parse_fields(json_t *j, struct control_request *rq, char **cause)
{
	unsigned f = verbs[rq->verb].fields;
	uint64_t limit;
	int r = 0;

	if (f & F_KEY)
		r = parse_key_note(j, rq, cause);
	if (r == 0 && (f & F_STATE))
		r = parse_state(j, rq, cause);
	if (r == 0 && (f & F_LIMIT) && (r = get_count(j, "limit", CONTROL_LIMIT_MAX, &limit,
	    cause)) == 0)
		rq->limit = (size_t)limit;
	if (r == 0 && (f & F_ID))
		r = parse_queue(j, rq, cause);
	if (r == 0 && (f & F_FORCE))
		r = get_bool(j, "force", &rq->force, cause);
	if (r == 0 && (f & F_UPSTREAM))
		r = parse_upstream(j, rq, cause);
	if (r == 0 && (f & F_SILENCE))
		r = parse_silence(j, rq, cause);
	if (r == 0 && (f & F_SILENCE_ID))
		r = parse_silence_id(j, rq, cause);
	if (r == 0 && (f & F_EXPLAIN))
		r = parse_explain(j, rq, cause);
	if (r == 0 && (f & F_TEXT))
		r = parse_text(j, rq, cause);
	if (r == 0 && (f & F_INCARNATION))
		r = get_count(j, "id", INT64_MAX, &rq->id, cause);
	if (r == 0 && (f & F_RANGE))
		r = parse_range(j, rq, cause);
	if (r == 0 && (f & F_ONCALL))
		r = parse_oncall(j, rq, cause);
	if (r == 0 && (f & F_OVERRIDE))
		r = parse_override(j, rq, cause);
	if (r == 0 && (f & F_TARGET))
		r = take_name(j, rq, "target", true, &rq->target, cause);
	if (r == 0 && (f & F_TARGET))
		r = parse_incident(j, rq, cause);
	return r;
}

int
control_request_parse(const char *buf, size_t len, struct control_request *rq, char **cause)
{
	char why[JSON_ERROR_TEXT_LENGTH];
	json_error_t err;
	json_t *j;
	int r;

	memset(rq, 0, sizeof(*rq));
	rq->state = CONTROL_STATE_ALL;
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL || !json_is_object(j)) {
		/* jansson quotes the offending input, which need not be UTF-8. */
		control_text_clean(err.text, j ? 0 : strnlen(err.text, sizeof(err.text)), why,
		    sizeof(why));
		xasprintf(cause, "request is not a JSON object%s%s", j ? "" : ": ", why);
		json_decref(j);
		return -EINVAL;
	}
	if ((r = parse_verb(j, rq, cause)) == 0)
		r = parse_fields(j, rq, cause);
	json_decref(j);
	if (r < 0) {
		control_request_clear(rq);
		rq->state = CONTROL_STATE_ALL;
	}
	return r;
}

void
control_request_clear(struct control_request *rq)
{
	if (rq == NULL)
		return;
	free(rq->key);
	free(rq->note);
	free(rq->text);
	free(rq->upstream);
	for (size_t i = 0; i < rq->nmatchers; i++)
		free(rq->matchers[i]);
	free(rq->matchers);
	free(rq->comment);
	free(rq->line);
	free(rq->listener);
	free(rq->from);
	free(rq->trap);
	for (size_t i = 0; i < rq->nwords; i++)
		free(rq->words[i]);
	free(rq->words);
	free(rq->schedule);
	free(rq->contact);
	free(rq->target);
	memset(rq, 0, sizeof(*rq));
}
