/*
 * parse_syslog.c - one syslog message (a datagram, a framed TCP message or a
 * log file line) into a struct event.  RFC 5424 is read strictly; RFC 3164 is
 * read as senders really write it: PRI, year, hostname and TAG may each be
 * missing, the timestamp may be ISO 8601 or Cisco's.  Whether the word after
 * the timestamp is a hostname or already the TAG is decided by its own
 * shape, as rsyslog does: glibc's syslog(), busybox and `logger -u` write
 * no hostname ("sshd[1]: ", "kernel: "), forwarders and network gear do.
 * The input is never written and never read past len; the only memory
 * written is ev and ev->scratch.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "parse_syslog.h"

/* RFC 5424 section 6 limits. */
#define HOSTNAME_MAX 255
#define APPNAME_MAX 48
#define PROCID_MAX 128
#define MSGID_MAX 32
#define SDNAME_MAX 32
/* RFC 3164 says 32, nobody enforces it (logger -t takes any length); longer is message. */
#define TAG_MAX 64
/* A number this short is Cisco's message counter, never a TAG. */
#define SEQ_MAX 10

/* How far ahead a sender's clock may be before a year-less date means last year. */
#define FUTURE_SLACK_USEC (31LL * 86400 * USEC_PER_SEC)
#define DAY_USEC (86400LL * USEC_PER_SEC)

struct cur {
	const char *p;
	const char *end;
};

/* A timestamp as written, before a year is guessed or a zone applied. */
struct stamp {
	int year, mon, day, hour, min, sec, usec;
	int have_year;
	int have_zone; /* the text stated its offset (or UTC); else it is local time */
	int off_min;
};

static inline int
is_digit(char c)
{
	return (unsigned)(c - '0') < 10;
}

static inline int
is_alnum(char c)
{
	return is_digit(c) || (unsigned)((c | 0x20) - 'a') < 26;
}

/* RFC 5424 PRINTUSASCII. */
static inline int
is_print(char c)
{
	return (unsigned char)c >= 33 && (unsigned char)c <= 126;
}

/* ':' is there for IPv6 literals, '_' because real hosts have it. */
static inline int
is_host(char c)
{
	return is_alnum(c) || c == '.' || c == '-' || c == '_' || c == ':';
}

/* '(' and ')' for PAM's "sshd(pam_unix)"; '%' only leads a tag (Cisco's "%LINK-3-UPDOWN"). */
static inline int
is_tag(char c)
{
	return is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == '(' || c == ')'
	    || c == '@' || c == '+';
}

static inline int
is_sdname(char c)
{
	return is_print(c) && c != '=' && c != ']' && c != '"';
}

static inline size_t
cur_left(const struct cur *c)
{
	return (size_t)(c->end - c->p);
}

static int
cur_lit(struct cur *c, char ch)
{
	if (c->p == c->end || *c->p != ch)
		return -1;
	c->p++;
	return 0;
}

