/*
 * jsonutil.c - small jansson helpers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "text.h"
#include "util.h"

json_t *
json_time(int64_t usec)
{
	char buf[40];

	if (usec <= 0)
		return json_null();
	format_rfc3339(usec, buf, sizeof(buf));
	return json_string(buf);
}

json_t *
json_textn(const char *s, size_t n)
{
	json_t *j;
	char *fixed;
	size_t len;

	if (s == NULL)
		return json_string("");
	if ((j = json_stringn(s, n)) != NULL)
		return j;
	/* Control characters are legal in JSON (escaped by jansson): repair only the UTF-8. */
	fixed = xmalloc(text_normalized_max(n) + 1);
	len = text_normalize(s, n, TEXT_UTF8, TEXT_KEEP_TAB, fixed);
	j = json_stringn(fixed, len);
	free(fixed);
	return j;
}

json_t *
json_text(const char *s)
{
	return json_textn(s, s ? strlen(s) : 0);
}

json_t *
json_text_cut(const char *s, size_t max)
{
	json_t *j = json_text(s);
	size_t n = json_string_length(j);

	if (n > max)
		json_string_setn(j, json_string_value(j), text_cut(json_string_value(j), n, max));
	return j;
}

char *
json_encode(const json_t *o, size_t flags, const char **cause)
{
	char *s;

	if (o == NULL) {
		*cause = "a JSON value could not be built";
		return NULL;
	}
	if ((s = json_dumps(o, flags)) == NULL)
		*cause = "a JSON value could not be encoded";
	return s;
}

size_t
json_escape_controls(json_t *o)
{
	const char *k;
	json_t *v;
	size_t i, n = 0;

	if (json_is_object(o)) {
		json_object_foreach(o, k, v)
			n += json_escape_controls(v);
	} else if (json_is_array(o)) {
		json_array_foreach(o, i, v)
			n += json_escape_controls(v);
	} else if (json_is_string(o)) {
		const char *s = json_string_value(o);
		size_t len = json_string_length(o);
		if (!text_is_clean(s, len, TEXT_UTF8, 0)) {
			char *clean = text_clean_dup(s, len);
			json_string_set(o, clean);
			free(clean);
			n++;
		}
	}
	return n;
}

char *
json_escape_c1(const char *s)
{
	size_t n, o = 0, extra = 0;
	char *out;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	/* A reply may be megabytes of events: room for exactly what grows (2 -> 6, DEL 1 -> 6). */
	for (size_t i = 0; i < n; i++)
		extra += s[i] == 0x7f ? 5 : (unsigned char)s[i] == 0xc2 &&
		    (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f ? 4 : 0;
	out = xmalloc(n + extra + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i], d = (unsigned char)s[i + 1];
		if (c == 0xc2 && d >= 0x80 && d <= 0x9f) {
			o += (size_t)snprintf(out + o, 7, "\\u%04x", d);
			i++;
		} else if (c == 0x7f)
			o += (size_t)snprintf(out + o, 7, "\\u007f");
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

const char *
json_get_str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "-";
}

long long
json_get_int(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}
