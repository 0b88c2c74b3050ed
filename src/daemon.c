/*
 * daemon.c - the daemon's life: build struct daemon in dependency order
 * (loop and signals, store, pipeline, inputs, control), reload it whole or
 * not at all, and tear it down in reverse, committing what is in flight.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/resource.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "batch.h"
#include "conf.h"
#include "conf_lint.h"
#include "control.h"
#include "daemon.h"
#include "eventlog.h"
#include "input_journal.h"
#include "input_snmp.h"
#include "input_syslog.h"
#include "failover.h"
#include "heartbeat.h"
#include "listenfds.h"
#include "log.h"
#include "outbox.h"
#include "pipeline.h"
#include "privdrop.h"
#include "retention.h"
#include "statedir.h"
#include "status_line.h"
#include "store.h"
#include "store_fault.h"
#include "util.h"
#include "web.h"

static bool
streq_null(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static void
store_opts_from(const struct conf *c, struct store_opts *o)
{
	o->map_size = c->map_size;
	o->commit_nosync = !c->commit_sync_inline;
}

/*
 * The raw-event log as c asks for it: opened, closed, or reopened with new
 * limits (closing writes what it holds first).  A log that cannot open is
 * said and left off: it is an aid, and the daemon runs without it.
 */
static void
eventlog_apply(struct daemon *d, const struct conf *old, const struct conf *c)
{
	struct eventlog_opts o = { c->state_dir, c->event_log_max_age, c->event_log_max_size, 0,
		false };
	char *cause = NULL;

	if (old != NULL && old->event_log == c->event_log && d->eventlog != NULL &&
	    old->event_log_max_age == c->event_log_max_age &&
	    old->event_log_max_size == c->event_log_max_size)
		return;
	eventlog_close(d->eventlog);
	d->eventlog = NULL;
	if (c->event_log && eventlog_open(d->event, &o, &d->eventlog, &cause) < 0) {
		log_warnx("%s; running without the raw-event log", cause);
		free(cause);
	}
}

/* The raw-event log of versions before the segments (an LMDB environment), read no more. */
static void
remove_old_eventlog(const char *state_dir)
{
	const char *files[] = { "data.mdb", "lock.mdb" };
	char path[PATH_MAX];
	bool removed = false;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/events/%s", state_dir, files[i]);
		removed |= unlink(path) == 0;
	}
	snprintf(path, sizeof(path), "%s/events", state_dir);
	if (removed && rmdir(path) == 0)
		log_info("removed %s, the raw-event log of an earlier version; the log is now "
			 "in %s/%s", path, state_dir, EVENTLOG_DIR);
}

static void
log_warning_cb(void *arg, const char *file, int line, const char *message)
{
	(void)arg;
	log_warnx("%s:%d: warning: %s", file, line, message);
}

/* What triaged -t warns about, logged once per load; it never stops a start or reload. */
static void
log_conf_warnings(const struct conf *conf)
{
	(void)conf_lint(conf, log_warning_cb, NULL);
}

/* Added, removed or moved: the socket bound at start stays until a restart. */
static bool
http_moved(const struct conf_http *a, const struct conf_http *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return a->salen != b->salen || memcmp(&a->sa, &b->sa, a->salen) != 0;
}

int
daemon_reload(struct daemon *d, char **cause)
{
	struct conf *fresh = NULL, *old = d->conf;
	struct store_opts so;
	int r;

	sd_notify(0, "RELOADING=1\nSTATUS=Reloading configuration");
	r = conf_load(d->conf_path, &fresh, cause);
	if (r >= 0)
		r = inputs_apply(d->inputs, fresh, cause);
	if (r >= 0)
		r = snmp_input_apply(d->snmp, fresh, cause);
	if (r >= 0)
		r = journal_input_apply(d->journal, fresh, cause); /* reopens only when changed */
	if (r < 0) {
		d->reload_failures++;
		free(d->last_reload_error);
		d->last_reload_error = xstrdup(*cause ? *cause : "unknown error");
		log_error("reload refused, the running configuration stays: %s", d->last_reload_error);
		conf_free(fresh);
		sd_notify(0, "READY=1\nSTATUS=Reload refused; running the previous configuration");
		return r;
	}
	if (strcmp(fresh->state_dir, old->state_dir) != 0 ||
	    strcmp(fresh->control_socket, old->control_socket) != 0 ||
	    fresh->commit_sync_inline != old->commit_sync_inline)
		log_warnx("state-dir, control-socket and commit-sync changes take effect at the next "
			  "restart");
	/* The socket file keeps its group until restarted; control-admin-group applies now. */
	if (!streq_null(fresh->control_group, old->control_group))
		log_warnx("control-group changes take effect at the next restart");
	if (http_moved(old->http, fresh->http))
		log_warnx("a new listen http address takes effect at the next restart; its url and "
			  "link-lifetime apply now");
	batch_flush(d->batch);
	d->conf = fresh;
	store_opts_from(fresh, &so);
	store_set_opts(d->store, &so);
	eventlog_apply(d, old, fresh);
	outbox_reconfigure(d->outbox);
	if (heartbeat_reconfigure(d, &d->heartbeat) < 0)
		log_warnx("the heartbeats could not be restarted after the reload");
	pipeline_reconfigured(d->pipeline, old);
	conf_free(old);
	d->reloads++;
	free(d->last_reload_error);
	d->last_reload_error = NULL;
	log_info("configuration reloaded from %s (%zu rules)", d->conf_path, fresh->nrules);
	log_conf_warnings(fresh);
	status_line_notify(d->status, "READY=1");
	return 0;
}

