/*
 * input_journal.c - reads the systemd journal (or a directory of journal
 * files) through sd-journal.  The journal's inotify fd is an sd-event io
 * source, with a timer for sd_journal_get_timeout() and as a fallback poll;
 * each wakeup reads a bounded batch.  Before an entry is submitted its
 * cursor is written into the pipeline's open batch, so the entry and the
 * cursor commit together, and a restart resumes right after it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

#include "batch.h"
#include "conf.h"
#include "conf_journal.h"
#include "daemon.h"
#include "event.h"
#include "input_journal.h"
#include "log.h"
#include "pipeline.h"
#include "store.h"
#include "util.h"

#define JOURNAL_BATCH	   256		      /* entries per wakeup before yielding to the loop */
#define JOURNAL_POLL	   (1 * USEC_PER_SEC) /* re-check even when inotify says nothing */
#define JOURNAL_RETRY	   (1 * USEC_PER_SEC) /* after the store or the journal failed */
#define JOURNAL_MAX_FIELDS 40		      /* of EVENT_MAX_FIELDS; the rest for captures */
#define JOURNAL_VALUE_MAX  4096		      /* bytes kept of a field other than MESSAGE */
#define JOURNAL_NAME_MAX   64
#define JOURNAL_CURSOR_MAX 1024

struct journal_input {
	struct daemon *d;
	sd_journal *j;
	sd_event_source *io, *timer;
	char *last_cursor; /* of the last entry submitted; a reopen resumes after it */
	bool cursor_dirty; /* last_cursor is not in a batch yet: the next one writes it */
	bool current;	   /* positioned on an entry not yet submitted */
	struct event ev;
	struct log_ratelimit rl;
};

/* --- entries to events (no sd-journal below this line until the reader) --- */

void
journal_event_begin(struct event *ev, size_t max_message, int64_t now)
{
	event_reset(ev, max_message + JOURNAL_MAX_FIELDS * (JOURNAL_VALUE_MAX + JOURNAL_NAME_MAX + 2));
	ev->type = EVENT_JOURNAL;
	ev->flags = EVENT_NO_PRI;
	ev->facility = 1;
	ev->severity = 5;
	ev->ts_usec = ev->recv_usec = now;
	ev->source = STR_LIT("journal");
	ev->listener = "journal";
}

static bool
name_is(struct str name, const char *s)
{
	return str_eq_cstr(name, s);
}

/* A small number in a field value ("3"), or -1. */
static int
small_number(struct str v, int max)
{
	int n = 0;

	if (v.n == 0 || v.n > 2)
		return -1;
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		n = n * 10 + (v.p[i] - '0');
	}
	return n <= max ? n : -1;
}

/* The fixed parts of the event a field fills. */
static void
map_field(struct event *ev, struct str name, struct str value)
{
	int n;

	if (name_is(name, "MESSAGE"))
		ev->message = ev->raw = value;
	else if (name_is(name, "PRIORITY") && (n = small_number(value, 7)) >= 0) {
		ev->severity = n;
		ev->flags &= ~EVENT_NO_PRI;
	} else if (name_is(name, "SYSLOG_FACILITY") && (n = small_number(value, 23)) >= 0)
		ev->facility = n;
	else if (name_is(name, "_HOSTNAME"))
		ev->host = value;
	else if (name_is(name, "SYSLOG_IDENTIFIER"))
		ev->program = value;
	else if (name_is(name, "_PID"))
		ev->pid = value;
}

void
journal_event_add(struct event *ev, const void *data, size_t len, size_t max_message)
{
	const char *p = data, *eq = memchr(p, '=', len);
	size_t nlen, vlen, cap;
	struct str all;

	if (eq == NULL || eq == p || (nlen = (size_t)(eq - p)) > JOURNAL_NAME_MAX ||
	    ev->nfields >= JOURNAL_MAX_FIELDS)
		return;
	vlen = len - nlen - 1;
	cap = nlen == 7 && memcmp(p, "MESSAGE", 7) == 0 ? max_message : JOURNAL_VALUE_MAX;
	if (vlen > cap) {
		vlen = cap;
		if (cap == max_message)
			ev->flags |= EVENT_TRUNCATED;
	}
	if (ev->scratch_cap - ev->scratch_len < nlen + vlen + 2)
		return; /* cannot happen with the room begin made; never store half a name */
	all = event_scratch_put(ev, p, nlen + 1 + vlen);
	struct str name = str_make(all.p, nlen), value = str_make(all.p + nlen + 1, vlen);
	event_add_field(ev, name, value);
	map_field(ev, name, value);
}

