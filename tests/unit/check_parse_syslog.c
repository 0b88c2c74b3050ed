/*
 * check_parse_syslog.c - tests for parse_syslog(): hand-made RFC 3164 and
 * RFC 5424 cases (with the RFC's own examples), malformed input, year and
 * zone handling, field limits and scratch exhaustion.  The golden files
 * (loghub, each writer's format, rsyslog's vectors) are check_parse_golden.c's.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "parse_syslog.h"

#define NOW 1718452800000000LL /* 2024-06-15T12:00:00Z */
#define FALLBACK "192.0.2.1" /* what the input set as host before parsing */

#define F_BAD EVENT_MALFORMED
#define F_5424 EVENT_RFC5424
#define F_NOPRI EVENT_NO_PRI
#define F_NOTIME EVENT_NO_TIME
#define F_BADSD (EVENT_RFC5424 | EVENT_NO_TIME | EVENT_BAD_SD)

#define NUM40 "0123456789012345678901234567890123456789"

struct field {
	const char *name;
	const char *value;
};

struct pcase {
	const char *what;
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *host, *program, *pid, *msgid, *sd, *message;
	int facility, severity;
	unsigned flags;
	int64_t ts;
	int tz;
	struct field fields[5];
	int64_t now; /* 0: NOW */
	int32_t local_off; /* ctx->local_tz_offset_sec */
};

