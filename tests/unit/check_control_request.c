/*
 * check_control_request.c - the control request parser: every verb and
 * field, the bounds, the errors a client sees, and the cleaning of client
 * text (cut between UTF-8 sequences, control characters replaced).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "control_request.h"
#include "incident.h"
#include "util.h"

/* Parse text, which must succeed; the caller clears rq. */
static void
parse_ok(const char *text, struct control_request *rq)
{
	char *cause = NULL;

	if (control_request_parse(text, strlen(text), rq, &cause) < 0)
		ck_abort_msg("'%s' failed: %s", text, cause);
}

/* Parse len bytes of text, which must fail with want in the message. */
static void
parse_fails_n(const char *text, size_t len, const char *want)
{
	struct control_request rq;
	char *cause = NULL;

	ck_assert_int_lt(control_request_parse(text, len, &rq, &cause), 0);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, want) != NULL, "'%s' not in '%s'", want, cause);
	ck_assert_ptr_null(rq.key);
	ck_assert_ptr_null(rq.note);
	free(cause);
}

static void
parse_fails(const char *text, const char *want)
{
	parse_fails_n(text, strlen(text), want);
}

START_TEST(test_verbs)
{
	static const struct {
		const char *name;
		enum control_verb verb;
		bool acting;
	} want[] = {
		{ "ack", CONTROL_ACK, true },
		{ "events", CONTROL_EVENTS, false },
		{ "explain", CONTROL_EXPLAIN, false },
		{ "incidents", CONTROL_INCIDENTS, false },
		{ "note", CONTROL_NOTE, true },
		{ "oncall", CONTROL_ONCALL, false },
		{ "override-add", CONTROL_OVERRIDE_ADD, true },
		{ "override-list", CONTROL_OVERRIDE_LIST, false },
		{ "override-remove", CONTROL_OVERRIDE_REMOVE, true },
		{ "page", CONTROL_PAGE, true },
		{ "queue", CONTROL_QUEUE, false },
		{ "queue-drop", CONTROL_QUEUE_DROP, true },
		{ "queue-retry", CONTROL_QUEUE_RETRY, true },
		{ "reload", CONTROL_RELOAD, true },
		{ "report", CONTROL_REPORT, false },
		{ "resolve", CONTROL_RESOLVE, true },
		{ "send-test", CONTROL_SEND_TEST, true },
		{ "show", CONTROL_SHOW, false },
		{ "silence-add", CONTROL_SILENCE_ADD, true },
		{ "silence-expire", CONTROL_SILENCE_EXPIRE, true },
		{ "silence-list", CONTROL_SILENCE_LIST, false },
		{ "status", CONTROL_STATUS, false },
	};
	struct control_request rq;
	char *line;

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		xasprintf(&line, "{\"command\":\"%s\",\"key\":\"k\",\"id\":3,\"upstream\":\"pd\","
				 "\"matchers\":[\"host=a\"],\"duration\":60,\"text\":\"t\",\"line\":\"x\","
				 "\"schedule\":\"s\",\"contact\":\"c\",\"target\":\"p\"%s}",
		    want[i].name, want[i].verb == CONTROL_OVERRIDE_ADD ? ",\"end\":1800000000" : "");
		parse_ok(line, &rq);
		ck_assert_int_eq(rq.verb, want[i].verb);
		ck_assert_str_eq(control_verb_name(rq.verb), want[i].name);
		ck_assert_int_eq(control_verb_acting(rq.verb), want[i].acting);
		control_request_clear(&rq);
		free(line);
	}
	ck_assert(control_verb_acting(CONTROL_NVERBS)); /* unknown: refuse */
}
END_TEST

