/*
 * util.c - small helpers with no dependencies beyond libc.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int
str_eq(struct str a, struct str b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

int
str_eq_cstr(struct str a, const char *b)
{
	size_t n = strlen(b);
	return a.n == n && memcmp(a.p, b, n) == 0;
}

int
str_caseeq_cstr(struct str a, const char *b)
{
	size_t n = strlen(b);
	return a.n == n && strncasecmp(a.p, b, n) == 0;
}

static void
oom(void)
{
	fputs("triaged: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		oom();
	size_t n = nmemb * size;
	void *p = realloc(ptr, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int n = vasprintf(ret, fmt, ap);
	if (n < 0)
		oom();
	return n;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return n;
}

size_t
strlcpy_t(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);
	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int
parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Split "123abc" into the number and its suffix; the number must not be empty. */
static int
split_number(const char *s, uint64_t *num, const char **suffix)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*num = v;
	*suffix = p;
	return 0;
}

int
parse_duration(const char *s, int64_t *usec)
{
	static const struct {
		const char *sfx;
		int64_t mul;
	} units[] = {
		{ "", USEC_PER_SEC },	   { "ms", USEC_PER_MSEC },
		{ "s", USEC_PER_SEC },	   { "m", 60 * USEC_PER_SEC },
		{ "h", 3600 * USEC_PER_SEC }, { "d", 86400 * USEC_PER_SEC },
		{ "w", 7 * 86400 * USEC_PER_SEC },
	};
	uint64_t v;
	const char *sfx;
	int r = split_number(s, &v, &sfx);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(sfx, units[i].sfx) != 0)
			continue;
		if (v > (uint64_t)INT64_MAX / (uint64_t)units[i].mul)
			return -ERANGE;
		*usec = (int64_t)v * units[i].mul;
		return 0;
	}
	return -EINVAL;
}

int
parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v, mul;
	const char *sfx;
	int r = split_number(s, &v, &sfx);

	if (r < 0)
		return r;
	if (strcmp(sfx, "") == 0 || strcmp(sfx, "B") == 0)
		mul = 1;
	else if (strcmp(sfx, "K") == 0 || strcmp(sfx, "k") == 0)
		mul = 1024;
	else if (strcmp(sfx, "M") == 0)
		mul = 1024 * 1024;
	else if (strcmp(sfx, "G") == 0)
		mul = 1024ULL * 1024 * 1024;
	else
		return -EINVAL;
	if (v > UINT64_MAX / mul)
		return -ERANGE;
	*bytes = v * mul;
	return 0;
}

void
format_duration(int64_t usec, char *buf, size_t size)
{
	static const struct {
		const char *sfx;
		int64_t len;
	} units[] = {
		{ "w", 7 * 86400 * USEC_PER_SEC }, { "d", 86400 * USEC_PER_SEC },
		{ "h", 3600 * USEC_PER_SEC },	     { "m", 60 * USEC_PER_SEC },
		{ "s", USEC_PER_SEC },	     { "ms", USEC_PER_MSEC },
	};
	size_t off = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (usec < USEC_PER_MSEC) {
		snprintf(buf, size, "0s");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(units) && off < size; i++) {
		int64_t q = usec / units[i].len;
		if (q == 0)
			continue;
		int n = snprintf(buf + off, size - off, "%" PRId64 "%s", q, units[i].sfx);
		if (n < 0)
			break;
		off += (size_t)n;
		usec -= q * units[i].len;
	}
}

void
format_rfc3339(int64_t usec, char *buf, size_t size)
{
	time_t t = (time_t)(usec / USEC_PER_SEC);
	struct tm tm;
	int ms = (int)((usec % USEC_PER_SEC) / USEC_PER_MSEC);

	if (usec < 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, size, "-");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

static int64_t
clock_usec(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

int64_t
now_realtime_usec(void)
{
	return clock_usec(CLOCK_REALTIME);
}

int64_t
now_monotonic_usec(void)
{
	return clock_usec(CLOCK_MONOTONIC);
}

uint64_t
hash64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
sockaddr_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	const void *a = NULL;

	if (ss->ss_family == AF_INET)
		a = &((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		/* A v4-mapped sender shows as plain IPv4, as people write it in rules. */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, (socklen_t)size);
			return;
		}
		a = &s6->sin6_addr;
	}
	if (a == NULL || inet_ntop(ss->ss_family, a, buf, (socklen_t)size) == NULL)
		strlcpy_t(buf, "unknown", size);
}

int32_t
local_tz_offset(int64_t usec)
{
	time_t t = (time_t)(usec / USEC_PER_SEC);
	struct tm tm;

	return localtime_r(&t, &tm) ? (int32_t)tm.tm_gmtoff : 0;
}

void
strbuf_put(struct strbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

void
strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_put(b, s, strlen(s));
}

int
read_upto(int fd, char *buf, size_t size, size_t *len)
{
	ssize_t n;

	*len = 0;
	while (*len < size) {
		n = read(fd, buf + *len, size - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}