/* The RFC 5424 examples of section 6.5, and more. */
static const struct pcase rfc5424_cases[] = {
	{ "rfc 6.5 example 1",
	    "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
	    "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8",
	    0, "mymachine.example.com", "su", "", "ID47", "",
	    "'su root' failed for lonvick on /dev/pts/8", 4, 2, F_5424, 1065910455003000, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "rfc 6.5 example 2",
	    "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - "
	    "%% It's time to make the do-nuts.",
	    0, "192.0.2.1", "myproc", "8710", "", "", "%% It's time to make the do-nuts.", 20, 5,
	    F_5424, 1061727255000003, -420, { { NULL, NULL } }, 0, 0 },
	{ "rfc 6.5 example 3",
	    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
	    "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
	    "\xEF\xBB\xBF"
	    "An application event log entry...",
	    0, "mymachine.example.com", "evntslog", "", "ID47",
	    "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]",
	    "An application event log entry...", 20, 5, F_5424, 1065910455003000, 0,
	    { { "sd.exampleSDID@32473.iut", "3" },
	        { "sd.exampleSDID@32473.eventSource", "Application" },
	        { "sd.exampleSDID@32473.eventID", "1011" } },
	    0, 0 },
	{ "rfc 6.5 example 4",
	    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
	    "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
	    "[examplePriority@32473 class=\"high\"]",
	    0, "mymachine.example.com", "evntslog", "", "ID47",
	    "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
	    "[examplePriority@32473 class=\"high\"]",
	    "", 20, 5, F_5424, 1065910455003000, 0,
	    { { "sd.exampleSDID@32473.iut", "3" },
	        { "sd.exampleSDID@32473.eventSource", "Application" },
	        { "sd.exampleSDID@32473.eventID", "1011" },
	        { "sd.examplePriority@32473.class", "high" } },
	    0, 0 },
	{ "rfc 3339 example, Z", "<14>1 1985-04-12T23:20:50.52Z h a - - - x", 0, "h", "a", "", "",
	    "", "x", 1, 6, F_5424, 482196050520000, 0, { { NULL, NULL } }, 0, 0 },
	{ "rfc 3339 example, -04:00", "<14>1 1985-04-12T19:20:50.52-04:00 h a - - - x", 0, "h", "a",
	    "", "", "", "x", 1, 6, F_5424, 482196050520000, -240, { { NULL, NULL } }, 0, 0 },
	{ "+05:30, six fraction digits", "<14>1 2024-01-02T03:04:05.123456+05:30 h a p m - x", 0,
	    "h", "a", "p", "m", "", "x", 1, 6, F_5424, 1704144845123456, 330, { { NULL, NULL } }, 0,
	    0 },
	{ "nine fraction digits are truncated", "<14>1 2024-01-02T03:04:05.123456789Z h a - - - x",
	    0, "h", "a", "", "", "", "x", 1, 6, F_5424, 1704164645123456, 0, { { NULL, NULL } }, 0,
	    0 },
	{ "lower-case t and z", "<14>1 2024-01-02t03:04:05.123456z h a - - - x", 0, "h", "a", "",
	    "", "", "x", 1, 6, F_5424, 1704164645123456, 0, { { NULL, NULL } }, 0, 0 },
	{ "leap second", "<14>1 2016-12-31T23:59:60Z h a - - - x", 0, "h", "a", "", "", "", "x", 1,
	    6, F_5424, 1483228800000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "all NILVALUE", "<14>1 - - - - - -", 0, FALLBACK, "", "", "", "", "", 1, 6,
	    F_5424 | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "NILVALUE sd and a message", "<14>1 - - - - - - hello", 0, FALLBACK, "", "", "", "",
	    "hello", 1, 6, F_5424 | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "sd escapes", "<13>1 - h a - - [x@1 q=\"a\\\"b\" b=\"c\\\\d\" r=\"e\\]f\" o=\"g\\nh\"] m",
	    0, "h", "a", "", "", "[x@1 q=\"a\\\"b\" b=\"c\\\\d\" r=\"e\\]f\" o=\"g\\nh\"]", "m", 1,
	    5, F_5424 | F_NOTIME, NOW, 0,
	    { { "sd.x@1.q", "a\"b" }, { "sd.x@1.b", "c\\d" }, { "sd.x@1.r", "e]f" },
	        { "sd.x@1.o", "g\\nh" } },
	    0, 0 },
	{ "unescaped ] inside a value", "<13>1 - h a - - [x a=\"1]2\"] m", 0, "h", "a", "", "",
	    "[x a=\"1]2\"]", "m", 1, 5, F_5424 | F_NOTIME, NOW, 0, { { "sd.x.a", "1]2" } }, 0, 0 },
	{ "empty value, element without params", "<13>1 - h a - - [x a=\"\"][y] m", 0, "h", "a", "",
	    "", "[x a=\"\"][y]", "m", 1, 5, F_5424 | F_NOTIME, NOW, 0, { { "sd.x.a", "" } }, 0, 0 },
	{ "escaped backslash before closing quote", "<13>1 - h a - - [x a=\"\\\\\"] m", 0, "h", "a",
	    "", "", "[x a=\"\\\\\"]", "m", 1, 5, F_5424 | F_NOTIME, NOW, 0, { { "sd.x.a", "\\" } },
	    0, 0 },
	{ "BOM only", "<13>1 - h a - - - \xEF\xBB\xBF", 0, "h", "a", "", "", "", "", 1, 5,
	    F_5424 | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "half a BOM stays", "<13>1 - h a - - - \xEF\xBB", 0, "h", "a", "", "", "", "\xEF\xBB", 1,
	    5, F_5424 | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "message spaces kept", "<13>1 - h a - - -   x  ", 0, "h", "a", "", "", "", "  x  ", 1, 5,
	    F_5424 | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "5424 sd not closed: header kept", "<11>1 - h a p m [x a=\"1\"", 0, "h", "a", "p", "m",
	    "", "[x a=\"1\"", 1, 3, F_BADSD, NOW, 0, { { "malformed", "structured-data" } }, 0, 0 },
	{ "5424 value not terminated: header kept", "<11>1 - h a p m [x a=\"1] m", 0, "h", "a", "p",
	    "m", "", "[x a=\"1] m", 1, 3, F_BADSD, NOW, 0, { { "malformed", "structured-data" } },
	    0, 0 },
	{ "5424 sd glued to msg: header kept", "<11>1 - h a p m [x a=\"1\"]msg", 0, "h", "a", "p",
	    "m", "", "[x a=\"1\"]msg", 1, 3, F_BADSD, NOW, 0,
	    { { "malformed", "structured-data" } }, 0, 0 },
	{ "5424 value not quoted: header kept", "<11>1 - h a p m [x a=1] m", 0, "h", "a", "p", "m",
	    "", "[x a=1] m", 1, 3, F_BADSD, NOW, 0, { { "malformed", "structured-data" } }, 0, 0 },
	{ "5424 sd is a word: header kept", "<11>1 - h a p m x", 0, "h", "a", "p", "m", "", "x", 1,
	    3, F_BADSD, NOW, 0, { { "malformed", "structured-data" } }, 0, 0 },
	{ "5424 nil sd glued: header kept", "<11>1 - h a p m -x", 0, "h", "a", "p", "m", "", "-x",
	    1, 3, F_BADSD, NOW, 0, { { "malformed", "structured-data" } }, 0, 0 },
	{ "5424 empty element: header kept", "<11>1 - h a p m [] m", 0, "h", "a", "p", "m", "",
	    "[] m", 1, 3, F_BADSD, NOW, 0, { { "malformed", "structured-data" } }, 0, 0 },
	{ "5424 space before ]: header kept", "<11>1 - h a p m [x ] m", 0, "h", "a", "p", "m", "",
	    "[x ] m", 1, 3, F_BADSD, NOW, 0, { { "malformed", "structured-data" } }, 0, 0 },
	{ "5424 backslash at the end: header kept", "<11>1 - h a p m [x a=\"\\", 0, "h", "a", "p",
	    "m", "", "[x a=\"\\", 1, 3, F_BADSD, NOW, 0, { { "malformed", "structured-data" } }, 0,
	    0 },
	{ "5424 malformed with CRLF: header kept", "<11>1 - h a p m [\r\n", 0, "h", "a", "p", "m",
	    "", "[", 1, 3, F_BADSD, NOW, 0, { { "malformed", "structured-data" } }, 0, 0 },
};

