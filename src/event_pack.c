/*
 * event_pack.c - an event as one flat record: the struct with its string
 * pointers turned into offsets, then the bytes of every string.  Only the
 * fields in use are kept.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "event_pack.h"

/* The header: the struct up to its fields in use. */
static size_t
head_size(size_t nfields)
{
	return offsetof(struct event, fields) + nfields * sizeof(struct event_field);
}

/* Every string slot, in one order for packing and unpacking. */
static size_t
slots(struct event *ev, struct str **out)
{
	struct str *fixed[] = { &ev->host, &ev->program, &ev->pid, &ev->msgid, &ev->sd,
		&ev->message, &ev->raw, &ev->source };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		out[n++] = fixed[i];
	for (size_t i = 0; i < ev->nfields; i++) {
		out[n++] = &ev->fields[i].name;
		out[n++] = &ev->fields[i].value;
	}
	return n;
}

#define MAX_SLOTS (8 + 2 * EVENT_MAX_FIELDS)

size_t
event_pack_size(const struct event *ev)
{
	struct str *s[MAX_SLOTS];
	size_t n = slots((struct event *)ev, s), size = head_size(ev->nfields);

	for (size_t i = 0; i < n; i++)
		size += s[i]->n;
	size += strlen(ev->listener ? ev->listener : "") + 1;
	return (size + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
}

void
event_pack(const struct event *src, char *buf)
{
	struct event *h = (struct event *)buf;
	struct str *s[MAX_SLOTS];
	size_t off = head_size(src->nfields), n;
	const char *listener = src->listener ? src->listener : "";

	memcpy(h, src, off);
	n = slots(h, s);
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + off, s[i]->p, s[i]->n);
		s[i]->p = (const char *)(uintptr_t)off; /* an offset until unpacked */
		off += s[i]->n;
	}
	memcpy(buf + off, listener, strlen(listener) + 1);
	h->listener = (const char *)(uintptr_t)off;
	off += strlen(listener) + 1;
	/* The padding to the size promised: a record written to disk carries no stray bytes. */
	memset(buf + off, 0, event_pack_size(src) - off);
}

void
event_unpack(struct event *ev, const char *buf)
{
	const struct event *h = (const struct event *)buf;
	struct str *s[MAX_SLOTS];
	size_t n;

	memcpy(ev, h, head_size(h->nfields));
	n = slots(ev, s);
	for (size_t i = 0; i < n; i++)
		s[i]->p = buf + (uintptr_t)s[i]->p;
	ev->listener = buf + (uintptr_t)h->listener;
	ev->scratch = ev->text = NULL;
	ev->scratch_len = ev->scratch_cap = ev->text_len = ev->text_cap = 0;
}