void
journal_event_finish(struct event *ev, const char *hostname)
{
	struct str v;

	if (ev->program.n == 0 && event_get(ev, STR_LIT("_COMM"), &v) == 0)
		ev->program = v;
	if (ev->pid.n == 0 && event_get(ev, STR_LIT("SYSLOG_PID"), &v) == 0)
		ev->pid = v;
	if (ev->host.n == 0)
		ev->host = str_make(hostname, strlen(hostname));
}

/* --- the reader --- */

/* Read again after delay usec; delay < 0: when sd-journal asks, at most JOURNAL_POLL from now. */
static void
arm(struct journal_input *ji, int64_t delay)
{
	uint64_t now, t = UINT64_MAX;

	if (sd_event_now(ji->d->event, CLOCK_MONOTONIC, &now) < 0)
		now = (uint64_t)now_monotonic_usec();
	if (delay >= 0)
		t = now + (uint64_t)delay;
	else if (sd_journal_get_timeout(ji->j, &t) < 0 || t > now + JOURNAL_POLL)
		t = now + JOURNAL_POLL;
	sd_event_source_set_time(ji->timer, t);
	sd_event_source_set_enabled(ji->timer, SD_EVENT_ONESHOT);
}

/* The cursor last committed: 1 when there is one, 0 when none, -errno. */
static int
stored_cursor(struct journal_input *ji, char *buf, size_t size)
{
	struct store_txn *t;
	size_t n = 0;
	int r;

	if ((r = store_txn_begin(ji->d->store, false, &t)) < 0)
		return r;
	r = store_meta_get(t, JOURNAL_CURSOR_KEY, buf, size - 1, &n);
	store_txn_abort(t);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	buf[n] = '\0';
	return 1;
}

/*
 * The current entry's cursor becomes last_cursor, written by the batch's
 * prepare hook into the same commit as the entry's event, so a crash
 * neither skips nor repeats it.
 */
static int
put_cursor(struct journal_input *ji)
{
	char *cursor;
	int r;

	if ((r = sd_journal_get_cursor(ji->j, &cursor)) < 0)
		return r;
	free(ji->last_cursor);
	ji->last_cursor = cursor;
	ji->cursor_dirty = true;
	return 0;
}

static int
batch_prepare(struct store_txn *t, void *arg)
{
	struct journal_input *ji = arg;
	int r;

	if (!ji->cursor_dirty || ji->last_cursor == NULL)
		return 0;
	r = store_meta_put(t, JOURNAL_CURSOR_KEY, ji->last_cursor, strlen(ji->last_cursor));
	if (r < 0)
		return r;
	ji->cursor_dirty = false;
	return 1;
}


/* Position after cursor, or (NULL) at the head or the tail per c. */
static int
seek(struct journal_input *ji, const struct conf_journal *c, const char *cursor)
{
	int r;

	ji->current = false;
	if (cursor != NULL) {
		if ((r = sd_journal_seek_cursor(ji->j, cursor)) < 0 || (r = sd_journal_next(ji->j)) <= 0)
			return r;
		/* The entry itself was read; another one (it was vacuumed) was not. */
		ji->current = sd_journal_test_cursor(ji->j, cursor) <= 0;
		return 0;
	}
	if (c->start == CONF_JOURNAL_HEAD)
		return sd_journal_seek_head(ji->j);
	if ((r = sd_journal_seek_tail(ji->j)) < 0 || (r = sd_journal_previous(ji->j)) <= 0)
		return r;
	/* Remember "now" at once, so a restart before the first entry skips nothing older. */
	if ((r = put_cursor(ji)) < 0)
		return r;
	(void)batch_txn(ji->d->batch, BATCH_STATE); /* refused: a later batch writes it */
	return 0;
}