START_TEST(test_fields)
{
	struct control_request rq;

	parse_ok("{\"command\":\"ack\",\"key\":\"web1/disk/sda\",\"who\":\"on it\"}", &rq);
	ck_assert_str_eq(rq.key, "web1/disk/sda");
	ck_assert_str_eq(rq.note, "on it");
	control_request_clear(&rq);
	ck_assert_ptr_null(rq.key);

	/* show takes no note; an empty note is none. */
	parse_ok("{\"command\":\"show\",\"key\":\"k\",\"who\":\"x\"}", &rq);
	ck_assert_ptr_null(rq.note);
	control_request_clear(&rq);
	parse_ok("{\"command\":\"resolve\",\"key\":\"k\",\"who\":\"\"}", &rq);
	ck_assert_ptr_null(rq.note);
	control_request_clear(&rq);

	parse_ok("{\"command\":\"incidents\"}", &rq);
	ck_assert_int_eq(rq.state, CONTROL_STATE_ALL);
	ck_assert_uint_eq(rq.limit, 0);
	parse_ok("{\"command\":\"incidents\",\"state\":\"open\",\"limit\":5}", &rq);
	ck_assert_int_eq(rq.state, CONTROL_STATE_OPEN);
	ck_assert_uint_eq(rq.limit, 5);
	parse_ok("{\"command\":\"incidents\",\"state\":\"acknowledged\",\"limit\":1000000}", &rq);
	ck_assert_int_eq(rq.state, INCIDENT_ACKNOWLEDGED);
	ck_assert_uint_eq(rq.limit, 1000000);

	parse_ok("{\"command\":\"queue-retry\",\"all\":true}", &rq);
	ck_assert(rq.all);
	ck_assert_uint_eq(rq.id, 0);
	parse_ok("{\"command\":\"queue-drop\",\"id\":9223372036854775807}", &rq);
	ck_assert_uint_eq(rq.id, 9223372036854775807ULL);
	ck_assert(!rq.all);
	ck_assert(!rq.force);
	parse_ok("{\"command\":\"queue-drop\",\"id\":1,\"force\":true}", &rq);
	ck_assert(rq.force);
	/* show names one incarnation by its id, or the newest. */
	parse_ok("{\"command\":\"show\",\"key\":\"k\",\"id\":12}", &rq);
	ck_assert_uint_eq(rq.id, 12);
	control_request_clear(&rq);
	parse_ok("{\"command\":\"show\",\"key\":\"k\"}", &rq);
	ck_assert_uint_eq(rq.id, 0);
	control_request_clear(&rq);
	parse_ok("{\"command\":\"note\",\"key\":\"k\",\"text\":\"swapped the optic\"}", &rq);
	ck_assert_str_eq(rq.text, "swapped the optic");
	control_request_clear(&rq);
	ck_assert_ptr_null(rq.text);
	/* report: a range, a page's cursor and whether to add the hourly counts. */
	parse_ok("{\"command\":\"report\",\"since\":1000,\"until\":2000,\"before_at\":1500,"
		 "\"before_id\":7,\"limit\":500,\"tally\":true}", &rq);
	ck_assert_int_eq(rq.since, 1000);
	ck_assert_int_eq(rq.until, 2000);
	ck_assert_int_eq(rq.before_at, 1500);
	ck_assert_uint_eq(rq.before_id, 7);
	ck_assert_uint_eq(rq.limit, 500);
	ck_assert(rq.tally);
	parse_ok("{\"command\":\"report\"}", &rq);
	ck_assert_int_eq(rq.since, 0);
	ck_assert_int_eq(rq.until, 0);
	ck_assert(!rq.tally);
	parse_ok("{\"command\":\"send-test\",\"upstream\":\"pd\"}", &rq);
	ck_assert_str_eq(rq.upstream, "pd");
	control_request_clear(&rq);
	ck_assert_ptr_null(rq.upstream);
	/* Fields a verb does not take are ignored, as are unknown ones. */
	parse_ok("{\"command\":\"status\",\"key\":5,\"limit\":\"x\",\"extra\":[1]}", &rq);
	ck_assert_ptr_null(rq.key);
	parse_ok(" {\"command\":\"status\"} \r", &rq);
}
END_TEST

