/*
 * log.c - diagnostics to stderr.  Under systemd stderr goes to the journal,
 * so lines carry a "<N>" level prefix that journald turns into PRIORITY.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "text.h"
#include "util.h"

static bool log_debug_on;
static bool log_prefix;
static const char *log_name = "triaged";

void
log_init(bool debug, bool journal_prefix)
{
	log_debug_on = debug;
	log_prefix = journal_prefix;
}

void
log_set_name(const char *name)
{
	log_name = name;
}

/*
 * Arguments may quote what a sender wrote (a source, a key, an upstream's
 * answer): every line is made valid UTF-8 with control characters escaped
 * here, so none can forge a line, colour a terminal or confuse journald.
 */
static void
log_vemit(int level, const char *suffix, const char *fmt, va_list ap)
{
	char buf[2048], line[sizeof(buf) * TEXT_GROWTH + 1];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len;

	if (n < 0)
		n = 0;
	len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	len = text_normalize(buf, len, TEXT_UTF8, (size_t)n >= sizeof(buf) ? TEXT_CUT : 0, line);
	line[len] = '\0';
	if (log_prefix)
		fprintf(stderr, "<%d>%s%s\n", level, line, suffix ? suffix : "");
	else
		fprintf(stderr, "%s: %s%s\n", log_name, line, suffix ? suffix : "");
}

#define LOG_BODY(level, suffix)                 \
	do {                                    \
		va_list ap;                     \
		va_start(ap, fmt);              \
		log_vemit(level, suffix, fmt, ap); \
		va_end(ap);                     \
	} while (0)

void
log_debug(const char *fmt, ...)
{
	if (log_debug_on)
		LOG_BODY(7, NULL);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(6, NULL);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(4, NULL);
}

void
log_warn_errno(int err, const char *fmt, ...)
{
	char suffix[256];

	snprintf(suffix, sizeof(suffix), ": %s", strerror(err < 0 ? -err : err));
	LOG_BODY(4, suffix);
}

void
log_error(const char *fmt, ...)
{
	LOG_BODY(3, NULL);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(2, NULL);
	exit(1);
}

void
log_ratelimited(struct log_ratelimit *rl, const char *fmt, ...)
{
	int64_t now = now_monotonic_usec();

	if (rl->last_usec != 0 && now - rl->last_usec < rl->interval_usec) {
		rl->suppressed++;
		return;
	}
	if (rl->suppressed > 0)
		log_warnx("%lu similar messages suppressed", rl->suppressed);
	rl->suppressed = 0;
	rl->last_usec = now;
	LOG_BODY(4, NULL);
}
