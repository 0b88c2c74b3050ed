/*
 * event.h - the normalized event every input produces and every later stage
 * consumes.  An event borrows: its strings point into the input's receive
 * buffer or into ev->scratch, so it lives only as long as that buffer, i.e.
 * for one trip through pipeline_submit().  Nothing here allocates.
 */
#ifndef TRIAGED_EVENT_H
#define TRIAGED_EVENT_H

#include <stdint.h>
#include <sys/socket.h>

#include "text.h"
#include "util.h"

enum event_source {
	EVENT_SYSLOG = 0,
	EVENT_TRAP,
	EVENT_JOURNAL,
};

/* Flags describing how the input was read. */
#define EVENT_MALFORMED 0x01u /* could not be parsed; message holds the raw text */
#define EVENT_RFC5424	0x02u /* parsed as RFC 5424 */
#define EVENT_NO_PRI	0x04u /* PRI was missing; facility/severity are defaults */
#define EVENT_NO_TIME	0x08u /* no timestamp in the message; ts = received time */
#define EVENT_TRUNCATED 0x10u /* the input cut the message at the size limit */
#define EVENT_BAD_SD	0x20u /* RFC 5424 header read, structured data not: it starts the message */

/*
 * Named values beyond the fixed ones: RFC 5424 structured data params
 * ("sd.ID.PARAM"), the Cisco sequence number ("seq"), "malformed" =
 * "structured-data" beside EVENT_BAD_SD, trap varbinds, and the named
 * captures a rule's regex adds while it is evaluated.
 */
#define EVENT_MAX_FIELDS 64

/*
 * The field that keeps the host an event came with when a host alias gave
 * it its device's canonical name (hosts.c); without it, it reads as host.
 */
#define EVENT_ORIGINAL_HOST "original-host"

struct event_field {
	struct str name;
	struct str value;
};

struct event {
	enum event_source type; /* which input kind produced it */
	unsigned flags;

	int facility; /* 0..23; 1 (user) when PRI is missing, as RFC 3164 says */
	int severity; /* 0..7;  5 (notice) when PRI is missing */

	int64_t ts_usec;	   /* the message's own time, UTC; recv_usec when absent */
	int32_t tz_offset_min;	   /* offset the sender stated (RFC 5424/ISO), else 0 */
	int64_t recv_usec;	   /* when triaged received it, UTC */

	/*
	 * HOSTNAME, else the sender's address as text; a trap's agent (hosts.c
	 * then gives it the device's canonical name, see EVENT_ORIGINAL_HOST).
	 */
	struct str host;
	struct str program; /* APP-NAME / TAG; "" when absent */
	struct str pid;	    /* PROCID; "" when absent */
	struct str msgid;   /* MSGID; "" when absent */
	struct str sd;	    /* raw STRUCTURED-DATA text; "" for NILVALUE */
	struct str message; /* MSG without BOM; the whole raw text when malformed */
	struct str raw;	    /* the bytes as received */

	/* Sender's address; ss_family == AF_UNSPEC for the local unix socket. */
	struct sockaddr_storage src;
	socklen_t srclen;
	struct str source; /* src as text ("192.0.2.1", "::1"), "local" for unix */
	const char *listener; /* name of the listener it came in on, for counters */
	enum text_charset charset; /* how the input's bytes are read (the listener's `charset`) */

	size_t nfields;
	struct event_field fields[EVENT_MAX_FIELDS];

	/*
	 * Room for decoded text (escaped SD values, the sender's address as
	 * text).  Parsers append here; they never need more than raw.n + 64.
	 */
	char *scratch;
	size_t scratch_len, scratch_cap;

	/* The repaired copies event_normalize() makes of fields that need it; grows, reused. */
	char *text;
	size_t text_len, text_cap;
};

/* Reset ev for reuse, keeping its scratch buffer; caps scratch at >= need bytes. */
void event_reset(struct event *ev, size_t need);
void event_free(struct event *ev);

/*
 * Make every text of ev (host, program, pid, msgid, sd, message, source,
 * field names and values) valid UTF-8 with control characters escaped,
 * reading bytes as ev->charset says (see text.h).  Fields that are clean
 * already, nearly all of them, are left where they are; the others are
 * repointed into ev->text.  ev->raw stays the bytes as received.  The
 * pipeline does this first, so no input can forget it.
 */
void event_normalize(struct event *ev);

/* Append a field; returns -ENOSPC when EVENT_MAX_FIELDS is reached. */
int event_add_field(struct event *ev, struct str name, struct str value);
/* Look a field up by name, including the fixed ones (host, program, ...). */
int event_get(const struct event *ev, struct str name, struct str *value);

/* Copy bytes into scratch and return the slice; the caller sized scratch. */
struct str event_scratch_put(struct event *ev, const char *p, size_t n);

const char *event_facility_name(int facility);	 /* "kern", ..., "local7" */
const char *event_severity_name(int severity);	 /* "emerg", ..., "debug" */
int event_facility_from_name(const char *name); /* -1 when unknown */
int event_severity_from_name(const char *name); /* -1 when unknown; accepts "warn", "error" */

#endif
