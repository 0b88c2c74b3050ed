/*
 * log.h - the daemon's own diagnostics: to stderr (foreground, -d) or to
 * the journal/syslog through stderr under systemd.  Library-level code does
 * not log; the caller that handles an error logs it once.
 */
#ifndef TRIAGED_LOG_H
#define TRIAGED_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

void log_init(bool debug, bool journal_prefix);
/* Who lines on a terminal are from: "triaged" unless a tool running daemon code says so. */
void log_set_name(const char *name);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like log_warnx with ": strerror(-err)" appended; err is a negative errno. */
void log_warn_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Rate-limited warning: at most one line per interval per limiter, then a
 * summary of how many were suppressed.  For bad input from the network.
 */
struct log_ratelimit {
	int64_t interval_usec;
	int64_t last_usec;
	unsigned long suppressed;
};
void log_ratelimited(struct log_ratelimit *rl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
