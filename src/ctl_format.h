/*
 * ctl_format.h - how triagectl puts values in front of a person: cells cut
 * to a column width (between characters, with "…"), times in local time
 * with their zone (or UTC), and ages relative to now ("3m ago", "in 12s").
 * Pure functions over their arguments, so the tests pin every case.
 */
#ifndef TRIAGED_CTL_FORMAT_H
#define TRIAGED_CTL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CTL_NO_LIMIT SIZE_MAX /* a cell width: never cut (--wide) */

/* UTC usec of an RFC 3339 time as the daemon writes it ("...T09:38:14.123Z"); -1 if not one. */
int64_t ctl_parse_time(const char *s);

/* "2026-12-04 10:38:14 CET" in local time, or "... UTC"; "-" for a time that is not one. */
void ctl_format_time(int64_t usec, bool utc, char *buf, size_t size);

/* A length of time, whole units, sign dropped: "0s", "12s", "3m", "5h", "2d". */
void ctl_format_span(int64_t usec, char *buf, size_t size);

/* "now", "12s ago", "in 3m", "5h ago", "2d ago"; "-" for a time that is not one. */
void ctl_format_age(int64_t usec, int64_t now, char *buf, size_t size);

/* Characters (code points) in UTF-8 text: what a terminal shows as columns. */
size_t ctl_text_width(const char *s);

/* Bytes of s's first n characters (all of s when shorter): a cut between characters. */
size_t ctl_prefix_bytes(const char *s, size_t n);

/*
 * Write s cut to at most width characters, the last one "…" when it was
 * cut, then padded with spaces to width when pad.
 */
void ctl_put_cell(FILE *f, const char *s, size_t width, bool pad);

#endif
