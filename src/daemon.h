/*
 * daemon.h - the one context object.  Everything the daemon owns hangs off
 * struct daemon and is passed explicitly; there are no mutable globals.
 */
#ifndef TRIAGED_DAEMON_H
#define TRIAGED_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "loop_stats.h"
#include "oncall.h"

struct conf;
struct store;
struct batch;
struct pipeline;
struct inputs;
struct control;
struct outbox;
struct retention;
struct listenfds;
struct snmp_input;
struct journal_input;
struct statedir;
struct status_line;
struct eventlog;

struct daemon {
	sd_event *event;
	struct conf *conf; /* the running configuration; replaced whole on reload */
	/* The locked state directory: the one of the start, a reload does not move it. */
	struct statedir *statedir;
	char *conf_path;
	const char *user; /* -u: the user to become once the ports are bound, or NULL */
	struct listenfds *listenfds; /* sockets passed by systemd, until the inputs claim them */
	struct store *store;
	struct eventlog *eventlog; /* the raw-event log; NULL with event-log off */
	struct batch *batch; /* owns the write transaction; modules join it */
	struct status_line *status; /* systemd's STATUS= */
	struct pipeline *pipeline;
	struct outbox *outbox; /* deliveries upstream */
	struct retention *retention; /* prunes resolved incidents */
	struct inputs *inputs;
	struct snmp_input *snmp; /* SNMP trap listeners */
	struct journal_input *journal; /* the systemd journal, when the config reads it */
	struct control *control;
	struct heartbeat *heartbeat;
	struct failover *failover; /* failover-after: direct pages when the upstreams are gone */ /* pings to watchdog URLs; NULL when none is configured */
	struct web *web; /* the HTTP listener: ack links, /healthz; NULL when not configured */
	int64_t started_usec; /* realtime */
	uint64_t reloads, reload_failures;
	char *last_reload_error; /* why the last reload was refused, for status */
	struct oncall_stats oncall; /* on-call overrides added, removed ... (oncall.c) */
	struct loop_stats loop; /* how long each dispatch held the event loop */
};

/*
 * Open everything d->conf asks for.  On error *cause says why; the caller
 * still calls daemon_stop(), which copes with a half-built daemon.
 */
int daemon_start(struct daemon *d, char **cause);
/* Stop input, commit what is in flight, close and free everything. */
void daemon_stop(struct daemon *d);
/* Re-read the configuration; on any error the running one stays.  0 or -errno. */
int daemon_reload(struct daemon *d, char **cause);

#endif