static const struct pcase rfc3164_cases[] = {
	{ "loghub line with PRI",
	    "<38>Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; "
	    "rhost=218.188.2.4 ",
	    0, "combo", "sshd(pam_unix)", "19939", "", "",
	    "authentication failure; rhost=218.188.2.4 ", 4, 6, 0, 1718378161000000, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "no hostname", "<13>Jun 14 15:16:01 sshd[123]: msg", 0, FALLBACK, "sshd", "123", "", "",
	    "msg", 1, 5, 0, 1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "logger to the local socket", "<13>sshd: msg", 0, FALLBACK, "sshd", "", "", "", "msg", 1,
	    5, F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "day padded with a space", "<13>Jun  4 01:02:03 host prog: m", 0, "host", "prog", "", "",
	    "", "m", 1, 5, 0, 1717462923000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "day after a single space", "<13>Jun 4 01:02:03 host prog: m", 0, "host", "prog", "", "",
	    "", "m", 1, 5, 0, 1717462923000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "day padded with a zero", "<13>Jun 04 01:02:03 host prog: m", 0, "host", "prog", "", "",
	    "", "m", 1, 5, 0, 1717462923000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "upper-case month", "<13>JUN 14 15:16:01 h p: m", 0, "h", "p", "", "", "", "m", 1, 5, 0,
	    1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "Feb 29 without a year", "<13>Feb 29 12:00:00 h p: m", 0, "h", "p", "", "", "", "m", 1, 5,
	    0, 1709208000000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "no PRI, kernel", "Jun 14 15:16:01 combo kernel: Linux version 2.6", 0, "combo", "kernel",
	    "", "", "", "Linux version 2.6", 1, 5, F_NOPRI, 1718378161000000, 0, { { NULL, NULL } },
	    0, 0 },
	{ "cisco", "<189>123: *Mar  1 18:48:50.483 UTC: %SYS-5-CONFIG_I: Configured from console",
	    0, FALLBACK, "%SYS-5-CONFIG_I", "", "SYS-5-CONFIG_I", "", "Configured from console", 23,
	    5, 0, 1709318930483000, 0, { { "seq", "123" } }, 0, 0 },
	{ "cisco with a year",
	    "<187>45: Mar  1 2023 18:48:50.483 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed", 0,
	    FALLBACK, "%LINK-3-UPDOWN", "", "LINK-3-UPDOWN", "", "Interface Gi0/1, changed", 23, 3,
	    0, 1677696530483000, 0, { { "seq", "45" } }, 0, 0 },
	{ "cisco '.', a zone name that is not UTC",
	    "<190>7: .Jun 14 10:00:00.001 CET: %SEC-6-IPACCESSLOGP: list 101 denied", 0, FALLBACK,
	    "%SEC-6-IPACCESSLOGP", "", "SEC-6-IPACCESSLOGP", "", "list 101 denied", 23, 6, 0,
	    1718359200001000, 0, { { "seq", "7" } }, 0, 0 },
	{ "cisco without seq or zone", "<189>Mar  1 18:48:50: %SYS-5-RESTART: System restarted", 0,
	    FALLBACK, "%SYS-5-RESTART", "", "SYS-5-RESTART", "", "System restarted", 23, 5, 0,
	    1709318930000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "cisco seq without time", "<189>9: %SYS-5-X: y", 0, FALLBACK, "%SYS-5-X", "", "SYS-5-X",
	    "", "y", 23, 5, F_NOTIME, NOW, 0, { { "seq", "9" } }, 0, 0 },
	{ "'%' tag without a dash is no msgid", "<13>%foo: bar", 0, FALLBACK, "%foo", "", "", "",
	    "bar", 1, 5, F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "cisco origin", "<189>5: sw1: *Mar  1 18:48:50.483: %SYS-5-X: y", 0, "sw1", "%SYS-5-X",
	    "", "SYS-5-X", "", "y", 23, 5, 0, 1709318930483000, 0, { { "seq", "5" } }, 0, 0 },
	{ "cisco relayed: host, then the device's counter and time",
	    "<189>Jun 14 15:16:01 router 7: Mar  1 18:48:50: %SYS-5-X: y", 0, "router", "%SYS-5-X",
	    "", "SYS-5-X", "", "y", 23, 5, 0, 1709318930000000, 0, { { "seq", "7" } }, 0, 0 },
	{ "cisco ASA device-id", "<166>Jun 14 2024 15:16:01 asa1 : %ASA-6-302013: Built", 0, "asa1",
	    "%ASA-6-302013", "", "ASA-6-302013", "", "Built", 20, 6, 0, 1718378161000000, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "no hostname, glibc syslog()", "<13>Jun 14 15:16:01 sshd: one", 0, FALLBACK, "sshd", "",
	    "", "", "one", 1, 5, 0, 1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "no hostname, upper-case tag is no zone name", "<78>Jun 14 15:16:01 CRON: (root) CMD x",
	    0, FALLBACK, "CRON", "", "", "", "(root) CMD x", 9, 6, 0, 1718378161000000, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "no hostname, tag with pid", "<13>Jun 14 15:16:01 sshd(pam_unix)[3]: x", 0, FALLBACK,
	    "sshd(pam_unix)", "3", "", "", "x", 1, 5, 0, 1718378161000000, 0, { { NULL, NULL } }, 0,
	    0 },
	{ "space before the timestamp", "<167> Mar  7 19:06:53 example tag: m", 0, "example", "tag",
	    "", "", "", "m", 20, 7, 0, 1709838413000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "space before no timestamp stays", "<13>  x", 0, FALLBACK, "", "", "", "", "  x", 1, 5,
	    F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "year and a colon after the time", "<167>Mar 7 2008 19:06:53: example tag: m", 0,
	    "example", "tag", "", "", "", "m", 20, 7, 0, 1204916813000000, 0, { { NULL, NULL } }, 0,
	    0 },
	{ "colon after the time", "<167>Mar 7 19:06:53: example tag: m", 0, "example", "tag", "",
	    "", "", "m", 20, 7, 0, 1709838413000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "40 digits are a tag, not a counter", "<38>Mar 27 19:06:53 h " NUM40 ": m", 0, "h", NUM40,
	    "", "", "", "m", 4, 6, 0, 1711566413000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "bare word at the end after a host is the tag", "<14>Jun 14 15:16:01 X4711 AAAA", 0,
	    "X4711", "AAAA", "", "", "", "", 1, 6, 0, 1718378161000000, 0, { { NULL, NULL } }, 0,
	    0 },
	{ "ISO timestamp", "<13>2024-01-02T03:04:05.5+01:00 host prog[1]: m", 0, "host", "prog",
	    "1", "", "", "m", 1, 5, 0, 1704161045500000, 60, { { NULL, NULL } }, 0, 0 },
	{ "rsyslog file format", "2024-01-02T03:04:05.123456+05:30 web01 nginx[77]: GET / HTTP/1.1",
	    0, "web01", "nginx", "77", "", "", "GET / HTTP/1.1", 1, 5, F_NOPRI, 1704144845123456,
	    330, { { NULL, NULL } }, 0, 0 },
	{ "no time: no hostname either", "<13>host prog: m", 0, FALLBACK, "", "", "", "",
	    "host prog: m", 1, 5, F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "PRI alone", "<13>", 0, FALLBACK, "", "", "", "", "", 1, 5, F_NOTIME, NOW, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "trailing CR LF NUL stripped", "<13>sshd: m\r\n\0\0", 15, FALLBACK, "sshd", "", "", "",
	    "m", 1, 5, F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "trailing spaces kept", "<13>sshd: m  ", 0, FALLBACK, "sshd", "", "", "", "m  ", 1, 5,
	    F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "tag with '/'", "<22>Jun 14 15:16:01 mail postfix/smtpd[123]: connect from x", 0, "mail",
	    "postfix/smtpd", "123", "", "", "connect from x", 2, 6, 0, 1718378161000000, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "tag with '-'", "<30>Jun 14 15:16:01 h systemd-logind[1]: New session", 0, "h",
	    "systemd-logind", "1", "", "", "New session", 3, 6, 0, 1718378161000000, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "tag with '.' and '_'", "<13>Jun 14 15:16:01 h my_app.v2[9]: x", 0, "h", "my_app.v2", "9",
	    "", "", "x", 1, 5, 0, 1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "tag with parens, no pid", "<13>Jun 14 15:16:01 h su(pam_unix): x", 0, "h",
	    "su(pam_unix)", "", "", "", "x", 1, 5, 0, 1718378161000000, 0, { { NULL, NULL } }, 0,
	    0 },
	{ "empty pid", "<13>Jun 14 15:16:01 h prog[]: x", 0, "h", "prog", "", "", "", "x", 1, 5, 0,
	    1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "pid without colon", "<13>Jun 14 15:16:01 h prog[42] x", 0, "h", "prog", "42", "", "",
	    "x", 1, 5, 0, 1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "URL is not a tag", "<13>http://example.com is down", 0, FALLBACK, "", "", "", "",
	    "http://example.com is down", 1, 5, F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "kernel with dmesg time", "<6>kernel: [    1.234] eth0: link up", 0, FALLBACK, "kernel",
	    "", "", "", "[    1.234] eth0: link up", 0, 6, F_NOTIME, NOW, 0, { { NULL, NULL } }, 0,
	    0 },
	{ "bare word after host is the TAG, as in rsyslog",
	    "Jun 19 04:09:11 combo syslogd 1.4.1: restart.", 0, "combo", "syslogd", "", "", "",
	    "1.4.1: restart.", 1, 5, F_NOPRI, 1718770151000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "rsyslog traditional forward of an RFC 5424 message",
	    "<13>2026-11-26T10:05:20.672018+00:00 vm fw-lf hop 1", 0, "vm", "fw-lf", "", "", "",
	    "hop 1", 1, 5, 0, 1795687520672018, 0, { { NULL, NULL } }, 0, 0 },
	{ "bare word without a host stays in the message", "<13>Jun 19 04:09:11 restart.", 0,
	    FALLBACK, "", "", "", "", "restart.", 1, 5, 0, 1718770151000000, 0, { { NULL, NULL } },
	    0, 0 },
	{ "two spaces after host", "Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN ON tty2", 0,
	    "combo", "", "", "", "", "-- root[2421]: ROOT LOGIN ON tty2", 1, 5, F_NOPRI,
	    1720339575000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "IPv6 hostname", "<13>Jun 14 15:16:01 fe80::1 sshd[5]: x", 0, "fe80::1", "sshd", "5", "",
	    "", "x", 1, 5, 0, 1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "hostname with '_'", "<13>Jun 14 15:16:01 my_host p: m", 0, "my_host", "p", "", "", "",
	    "m", 1, 5, 0, 1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "lone word after the time is the host, as rsyslog reads it", "<13>Jun 14 15:16:01 hello",
	    0, "hello", "", "", "", "", "", 1, 5, 0, 1718378161000000, 0, { { NULL, NULL } }, 0,
	    0 },
	{ "time then the end", "<13>Jun 14 15:16:01", 0, FALLBACK, "", "", "", "", "", 1, 5, 0,
	    1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "impossible date is message", "<13>Jun 31 15:16:01 host p: m", 0, FALLBACK, "", "", "",
	    "", "Jun 31 15:16:01 host p: m", 1, 5, F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "numeric word is no tag", "<13>Jun 14 15:16:01 router 123: x", 0, "router", "", "", "",
	    "", "123: x", 1, 5, 0, 1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "tag at the end", "<13>sshd:", 0, FALLBACK, "sshd", "", "", "", "", 1, 5, F_NOTIME, NOW,
	    0, { { NULL, NULL } }, 0, 0 },
	{ "colon glued to text is no tag", "<13>sshd:msg", 0, FALLBACK, "", "", "", "", "sshd:msg",
	    1, 5, F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "PRI with a leading zero", "<013>x", 0, FALLBACK, "", "", "", "", "x", 1, 5, F_NOTIME,
	    NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "PRI 0", "<0>x", 0, FALLBACK, "", "", "", "", "x", 0, 0, F_NOTIME, NOW, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "PRI 191", "<191>x", 0, FALLBACK, "", "", "", "", "x", 23, 7, F_NOTIME, NOW, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "version without a space is 3164", "<13>1", 0, FALLBACK, "", "", "", "", "1", 1, 5,
	    F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "version 2 is 3164", "<13>2 x", 0, FALLBACK, "", "", "", "", "2 x", 1, 5, F_NOTIME, NOW,
	    0, { { NULL, NULL } }, 0, 0 },
	{ "tab and UTF-8 in the message", "<13>p: a\tcaf\xc3\xa9", 0, FALLBACK, "p", "", "", "",
	    "a\tcaf\xc3\xa9", 1, 5, F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "no PRI, ESC for colours", "Jun 14 15:16:01 h p: \x1b[31mred", 0, "h", "p", "", "", "",
	    "\x1b[31mred", 1, 5, F_NOPRI, 1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "no PRI, no time", "hello world", 0, FALLBACK, "", "", "", "", "hello world", 1, 5,
	    F_NOPRI | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "zone name without a %MNEMONIC is a tag", "<13>Jun 14 15:16:01 UTC: x", 0, FALLBACK,
	    "UTC", "", "", "", "x", 1, 5, 0, 1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "pid bracket never closed", "<13>Jun 14 15:16:01 h p[12", 0, "h", "", "", "", "", "p[12",
	    1, 5, 0, 1718378161000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "seq at the end", "<13>12:", 0, FALLBACK, "", "", "", "", "12:", 1, 5, F_NOTIME, NOW, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "fraction dot at the end", "<13>Jun 14 15:16:01.", 0, FALLBACK, "", "", "", "",
	    "Jun 14 15:16:01.", 1, 5, F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "percent at the end", "<13>%", 0, FALLBACK, "", "", "", "", "%", 1, 5, F_NOTIME, NOW, 0,
	    { { NULL, NULL } }, 0, 0 },
};