START_TEST(test_silence)
{
	struct control_request rq;

	parse_ok("{\"command\":\"silence-add\",\"matchers\":[\"host~^db-\",\"severity=critical\"],"
		 "\"duration\":7200,\"comment\":\"disk\\u001b[31m swap\"}", &rq);
	ck_assert_uint_eq(rq.nmatchers, 2);
	ck_assert_str_eq(rq.matchers[0], "host~^db-");
	ck_assert_str_eq(rq.comment, "disk#033[31m swap");
	ck_assert_int_eq(rq.duration, 7200);
	ck_assert_int_eq(rq.start, 0);
	control_request_clear(&rq);
	ck_assert_ptr_null(rq.matchers);
	parse_ok("{\"command\":\"silence-add\",\"matchers\":[\"host=\\u0007\"],\"start\":1800000000,"
		 "\"end\":1800003600}", &rq);
	ck_assert_str_eq(rq.matchers[0], "host=#007");
	ck_assert_int_eq(rq.start, 1800000000);
	ck_assert_int_eq(rq.end, 1800003600);
	ck_assert_ptr_null(rq.comment);
	control_request_clear(&rq);
	parse_ok("{\"command\":\"silence-expire\",\"id\":12}", &rq);
	ck_assert_uint_eq(rq.id, 12);

	parse_fails("{\"command\":\"silence-add\",\"duration\":60}", "needs \"matchers\": 1 to 16");
	parse_fails("{\"command\":\"silence-add\",\"matchers\":[],\"duration\":60}", "1 to 16");
	parse_fails("{\"command\":\"silence-add\",\"matchers\":[\"a=1\",\"a=1\",\"a=1\",\"a=1\","
		    "\"a=1\",\"a=1\",\"a=1\",\"a=1\",\"a=1\",\"a=1\",\"a=1\",\"a=1\",\"a=1\",\"a=1\","
		    "\"a=1\",\"a=1\",\"a=1\"],\"duration\":60}", "1 to 16 strings");
	parse_fails("{\"command\":\"silence-add\",\"matchers\":[5],\"duration\":60}",
	    "each matcher must be a string");
	parse_fails("{\"command\":\"silence-add\",\"matchers\":[\"a=1\"]}",
	    "either a \"duration\" or an \"end\"");
	parse_fails("{\"command\":\"silence-add\",\"matchers\":[\"a=1\"],\"duration\":1,\"end\":5}",
	    "either a \"duration\" or an \"end\"");
	parse_fails("{\"command\":\"silence-add\",\"matchers\":[\"a=1\"],\"duration\":-1}",
	    "\"duration\" must be an integer");
	parse_fails("{\"command\":\"silence-add\",\"matchers\":[\"a=1\"],\"duration\":1,"
		    "\"comment\":3}", "\"comment\" must be a string");
	parse_fails("{\"command\":\"silence-expire\"}", "silence-expire needs an \"id\"");
}
END_TEST