static void
cur_skip_spaces(struct cur *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

/* Exactly ndig digits. */
static int
cur_num(struct cur *c, int ndig, int *out)
{
	int v = 0;

	if (cur_left(c) < (size_t)ndig)
		return -1;
	for (int i = 0; i < ndig; i++) {
		if (!is_digit(c->p[i]))
			return -1;
		v = v * 10 + (c->p[i] - '0');
	}
	c->p += ndig;
	*out = v;
	return 0;
}

/* Howard Hinnant's days_from_civil: no timegm(), no TZ, no locale. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t
year_from_days(int64_t z)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return yoe + era * 400 + (mp >= 10);
}

static int
days_in_month(int y, int m)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m == 2 && !leap)
		return 28;
	return mdays[m - 1];
}

/* Without a year, Feb 29 is allowed: the year is guessed later. */
static int
stamp_valid(const struct stamp *st)
{
	int y = st->have_year ? st->year : 2000;

	return st->mon >= 1 && st->mon <= 12 && st->day >= 1 && st->day <= days_in_month(y, st->mon)
	    && st->hour <= 23 && st->min <= 59 && st->sec <= 60;
}

/* The stamp as if it were UTC; the caller subtracts the zone. */
static int64_t
stamp_usec(const struct stamp *st)
{
	int64_t days = days_from_civil(st->year, st->mon, st->day);
	int64_t secs = days * 86400 + st->hour * 3600 + st->min * 60 + st->sec;

	return secs * USEC_PER_SEC + st->usec;
}

/*
 * Pick the latest of next, this and last year that is not more than
 * FUTURE_SLACK_USEC ahead of now: "Dec 31" read on Jan 1 is last year's,
 * "Jan 1" read on Dec 31 from a fast clock is next year's.
 */
static void
stamp_infer_year(struct stamp *st, const struct parse_ctx *ctx)
{
	int64_t now = ctx->now_usec + (int64_t)ctx->local_tz_offset_sec * USEC_PER_SEC;
	int64_t days = now / DAY_USEC - (now % DAY_USEC < 0);
	int y = (int)year_from_days(days);

	for (st->year = y + 1; st->year > y - 1; st->year--)
		if (stamp_usec(st) - now <= FUTURE_SLACK_USEC)
			break;
}

static void
stamp_apply(struct event *ev, struct stamp *st, const struct parse_ctx *ctx)
{
	if (!st->have_year)
		stamp_infer_year(st, ctx);
	if (st->have_zone) {
		ev->ts_usec = stamp_usec(st) - (int64_t)st->off_min * 60 * USEC_PER_SEC;
		ev->tz_offset_min = st->off_min;
	} else
		ev->ts_usec = stamp_usec(st) - (int64_t)ctx->local_tz_offset_sec * USEC_PER_SEC;
}

/* hh:mm:ss[.frac]; digits past the sixth are dropped, not rounded. */
static int
parse_clock(struct cur *c, struct stamp *st)
{
	int scale = 100000;

	if (cur_num(c, 2, &st->hour) == -1 || cur_lit(c, ':') == -1 || cur_num(c, 2, &st->min) == -1
	    || cur_lit(c, ':') == -1 || cur_num(c, 2, &st->sec) == -1)
		return -1;
	st->usec = 0;
	if (cur_left(c) < 2 || c->p[0] != '.' || !is_digit(c->p[1]))
		return 0;
	for (c->p++; c->p < c->end && is_digit(*c->p); c->p++) {
		st->usec += (*c->p - '0') * scale;
		scale /= 10;
	}
	return 0;
}

/* Z, +hh:mm or -hh:mm; RFC 5424 requires one, ISO in RFC 3164 may omit it. */
static int
parse_zone(struct cur *c, struct stamp *st, int required)
{
	int sign, hh, mm;

	st->have_zone = 0;
	st->off_min = 0;
	if (c->p == c->end || (*c->p != 'Z' && *c->p != 'z' && *c->p != '+' && *c->p != '-'))
		return required ? -1 : 0;
	st->have_zone = 1;
	if (*c->p == 'Z' || *c->p == 'z') {
		c->p++;
		return 0;
	}
	sign = *c->p++ == '-' ? -1 : 1;
	if (cur_num(c, 2, &hh) == -1 || cur_lit(c, ':') == -1 || cur_num(c, 2, &mm) == -1 || hh > 23
	    || mm > 59)
		return -1;
	st->off_min = sign * (hh * 60 + mm);
	return 0;
}

/* RFC 3339: 2003-10-11T22:14:15.003Z. */
static int
parse_rfc3339(struct cur *c, struct stamp *st, int zone_required)
{
	if (cur_num(c, 4, &st->year) == -1 || cur_lit(c, '-') == -1 || cur_num(c, 2, &st->mon) == -1
	    || cur_lit(c, '-') == -1 || cur_num(c, 2, &st->day) == -1)
		return -1;
	if (c->p == c->end || (*c->p != 'T' && *c->p != 't'))
		return -1;
	c->p++;
	st->have_year = 1;
	if (parse_clock(c, st) == -1 || parse_zone(c, st, zone_required) == -1)
		return -1;
	return stamp_valid(st) ? 0 : -1;
}

static int
parse_month(struct cur *c, int *mon)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";

	if (cur_left(c) < 3)
		return -1;
	for (int i = 0; i < 12; i++) {
		const char *n = names + i * 3;
		if ((c->p[0] | 0x20) == n[0] && (c->p[1] | 0x20) == n[1]
		    && (c->p[2] | 0x20) == n[2]) {
			c->p += 3;
			*mon = i + 1;
			return 0;
		}
	}
	return -1;
}

