/*
 * markup.c - escaping for Markdown and HTML (see markup.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "markup.h"
#include "text.h"

/* The characters CommonMark or GitHub's Markdown act on inside a line. */
#define MD_INLINE "\\`*_{}[]<>#!|~&$@"

/* The length of a "1. " or "12)" that would open an ordered list at the start; 0 if none. */
static size_t
list_number(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > 9 || (s[n] != '.' && s[n] != ')'))
		return 0;
	return s[n + 1] == '\0' || s[n + 1] == ' ' ? n : 0;
}

/* GitHub makes "http://..." and "www...." links by themselves: not once escaped. */
static bool
autolink_at(const char *start, const char *p)
{
	if (*p == ':')
		return strncmp(p + 1, "//", 2) == 0;
	return *p == '.' && p - start >= 3 && strncasecmp(p - 3, "www", 3) == 0;
}

void
markup_md(FILE *f, const char *s)
{
	char *clean = text_clean_dup(s, strlen(s));
	size_t num = list_number(clean);

	for (const char *p = clean; *p != '\0'; p++) {
		bool block = p == clean && strchr("-+=", *p) != NULL;
		if (block || strchr(MD_INLINE, *p) != NULL || (num > 0 && p == clean + num) ||
		    autolink_at(clean, p))
			fputc('\\', f);
		fputc(*p, f);
	}
	free(clean);
}

void
markup_html(FILE *f, const char *s)
{
	char *clean = text_clean_dup(s, strlen(s));

	for (const char *p = clean; *p != '\0'; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*p, f); break;
		}
	}
	free(clean);
}
