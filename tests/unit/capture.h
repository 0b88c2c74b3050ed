/*
 * capture.h - what a writer puts in a FILE, captured in memory for a
 * test to compare: capture_begin() gives the FILE, capture_end() the text
 * (the caller frees it).  Included by one test program each.
 */
#ifndef TRIAGED_TEST_CAPTURE_H
#define TRIAGED_TEST_CAPTURE_H

#include <check.h>
#include <stdio.h>

struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *
capture_begin(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	ck_assert_ptr_nonnull(c->f);
	return c->f;
}

static char *
capture_end(struct capture *c)
{
	ck_assert_int_eq(fclose(c->f), 0);
	return c->buf;
}

#endif
