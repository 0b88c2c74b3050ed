/*
 * event_record.c - an event again from its raw-event log record (see
 * event_record.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "event_pack.h"
#include "event_record.h"
#include "parse_syslog.h"
#include "store.h"
#include "util.h"

static const struct conf_listen *
listener(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->nlistens; i++)
		if (strcmp(conf->listens[i].name, name) == 0)
			return &conf->listens[i];
	return NULL;
}

/* The sender's address back from its text, for `source` conditions. */
int
event_set_src(struct event *ev, const char *text)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&ev->src;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ev->src;

	memset(&ev->src, 0, sizeof(ev->src));
	ev->srclen = 0;
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		ev->srclen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		ev->srclen = sizeof(*sin6);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* A syslog record, parsed again as the listener of that name in this config reads it. */
static void
syslog_event(const struct conf *conf, const struct store_event *se, struct event *ev)
{
	const struct conf_listen *l = listener(conf, se->listener);
	struct parse_ctx pctx = { se->recv_usec, local_tz_offset(se->recv_usec) };

	event_reset(ev, se->raw_len + 64);
	ev->recv_usec = se->recv_usec;
	ev->listener = se->listener;
	ev->charset = l ? l->charset : TEXT_UTF8;
	ev->raw = str_make(se->raw, se->raw_len);
	ev->source = event_scratch_put(ev, se->source, strlen(se->source));
	(void)event_set_src(ev, se->source); /* "local" has none */
	/* The unix socket's lines name this host, which the record does not keep. */
	ev->host = strcmp(se->source, "local") == 0 ?
	    str_make(conf->hostname, strlen(conf->hostname)) : ev->source;
	parse_syslog(ev, se->raw, se->raw_len, &pctx);
}

/*
 * A trap or journal record: its event as the pipeline first saw it, with
 * the host a `host` block renamed given back, so this config's blocks
 * decide again.
 */
static void
packed_event(const struct store_event *se, struct event *ev, struct event_record_buf *b)
{
	struct str orig;

	if (se->packed_len > b->cap) {
		free(b->aligned);
		b->cap = se->packed_len;
		b->aligned = xmalloc(b->cap);
	}
	memcpy(b->aligned, se->packed, se->packed_len);
	memset(ev, 0, sizeof(*ev));
	event_unpack(ev, b->aligned);
	if (event_get(ev, STR_LIT(EVENT_ORIGINAL_HOST), &orig) == 0) {
		size_t n = 0;
		ev->host = orig;
		for (size_t i = 0; i < ev->nfields; i++)
			if (!str_eq(ev->fields[i].name, STR_LIT(EVENT_ORIGINAL_HOST)))
				ev->fields[n++] = ev->fields[i];
		ev->nfields = n;
	}
}

struct event *
event_from_record(const struct conf *conf, const struct store_event *se, struct event *own,
    struct event *view, struct event_record_buf *b)
{
	if (se->packed_len > 0) {
		packed_event(se, view, b);
		return view;
	}
	if (se->raw == NULL)
		return NULL;
	syslog_event(conf, se, own);
	return own;
}

void
event_record_buf_free(struct event_record_buf *b)
{
	free(b->aligned);
	b->aligned = NULL;
	b->cap = 0;
}
