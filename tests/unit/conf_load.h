/*
 * conf_load.h - helpers for the config tests: load a config from text and
 * expect success, or expect failure with a message.  Included by one test
 * program each, so the functions are static.
 */
#ifndef TRIAGED_TEST_CONF_LOAD_H
#define TRIAGED_TEST_CONF_LOAD_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "util.h"

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

/* A config with n copies of a line between head and tail; '#' in it becomes the copy's number. */
static char *repeated(const char *head, const char *line, int n, const char *tail)
    __attribute__((unused));
static char *
repeated(const char *head, const char *line, int n, const char *tail)
{
	size_t len = strlen(head) + strlen(tail) + (size_t)n * (strlen(line) + 16) + 1;
	char *buf = xcalloc(1, len);
	size_t off = (size_t)snprintf(buf, len, "%s", head);

	for (int i = 0; i < n; i++)
		for (const char *p = line; *p; p++)
			off += (size_t)(*p == '#' ? snprintf(buf + off, len - off, "%d", i) :
			    snprintf(buf + off, len - off, "%c", *p));
	snprintf(buf + off, len - off, "%s", tail);
	return buf;
}

static void limit(const char *head, const char *line, int max, const char *tail,
    const char *want) __attribute__((unused));
static void
limit(const char *head, const char *line, int max, const char *tail, const char *want)
{
	char *text = repeated(head, line, max, tail);
	struct conf *c = load(text);

	conf_free(c);
	free(text);
	text = repeated(head, line, max + 1, tail);
	load_fails(text, want);
	free(text);
}

#endif
