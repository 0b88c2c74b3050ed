/*
 * incident_key.h - which incident an event belongs to and how it is
 * summed up: the pipeline's choice, shared with `triagectl explain` so the
 * two cannot disagree.
 */
#ifndef TRIAGED_INCIDENT_KEY_H
#define TRIAGED_INCIDENT_KEY_H

#include <stddef.h>

struct event;
struct rule;

/*
 * The key: the rule's `key` template, else a stable hash of rule, host,
 * program and message (without program and message when the rule has a
 * resolve-on, so a "down" and its "up" share it).  rule NULL: the default
 * keep, under rule_name.  Fit to INCIDENT_KEY_MAX; key has room for it.
 */
void incident_key_of(const struct rule *rule, const char *rule_name, struct event *ev, char *key,
    size_t size);

/* The summary: the rule's `summary` template, else "HOST PROGRAM: MESSAGE". */
void incident_summary_of(const struct rule *rule, struct event *ev, char *buf, size_t size);

#endif
