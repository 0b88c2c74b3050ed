/*
 * exec_child.h - programs run from the event loop without blocking it:
 * posix_spawn, the input written to a pipe at once (it fits the pipe's
 * buffer), the exit awaited on a pidfd, and a timeout that kills the
 * program's process group.  Each run ends in one callback, shaped like an
 * HTTP answer so the outbox treats it like one.
 */
#ifndef TRIAGED_EXEC_CHILD_H
#define TRIAGED_EXEC_CHILD_H

#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "curl_glue.h"

#define EXEC_INPUT_MAX (32 * 1024) /* bytes of input: within any pipe's buffer */

struct exec_runner;

struct exec_request {
	char *const *argv; /* argv[0] an absolute path */
	const char *input; /* copied into the pipe at once */
	size_t input_len; /* at most EXEC_INPUT_MAX */
	int64_t timeout_usec;
};

/*
 * The end of a run, in the callback's response: status the exit code, or
 * 128 + the signal that killed it; error -ETIMEDOUT (with error_text) when
 * the timeout killed it, -ECANCELED at exec_runner_free.
 */
int exec_runner_new(sd_event *event, struct exec_runner **ret);
/* NULL-safe: kills what runs and completes each with -ECANCELED. */
void exec_runner_free(struct exec_runner *x);
/* 0, or -errno when it could not be started (then cb is never called). */
int exec_run(struct exec_runner *x, const struct exec_request *req, http_done_cb cb, void *arg);
/* Programs running now. */
unsigned exec_running(const struct exec_runner *x);

#endif