/* "Mmm dd hh:mm:ss", "Mmm  d ...", "Mmm d ...", Cisco's "Mmm dd yyyy hh:mm:ss.mmm". */
static int
parse_bsd(struct cur *c, struct stamp *st)
{
	if (parse_month(c, &st->mon) == -1 || cur_lit(c, ' ') == -1)
		return -1;
	if (c->p < c->end && *c->p == ' ')
		c->p++;
	if (cur_num(c, 2, &st->day) == -1 && cur_num(c, 1, &st->day) == -1)
		return -1;
	if (cur_lit(c, ' ') == -1)
		return -1;
	st->have_year = 0;
	st->have_zone = 0;
	st->off_min = 0;
	if (cur_left(c) >= 5 && c->p[4] == ' ' && cur_num(c, 4, &st->year) == 0) {
		st->have_year = 1;
		c->p++;
	}
	if (parse_clock(c, st) == -1)
		return -1;
	return stamp_valid(st) ? 0 : -1;
}

/*
 * Cisco writes " UTC:" or another zone name between the time and the colon
 * that ends its timestamp, and a %MNEMONIC always follows; only that shape
 * is a zone, so "Dec  4 03:40:00 CRON: (root) CMD" keeps its TAG.  Only UTC
 * and GMT say anything we can use, other names are read as local time.
 */
static void
parse_cisco_zone(struct cur *c, struct stamp *st)
{
	const char *s = c->p + 1;
	const char *e = s;

	while (e < c->end && e - s < 6 && (unsigned)(*e - 'A') < 26)
		e++;
	if (e - s < 2 || c->end - e < 3 || memcmp(e, ": %", 3) != 0)
		return;
	if ((e - s == 3 && (memcmp(s, "UTC", 3) == 0 || memcmp(s, "GMT", 3) == 0))
	    || (e - s == 2 && memcmp(s, "UT", 2) == 0)) {
		st->have_zone = 1;
		st->off_min = 0;
	}
	c->p = e;
}

/*
 * The timestamp of an RFC 3164 message: BSD (a year may sit before the
 * time), ISO 8601, or Cisco's with a '*' (clock not in sync) or '.' (sync
 * lost) prefix, milliseconds and a zone name.  A ':' right after it, as
 * Cisco and some others write, is skipped.  On success the cursor is past
 * the spaces that follow.
 */
static int
parse_3164_time(struct event *ev, struct cur *c, const struct parse_ctx *ctx)
{
	const char *s = c->p + (c->p < c->end && (*c->p == '*' || *c->p == '.'));
	struct cur t = { s, c->end };
	struct stamp st;

	if (parse_rfc3339(&t, &st, 0) == -1) {
		t.p = s;
		if (parse_bsd(&t, &st) == -1)
			return -1;
	}
	if (t.p < t.end && *t.p == ' ')
		parse_cisco_zone(&t, &st);
	if (t.p < t.end && *t.p == ':')
		t.p++;
	if (t.p < t.end && *t.p != ' ')
		return -1;
	cur_skip_spaces(&t);
	stamp_apply(ev, &st, ctx);
	*c = t;
	return 0;
}

/* Cisco's message counter, "123: ", before the timestamp. */
static int
parse_seq(struct event *ev, struct cur *c)
{
	const char *s = c->p;
	const char *e = s;

	while (e < c->end && e - s < SEQ_MAX && is_digit(*e))
		e++;
	if (e == s || cur_left(c) < (size_t)(e - s) + 2 || e[0] != ':' || e[1] != ' ')
		return -1;
	event_add_field(ev, STR_LIT("seq"), str_make(s, (size_t)(e - s)));
	c->p = e + 2;
	return 0;
}

