/*
 * check_markup.c - Markdown and HTML escaping of hostile text: nothing a
 * renderer acts on survives unescaped, control characters and bytes that
 * are not UTF-8 are repaired, and plain text stays as it is.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture.h"
#include "check_run.h"
#include "markup.h"

/* What fn writes for s, in a buffer the caller frees. */
static char *
written(void (*fn)(FILE *, const char *), const char *s)
{
	struct capture c;

	fn(capture_begin(&c), s);
	return capture_end(&c);
}

static void
md_is(const char *s, const char *want)
{
	char *got = written(markup_md, s);

	ck_assert_str_eq(got, want);
	free(got);
}

static void
html_is(const char *s, const char *want)
{
	char *got = written(markup_html, s);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_md_inline)
{
	md_is("link eth1 down on sw1 (10.0.0.1:22)", "link eth1 down on sw1 (10.0.0.1:22)");
	md_is("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>");
	md_is("*bold* _it_ `code` ~~del~~", "\\*bold\\* \\_it\\_ \\`code\\` \\~\\~del\\~\\~");
	md_is("[click](http://evil) ![x](y)", "\\[click\\](http\\://evil) \\!\\[x\\](y)");
	md_is("a | b | c", "a \\| b \\| c");
	md_is("&amp; &#60; $x^2$ @admin #42", "\\&amp; \\&\\#60; \\$x^2\\$ \\@admin \\#42");
	md_is("back\\slash {attr}", "back\\\\slash \\{attr\\}");
	/* What GitHub would link by itself. */
	md_is("see http://x/y and WWW.example.com, 10:22 a:b",
	    "see http\\://x/y and WWW\\.example.com, 10:22 a:b");
	md_is("", "");
}
END_TEST

/* What would open a block at the start of a line is escaped there, and only there. */
START_TEST(test_md_block_start)
{
	md_is("- item", "\\- item");
	md_is("+ item", "\\+ item");
	md_is("=====", "\\=====");
	md_is("1. first", "1\\. first");
	md_is("12) twelfth", "12\\) twelfth");
	md_is("7.", "7\\.");
	md_is("# heading", "\\# heading");
	md_is("> quote", "\\> quote");
	md_is("eth0-1 up 1. fine", "eth0-1 up 1. fine");
	md_is("2026.12.04", "2026.12.04");
}
END_TEST

START_TEST(test_md_controls)
{
	md_is("red\x1b[31mx\ty\nz\r", "red\\#033\\[31mx\\#011y\\#012z\\#015");
	md_is("c1 \xc2\x9b end", "c1 \\#233 end");
	md_is("bad \xff\xfe utf8", "bad \xef\xbf\xbd\xef\xbf\xbd utf8");
	md_is("caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93");
}
END_TEST

START_TEST(test_html)
{
	html_is("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	html_is("a & b \"quoted\"", "a &amp; b &quot;quoted&quot;");
	html_is("&lt; stays text", "&amp;lt; stays text");
	html_is("\x1b]0;title\x07", "#033]0;title#007");
	html_is("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	html_is("*not markdown* | caf\xc3\xa9", "*not markdown* | caf\xc3\xa9");
}
END_TEST

static Suite *
markup_suite(void)
{
	Suite *s = suite_create("markup");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_md_inline);
	tcase_add_test(tc, test_md_block_start);
	tcase_add_test(tc, test_md_controls);
	tcase_add_test(tc, test_html);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(markup_suite());
}
