/*
 * conf_oncall.h - the on-call part of the config: `contact "NAME" { ... }`
 * (who can be reached, and how) and `schedule "NAME" { ... }` (layers of
 * rotations naming contacts, and overrides), into conf->contacts and
 * conf->schedules.  A schedule may name contacts declared after it: the
 * names are resolved once the whole file is read.
 */
#ifndef TRIAGED_CONF_ONCALL_H
#define TRIAGED_CONF_ONCALL_H

#include <stddef.h>

#include "escalation.h"
#include "maintenance.h"
#include "schedule.h"

#define CONF_MAX_CONTACTS	      1000
#define CONF_MAX_SCHEDULES	      100
#define CONF_SCHEDULE_OVERRIDES_MAX 64 /* override statements in one schedule */
#define CONF_ONCALL_NAME_MAX	      64 /* bytes of a contact's, schedule's or layer's name */

struct conf;
struct lex;

/*
 * A contact's channels, each NULL when not given: checked now, for the
 * pages to come; shown by `triagectl oncall --json` so a person or a
 * script knows how to reach whoever is on call.
 */
struct conf_contact {
	char *name;
	char *email; /* addr-spec: local@domain, printable ASCII */
	char *sms;   /* E.164: "+" and 6 to 15 digits */
	char *chat;  /* a webhook URL, http:// or https:// */
	char tz[MAINTENANCE_TZ_MAX + 1]; /* "": not given */
	/*
	 * `notify CHANNEL [after DELAY]`, in the order given (by delay): how a
	 * page reaches them; by default e-mail at once when they have an
	 * address.  None: they cannot be paged.
	 */
	struct escalation_notify notify[ESCALATION_NOTIFY_MAX];
	size_t nnotify;
	char *file;  /* declared at file:line */
	int line;
};

/* A contact's name as written, to be resolved into *slot (an index into conf->contacts). */
struct conf_contact_ref {
	char *name;
	int *slot;
	int line;
};

struct conf_schedule {
	char *name;
	/* layers (SCHEDULE_LAYERS_MAX of them allocated) and overrides name contacts by index */
	struct schedule sched;
	char *layer_names[SCHEDULE_LAYERS_MAX];
	struct conf_contact_ref *refs; /* until resolved */
	size_t nrefs;
	char *file; /* declared at file:line */
	int line;
};

/* `contact "NAME" { ... }` and `schedule "NAME" { ... }`, the keyword read. */
int conf_contact_parse(struct lex *lx, struct conf *conf, char **cause);
int conf_schedule_parse(struct lex *lx, struct conf *conf, char **cause);
/* Once every file is read: the contacts schedules name; "FILE:LINE: unknown contact 'x'". */
int conf_oncall_resolve(struct conf *conf, char **cause);
/* The contact or schedule of that name, or NULL / -1. */
int conf_contact_index(const struct conf *conf, const char *name);
const struct conf_schedule *conf_schedule_find(const struct conf *conf, const char *name);
void conf_oncall_free(struct conf *conf);

#endif