/*
 * Cisco's origin ("logging origin-id"): "sw1: " between the counter and the
 * timestamp.  Taken only when a timestamp follows, so that a TAG after a
 * counter ("9: %SYS-5-X: y") is left alone.
 */
static int
parse_origin(struct event *ev, struct cur *c, const struct parse_ctx *ctx)
{
	const char *s = c->p;
	const char *e = s;
	struct cur t;

	while (e < c->end && is_host(*e) && e - s <= HOSTNAME_MAX)
		e++;
	if (e - s < 2 || e == c->end || *e != ' ' || e[-1] != ':' || !is_alnum(*s))
		return -1;
	t.p = e;
	t.end = c->end;
	cur_skip_spaces(&t);
	if (parse_3164_time(ev, &t, ctx) == -1)
		return -1;
	ev->host = str_make(s, (size_t)(e - s - 1));
	*c = t;
	return 0;
}

/*
 * What comes before the hostname: spaces some senders put after PRI
 * ("<167> Mar  7 ..."), Cisco's counter and origin, then the timestamp.
 * Returns 1 when the origin named the host, 0 after a timestamp alone, -1
 * without a timestamp; the cursor then stays before the spaces, or past the
 * counter.
 */
static int
parse_3164_head(struct event *ev, struct cur *c, const struct parse_ctx *ctx)
{
	struct cur t = *c;

	cur_skip_spaces(&t);
	if (parse_seq(ev, &t) == 0) {
		*c = t;
		if (parse_origin(ev, c, ctx) == 0)
			return 1;
	}
	if (parse_3164_time(ev, &t, ctx) == -1)
		return -1;
	*c = t;
	return 0;
}

/*
 * The word after the timestamp is the HOSTNAME unless its shape says TAG:
 * "sshd:" and "kernel:" end in ':'; "CRON[12]:", "sshd(pam_unix)[1]:" and
 * "%PIX-7-710005:" hold a character no hostname has.  A hostname starts
 * with a letter, a digit or ':' (IPv6) and does not end in '.' (that is the
 * end of a sentence).  A lone word at the end is a hostname too: RFC 3164
 * puts it first, and rsyslog reads it so.
 */
static int
parse_host(struct event *ev, struct cur *c)
{
	const char *s = c->p;
	const char *e = s;

	while (e < c->end && is_host(*e) && e - s <= HOSTNAME_MAX)
		e++;
	if (e == s || e - s > HOSTNAME_MAX || (e < c->end && *e != ' ') || e[-1] == ':'
	    || e[-1] == '.' || !(is_alnum(*s) || *s == ':'))
		return 0;
	ev->host = str_make(s, (size_t)(e - s));
	c->p = e;
	cur_skip_spaces(c);
	return 1;
}

/* "[pid]" after a TAG; the cursor ends past ']'. */
static int
parse_tag_pid(struct cur *c, struct str *pid)
{
	const char *s = c->p + 1;
	const char *e = s;

	while (e < c->end && *e != ']' && is_print(*e))
		e++;
	if (e == c->end || *e != ']' || e - s > PROCID_MAX)
		return -1;
	*pid = str_make(s, (size_t)(e - s));
	c->p = e + 1;
	return 0;
}

/*
 * TAG is "prog:", "prog[pid]:" or "prog[pid]" followed by a space or the
 * end; one space after it is skipped.  After a hostname, a bare word with a
 * letter in it is a TAG too, as rsyslog reads it: that is how rsyslog
 * forwards RFC 5424 messages in its traditional format ("host app msg").
 * Anything else (a number short enough to be Cisco's counter, "http://x",
 * "--", a word longer than TAG_MAX) is left to the message.  prog keeps
 * "(pam_unix)" like rsyslog's programname does, and Cisco's leading '%'.
 */
