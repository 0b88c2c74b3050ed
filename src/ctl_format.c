/*
 * ctl_format.c - cells, times and ages for triagectl's tables (see
 * ctl_format.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl_format.h"
#include "util.h"

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026 */

int64_t
ctl_parse_time(const char *s)
{
	struct tm tm;
	int ms = 0, n = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &n) != 7 || s[n] != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	return (int64_t)t * USEC_PER_SEC + (int64_t)ms * USEC_PER_MSEC;
}

void
ctl_format_time(int64_t usec, bool utc, char *buf, size_t size)
{
	time_t t = (time_t)(usec / USEC_PER_SEC);
	struct tm tm;

	if (usec < 0 || (utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL ||
	    strftime(buf, size, utc ? "%Y-%m-%d %H:%M:%S UTC" : "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(buf, size, "-");
}

void
ctl_format_span(int64_t usec, char *buf, size_t size)
{
	static const struct {
		int64_t below, unit;
		char name;
	} units[] = {
		{ 60, 1, 's' }, { 3600, 60, 'm' }, { 48 * 3600, 3600, 'h' }, { INT64_MAX, 86400, 'd' },
	};
	int64_t s = (usec < 0 ? -usec : usec) / USEC_PER_SEC;
	size_t i;

	for (i = 0; s >= units[i].below; i++)
		;
	snprintf(buf, size, "%lld%c", (long long)(s / units[i].unit), units[i].name);
}

void
ctl_format_age(int64_t usec, int64_t now, char *buf, size_t size)
{
	char span[32];

	if (usec < 0) {
		snprintf(buf, size, "-");
		return;
	}
	if ((usec - now) / USEC_PER_SEC == 0) {
		snprintf(buf, size, "now");
		return;
	}
	ctl_format_span(usec - now, span, sizeof(span));
	snprintf(buf, size, usec > now ? "in %s" : "%s ago", span);
}

size_t
ctl_text_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

size_t
ctl_prefix_bytes(const char *s, size_t n)
{
	size_t b = 0;

	while (s[b] != '\0' && n > 0) {
		b++;
		while (((unsigned char)s[b] & 0xc0) == 0x80)
			b++;
		n--;
	}
	return b;
}

void
ctl_put_cell(FILE *f, const char *s, size_t width, bool pad)
{
	size_t w = ctl_text_width(s);

	if (width != CTL_NO_LIMIT && w > width) {
		if (width == 0)
			return;
		fwrite(s, 1, ctl_prefix_bytes(s, width - 1), f);
		fputs(ELLIPSIS, f);
		return;
	}
	fputs(s, f);
	for (; pad && width != CTL_NO_LIMIT && w < width; w++)
		fputc(' ', f);
}