static int
signal_cb(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;
	char *cause = NULL;

	if (si->ssi_signo == SIGHUP) {
		daemon_reload(d, &cause);
		free(cause);
		return 0;
	}
	log_info("received %s, stopping", strsignal((int)si->ssi_signo));
	sd_notify(0, "STOPPING=1\nSTATUS=Stopping");
	return sd_event_exit(d->event, 0);
}

static void
unclaimed_cb(const char *name, const char *address, void *arg)
{
	log_warnx("no listen line takes the passed socket %s (%s), closing it", name, address);
}

/*
 * Bind (or adopt from systemd) every port, then with -u become the user:
 * everything after this runs unprivileged, LMDB included.
 */
static int
open_inputs(struct daemon *d, char **cause)
{
	const char *dirs[3] = { d->conf->state_dir, NULL, NULL };
	char *ctldir;
	int r;

	if ((r = listenfds_new(&d->listenfds)) < 0) {
		xasprintf(cause, "cannot take the sockets passed by systemd: %s", strerror(-r));
		return r;
	}
	if ((r = inputs_new(d, &d->inputs)) < 0 || (r = inputs_apply(d->inputs, d->conf, cause)) < 0)
		return r;
	if ((r = snmp_input_new(d, &d->snmp)) < 0 || (r = snmp_input_apply(d->snmp, d->conf, cause)) < 0)
		return r;
	if ((r = web_bind(d, &d->web, cause)) < 0)
		return r;
	/* Inputs of other kinds claim their passed sockets above this line. */
	listenfds_close_unclaimed(d->listenfds, unclaimed_cb, NULL);
	if (d->user == NULL)
		return 0;
	/* Below the state dir it is made now, to be given to the user with it. */
	if ((r = statedir_make_socket_dir(d->statedir, d->conf->control_socket)) < 0) {
		xasprintf(cause, "%scannot create the directory of the control socket %s: %s",
		    d->conf->control_socket_where, d->conf->control_socket, strerror(-r));
		return r;
	}
	ctldir = xstrdup(d->conf->control_socket);
	*strrchr(ctldir, '/') = '\0'; /* absolute, see conf.h */
	/* Made for the user like the state dir, when missing or ours by default. */
	if (ctldir[0] != '\0' &&
	    (access(ctldir, F_OK) < 0 || strcmp(ctldir, RUNSTATEDIR "/triaged") == 0))
		dirs[1] = ctldir;
	r = privdrop(d->user, dirs, cause);
	free(ctldir);
	if (r == 0)
		log_info("running as %s", d->user);
	return r;
}

/*
 * Every TCP connection is a descriptor, and the soft limit is often 1024
 * for the sake of select(), which nothing here uses (net-snmp is given
 * large fd sets).  Take the hard limit, but no more than max-connections
 * can use: code that sizes tables or loops by the limit pays for a huge one.
 */
#define NOFILE_MAX 65536

static void
raise_nofile(void)
{
	struct rlimit rl;
	rlim_t was;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	was = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max < NOFILE_MAX ? rl.rlim_max : NOFILE_MAX;
	if (was >= rl.rlim_cur)
		return;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_debug("cannot raise the open file limit from %llu: %s", (unsigned long long)was,
		    strerror(errno));
	else
		log_debug("raised the open file limit from %llu to %llu", (unsigned long long)was,
		    (unsigned long long)rl.rlim_cur);
}

static int
setup_signals(struct daemon *d)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(&mask, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if ((r = sd_event_add_signal(d->event, NULL, sigs[i], signal_cb, d)) < 0)
			return r;
	return 0;
}

/*
 * Lock the state dir d->conf names before any socket is bound or replaced,
 * net-snmp is set up or LMDB opened: a second triaged on it stops here,
 * harmless.  Then read the file again, now with trap names (net-snmp
 * writes in the state dir); it must name the same state dir.
 */
