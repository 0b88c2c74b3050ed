/*
 * conf_load.h - helpers for the config tests: load a config from text and
 * expect success, or expect failure with a message.  Included by one test
 * program each, so the functions are static.
 */
#ifndef TRIAGED_TEST_CONF_LOAD_H
#define TRIAGED_TEST_CONF_LOAD_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

static struct conf *
load(const char *text)
{
	struct conf *conf = NULL;
	char *cause = NULL;

	if (conf_load_buffer("t.conf", text, strlen(text), &conf, &cause) < 0)
		ck_abort_msg("load failed: %s", cause);
	return conf;
}

/* The load fails and its message contains want. */
static void load_fails(const char *text, const char *want) __attribute__((unused));
static void
load_fails(const char *text, const char *want)
{
	struct conf *conf = NULL;
	char *cause = NULL;

	ck_assert_int_lt(conf_load_buffer("t.conf", text, strlen(text), &conf, &cause), 0);
	ck_assert_ptr_null(conf);
	ck_assert_msg(strstr(cause, want) != NULL, "'%s' not in '%s'", want, cause);
	free(cause);
}

#endif
