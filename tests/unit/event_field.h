/*
 * event_field.h - for the tests of inputs: assert that an event has a
 * field with a given value.  Included by one test program each.
 */
#ifndef TRIAGED_TEST_EVENT_FIELD_H
#define TRIAGED_TEST_EVENT_FIELD_H

#include <check.h>
#include <string.h>

#include "event.h"

static void
assert_event_field(const struct event *ev, const char *name, const char *want)
{
	struct str v;

	ck_assert_msg(event_get(ev, str_make(name, strlen(name)), &v) == 0, "no field %s", name);
	ck_assert_msg(str_eq_cstr(v, want), "%s = '%.*s', want '%s'", name, (int)v.n, v.p, want);
}

#endif