static int
submit(struct journal_input *ji)
{
	const struct conf *conf = ji->d->conf;
	struct event *ev = &ji->ev;
	char *prev = ji->last_cursor;
	const void *data;
	uint64_t ts;
	size_t len;
	int r;

	/* Noted first: a commit inside pipeline_submit takes the cursor with the event. */
	ji->last_cursor = NULL;
	if ((r = put_cursor(ji)) < 0) {
		ji->last_cursor = prev;
		return r;
	}
	journal_event_begin(ev, conf->max_message, now_realtime_usec());
	if (sd_journal_get_realtime_usec(ji->j, &ts) >= 0)
		ev->ts_usec = (int64_t)ts;
	sd_journal_restart_data(ji->j);
	while (sd_journal_enumerate_data(ji->j, &data, &len) > 0)
		journal_event_add(ev, data, len, conf->max_message);
	journal_event_finish(ev, conf->hostname);
	if ((r = pipeline_submit(ji->d->pipeline, ev)) < 0) {
		/* Not accepted (what waits for a refusing store is full): nor read, then. */
		free(ji->last_cursor);
		ji->last_cursor = prev;
		ji->cursor_dirty = prev != NULL;
		return r;
	}
	free(prev);
	return 0;
}

/* One bounded batch; the timer brings the rest. */
static void
read_batch(struct journal_input *ji)
{
	int64_t again = -1;
	int r = 0, n;

	if ((r = sd_journal_process(ji->j)) < 0)
		log_ratelimited(&ji->rl, "journal: %s", strerror(-r));
	for (n = 0; n < JOURNAL_BATCH; n++) {
		if (!ji->current && (r = sd_journal_next(ji->j)) <= 0)
			break;
		ji->current = true;
		if ((r = submit(ji)) < 0)
			break;
		ji->current = false;
	}
	if (n == JOURNAL_BATCH)
		again = 0; /* more waiting: after the other sources had their turn */
	if (r < 0) {
		log_ratelimited(&ji->rl, "journal: reading an entry failed: %s, retrying in 1s",
		    strerror(-r));
		again = JOURNAL_RETRY;
	}
	arm(ji, again);
}

static int
io_cb(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	read_batch(userdata);
	return 0;
}

static int
timer_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	read_batch(userdata);
	return 0;
}

static int
add_match(sd_journal *j, const char *field, const char *value)
{
	char *m;
	int r;

	xasprintf(&m, "%s%s", field, value);
	r = sd_journal_add_match(j, m, 0);
	free(m);
	return r;
}

/* Same field: any of them; different fields: all (sd-journal's rule). */
static int
add_matches(sd_journal *j, const struct conf_journal *c)
{
	char level[2] = { 0, 0 };
	int r = 0;

	for (int p = 0; p <= c->priority && r >= 0; p++) {
		level[0] = (char)('0' + p);
		r = add_match(j, "PRIORITY=", level);
	}
	for (size_t i = 0; i < c->nunits && r >= 0; i++)
		r = add_match(j, "_SYSTEMD_UNIT=", c->units[i]);
	for (size_t i = 0; i < c->nidentifiers && r >= 0; i++)
		r = add_match(j, "SYSLOG_IDENTIFIER=", c->identifiers[i]);
	for (size_t i = 0; i < c->nmatches && r >= 0; i++)
		r = add_match(j, "", c->matches[i]);
	return r;
}

static void
close_journal(struct journal_input *ji)
{
	ji->io = sd_event_source_disable_unref(ji->io);
	ji->timer = sd_event_source_disable_unref(ji->timer);
	sd_journal_close(ji->j);
	ji->j = NULL;
	ji->current = false;
}