/* oncall and the overrides: names bounded, times, the rota's length. */
START_TEST(test_oncall)
{
	struct control_request rq;

	parse_ok("{\"command\":\"oncall\"}", &rq);
	ck_assert_ptr_null(rq.schedule);
	ck_assert_int_eq(rq.at, 0);
	ck_assert_int_eq(rq.next, 0);
	control_request_clear(&rq);
	parse_ok("{\"command\":\"oncall\",\"schedule\":\"ops\",\"at\":1800000000000000,"
		 "\"next\":7776000000000}", &rq);
	ck_assert_str_eq(rq.schedule, "ops");
	ck_assert_int_eq(rq.at, 1800000000000000LL);
	ck_assert_int_eq(rq.next, 90 * 86400 * USEC_PER_SEC);
	control_request_clear(&rq);
	parse_fails("{\"command\":\"oncall\",\"next\":7776000000001}", "\"next\" is at most 90 days");
	parse_fails("{\"command\":\"oncall\",\"at\":-1}", "\"at\" must be an integer");
	parse_fails("{\"command\":\"oncall\",\"schedule\":\"\"}", "\"schedule\" must be a string of "
	    "1 to 64 bytes");
	parse_ok("{\"command\":\"override-add\",\"schedule\":\"ops\",\"contact\":\"carol\","
		 "\"end\":1800000000}", &rq);
	ck_assert_str_eq(rq.contact, "carol");
	ck_assert_int_eq(rq.start, 0);
	ck_assert_int_eq(rq.end, 1800000000);
	control_request_clear(&rq);
	parse_fails("{\"command\":\"override-add\",\"schedule\":\"ops\",\"end\":1}",
	    "override-add needs a \"contact\"");
	parse_fails("{\"command\":\"override-add\",\"contact\":\"c\",\"end\":1}",
	    "override-add needs a \"schedule\"");
	parse_fails("{\"command\":\"override-add\",\"schedule\":\"ops\",\"contact\":\"c\"}",
	    "override-add needs an \"end\"");
	parse_fails("{\"command\":\"override-add\",\"schedule\":\"ops\",\"contact\":"
		    "\"01234567890123456789012345678901234567890123456789012345678901234\",\"end\":1}",
	    "\"contact\" must be a string of 1 to 64 bytes");
	parse_ok("{\"command\":\"override-remove\",\"id\":4}", &rq);
	ck_assert_uint_eq(rq.id, 4);
	control_request_clear(&rq);
	parse_fails("{\"command\":\"override-remove\"}", "override-remove needs an \"id\"");
	parse_ok("{\"command\":\"page\",\"target\":\"ops\",\"text\":\"db1 \\u001b on fire\"}", &rq);
	ck_assert_str_eq(rq.target, "ops");
	ck_assert_str_eq(rq.text, "db1 #033 on fire");
	control_request_clear(&rq);
	parse_fails("{\"command\":\"page\",\"text\":\"x\"}", "page needs a \"target\"");
	parse_fails("{\"command\":\"page\",\"target\":\"ops\"}", "page needs a \"text\"");
}
END_TEST

/* explain: a line (as text, or its bytes in hex), or a trap with OID TYPE VALUE words. */
START_TEST(test_explain)
{
	static const char nul[] = "{\"command\":\"explain\",\"line_hex\":\"610062\"}";
	struct control_request rq;

	parse_ok("{\"command\":\"explain\",\"line\":\"<13>x\",\"listener\":\"l\",\"from\":\"::1\"}",
	    &rq);
	ck_assert_str_eq(rq.line, "<13>x");
	ck_assert_uint_eq(rq.line_len, 5);
	ck_assert_str_eq(rq.listener, "l");
	ck_assert_str_eq(rq.from, "::1");
	control_request_clear(&rq);
	parse_ok(nul, &rq);
	ck_assert_uint_eq(rq.line_len, 3);
	ck_assert_int_eq(memcmp(rq.line, "a\0b", 3), 0);
	control_request_clear(&rq);
	parse_ok("{\"command\":\"explain\",\"line_hex\":\"3c31333e6361E9\"}", &rq);
	ck_assert_uint_eq(rq.line_len, 7);
	ck_assert_int_eq(memcmp(rq.line, "<13>ca\xe9", 7), 0);
	control_request_clear(&rq);
	parse_ok("{\"command\":\"explain\",\"trap\":\"IF-MIB::linkDown\","
		 "\"vars\":[\"IF-MIB::ifIndex.3\",\"i\",\"3\"]}", &rq);
	ck_assert_str_eq(rq.trap, "IF-MIB::linkDown");
	ck_assert_uint_eq(rq.nwords, 3);
	ck_assert_str_eq(rq.words[2], "3");
	control_request_clear(&rq);
	ck_assert_ptr_null(rq.words);

	parse_ok("{\"command\":\"explain\",\"event\":42}", &rq);
	ck_assert_uint_eq(rq.event, 42);
	parse_fails("{\"command\":\"explain\"}", "explain needs one of a \"line\", a \"trap\"");
	parse_fails("{\"command\":\"explain\",\"line\":\"x\",\"trap\":\"1.3\"}", "needs one of");
	parse_fails("{\"command\":\"explain\",\"line\":\"x\",\"event\":3}", "needs one of");
	parse_fails("{\"command\":\"explain\",\"event\":0}", "\"event\" must be an integer");
	parse_fails("{\"command\":\"explain\",\"line\":\"x\",\"vars\":[\"a\",\"b\",\"c\"]}",
	    "\"vars\" go with a \"trap\"");
	parse_fails("{\"command\":\"explain\",\"trap\":\"1.3\",\"vars\":[\"a\",\"b\"]}",
	    "OID TYPE VALUE");
	parse_fails("{\"command\":\"explain\",\"trap\":\"1.3\",\"vars\":[\"a\",\"b\",3]}",
	    "without NUL");
	parse_fails("{\"command\":\"explain\",\"line_hex\":\"3c3\"}", "pairs of hex digits");
	parse_fails("{\"command\":\"explain\",\"line_hex\":\"zz\"}", "pairs of hex digits");
}
END_TEST

