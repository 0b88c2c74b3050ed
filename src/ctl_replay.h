/*
 * ctl_replay.h - `triagectl replay`: the raw-event log of the configured
 * state directory run through the current configuration and, with
 * --config, a new one, each in a scratch store; what would change.  Runs
 * in triagectl, beside the daemon, reading the log read-only.
 */
#ifndef TRIAGED_CTL_REPLAY_H
#define TRIAGED_CTL_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ctl_replay_opts {
	const char *conf_path; /* the running configuration */
	const char *new_path;  /* the one to compare, or NULL */
	int64_t since;	       /* usec back from now */
	bool json;
	size_t limit; /* keys listed per section */
};

/* Print the comparison; 0, or 1 with a message on stderr (triagectl's exit status). */
int ctl_replay(const struct ctl_replay_opts *o);

#endif