/* Message is always the raw text less trailing CR/LF/NUL; host is the caller's. */
static const struct pcase malformed_cases[] = {
	{ "PRI too big", "<999>x", 0, FALLBACK, "", "", "", "", "<999>x", 1, 5,
	    F_BAD | F_NOPRI | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "PRI 192", "<192>x", 0, FALLBACK, "", "", "", "", "<192>x", 1, 5,
	    F_BAD | F_NOPRI | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "PRI not closed", "<13", 0, FALLBACK, "", "", "", "", "<13", 1, 5,
	    F_BAD | F_NOPRI | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "PRI empty", "<>x", 0, FALLBACK, "", "", "", "", "<>x", 1, 5, F_BAD | F_NOPRI | F_NOTIME,
	    NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "PRI four digits", "<0013>x", 0, FALLBACK, "", "", "", "", "<0013>x", 1, 5,
	    F_BAD | F_NOPRI | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "PRI negative", "<-1>x", 0, FALLBACK, "", "", "", "", "<-1>x", 1, 5,
	    F_BAD | F_NOPRI | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "empty", "", 0, FALLBACK, "", "", "", "", "", 1, 5, F_BAD | F_NOPRI | F_NOTIME, NOW, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "only CR LF NUL", "\r\n\0", 3, FALLBACK, "", "", "", "", "", 1, 5,
	    F_BAD | F_NOPRI | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "binary garbage", "\0\xff\xfe\x01\x02", 5, FALLBACK, "", "", "", "", "\0\xff\xfe\x01\x02",
	    1, 5, F_BAD | F_NOPRI | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "high first byte",
	    "\xff\xfe\x80"
	    "abc",
	    0, FALLBACK, "", "", "", "",
	    "\xff\xfe\x80"
	    "abc",
	    1, 5, F_BAD | F_NOPRI | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "control byte without PRI",
	    "abc\x01"
	    "def",
	    0, FALLBACK, "", "", "", "",
	    "abc\x01"
	    "def",
	    1, 5, F_BAD | F_NOPRI | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "5424 sd missing", "<11>1 - h a p m", 0, FALLBACK, "", "", "", "", "<11>1 - h a p m", 1,
	    3, F_BAD | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "5424 double space", "<11>1  - h a p m -", 0, FALLBACK, "", "", "", "",
	    "<11>1  - h a p m -", 1, 3, F_BAD | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "5424 Feb 29 2023", "<11>1 2023-02-29T00:00:00Z h a p m -", 0, FALLBACK, "", "", "", "",
	    "<11>1 2023-02-29T00:00:00Z h a p m -", 1, 3, F_BAD | F_NOTIME, NOW, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "5424 no zone", "<11>1 2023-02-01T00:00:00 h a p m -", 0, FALLBACK, "", "", "", "",
	    "<11>1 2023-02-01T00:00:00 h a p m -", 1, 3, F_BAD | F_NOTIME, NOW, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "5424 offset +24:00", "<11>1 2023-02-01T00:00:00+24:00 h a p m -", 0, FALLBACK, "", "",
	    "", "", "<11>1 2023-02-01T00:00:00+24:00 h a p m -", 1, 3, F_BAD | F_NOTIME, NOW, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "5424 hour 24", "<11>1 2023-02-01T24:00:00Z h a p m -", 0, FALLBACK, "", "", "", "",
	    "<11>1 2023-02-01T24:00:00Z h a p m -", 1, 3, F_BAD | F_NOTIME, NOW, 0,
	    { { NULL, NULL } }, 0, 0 },
	{ "5424 control byte in hostname", "<11>1 - h\x01x a p m -", 0, FALLBACK, "", "", "", "",
	    "<11>1 - h\x01x a p m -", 1, 3, F_BAD | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
	{ "5424 header cut short", "<11>1 - h a", 0, FALLBACK, "", "", "", "", "<11>1 - h a", 1, 3,
	    F_BAD | F_NOTIME, NOW, 0, { { NULL, NULL } }, 0, 0 },
};

/* Year inference and local time: each row has its own clock. */
static const struct pcase time_cases[] = {
	{ "Dec 31 read on Jan 1", "<13>Dec 31 23:59:59 h p: m", 0, "h", "p", "", "", "", "m", 1, 5,
	    0, 1704067199000000, 0, { { NULL, NULL } }, 1704067210000000, 0 },
	{ "Jan 1 read on Dec 31", "<13>Jan  1 00:00:01 h p: m", 0, "h", "p", "", "", "", "m", 1, 5,
	    0, 1704067201000000, 0, { { NULL, NULL } }, 1704067190000000, 0 },
	{ "35 days ahead is last year", "<13>Jul 20 10:00:00 h p: m", 0, "h", "p", "", "", "", "m",
	    1, 5, 0, 1689847200000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "25 days ahead is this year", "<13>Jul 10 10:00:00 h p: m", 0, "h", "p", "", "", "", "m",
	    1, 5, 0, 1720605600000000, 0, { { NULL, NULL } }, 0, 0 },
	{ "BSD time is local", "<13>Jun 14 15:16:01 h p: m", 0, "h", "p", "", "", "", "m", 1, 5, 0,
	    1718374561000000, 0, { { NULL, NULL } }, 0, 3600 },
	{ "new year in local time", "<13>Jan  1 00:20:00 h p: m", 0, "h", "p", "", "", "", "m", 1,
	    5, 0, 1704064800000000, 0, { { NULL, NULL } }, 1704065400000000, 3600 },
	{ "ISO without zone is local", "<13>2024-01-02T03:04:05 h p: m", 0, "h", "p", "", "", "",
	    "m", 1, 5, 0, 1704161045000000, 0, { { NULL, NULL } }, 0, 3600 },
	{ "ISO with zone ignores local", "<13>2024-01-02T03:04:05Z h p: m", 0, "h", "p", "", "", "",
	    "m", 1, 5, 0, 1704164645000000, 0, { { NULL, NULL } }, 0, 3600 },
	{ "cisco UTC ignores local", "<189>1: *Mar  1 18:48:50.483 UTC: %SYS-5-CONFIG_I: x", 0,
	    FALLBACK, "%SYS-5-CONFIG_I", "", "SYS-5-CONFIG_I", "", "x", 23, 5, 0, 1709318930483000,
	    0, { { "seq", "1" } }, 0, 3600 },
	{ "cisco CET is local", "<189>1: *Mar  1 18:48:50.483 CET: %SYS-5-CONFIG_I: x", 0, FALLBACK,
	    "%SYS-5-CONFIG_I", "", "SYS-5-CONFIG_I", "", "x", 23, 5, 0, 1709315330483000, 0,
	    { { "seq", "1" } }, 0, 3600 },
	{ "RFC 5424 ignores local", "<14>1 2003-10-11T22:14:15.003Z h a - - - x", 0, "h", "a", "",
	    "", "", "x", 1, 6, F_5424, 1065910455003000, 0, { { NULL, NULL } }, 0, 3600 },
	{ "NILVALUE time is now", "<14>1 - h a - - - x", 0, "h", "a", "", "", "", "x", 1, 6,
	    F_5424 | F_NOTIME, 1700000000000000, 0, { { NULL, NULL } }, 1700000000000000, 3600 },
};

static void
check_str(const char *what, const char *name, struct str got, const char *want, size_t wantn)
{
	ck_assert_msg(got.p != NULL, "%s: %s is NULL", what, name);
	ck_assert_msg(got.n == wantn && memcmp(got.p, want, wantn) == 0,
	    "%s: %s is \"%.*s\", want \"%.*s\"", what, name, (int)got.n, got.p, (int)wantn, want);
}

static void
check_fields(const struct pcase *c, const struct event *ev)
{
	size_t n = 0;

	while (n < ARRAY_SIZE(c->fields) && c->fields[n].name != NULL)
		n++;
	ck_assert_msg(ev->nfields == n, "%s: %zu fields, want %zu", c->what, ev->nfields, n);
	for (size_t i = 0; i < n; i++) {
		check_str(c->what, "field name", ev->fields[i].name, c->fields[i].name,
		    strlen(c->fields[i].name));
		check_str(c->what, c->fields[i].name, ev->fields[i].value, c->fields[i].value,
		    strlen(c->fields[i].value));
	}
}

/* The message of a malformed binary case may hold NULs: compare its full length. */
static size_t
message_len(const struct pcase *c)
{
	size_t len = c->len ? c->len : strlen(c->in);

	if ((c->flags & F_BAD) == 0)
		return strlen(c->message);
	while (
	    len > 0 && (c->in[len - 1] == '\r' || c->in[len - 1] == '\n' || c->in[len - 1] == '\0'))
		len--;
	return len;
}

static void
run_case(const struct pcase *c)
{
	struct parse_ctx ctx = { c->now ? c->now : NOW, c->local_off };
	size_t len = c->len ? c->len : strlen(c->in);
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	event_reset(&ev, len + 64);
	ev.host = STR_LIT(FALLBACK);
	parse_syslog(&ev, c->in, len, &ctx);
	check_str(c->what, "host", ev.host, c->host, strlen(c->host));
	check_str(c->what, "program", ev.program, c->program, strlen(c->program));
	check_str(c->what, "pid", ev.pid, c->pid, strlen(c->pid));
	check_str(c->what, "msgid", ev.msgid, c->msgid, strlen(c->msgid));
	check_str(c->what, "sd", ev.sd, c->sd, strlen(c->sd));
	check_str(c->what, "message", ev.message, c->message, message_len(c));
	ck_assert_msg(ev.raw.p == c->in && ev.raw.n == len, "%s: raw is not the input", c->what);
	ck_assert_msg(ev.facility == c->facility && ev.severity == c->severity,
	    "%s: pri %d.%d, want %d.%d", c->what, ev.facility, ev.severity, c->facility,
	    c->severity);
	ck_assert_msg(ev.flags == c->flags, "%s: flags %#x, want %#x", c->what, ev.flags, c->flags);
	ck_assert_msg(ev.ts_usec == c->ts, "%s: ts %lld, want %lld", c->what, (long long)ev.ts_usec,
	    (long long)c->ts);
	ck_assert_msg(
	    ev.tz_offset_min == c->tz, "%s: tz %d, want %d", c->what, (int)ev.tz_offset_min, c->tz);
	check_fields(c, &ev);
	event_free(&ev);
}

START_TEST(test_rfc5424)
{
	run_case(&rfc5424_cases[_i]);
}
END_TEST

START_TEST(test_rfc3164)
{
	run_case(&rfc3164_cases[_i]);
}
END_TEST

START_TEST(test_malformed)
{
	run_case(&malformed_cases[_i]);
}
END_TEST

START_TEST(test_time)
{
	run_case(&time_cases[_i]);
}
END_TEST

/* RFC 5424 length limits: each field at its limit parses, one more is malformed. */
static const struct {
	const char *field;
	size_t max;
} limits[] = {
	{ "hostname", 255 },
	{ "appname", 48 },
	{ "procid", 128 },
	{ "msgid", 32 },
	{ "sdid", 32 },
	{ "paramname", 32 },
};

static void
parse_with_limit(struct event *ev, char *buf, size_t size, size_t which, size_t n)
{
	struct parse_ctx ctx = { NOW, 0 };
	char fill[300];
	const char *f[6] = { "h", "a", "p", "m", "x", "k" };
	int len;

	ck_assert(n < sizeof(fill));
	memset(fill, 'z', n);
	fill[n] = '\0';
	f[which] = fill;
	len = snprintf(
	    buf, size, "<13>1 - %s %s %s %s [%s %s=\"v\"] msg", f[0], f[1], f[2], f[3], f[4], f[5]);
	ck_assert(len > 0 && (size_t)len < size);
	event_reset(ev, (size_t)len + 64);
	ev->host = STR_LIT(FALLBACK);
	parse_syslog(ev, buf, (size_t)len, &ctx);
}

START_TEST(test_limits)
{
	struct event ev;
	char buf[1024];
	size_t max = limits[_i].max;

	memset(&ev, 0, sizeof(ev));
	parse_with_limit(&ev, buf, sizeof(buf), (size_t)_i, max);
	ck_assert_msg(ev.flags == (F_5424 | F_NOTIME), "%s of %zu: flags %#x", limits[_i].field,
	    max, ev.flags);
	/* "sd." ID "." NAME, where ID and NAME are 1 long unless under test. */
	ck_assert_msg(ev.nfields == 1 && ev.fields[0].name.n == 5 + (_i >= 4 ? max : 1),
	    "%s of %zu: field name", limits[_i].field, max);
	check_str(limits[_i].field, "message", ev.message, "msg", 3);
	parse_with_limit(&ev, buf, sizeof(buf), (size_t)_i, max + 1);
	/* Header fields over their limit spoil the message; SD names only the SD. */
	ck_assert_msg(ev.flags == (_i >= 4 ? F_BADSD : F_BAD | F_NOTIME), "%s of %zu: flags %#x",
	    limits[_i].field, max + 1, ev.flags);
	ck_assert_int_eq(ev.nfields, _i >= 4);
	event_free(&ev);
}
END_TEST

/* A TAG of 64 characters is a TAG; one of 65 is left in the message. */
START_TEST(test_tag_limit)
{
	struct parse_ctx ctx = { NOW, 0 };
	struct event ev;
	char buf[128];

	memset(&ev, 0, sizeof(ev));
	for (size_t n = 64; n <= 65; n++) {
		memcpy(buf, "<13>", 4);
		memset(buf + 4, 't', n);
		memcpy(buf + 4 + n, ": m", 3);
		event_reset(&ev, n + 7 + 64);
		parse_syslog(&ev, buf, n + 7, &ctx);
		if (n == 64) {
			ck_assert_uint_eq(ev.program.n, 64);
			check_str("tag 64", "message", ev.message, "m", 1);
		} else {
			ck_assert_uint_eq(ev.program.n, 0);
			ck_assert_uint_eq(ev.message.n, n + 3);
		}
	}
	event_free(&ev);
}
END_TEST

/* More params than EVENT_MAX_FIELDS: the rest are dropped, the event is fine. */
START_TEST(test_sd_many_params)
{
	struct parse_ctx ctx = { NOW, 0 };
	struct event ev;
	char buf[2048];
	size_t len = 0;

	len += (size_t)snprintf(buf, sizeof(buf), "<13>1 - h a - - [x");
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, " p%d=\"%d\"", i, i);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "] m");
	ck_assert(len < sizeof(buf));
	memset(&ev, 0, sizeof(ev));
	event_reset(&ev, len + 64);
	parse_syslog(&ev, buf, len, &ctx);
	ck_assert_uint_eq(ev.flags, F_5424 | F_NOTIME);
	ck_assert_uint_eq(ev.nfields, EVENT_MAX_FIELDS);
	check_str("many params", "last", ev.fields[63].value, "63", 2);
	check_str("many params", "message", ev.message, "m", 1);
	event_free(&ev);
}
END_TEST

