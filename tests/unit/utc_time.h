/*
 * utc_time.h - the tests of schedules write instants as "2026-12-04T16:30"
 * UTC; this turns one into usec.
 */
#ifndef TRIAGED_UTC_TIME_H
#define TRIAGED_UTC_TIME_H

#include <check.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "util.h"

static inline int64_t
utc(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	ck_assert_ptr_nonnull(strptime(s, "%Y-%m-%dT%H:%M", &tm));
	return (int64_t)timegm(&tm) * USEC_PER_SEC;
}

#endif
