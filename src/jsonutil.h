/*
 * jsonutil.h - small jansson helpers shared by the control replies, the
 * outbox records and the upstream bodies.
 */
#ifndef TRIAGED_JSONUTIL_H
#define TRIAGED_JSONUTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A UTC time (usec) as an RFC 3339 string; null for "never" (<= 0). */
json_t *json_time(int64_t usec);

/*
 * A JSON string of text that should be valid UTF-8 but may not be (records
 * written before ingest repaired text, a file): jansson refuses such bytes
 * and returns NULL, so they are repaired here (U+FFFD) instead.  NULL s
 * gives "".  NULL only when jansson cannot allocate.
 */
json_t *json_text(const char *s);
json_t *json_textn(const char *s, size_t n);
/* json_text, then cut to at most max bytes between code points. */
json_t *json_text_cut(const char *s, size_t max);
/* o[k] as a string, "-" when absent or not one; as an integer, 0 when absent. */
const char *json_get_str(json_t *o, const char *k);
long long json_get_int(json_t *o, const char *k);

/*
 * json_dumps() that says why it failed: NULL (and *cause set to a static
 * phrase) when jansson could not encode o or o is NULL.
 */
char *json_encode(const json_t *o, size_t flags, const char **cause);

/*
 * Replace every string in o (recursively) that holds a control character
 * (TAB included) or bytes that are not UTF-8 by its escaped form ("#033"),
 * for output to a terminal.  Returns how many were replaced.
 */
size_t json_escape_controls(json_t *o);

/*
 * json_dumps() output escapes C0 controls but writes DEL and C1
 * (U+0080..U+009F) raw, which some terminals obey.  Rewrite those as
 * \u00XX (they occur only inside strings): a new string, or NULL when s
 * is NULL.
 */
char *json_escape_c1(const char *s);

#endif