START_TEST(test_errors)
{
	parse_fails("", "request is not a JSON object: ");
	parse_fails("[]", "request is not a JSON object");
	parse_fails("\"status\"", "request is not a JSON object");
	parse_fails("{\"command\":\"status\"", "request is not a JSON object: ");
	parse_fails_n("{\"command\":\"status\"}\0", 21, "request is not a JSON object");
	parse_fails("{}", "request has no \"command\" string");
	parse_fails("{\"command\":7}", "request has no \"command\" string");
	parse_fails("{\"command\":\"a\",\"command\":\"b\"}", "duplicate object key");
	parse_fails("{\"command\":\"bogus\"}", "unknown command: bogus");
	parse_fails("{\"command\":\"ACK\"}", "unknown command: ACK");
	parse_fails("{\"command\":\"ack\"}", "ack needs a \"key\"");
	parse_fails("{\"command\":\"show\",\"key\":\"\"}", "\"key\" must be a string of 1 to 4096");
	parse_fails("{\"command\":\"show\",\"key\":null}", "\"key\" must be a string");
	parse_fails("{\"command\":\"ack\",\"key\":\"k\",\"who\":1}", "\"who\" must be a string");
	parse_fails("{\"command\":\"incidents\",\"state\":\"sleeping\"}", "unknown state; use pending, triggered, acknowledged, suppressed, flapping, "
	    "grouped, resolved, expired, transient, open or all");
	parse_fails("{\"command\":\"incidents\",\"state\":3}", "\"state\" must be a string");
	parse_fails("{\"command\":\"incidents\",\"limit\":0}",
	    "\"limit\" must be an integer from 1 to 1000000");
	parse_fails("{\"command\":\"incidents\",\"limit\":1000001}", "\"limit\" must be");
	parse_fails("{\"command\":\"incidents\",\"limit\":2.0}", "\"limit\" must be");
	parse_fails("{\"command\":\"incidents\",\"limit\":-1}", "\"limit\" must be");
	parse_fails("{\"command\":\"queue-drop\"}", "queue drop needs an id");
	parse_fails("{\"command\":\"queue-drop\",\"all\":true}", "queue drop needs an id");
	parse_fails("{\"command\":\"queue-retry\"}", "queue retry needs an id or all");
	parse_fails("{\"command\":\"queue-retry\",\"all\":false}", "queue retry needs an id or all");
	parse_fails("{\"command\":\"queue-retry\",\"all\":1}", "\"all\" must be true or false");
	parse_fails("{\"command\":\"queue-retry\",\"id\":0}", "\"id\" must be an integer from 1");
	parse_fails("{\"command\":\"queue-retry\",\"id\":\"1\"}", "\"id\" must be an integer");
	parse_fails("{\"command\":\"queue-drop\",\"id\":1,\"force\":1}",
	    "\"force\" must be true or false");
	parse_fails("{\"command\":\"send-test\"}", "send-test needs an \"upstream\"");
	parse_fails("{\"command\":\"note\",\"key\":\"k\"}", "note needs a \"text\"");
	parse_fails("{\"command\":\"report\",\"since\":-1}", "\"since\" must be an integer from 0");
	parse_fails("{\"command\":\"report\",\"until\":\"now\"}", "\"until\" must be an integer");
	parse_fails("{\"command\":\"report\",\"since\":5,\"until\":4}",
	    "\"until\" is before \"since\"");
	parse_fails("{\"command\":\"report\",\"before_id\":1.5}", "\"before_id\" must be");
	parse_fails("{\"command\":\"report\",\"tally\":1}", "\"tally\" must be true or false");
	parse_fails("{\"command\":\"note\",\"text\":\"t\"}", "note needs a \"key\"");
	parse_fails("{\"command\":\"note\",\"key\":\"k\",\"text\":\"\"}",
	    "\"text\" must be a string of 1 to 900 bytes");
	parse_fails("{\"command\":\"show\",\"key\":\"k\",\"id\":0}", "\"id\" must be an integer");
	parse_fails("{\"command\":\"send-test\",\"upstream\":\"\"}",
	    "\"upstream\" must be a string of 1 to 127 bytes");
}
END_TEST

