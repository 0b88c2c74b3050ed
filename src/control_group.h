/*
 * control_group.h - what triagectl sees of groups (group-by): a parent's
 * members and a member's parent in `show`, the counters in `status`.
 */
#ifndef TRIAGED_CONTROL_GROUP_H
#define TRIAGED_CONTROL_GROUP_H

#include <jansson.h>

struct daemon;
struct incident;
struct store_txn;

#define CONTROL_GROUP_SHOW_MAX 100 /* members listed by show; the count says how many more */

/* Add to o, inc's JSON in show, its group (a parent) or its parent (a member), read in t. */
void control_group_show(struct daemon *d, struct store_txn *t, const struct incident *inc,
    json_t *o);
/* The group counters for status. */
json_t *control_group_status(struct daemon *d);

#endif