static int
lock_and_read(struct daemon *d, char **cause)
{
	struct conf *fresh;
	int r;

	if ((r = statedir_open(d->conf->state_dir, &d->statedir, cause)) < 0)
		return r;
	conf_set_oid_resolver(snmp_input_resolve_oid);
	if ((r = conf_load(d->conf_path, &fresh, cause)) < 0)
		return r;
	if (strcmp(fresh->state_dir, d->conf->state_dir) != 0) {
		xasprintf(cause, "%s: state-dir changed while triaged was starting", d->conf_path);
		conf_free(fresh);
		return -EINVAL;
	}
	conf_free(d->conf);
	d->conf = fresh;
	return 0;
}

int
daemon_start(struct daemon *d, char **cause)
{
	struct store_opts so;
	bool faults;
	int r;

	if ((r = lock_and_read(d, cause)) < 0)
		return r;
	/*
	 * A loop of its own, not sd_event_default(): libsystemd checks the
	 * default loop's thread with a gettid() system call every iteration.
	 */
	if ((r = sd_event_new(&d->event)) < 0 || (r = setup_signals(d)) < 0) {
		xasprintf(cause, "cannot set up the event loop: %s", strerror(-r));
		return r;
	}
	raise_nofile();
	if ((r = open_inputs(d, cause)) < 0)
		return r;
	store_opts_from(d->conf, &so);
	if ((r = store_open(d->conf->state_dir, &so, &d->store, cause)) < 0 ||
	    (r = store_fault_env(d->store, &faults, cause)) < 0)
		return r;
	if (faults)
		log_warnx("%s is set: the state database will fail on purpose", STORE_FAULT_ENVVAR);
	remove_old_eventlog(d->conf->state_dir);
	eventlog_apply(d, NULL, d->conf);
	if ((r = batch_new(d->event, d->store, &d->batch)) < 0 ||
	    (r = status_line_new(d, &d->status)) < 0 ||
	    (r = snmp_input_join(d->snmp, d->batch)) < 0) {
		xasprintf(cause, "cannot start the batch: %s", strerror(-r));
		return r;
	}
	if ((r = pipeline_new(d, &d->pipeline)) < 0) {
		xasprintf(cause, "cannot start the pipeline: %s", strerror(-r));
		return r;
	}
	if ((r = outbox_new(d, &d->outbox)) < 0) {
		xasprintf(cause, "cannot start the outbox: %s", strerror(-r));
		return r;
	}
	if ((r = failover_new(d, &d->failover)) < 0) {
		xasprintf(cause, "cannot start failover: %s", strerror(-r));
		return r;
	}
	if ((r = heartbeat_new(d, &d->heartbeat)) < 0) {
		xasprintf(cause, "cannot start the heartbeats: %s", strerror(-r));
		return r;
	}
	if ((r = retention_new(d, &d->retention)) < 0) {
		xasprintf(cause, "cannot start retention: %s", strerror(-r));
		return r;
	}
	/* After the store: it resumes from the cursor kept there. */
	if ((r = journal_input_new(d, &d->journal)) < 0 ||
	    (r = journal_input_apply(d->journal, d->conf, cause)) < 0)
		return r;
	if ((r = control_new(d, d->conf->control_socket, &d->control, cause)) < 0 ||
	    (r = web_start(d->web, cause)) < 0)
		return r;
	/* Pings systemd at half of WatchdogSec when the unit asks for it. */
	sd_event_set_watchdog(d->event, true);
	log_conf_warnings(d->conf);
	return 0;
}

void
daemon_stop(struct daemon *d)
{
	inputs_free(d->inputs); /* stop taking new input first */
	web_free(d->web);
	d->web = NULL;
	journal_input_free(d->journal); /* commits its cursor with the batch in flight */
	d->journal = NULL;
	if (d->batch)
		batch_sync(d->batch); /* answers the informs it commits */
	snmp_input_free(d->snmp);
	d->snmp = NULL;
	control_free(d->control);
	heartbeat_free(d->heartbeat);
	d->heartbeat = NULL;
	failover_free(d->failover);
	d->failover = NULL;
	retention_free(d->retention);
	d->retention = NULL;
	outbox_free(d->outbox);	/* requests in flight are sent again at the next start */
	d->outbox = NULL;
	pipeline_free(d->pipeline); /* commits the batch in flight */
	eventlog_close(d->eventlog); /* writes what it holds */
	d->eventlog = NULL;
	status_line_free(d->status);
	d->status = NULL;
	batch_free(d->batch);
	store_close(d->store);
	sd_event_unref(d->event);
	conf_free(d->conf);
	listenfds_free(d->listenfds);
	free(d->last_reload_error);
	/* Last: a successor must not bind sockets that the lines above unlink. */
	statedir_free(d->statedir);
	d->statedir = NULL;
}