/* Messages quote client bytes only cleaned: a reply must stay valid UTF-8. */
START_TEST(test_error_messages_are_clean)
{
	struct control_request rq;
	char *cause = NULL;
	char line[512];

	/* An unknown command is echoed cut at 64 bytes, between sequences. */
	strlcpy_t(line, "{\"command\":\"", sizeof(line));
	for (int i = 0; i < 40; i++)
		strcat(line, "\xc3\xa9"); /* é: 80 bytes */
	strcat(line, "\\u0007\"}");
	ck_assert_int_lt(control_request_parse(line, strlen(line), &rq, &cause), 0);
	ck_assert_uint_eq(strlen(cause), strlen("unknown command: ") + 64);
	ck_assert_mem_eq(cause + strlen(cause) - 2, "\xc3\xa9", 2);
	free(cause);

	/* jansson quotes the bad byte itself; the message must not. */
	ck_assert_int_lt(control_request_parse("{\"a\xff\":1}", 8, &rq, &cause), 0);
	ck_assert_ptr_null(strchr(cause, '\xff'));
	free(cause);
	ck_assert_int_lt(control_request_parse("\xfe\xff", 2, &rq, &cause), 0);
	for (const char *p = cause; *p; p++)
		ck_assert_int_lt((unsigned char)*p, 0x80);
	free(cause);
}
END_TEST

START_TEST(test_key_bounds)
{
	size_t n = CONTROL_KEY_MAX + 1;
	char *line = xmalloc(n + 64), *k = xmalloc(n + 1);
	struct control_request rq;
	char *cause = NULL;

	memset(k, 'k', n);
	k[n] = '\0';
	snprintf(line, n + 64, "{\"command\":\"show\",\"key\":\"%s\"}", k);
	ck_assert_int_eq(control_request_parse(line, strlen(line), &rq, &cause), -EMSGSIZE);
	ck_assert_str_eq(cause, "\"key\" must be a string of 1 to 4096 bytes");
	free(cause);
	k[CONTROL_KEY_MAX] = '\0';
	snprintf(line, n + 64, "{\"command\":\"show\",\"key\":\"%s\"}", k);
	parse_ok(line, &rq);
	ck_assert_uint_eq(strlen(rq.key), CONTROL_KEY_MAX);
	control_request_clear(&rq);
	free(line);
	free(k);
}
END_TEST

/* A note is cut at 200 bytes without splitting a sequence and cleaned. */
START_TEST(test_note)
{
	struct control_request rq;
	char line[2048], note[1024] = "";

	for (int i = 0; i < 67; i++)
		strcat(note, "\xe2\x82\xac"); /* €: 201 bytes */
	snprintf(line, sizeof(line), "{\"command\":\"ack\",\"key\":\"k\",\"who\":\"%s\"}", note);
	parse_ok(line, &rq);
	ck_assert_uint_eq(strlen(rq.note), 198);
	ck_assert_mem_eq(rq.note + 195, "\xe2\x82\xac", 3);
	control_request_clear(&rq);

	parse_ok("{\"command\":\"ack\",\"key\":\"k\",\"who\":\"a\\nb\\u001b[2Jc\\u0085d\\u202ee\"}",
	    &rq);
	ck_assert_str_eq(rq.note, "a#012b#033[2Jc#205d\xe2\x80\xae" "e");
	control_request_clear(&rq);
}
END_TEST