/* Open c's journal into fresh (j, io, timer); on error nothing is left open. */
static int
open_journal(struct journal_input *ji, const struct conf_journal *c, struct journal_input *fresh,
    char **cause)
{
	const char *what = "add the filters to";
	int fd, r;

	fresh->d = ji->d;
	r = c->directory ? sd_journal_open_directory(&fresh->j, c->directory, 0) :
			   sd_journal_open(&fresh->j, SD_JOURNAL_LOCAL_ONLY);
	if (r < 0)
		what = "open";
	else if ((r = add_matches(fresh->j, c)) >= 0 && (fd = r = sd_journal_get_fd(fresh->j)) >= 0) {
		what = "watch";
		r = sd_journal_get_events(fresh->j);
		if (r >= 0)
			r = sd_event_add_io(ji->d->event, &fresh->io, fd, (uint32_t)r, io_cb, ji);
		if (r >= 0)
			r = sd_event_add_time(ji->d->event, &fresh->timer, CLOCK_MONOTONIC, 0, 0,
			    timer_cb, ji);
	}
	if (r < 0) {
		xasprintf(cause, "%s:%d: cannot %s the journal%s%s: %s", c->file, c->line, what,
		    c->directory ? " in " : "", c->directory ? c->directory : "", strerror(-r));
		close_journal(fresh);
	}
	return r;
}

/* Position the freshly opened journal; 0 or -errno with *cause set. */
static int
start_at(struct journal_input *ji, const struct conf_journal *c, const char **from, char **cause)
{
	char stored[JOURNAL_CURSOR_MAX];
	const char *cursor = ji->last_cursor;
	int r = 0;

	if (cursor == NULL && (r = stored_cursor(ji, stored, sizeof(stored))) > 0)
		cursor = stored;
	if (r >= 0)
		r = seek(ji, c, cursor);
	if (r < 0)
		xasprintf(cause, "%s:%d: cannot find where to start in the journal: %s", c->file,
		    c->line, strerror(-r));
	*from = cursor != NULL ? "after the last entry read" :
		c->start == CONF_JOURNAL_HEAD ? "from the start" : "from now on";
	return r;
}

int
journal_input_apply(struct journal_input *ji, const struct conf *conf, char **cause)
{
	const struct conf_journal *c = &conf->journal;
	struct journal_input fresh = { 0 }, old;
	const char *from;
	int r;

	if (ji->j != NULL && conf_journal_equal(c, &ji->d->conf->journal))
		return 0;
	if (!c->enabled) {
		if (ji->j != NULL)
			log_info("journal: no longer read");
		close_journal(ji);
		return 0;
	}
	if ((r = open_journal(ji, c, &fresh, cause)) < 0)
		return r;
	old = *ji;
	ji->j = fresh.j;
	ji->io = fresh.io;
	ji->timer = fresh.timer;
	if ((r = start_at(ji, c, &from, cause)) < 0) {
		close_journal(ji);
		ji->j = old.j; /* the old one keeps reading */
		ji->io = old.io;
		ji->timer = old.timer;
		ji->current = old.current;
		return r;
	}
	close_journal(&old);
	log_info("journal: reading %s%s, %s", c->directory ? "the files in " : "the local journal",
	    c->directory ? c->directory : "", from);
	arm(ji, ji->current ? 0 : -1);
	return 0;
}

/*
 * The batch is lost, the events read into it are not: the pipeline holds
 * them for the next batch, and the cursor goes with them again.
 */
static void
batch_rolled_back(void *arg)
{
	struct journal_input *ji = arg;

	ji->cursor_dirty = ji->last_cursor != NULL;
}

int
journal_input_new(struct daemon *d, struct journal_input **ret)
{
	struct journal_input *ji = xcalloc(1, sizeof(*ji));
	int r;

	ji->d = d;
	ji->rl.interval_usec = 10 * USEC_PER_SEC;
	r = batch_join(d->batch, &(struct batch_participant){ .name = "journal",
	    .prepare = batch_prepare, .rolled_back = batch_rolled_back, .arg = ji });
	if (r < 0) {
		free(ji);
		return r;
	}
	*ret = ji;
	return 0;
}

void
journal_input_free(struct journal_input *ji)
{
	if (ji == NULL)
		return;
	batch_flush(ji->d->batch); /* the cursor commits with the events read up to it */
	batch_leave(ji->d->batch, ji);
	close_journal(ji);
	event_free(&ji->ev);
	free(ji->last_cursor);
	free(ji);
}