static void
parse_tag(struct event *ev, struct cur *c, int after_host)
{
	struct cur t = *c;
	struct str pid = STR_EMPTY;
	int has_pid = 0, digits = 1, letter = 0;
	size_t n;

	if (t.p < t.end && *t.p == '%')
		t.p++;
	while (t.p < t.end && is_tag(*t.p) && t.p - c->p < TAG_MAX) {
		digits &= is_digit(*t.p);
		letter |= (*t.p | 0x20) >= 'a' && (*t.p | 0x20) <= 'z';
		t.p++;
	}
	n = (size_t)(t.p - c->p);
	if (n == 0 || (digits && n <= SEQ_MAX))
		return;
	if (t.p < t.end && *t.p == '[') {
		if (parse_tag_pid(&t, &pid) == -1)
			return;
		has_pid = 1;
	}
	if (t.p < t.end && *t.p == ':' && (t.p + 1 == t.end || t.p[1] == ' '))
		t.p++;
	else if (t.p < t.end && *t.p != ' ')
		return;
	else if (!has_pid && !(after_host && letter))
		return;
	ev->program = str_make(c->p, n);
	ev->pid = pid;
	if (t.p < t.end)
		t.p++;
	*c = t;
}

/* Cisco's "%FAC-SEV-MNEMONIC" TAG is also what RFC 5424 calls a MSGID. */
static void
cisco_msgid(struct event *ev)
{
	struct str p = ev->program;
	int dash = 0;

	if (p.n < 2 || p.p[0] != '%' || p.n - 1 > MSGID_MAX)
		return;
	for (size_t i = 1; i < p.n; i++) {
		if (!is_alnum(p.p[i]) && p.p[i] != '_' && p.p[i] != '-')
			return;
		dash |= p.p[i] == '-';
	}
	if (dash)
		ev->msgid = str_make(p.p + 1, p.n - 1);
}

/*
 * Network gear's extras between the hostname and the TAG: the " : " of a
 * Cisco ASA's device-id ("asa1 : %ASA-6-302013: ..."), and a relay's copy
 * of a Cisco IOS line ("router 123: *Mar  1 ...: %LINK-3-UPDOWN: ...")
 * bringing the device's counter and time.
 */
static void
parse_after_host(struct event *ev, struct cur *c, const struct parse_ctx *ctx)
{
	struct cur t = *c;
	size_t nfields = ev->nfields;

	if (cur_left(c) >= 2 && c->p[0] == ':' && c->p[1] == ' ') {
		c->p += 2;
		cur_skip_spaces(c);
	} else if (parse_seq(ev, &t) == 0 && parse_3164_time(ev, &t, ctx) == 0)
		*c = t;
	else
		ev->nfields = nfields; /* "router 123: x" is no Cisco line: no counter */
}

/* RFC 3164 never fails once PRI is read: what is not header is message. */
static void
parse_3164(struct event *ev, struct cur *c, const struct parse_ctx *ctx)
{
	int head = parse_3164_head(ev, c, ctx), after_host = head == 1;

	if (head == -1)
		ev->flags |= EVENT_NO_TIME;
	else if (head == 0 && (after_host = parse_host(ev, c)))
		parse_after_host(ev, c, ctx);
	parse_tag(ev, c, after_host);
	ev->message = str_make(c->p, cur_left(c));
	cisco_msgid(ev);
}

/* A header field of 1..max PRINTUSASCII and its trailing space; "-" is NILVALUE. */
static int
parse_5424_field(struct cur *c, size_t max, struct str *out)
{
	const char *s = c->p;
	size_t n;

	while (c->p < c->end && is_print(*c->p))
		c->p++;
	n = (size_t)(c->p - s);
	if (n == 0 || n > max || cur_lit(c, ' ') == -1)
		return -1;
	*out = n == 1 && *s == '-' ? STR_EMPTY : str_make(s, n);
	return 0;
}

static int
parse_5424_time(struct event *ev, struct cur *c, const struct parse_ctx *ctx)
{
	struct stamp st;

	if (cur_left(c) >= 2 && c->p[0] == '-' && c->p[1] == ' ') {
		ev->flags |= EVENT_NO_TIME;
		c->p += 2;
		return 0;
	}
	if (parse_rfc3339(c, &st, 1) == -1 || cur_lit(c, ' ') == -1)
		return -1;
	stamp_apply(ev, &st, ctx);
	return 0;
}

