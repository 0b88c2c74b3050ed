/*
 * text.c - UTF-8 validation, repair, Latin-1 decoding and control
 * character escaping.  Ingest runs every text field of every event through
 * here once; outputs that must not trust their input (logs, triagectl)
 * use the same code.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "util.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

int
text_charset_from_name(const char *name)
{
	if (strcasecmp(name, "utf-8") == 0 || strcasecmp(name, "utf8") == 0)
		return TEXT_UTF8;
	if (strcasecmp(name, "latin1") == 0 || strcasecmp(name, "latin-1") == 0 ||
	    strcasecmp(name, "iso-8859-1") == 0)
		return TEXT_LATIN1;
	return -1;
}

const char *
text_charset_name(enum text_charset cs)
{
	return cs == TEXT_LATIN1 ? "latin1" : "utf-8";
}

/*
 * One UTF-8 sequence at s (n > 0 bytes left).  Returns its length and the
 * code point, or the negated length of the maximal ill-formed subpart
 * (Unicode 3.9, "U+FFFD substitution of maximal subparts"): the bytes
 * that a well-formed sequence could still have started with.  *at_end says
 * the subpart is ill-formed only because the input ended.
 */
static int
utf8_next(const unsigned char *s, size_t n, uint32_t *cp, bool *at_end)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	uint32_t v;
	size_t need;

	*at_end = false;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2 || c > 0xf4)
		return -1; /* a continuation byte, an overlong lead, or past U+10FFFF */
	if (c < 0xe0) {
		need = 1;
		v = c & 0x1f;
	} else if (c < 0xf0) {
		need = 2;
		v = c & 0x0f;
		lo = c == 0xe0 ? 0xa0 : 0x80; /* no overlongs */
		hi = c == 0xed ? 0x9f : 0xbf; /* no surrogates */
	} else {
		need = 3;
		v = c & 0x07;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	}
	for (size_t i = 1; i <= need; i++) {
		if (i >= n) {
			*at_end = true;
			return -(int)i;
		}
		if (s[i] < lo || s[i] > hi)
			return -(int)i;
		lo = 0x80;
		hi = 0xbf;
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return (int)need + 1;
}

static bool
is_control(uint32_t cp, unsigned flags)
{
	if (cp == '\t')
		return !(flags & TEXT_KEEP_TAB);
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

static size_t
put_escape(char *out, uint32_t cp)
{
	out[0] = '#';
	out[1] = (char)('0' + ((cp >> 6) & 7));
	out[2] = (char)('0' + ((cp >> 3) & 7));
	out[3] = (char)('0' + (cp & 7));
	return 4;
}

/* A code point below U+0800 (all Latin-1 needs), as UTF-8. */
static size_t
put_small(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	out[0] = (char)(0xc0 | (cp >> 6));
	out[1] = (char)(0x80 | (cp & 0x3f));
	return 2;
}

bool
text_is_clean(const char *s, size_t n, enum text_charset cs, unsigned flags)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned tab_ok = (flags & TEXT_KEEP_TAB) != 0, odd = 0;
	uint32_t cp;
	bool at_end;

	/* No early exit: the compiler vectorizes this, and most lines are ASCII. */
	for (size_t i = 0; i < n; i++)
		odd |= ((u[i] < 0x20) & !(tab_ok & (u[i] == '\t'))) | (u[i] >= 0x7f);
	if (!odd)
		return true;
	if (cs != TEXT_UTF8)
		return false;
	for (size_t i = 0; i < n;) {
		int k = utf8_next(u + i, n - i, &cp, &at_end);
		if (k < 0 || is_control(cp, flags))
			return false;
		i += (size_t)k;
	}
	return true;
}

size_t
text_normalize(const char *s, size_t n, enum text_charset cs, unsigned flags, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;
	uint32_t cp;
	bool at_end;

	for (size_t i = 0; i < n;) {
		/* Runs of printable ASCII, most of any line, are copied without decoding. */
		if (u[i] >= 0x20 && u[i] < 0x7f) {
			out[o++] = s[i++];
			continue;
		}
		int k = cs == TEXT_LATIN1 ? 1 : utf8_next(u + i, n - i, &cp, &at_end);
		if (cs == TEXT_LATIN1)
			cp = u[i];
		if (k < 0) {
			if (at_end && (flags & TEXT_CUT))
				break; /* the sender's sequence was cut by a size limit, not broken */
			memcpy(out + o, REPLACEMENT, 3);
			o += 3;
			i += (size_t)-k;
			continue;
		}
		if (is_control(cp, flags))
			o += put_escape(out + o, cp);
		else if (cs == TEXT_LATIN1)
			o += put_small(out + o, cp);
		else {
			memcpy(out + o, s + i, (size_t)k);
			o += (size_t)k;
		}
		i += (size_t)k;
	}
	return o;
}

size_t
text_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	/* s[max] is the first byte left out; if it continues a sequence, leave that out too. */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

size_t
text_copy(char *dst, size_t size, const char *s, size_t n)
{
	if (size == 0)
		return 0;
	n = text_cut(s, n, size - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
	return n;
}

void
text_fix_tail(char *buf)
{
	size_t n = strlen(buf), j = n, want;
	unsigned char c;

	while (j > 0 && n - j < 4 && ((unsigned char)buf[j - 1] & 0xc0) == 0x80)
		j--;
	if (j == 0)
		return;
	c = (unsigned char)buf[j - 1];
	if (c < 0xc0)
		return; /* ASCII: whatever follows is not ours to judge */
	want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (n - (j - 1) < want)
		buf[j - 1] = '\0';
}

bool
text_is_utf8(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	bool at_end;

	for (size_t i = 0; i < n;) {
		int k = utf8_next(u + i, n - i, &cp, &at_end);
		if (k < 0)
			return false;
		i += (size_t)k;
	}
	return true;
}

char *
text_clean_dup(const char *s, size_t n)
{
	char *out = xmalloc(text_normalized_max(n) + 1);

	out[text_normalize(s, n, TEXT_UTF8, 0, out)] = '\0';
	return out;
}