/* A note's text is refused over 900 bytes, not cut; what it holds is cleaned. */
START_TEST(test_note_text)
{
	char line[4096], text[2048];
	struct control_request rq;
	char *cause = NULL;

	memset(text, 'x', CONTROL_TEXT_MAX + 1);
	text[CONTROL_TEXT_MAX + 1] = '\0';
	snprintf(line, sizeof(line), "{\"command\":\"note\",\"key\":\"k\",\"text\":\"%s\"}", text);
	ck_assert_int_eq(control_request_parse(line, strlen(line), &rq, &cause), -EMSGSIZE);
	ck_assert_ptr_null(rq.text);
	free(cause);
	text[CONTROL_TEXT_MAX] = '\0';
	snprintf(line, sizeof(line), "{\"command\":\"note\",\"key\":\"k\",\"text\":\"%s\"}", text);
	parse_ok(line, &rq);
	ck_assert_uint_eq(strlen(rq.text), CONTROL_TEXT_MAX);
	control_request_clear(&rq);
	/* Escaped for a terminal; text that escaping grows past the bound is cut. */
	parse_ok("{\"command\":\"note\",\"key\":\"k\",\"text\":\"a\\u001b[31mb\\u009b\\n\"}", &rq);
	ck_assert_str_eq(rq.text, "a#033[31mb#233#012");
	control_request_clear(&rq);
	memset(text, 0, sizeof(text));
	for (int i = 0; i < 300; i++)
		strcat(text, "\\u0007");
	snprintf(line, sizeof(line), "{\"command\":\"note\",\"key\":\"k\",\"text\":\"%s\"}", text);
	parse_ok(line, &rq);
	ck_assert_uint_eq(strlen(rq.text), CONTROL_TEXT_MAX);
	control_request_clear(&rq);
}
END_TEST

START_TEST(test_text_clean)
{
	char out[32];

	ck_assert_uint_eq(control_text_clean("plain", 5, out, sizeof(out)), 5);
	ck_assert_str_eq(out, "plain");
	/* Invalid UTF-8 as at ingest: one U+FFFD per maximal ill-formed part. */
	control_text_clean("\x80" "a\xc0\xaf", 4, out, sizeof(out));
	ck_assert_str_eq(out, "\xef\xbf\xbd" "a\xef\xbf\xbd\xef\xbf\xbd");
	control_text_clean("x\xe2\x82", 3, out, sizeof(out));
	ck_assert_str_eq(out, "x\xef\xbf\xbd");
	control_text_clean("\xf0\x9f\x98\x80!", 5, out, sizeof(out));
	ck_assert_str_eq(out, "\xf0\x9f\x98\x80!");
	/* NUL, DEL and TAB are escaped; U+00A0 stays. */
	control_text_clean("a\0b\x7f\t\xc2\xa0", 7, out, sizeof(out));
	ck_assert_str_eq(out, "a#000b#177#011\xc2\xa0");
	/* The cut falls before a character, or an escape, that does not fit. */
	ck_assert_uint_eq(control_text_clean("abc\xe2\x82\xac", 6, out, 6), 3);
	ck_assert_str_eq(out, "abc");
	ck_assert_uint_eq(control_text_clean("abc", 3, out, 1), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

static Suite *
control_request_suite(void)
{
	Suite *s = suite_create("control_request");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_verbs);
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_silence);
	tcase_add_test(tc, test_explain);
	tcase_add_test(tc, test_oncall);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_error_messages_are_clean);
	tcase_add_test(tc, test_key_bounds);
	tcase_add_test(tc, test_note);
	tcase_add_test(tc, test_note_text);
	tcase_add_test(tc, test_text_clean);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(control_request_suite());
}
