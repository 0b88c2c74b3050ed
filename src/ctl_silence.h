/*
 * ctl_silence.h - the control request of `triagectl silence add|list|expire`
 * from its command line.  Pure but for mktime() reading the local zone.
 */
#ifndef TRIAGED_CTL_SILENCE_H
#define TRIAGED_CTL_SILENCE_H

#include <jansson.h>
#include <stdint.h>

struct ctl_silence_opts {
	const char *comment, *start, *end; /* --comment, --start, --end; NULL when not given */
};

/*
 * The request for argv[0..argc) (the words after "silence"); NULL when
 * they are not one (the caller prints the usage), after a message on
 * stderr when there is more to say.
 */
json_t *ctl_silence_request(int argc, char **argv, const struct ctl_silence_opts *o);

/*
 * A time a person writes: 2026-12-24T09:00[:00] in local time, the same
 * with a Z for UTC, or with a space for the T; seconds since 1970 in
 * *out, or -1 after a message on stderr.
 */
int ctl_parse_when(const char *s, int64_t *out);

#endif
