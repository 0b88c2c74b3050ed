/*
 * util.h - allocation wrappers, string slices, bounded number parsing and
 * time helpers shared by every module.  Nothing here does I/O.
 */
#ifndef TRIAGED_UTIL_H
#define TRIAGED_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define USEC_PER_SEC  1000000LL
#define USEC_PER_MSEC 1000LL

/* A borrowed, length-counted string; p is never NULL (points to "" when empty). */
struct str {
	const char *p;
	size_t n;
};

#define STR_EMPTY ((struct str){ "", 0 })
#define STR_LIT(s) ((struct str){ (s), sizeof(s) - 1 })

static inline struct str
str_make(const char *p, size_t n)
{
	return (struct str){ p, n };
}

int str_eq(struct str a, struct str b);
int str_eq_cstr(struct str a, const char *b);
int str_caseeq_cstr(struct str a, const char *b);

/* Abort on allocation failure: a daemon that cannot allocate 100 bytes cannot log either. */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
int xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));
int xvasprintf(char **, const char *, va_list) __attribute__((format(printf, 2, 0)));

/* Copy with truncation; returns strlen(src) like OpenBSD strlcpy. */
size_t strlcpy_t(char *dst, const char *src, size_t size);

/*
 * Bounded parsers.  Return 0 or -EINVAL/-ERANGE; never accept trailing junk.
 * Durations accept a number followed by ms, s, m, h, d or w (no suffix: seconds)
 * and yield microseconds.  Sizes accept K, M, G (powers of 1024) and yield bytes.
 */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
int parse_duration(const char *s, int64_t *usec);
/* The local zone's offset from UTC, in seconds, at usec (UTC): for times without a zone. */
int32_t local_tz_offset(int64_t usec);
int parse_size(const char *s, uint64_t *bytes);

/* Format a duration in microseconds as "1h30m", "250ms", "0s". */
void format_duration(int64_t usec, char *buf, size_t size);
/* Format a UTC timestamp (usec since epoch) as RFC 3339 with milliseconds. */
void format_rfc3339(int64_t usec, char *buf, size_t size);

int64_t now_realtime_usec(void);
int64_t now_monotonic_usec(void);

/* Read fd until size bytes or its end, retrying EINTR: 0 and *len, or -errno. */
int read_upto(int fd, char *buf, size_t size, size_t *len);

struct sockaddr_storage;
/* An address as people write it: IPv4, IPv6, a v4-mapped IPv6 as IPv4; "unknown" else. */
void sockaddr_text(const struct sockaddr_storage *ss, char *buf, size_t size);

/* 64-bit FNV-1a; used for stable keys, so it must never change. */
uint64_t hash64(const void *, size_t, uint64_t seed);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A growing string, always NUL-terminated once written to; s is the caller's to free. */
struct strbuf {
	char *s;
	size_t n, cap;
};
void strbuf_put(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);

#endif