static int
parse_sd_name(struct cur *c, struct str *out)
{
	const char *s = c->p;

	while (c->p < c->end && is_sdname(*c->p))
		c->p++;
	*out = str_make(s, (size_t)(c->p - s));
	return out->n == 0 || out->n > SDNAME_MAX ? -1 : 0;
}

/* Undo \" \\ \] in place; RFC 5424 says any other backslash is literal. */
static size_t
sd_unescape(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n
		    && (s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == ']'))
			i++;
		s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/*
 * Add "sd.ID.NAME" = value.  Names and escaped values go to scratch; a
 * param that does not fit (EVENT_MAX_FIELDS, or scratch full because the
 * caller used some) is dropped: it is still in ev->sd.
 */
static void
sd_add_param(struct event *ev, struct str id, struct str name, struct str value, int esc)
{
	char buf[3 + SDNAME_MAX + 1 + SDNAME_MAX];
	size_t n = 0, need = 3 + id.n + 1 + name.n + 1 + (esc ? value.n + 1 : 0);
	struct str fname;

	if (ev->nfields >= EVENT_MAX_FIELDS || ev->scratch == NULL
	    || ev->scratch_cap - ev->scratch_len < need)
		return;
	memcpy(buf, "sd.", 3);
	n = 3;
	memcpy(buf + n, id.p, id.n);
	n += id.n;
	buf[n++] = '.';
	memcpy(buf + n, name.p, name.n);
	n += name.n;
	fname = event_scratch_put(ev, buf, n);
	if (esc) {
		value = event_scratch_put(ev, value.p, value.n);
		value.n = sd_unescape(ev->scratch + (value.p - ev->scratch), value.n);
	}
	event_add_field(ev, fname, value);
}

/* PARAM-NAME="PARAM-VALUE"; an unescaped ']' inside the quotes is tolerated. */
static int
parse_sd_param(struct event *ev, struct cur *c, struct str id)
{
	struct str name;
	const char *v;
	int esc = 0;

	if (parse_sd_name(c, &name) == -1 || cur_lit(c, '=') == -1 || cur_lit(c, '"') == -1)
		return -1;
	for (v = c->p; c->p < c->end && *c->p != '"'; c->p++) {
		if (*c->p == '\\' && c->p + 1 < c->end) {
			esc = 1;
			c->p++;
		}
	}
	if (c->p == c->end)
		return -1;
	sd_add_param(ev, id, name, str_make(v, (size_t)(c->p - v)), esc);
	c->p++;
	return 0;
}

/* [SD-ID *(SP SD-PARAM)] */
static int
parse_sd_element(struct event *ev, struct cur *c)
{
	struct str id;

	if (cur_lit(c, '[') == -1 || parse_sd_name(c, &id) == -1)
		return -1;
	for (;;) {
		if (c->p < c->end && *c->p == ']') {
			c->p++;
			return 0;
		}
		if (cur_lit(c, ' ') == -1 || parse_sd_param(ev, c, id) == -1)
			return -1;
	}
}

static int
parse_sd(struct event *ev, struct cur *c)
{
	const char *s = c->p;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	else {
		do {
			if (parse_sd_element(ev, c) == -1)
				return -1;
		} while (c->p < c->end && *c->p == '[');
		ev->sd = str_make(s, (size_t)(c->p - s));
	}
	if (c->p == c->end)
		return 0;
	return cur_lit(c, ' ');
}

/*
 * Structured data that does not parse ("eventSource= \"Application\"") costs
 * only itself: the fields it added are taken back, it stays at the start of
 * the message, and the event says so with EVENT_BAD_SD and the field
 * "malformed" = "structured-data", which rules can test.
 */
static void
parse_sd_or_keep(struct event *ev, struct cur *c)
{
	struct cur start = *c;
	size_t nfields = ev->nfields, scratch_len = ev->scratch_len;

	if (parse_sd(ev, c) == 0)
		return;
	*c = start;
	ev->nfields = nfields;
	ev->scratch_len = scratch_len;
	ev->sd = STR_EMPTY;
	ev->flags |= EVENT_BAD_SD;
	event_add_field(ev, STR_LIT("malformed"), STR_LIT("structured-data"));
}

