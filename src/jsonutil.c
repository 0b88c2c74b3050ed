/*
 * jsonutil.c - small jansson helpers.
 */
#include "config.h"

#include "jsonutil.h"
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
