/*
 * status_line.c - systemd's STATUS=, composed in one place (see
 * status_line.h): the state database first, then each upstream that is
 * down, for how long and how much waits for it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "batch.h"
#include "ctl_format.h"
#include "daemon.h"
#include "outbox.h"
#include "status_line.h"
#include "util.h"

struct status_line {
	struct daemon *d;
	char last[STATUS_LINE_MAX]; /* what systemd was told last */
};

/* Append to buf, which holds *off bytes; a line cut short is still a line. */
static void __attribute__((format(printf, 4, 5)))
put(char *buf, size_t size, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, size - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n;
}

void
status_line_compose(char *buf, size_t size, const struct status_inputs *in)
{
	size_t off = 0;
	char span[32];

	if (size == 0)
		return;
	buf[0] = '\0';
	if (in->degraded)
		put(buf, size, &off, "Degraded: the state database refuses writes (%s)",
		    in->store_error ? in->store_error : "unknown error");
	else
		put(buf, size, &off, "Running");
	for (size_t i = 0; i < in->nups; i++) {
		const struct status_upstream *u = &in->ups[i];
		ctl_format_span(u->down_for, span, sizeof(span));
		put(buf, size, &off, "; upstream %s %s for %s, %zu queued", u->name, u->state, span,
		    u->queued);
	}
	if (in->more > 0)
		put(buf, size, &off, "; %zu more upstream%s down", in->more, in->more == 1 ? "" : "s");
}

struct gather {
	struct status_upstream ups[STATUS_LINE_UPSTREAMS];
	struct status_inputs in;
	int64_t now;
};

static void
gather_cb(const struct outbox_health *h, void *arg)
{
	struct gather *g = arg;

	if (h->down_since == 0)
		return;
	if (g->in.nups == STATUS_LINE_UPSTREAMS) {
		g->in.more++;
		return;
	}
	g->ups[g->in.nups++] = (struct status_upstream){
		.name = h->name,
		.state = h->state == OUTBOX_UP_HELD ? "held" : "failing",
		.down_for = g->now - h->down_since,
		.queued = h->queued,
	};
}

static void
compose_now(struct status_line *s, char *buf, size_t size)
{
	const struct batch_stats *b = batch_get_stats(s->d->batch);
	struct gather g = { .now = now_realtime_usec() };

	g.in.ups = g.ups;
	g.in.degraded = b->degraded;
	g.in.store_error = b->last_error ? strerror(-b->last_error) : NULL;
	if (s->d->outbox != NULL)
		outbox_health_foreach(s->d->outbox, gather_cb, &g);
	status_line_compose(buf, size, &g.in);
}

void
status_line_update(struct status_line *s)
{
	char buf[STATUS_LINE_MAX];

	if (s == NULL)
		return;
	compose_now(s, buf, sizeof(buf));
	if (strcmp(buf, s->last) == 0)
		return;
	memcpy(s->last, buf, sizeof(buf));
	sd_notifyf(0, "STATUS=%s", buf);
}

void
status_line_notify(struct status_line *s, const char *fields)
{
	if (s == NULL)
		return;
	compose_now(s, s->last, sizeof(s->last));
	sd_notifyf(0, "%s\nSTATUS=%s", fields, s->last);
}

static void
batch_state_cb(void *arg)
{
	status_line_update(arg);
}

int
status_line_new(struct daemon *d, struct status_line **ret)
{
	struct status_line *s = xcalloc(1, sizeof(*s));
	int r;

	s->d = d;
	r = batch_join(d->batch, &(struct batch_participant){ .name = "status",
	    .state_changed = batch_state_cb, .arg = s });
	if (r < 0) {
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void
status_line_free(struct status_line *s)
{
	if (s == NULL)
		return;
	batch_leave(s->d->batch, s);
	free(s);
}