/*
 * Long SD and param names cost more scratch than input; with the caller's
 * text already in scratch, fields that do not fit are dropped, nothing
 * overflows (ASan watches), and the caller's text survives.
 */
START_TEST(test_sd_scratch_full)
{
	struct parse_ctx ctx = { NOW, 0 };
	struct event ev;
	char buf[4096], id[33], name[33];
	size_t len;
	struct str src;

	memset(id, 'i', 32);
	id[32] = '\0';
	memset(name, 'n', 32);
	name[32] = '\0';
	len = (size_t)snprintf(buf, sizeof(buf), "<13>1 - h a - - [%s", id);
	for (int i = 0; i < 60; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %s=\"\\\\\"", name);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "] m");
	ck_assert(len < sizeof(buf));
	memset(&ev, 0, sizeof(ev));
	event_reset(&ev, len + 64);
	src = event_scratch_put(&ev, "2001:db8::1", 11);
	parse_syslog(&ev, buf, len, &ctx);
	ck_assert_uint_eq(ev.flags, F_5424 | F_NOTIME);
	ck_assert(ev.nfields > 0 && ev.nfields < 60);
	ck_assert(ev.scratch_len <= ev.scratch_cap);
	check_str("scratch full", "value", ev.fields[0].value, "\\", 1);
	check_str("scratch full", "source", src, "2001:db8::1", 11);
	event_free(&ev);
}
END_TEST

