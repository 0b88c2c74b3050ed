/*
 * text.h - text from the network made safe once, at ingest: valid UTF-8
 * with control characters escaped, and cut only between code points.
 * Every later output (JSON, logs, terminals, mail headers) can then trust
 * what it prints.  Pure functions over byte ranges; only text_clean_dup()
 * allocates.
 */
#ifndef TRIAGED_TEXT_H
#define TRIAGED_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* How a listener's bytes are to be read. */
enum text_charset {
	TEXT_UTF8 = 0, /* invalid sequences become U+FFFD */
	TEXT_LATIN1,   /* each byte is ISO-8859-1: 0xE9 is U+00E9 */
};

/* text_normalize() flags. */
#define TEXT_CUT  0x01u /* the input was cut: drop an incomplete last sequence, no U+FFFD */
#define TEXT_KEEP_TAB 0x02u /* leave TAB as it is (ingest does, as rsyslog does) */

/*
 * The most text_normalize() can write for n input bytes: a control byte
 * becomes four ("#033"), an invalid byte three (U+FFFD).
 */
#define TEXT_GROWTH 4
static inline size_t
text_normalized_max(size_t n)
{
	return n * TEXT_GROWTH;
}

/* "utf-8" / "latin1" (also "iso-8859-1"); -1 when unknown. */
int text_charset_from_name(const char *name);
const char *text_charset_name(enum text_charset cs);

/*
 * Whether s needs no change: printable ASCII and TAB only (the common
 * case, checked without branches), or valid UTF-8 without control
 * characters when cs is TEXT_UTF8.
 */
bool text_is_clean(const char *s, size_t n, enum text_charset cs, unsigned flags);

/*
 * Write s[0..n) to out as valid UTF-8: invalid sequences (each maximal
 * ill-formed subpart) become U+FFFD, Latin-1 bytes are decoded, and the
 * control characters C0, DEL and C1 (U+0080..U+009F) become '#' and three
 * octal digits of the code point, as rsyslog's EscapeControlCharactersOnReceive
 * writes them ("\033" -> "#033").  out must have text_normalized_max(n)
 * bytes; it is not NUL-terminated.  Returns the length written.
 */
size_t text_normalize(const char *s, size_t n, enum text_charset cs, unsigned flags, char *out);

/*
 * The longest prefix of s[0..n), at most max bytes, that does not end
 * inside a UTF-8 sequence.  For text already valid, so that a cut keeps it so.
 */
size_t text_cut(const char *s, size_t n, size_t max);

/*
 * Copy s[0..n) to dst (size bytes, always NUL-terminated when size > 0),
 * cut between code points.  Returns the bytes copied.
 */
size_t text_copy(char *dst, size_t size, const char *s, size_t n);

/* After an snprintf that may have cut buf mid-sequence: drop the partial tail. */
void text_fix_tail(char *buf);

/*
 * A new NUL-terminated copy of s[0..n) normalized as UTF-8 (TAB escaped
 * too): for text that arrives after ingest, such as an upstream's error
 * message, before it is stored or shown.
 */
char *text_clean_dup(const char *s, size_t n);

/* Whether s[0..n) is valid UTF-8 (control characters allowed). */
bool text_is_utf8(const char *s, size_t n);

#endif
