/*
 * store_override.h - the overrides of on-call schedules that triagectl
 * adds (those of the config are in the config), in the caller's batch:
 * plain names and times, resolved against the running config by their
 * user (oncall.c), so a reload that drops a contact leaves them inert.
 * store_override_put with id 0 assigns the next id (persistent,
 * increasing).
 */
#ifndef TRIAGED_STORE_OVERRIDE_H
#define TRIAGED_STORE_OVERRIDE_H

#include <stdint.h>

#include "store.h"

#define STORE_OVERRIDE_NAME_MAX	   64  /* bytes of a schedule's or contact's name */
#define STORE_OVERRIDE_CREATOR_MAX 256 /* bytes of who added it */

struct store_override {
	uint64_t id;
	int64_t created, from, to; /* usec UTC; in force from `from` until `to` */
	char schedule[STORE_OVERRIDE_NAME_MAX + 1];
	char contact[STORE_OVERRIDE_NAME_MAX + 1];
	char creator[STORE_OVERRIDE_CREATOR_MAX + 1];
};

int store_override_put(struct store_txn *t, struct store_override *o);
int store_override_del(struct store_txn *t, uint64_t id); /* -ENOENT when absent */
typedef int (*store_override_cb)(const struct store_override *o, void *arg);
int store_override_foreach(struct store_txn *t, store_override_cb cb, void *arg); /* by id */
int store_override_count(struct store_txn *t, uint64_t *n);

#endif