/*
 * Structured data that turns out malformed after some params were read
 * gives back the fields and scratch they used; the caller's text survives.
 */
START_TEST(test_malformed_restores)
{
	static const char in[] = "<11>1 - h a p m [x a=\"\\\"\" b=\"2\"][y";
	struct parse_ctx ctx = { NOW, 0 };
	struct event ev;
	size_t used;

	memset(&ev, 0, sizeof(ev));
	event_reset(&ev, sizeof(in) + 64);
	ev.source = event_scratch_put(&ev, "198.51.100.7", 12);
	ev.host = ev.source;
	used = ev.scratch_len;
	parse_syslog(&ev, in, sizeof(in) - 1, &ctx);
	ck_assert_uint_eq(ev.flags, F_BADSD);
	ck_assert_uint_eq(ev.nfields, 1);
	check_str("restores", "field", ev.fields[0].name, "malformed", 9);
	ck_assert_uint_eq(ev.scratch_len, used);
	check_str("restores", "host", ev.host, "h", 1);
	check_str("restores", "source", ev.source, "198.51.100.7", 12);
	check_str("restores", "message", ev.message, in + 16, sizeof(in) - 17);
	event_free(&ev);
}
END_TEST

static Suite *
parse_syslog_suite(void)
{
	Suite *s = suite_create("parse_syslog");
	TCase *tc;

	tc = tcase_create("rfc5424");
	tcase_add_loop_test(tc, test_rfc5424, 0, (int)ARRAY_SIZE(rfc5424_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("rfc3164");
	tcase_add_loop_test(tc, test_rfc3164, 0, (int)ARRAY_SIZE(rfc3164_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_malformed, 0, (int)ARRAY_SIZE(malformed_cases));
	tcase_add_test(tc, test_malformed_restores);
	suite_add_tcase(s, tc);
	tc = tcase_create("time");
	tcase_add_loop_test(tc, test_time, 0, (int)ARRAY_SIZE(time_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_limits, 0, (int)ARRAY_SIZE(limits));
	tcase_add_test(tc, test_tag_limit);
	tcase_add_test(tc, test_sd_many_params);
	tcase_add_test(tc, test_sd_scratch_full);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(parse_syslog_suite());
}