/* After "<PRI>1 ": TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [SP MSG]. */
static int
parse_5424(struct event *ev, struct cur *c, const struct parse_ctx *ctx)
{
	struct str host;

	ev->flags |= EVENT_RFC5424;
	if (parse_5424_time(ev, c, ctx) == -1 || parse_5424_field(c, HOSTNAME_MAX, &host) == -1
	    || parse_5424_field(c, APPNAME_MAX, &ev->program) == -1
	    || parse_5424_field(c, PROCID_MAX, &ev->pid) == -1
	    || parse_5424_field(c, MSGID_MAX, &ev->msgid) == -1)
		return -1;
	parse_sd_or_keep(ev, c);
	if (host.n > 0)
		ev->host = host;
	if (cur_left(c) >= 3 && memcmp(c->p, "\xef\xbb\xbf", 3) == 0)
		c->p += 3;
	ev->message = str_make(c->p, cur_left(c));
	return 0;
}

/* <PRI>: one to three digits, at most 191 (facility 23, severity 7). */
static int
parse_pri(struct event *ev, struct cur *c)
{
	int pri = 0, n = 0;

	c->p++;
	for (; c->p < c->end && is_digit(*c->p) && n < 3; c->p++, n++)
		pri = pri * 10 + (*c->p - '0');
	if (n == 0 || cur_lit(c, '>') == -1 || pri > 191)
		return -1;
	ev->facility = pri >> 3;
	ev->severity = pri & 7;
	return 0;
}

/*
 * Without PRI we accept a text line, as found in log files; control bytes
 * (other than TAB and ESC for colours) or a non-ASCII first byte mean
 * binary garbage.
 */
static int
plain_text(const struct cur *c)
{
	unsigned bad = 0;

	if (c->p == c->end || (unsigned char)*c->p < 0x20 || (unsigned char)*c->p > 0x7e)
		return 0;
	/* No early exit: this way the compiler vectorizes the loop. */
	for (const char *p = c->p; p < c->end; p++)
		bad |= ((unsigned char)*p < 0x20) & (*p != '\t') & (*p != '\x1b');
	return !bad;
}

static int
parse_any(struct event *ev, struct cur *c, const struct parse_ctx *ctx)
{
	if (c->p < c->end && *c->p == '<') {
		if (parse_pri(ev, c) == -1) {
			ev->flags |= EVENT_NO_PRI;
			return -1;
		}
		if (cur_left(c) >= 2 && c->p[0] == '1' && c->p[1] == ' ') {
			c->p += 2;
			return parse_5424(ev, c, ctx);
		}
	} else {
		ev->flags |= EVENT_NO_PRI;
		if (!plain_text(c))
			return -1;
	}
	parse_3164(ev, c, ctx);
	return 0;
}

void
parse_syslog(struct event *ev, const char *raw, size_t len, const struct parse_ctx *ctx)
{
	struct str host = ev->host;
	size_t nfields = ev->nfields, scratch_len = ev->scratch_len;
	struct cur c;

	if (raw == NULL) {
		raw = "";
		len = 0;
	}
	ev->raw = str_make(raw, len);
	while (len > 0 && (raw[len - 1] == '\n' || raw[len - 1] == '\r' || raw[len - 1] == '\0'))
		len--;
	c.p = raw;
	c.end = raw + len;
	ev->facility = 1;
	ev->severity = 5;
	ev->ts_usec = ctx->now_usec;
	ev->tz_offset_min = 0;
	if (parse_any(ev, &c, ctx) == 0)
		return;

	/* Malformed; a PRI that was read is kept: it still routes the message. */
	ev->flags = (ev->flags & ~EVENT_RFC5424) | EVENT_MALFORMED | EVENT_NO_TIME;
	ev->ts_usec = ctx->now_usec;
	ev->tz_offset_min = 0;
	ev->host = host;
	ev->program = ev->pid = ev->msgid = ev->sd = STR_EMPTY;
	ev->message = str_make(raw, len);
	ev->nfields = nfields;
	ev->scratch_len = scratch_len;
}
