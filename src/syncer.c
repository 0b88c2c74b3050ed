/*
 * syncer.c - a thread that makes the state database durable (see
 * syncer.h).  The thread only calls store_state_sync and records how far
 * it got; everything else (logging, hooks, retries) happens on the loop,
 * woken through an eventfd, so the thread shares nothing with the loop but
 * the few counters under the mutex.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "syncer.h"
#include "util.h"

struct syncer {
	struct store *store;
	syncer_done_fn done;
	void *arg;
	sd_event_source *source; /* the eventfd, on the loop */
	int efd;
	pthread_t thread;
	bool started;

	/* Under mu, shared with the thread. */
	pthread_mutex_t mu;
	pthread_cond_t work;	/* a request, or stop */
	pthread_cond_t settled; /* a sync finished */
	uint64_t want;		/* the highest gen asked for */
	bool pending;		/* asked since the thread last took work */
	bool stop;
	uint64_t synced;	/* the highest gen made durable */
	uint64_t failures;	/* syncs that failed */
	uint64_t failed_gen;	/* what the last failed one was to cover */
	int failed_err;

	/* The loop's own: what it has told done() of. */
	uint64_t told_synced, told_failures;
};

static void
wake_loop(struct syncer *s)
{
	uint64_t one = 1;

	/* Only EAGAIN (the counter is at its maximum) can fail: the loop is awake then. */
	if (write(s->efd, &one, sizeof(one)) < 0)
		return;
}

static void *
run(void *arg)
{
	struct syncer *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->pending && !s->stop)
			pthread_cond_wait(&s->work, &s->mu);
		if (!s->pending)
			break; /* stopping, and nothing left to sync */
		uint64_t gen = s->want;
		s->pending = false;
		pthread_mutex_unlock(&s->mu);
		int r = store_state_sync(s->store);
		pthread_mutex_lock(&s->mu);
		if (r == 0 && gen > s->synced)
			s->synced = gen;
		else if (r < 0) {
			s->failures++;
			s->failed_gen = gen;
			s->failed_err = r;
		}
		pthread_cond_broadcast(&s->settled);
		wake_loop(s);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void
ask(struct syncer *s, uint64_t gen)
{
	if (gen > s->want)
		s->want = gen;
	s->pending = true;
	pthread_cond_signal(&s->work);
}

void
syncer_request(struct syncer *s, uint64_t gen)
{
	pthread_mutex_lock(&s->mu);
	ask(s, gen);
	pthread_mutex_unlock(&s->mu);
}

int
syncer_wait(struct syncer *s, uint64_t gen)
{
	int r = 0;

	pthread_mutex_lock(&s->mu);
	uint64_t failures = s->failures;
	if (s->synced < gen)
		ask(s, gen);
	while (s->synced < gen) {
		/* A sync that began before this request may fail without covering gen. */
		if (s->failures != failures && s->failed_gen >= gen) {
			r = s->failed_err;
			break;
		}
		pthread_cond_wait(&s->settled, &s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return r;
}

/* On the loop: tell done() what the thread did since last time, a failure before a success. */
static int
wake_cb(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct syncer *s = userdata;
	uint64_t n, synced, failures, failed_gen;
	int err;

	if (read(s->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn_errno(-errno, "syncer: reading its eventfd");
	pthread_mutex_lock(&s->mu);
	synced = s->synced;
	failures = s->failures;
	failed_gen = s->failed_gen;
	err = s->failed_err;
	pthread_mutex_unlock(&s->mu);
	if (failures != s->told_failures && failed_gen > synced) {
		s->told_failures = failures;
		s->done(failed_gen, err, s->arg);
	}
	if (synced > s->told_synced) {
		s->told_synced = synced;
		s->done(synced, 0, s->arg);
	}
	return 0;
}

int
syncer_new(sd_event *event, struct store *store, syncer_done_fn done, void *arg,
    struct syncer **ret)
{
	struct syncer *s = xcalloc(1, sizeof(*s));
	int r;

	s->store = store;
	s->done = done;
	s->arg = arg;
	s->efd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->settled, NULL);
	if ((s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		r = -errno;
		goto fail;
	}
	if ((r = sd_event_add_io(event, &s->source, s->efd, EPOLLIN, wake_cb, s)) < 0)
		goto fail;
	if ((r = -pthread_create(&s->thread, NULL, run, s)) < 0)
		goto fail;
	s->started = true;
	(void)pthread_setname_np(s->thread, "triaged-sync"); /* for top -H and perf */
	*ret = s;
	return 0;
fail:
	syncer_free(s);
	return r;
}

void
syncer_free(struct syncer *s)
{
	if (s == NULL)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->work);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	sd_event_source_disable_unref(s->source);
	if (s->efd >= 0)
		close(s->efd);
	pthread_cond_destroy(&s->settled);
	pthread_cond_destroy(&s->work);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
