/*
 * fuzz_parse_syslog.c - libFuzzer target for parse_syslog().  Besides what
 * ASan and UBSan catch, it reads every byte of every slice the parser
 * returns and aborts unless the slice lies inside the input or the used
 * part of scratch, so a wrong length shows up even when it stays inside
 * some other allocation.  Then ingest's text repair runs over the event
 * and every text slot must come out valid UTF-8 without control bytes.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse_syslog.h"

#define NOW 1718452800000000LL /* 2024-06-15T12:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
inside(struct str s, const char *base, size_t n)
{
	uintptr_t p = (uintptr_t)s.p, b = (uintptr_t)base;

	return p >= b && p <= b + n && s.n <= b + n - p;
}

static void
touch(struct str s, const struct event *ev, const char *raw, size_t len)
{
	volatile unsigned char sum = 0;

	if (s.p == NULL)
		abort();
	if (s.n > 0 && !inside(s, raw, len) && !inside(s, ev->scratch, ev->scratch_len))
		abort();
	for (size_t i = 0; i < s.n; i++)
		sum += (unsigned char)s.p[i];
	(void)sum;
}

static void
check_event(const struct event *ev, const char *raw, size_t len)
{
	if (ev->facility < 0 || ev->facility > 23 || ev->severity < 0 || ev->severity > 7)
		abort();
	if (ev->scratch_len > ev->scratch_cap || ev->nfields > EVENT_MAX_FIELDS)
		abort();
	if (ev->raw.p != raw || ev->raw.n != len)
		abort();
	touch(ev->program, ev, raw, len);
	touch(ev->pid, ev, raw, len);
	touch(ev->msgid, ev, raw, len);
	touch(ev->sd, ev, raw, len);
	touch(ev->message, ev, raw, len);
	if (ev->host.p != ev->source.p)
		touch(ev->host, ev, raw, len);
	if ((ev->flags & EVENT_MALFORMED) && ev->message.p != raw)
		abort();
	for (size_t i = 0; i < ev->nfields; i++) {
		/* The parser's own fields: "seq" is a literal name, "malformed" a literal pair. */
		bool literal = str_eq_cstr(ev->fields[i].name, "malformed");
		if (!literal && !str_eq_cstr(ev->fields[i].name, "seq"))
			touch(ev->fields[i].name, ev, raw, len);
		if (!literal)
			touch(ev->fields[i].value, ev, raw, len);
	}
}

static void
check_clean(struct str s)
{
	if (!text_is_clean(s.p, s.n, TEXT_UTF8, TEXT_KEEP_TAB))
		abort();
}

static void
check_normalized(struct event *ev)
{
	ev->charset = ev->recv_usec & 1 ? TEXT_LATIN1 : TEXT_UTF8;
	event_normalize(ev);
	check_clean(ev->host);
	check_clean(ev->program);
	check_clean(ev->pid);
	check_clean(ev->msgid);
	check_clean(ev->sd);
	check_clean(ev->message);
	for (size_t i = 0; i < ev->nfields; i++) {
		check_clean(ev->fields[i].name);
		check_clean(ev->fields[i].value);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event ev;
	struct parse_ctx ctx;
	const char *raw = (const char *)data;

	/* Vary the clock and zone with the input so year guessing is exercised too. */
	ctx.now_usec = NOW + (int64_t)(size * 7919 % 400) * 86400 * USEC_PER_SEC;
	ctx.local_tz_offset_sec = (int32_t)(size % 27) * 3600 - 12 * 3600;
	event_reset(&ev, size + 64);
	ev.source = STR_LIT("local");
	ev.host = ev.source;
	ev.recv_usec = (int64_t)size;
	parse_syslog(&ev, raw, size, &ctx);
	check_event(&ev, raw, size);
	check_normalized(&ev);
	return 0;
}
