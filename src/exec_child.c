/*
 * exec_child.c - programs run from the loop (exec_child.h).  The program
 * gets a clean environment, /dev/null for output, no descriptor of ours,
 * default signal dispositions and a process group of its own, so the
 * timeout kills whatever it started too.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_child.h"
#include "util.h"

struct child {
	struct exec_runner *x;
	struct child *prev, *next;
	pid_t pid;
	int pidfd;
	sd_event_source *exit_src, *timer;
	int64_t timeout, started;
	bool timed_out;
	int spawn_error; /* posix_spawn's, reported from the loop */
	http_done_cb cb;
	void *arg;
};

struct exec_runner {
	sd_event *event;
	struct child *head;
	unsigned running;
};

int
exec_runner_new(sd_event *event, struct exec_runner **ret)
{
	struct exec_runner *x = xcalloc(1, sizeof(*x));

	x->event = sd_event_ref(event);
	*ret = x;
	return 0;
}

unsigned
exec_running(const struct exec_runner *x)
{
	return x ? x->running : 0;
}

static void
child_free(struct child *c)
{
	struct exec_runner *x = c->x;

	if (c->prev)
		c->prev->next = c->next;
	else
		x->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	x->running--;
	sd_event_source_disable_unref(c->exit_src);
	sd_event_source_disable_unref(c->timer);
	if (c->pidfd >= 0)
		close(c->pidfd);
	free(c);
}

/* Its end: reaped, reported once, forgotten. */
static void
finish(struct child *c, int error)
{
	struct http_response resp = { .error_text = "", .body = "" };
	char text[80], d[32];
	siginfo_t si = { 0 };

	if (c->pidfd >= 0 && waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &si, WEXITED) == 0)
		resp.status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	resp.elapsed_usec = now_monotonic_usec() - c->started;
	if (error == 0 && c->timed_out) {
		format_duration(c->timeout, d, sizeof(d));
		snprintf(text, sizeof(text), "timed out after %s, killed", d);
		resp.error = -ETIMEDOUT;
		resp.error_text = text;
	} else if (error != 0) {
		resp.error = error;
		snprintf(text, sizeof(text), "cannot run the program: %s", strerror(-error));
		resp.error_text = text;
	}
	c->cb(&resp, c->arg);
	child_free(c);
}

static int
exit_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	finish(userdata, 0);
	return 0;
}

/* It could not be started (its program gone since the config was read): said as a failure. */
static int
not_run_cb(sd_event_source *s, void *userdata)
{
	struct child *c = userdata;

	finish(c, c->spawn_error);
	return 0;
}

/* Past its time: the whole group is killed, and its exit reported as a timeout. */
static int
timeout_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct child *c = userdata;

	c->timed_out = true;
	if (c->pid > 0)
		kill(-c->pid, SIGKILL);
	return 0;
}

/* The input into a new pipe whose reading end is returned in *rfd; all of it, or -EMSGSIZE. */
static int
input_pipe(const char *input, size_t len, int *rfd)
{
	int p[2];
	ssize_t n;

	if (len > EXEC_INPUT_MAX)
		return -EMSGSIZE;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	n = len > 0 ? write(p[1], input, len) : 0;
	close(p[1]); /* the program reads the input, then its end */
	if (n < 0 || (size_t)n != len) {
		int r = n < 0 ? -errno : -EMSGSIZE;
		close(p[0]);
		return r;
	}
	/* The program's standard input blocks as usual. */
	if (fcntl(p[0], F_SETFL, 0) < 0) {
		int r = -errno;
		close(p[0]);
		return r;
	}
	*rfd = p[0];
	return 0;
}

static int
spawn(char *const *argv, int rfd, pid_t *pid)
{
	static char *const env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int r;

	sigemptyset(&none);
	sigfillset(&dfl);
	sigdelset(&dfl, SIGKILL);
	sigdelset(&dfl, SIGSTOP);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_adddup2(&fa, rfd, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(
	    &at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	r = -posix_spawn(pid, argv[0], &fa, &at, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return r;
}

static int
watch(struct exec_runner *x, struct child *c)
{
	int r;

	if ((c->pidfd = pidfd_open(c->pid, 0)) < 0)
		return -errno;
	if ((r = sd_event_add_io(x->event, &c->exit_src, c->pidfd, EPOLLIN, exit_cb, c)) < 0)
		return r;
	return sd_event_add_time_relative(
	    x->event, &c->timer, CLOCK_MONOTONIC, (uint64_t)c->timeout, 0, timeout_cb, c);
}

int
exec_run(struct exec_runner *x, const struct exec_request *req, http_done_cb cb, void *arg)
{
	struct child *c;
	int rfd = -1, r;

	if ((r = input_pipe(req->input, req->input_len, &rfd)) < 0)
		return r;
	c = xcalloc(1, sizeof(*c));
	*c = (struct child) { .x = x,
		.pidfd = -1,
		.timeout = req->timeout_usec,
		.started = now_monotonic_usec(),
		.cb = cb,
		.arg = arg,
		.next = x->head };
	r = spawn(req->argv, rfd, &c->pid);
	close(rfd);
	if (x->head)
		x->head->prev = c;
	x->head = c;
	x->running++;
	if (r < 0) {
		/* Reported like an exit, from the loop: the caller counts it as started. */
		c->pid = 0;
		c->spawn_error = r;
		r = sd_event_add_defer(x->event, &c->exit_src, not_run_cb, c);
	} else if ((r = watch(x, c)) < 0) {
		/* Not watched, so not left behind: killed and reaped here. */
		kill(-c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	if (r < 0) {
		child_free(c);
		return r;
	}
	return 0;
}

void
exec_runner_free(struct exec_runner *x)
{
	if (x == NULL)
		return;
	while (x->head != NULL) {
		if (x->head->pid > 0)
			kill(-x->head->pid, SIGKILL);
		finish(x->head, -ECANCELED);
	}
	sd_event_unref(x->event);
	free(x);
}
