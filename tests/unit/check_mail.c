/*
 * check_mail.c - the e-mail of a page: its headers and body, hostile text
 * (CR, LF, NUL, other control bytes, non-ASCII, overlong) that must add no
 * header nor line, encoded-words that decode to the text, the payload the
 * outbox keeps, and what SMTP answers mean.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "incident.h"
#include "mail.h"
#include "util.h"

#include <jansson.h>

static struct incident inc;

static struct mail_page
page(void)
{
	memset(&inc, 0, sizeof(inc));
	inc.id = 42;
	strcpy(inc.key, "disk/sda");
	strcpy(inc.host, "db1");
	strcpy(inc.rule, "disk");
	strcpy(inc.summary, "db1 kernel: disk sda full");
	inc.count = 3;
	inc.first_seen = 1767225600LL * USEC_PER_SEC; /* 2026-01-01T00:00:00Z */
	return (struct mail_page){ .from = "triaged@it-host", .to = "alice@example.com",
		.agent = "it-host", .inc = &inc, .level = 1, .policy = "ops",
		.now = 1767225661LL * USEC_PER_SEC, .unique = 7 };
}

/* The header lines (up to the blank line), each checked to end in CRLF with no bare CR or LF. */
static size_t
header_lines(const char *m, char names[][32], size_t max)
{
	const char *end = strstr(m, "\r\n\r\n"), *p = m;
	size_t n = 0;

	ck_assert_ptr_nonnull(end);
	for (const char *q = m; *q; q++) {
		if (*q == '\r')
			ck_assert_int_eq(q[1], '\n');
		if (*q == '\n')
			ck_assert_int_eq(q[-1], '\r');
	}
	while (p < end) {
		const char *eol = strstr(p, "\r\n");
		if (*p != ' ' && n < max) {
			size_t k = strcspn(p, ":");
			snprintf(names[n++], 32, "%.*s", (int)k, p);
		}
		p = eol + 2;
	}
	return n;
}

START_TEST(test_page)
{
	struct mail_page pg = page();
	char *m = mail_render(&pg), names[16][32];
	size_t n = header_lines(m, names, 16);
	static const char *const want[] = { "Date", "Message-ID", "From", "To", "Subject",
		"MIME-Version", "Content-Type", "Content-Transfer-Encoding" };

	ck_assert_uint_eq(n, 8);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(names[i], want[i]);
	ck_assert_ptr_nonnull(strstr(m, "Date: Thu, 01 Jan 2026 00:01:01 +0000\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "Message-ID: <42.1767225661000000.7@it-host>\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "To: alice@example.com\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "Subject: [triaged] PAGE: db1 kernel: disk sda full\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "Summary:    db1 kernel: disk sda full\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "Host:       db1\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "Count:      3\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "First seen: 2026-01-01T00:00:00"));
	ck_assert_ptr_nonnull(strstr(m, "Paged by:   level 2 of policy ops\r\n"));
	ck_assert_ptr_null(strstr(m, "Acknowledge:"));
	free(m);
	pg.ack_link = "https://oncall.example.com/ack/AQAAAAAAAAAq";
	m = mail_render(&pg);
	ck_assert_ptr_nonnull(strstr(m, "Acknowledge: https://oncall.example.com/ack/AQAAAAAAAAAq\r\n"));
	free(m);
	pg.resolved = true;
	m = mail_render(&pg);
	ck_assert_ptr_nonnull(strstr(m, "Subject: [triaged] RESOLVED: db1"));
	ck_assert_ptr_null(strstr(m, "Paged by"));
	ck_assert_ptr_null(strstr(m, "Acknowledge:")); /* nothing left to ack */
	free(m);
}
END_TEST

/* Decode the encoded-words of a Subject line (UTF-8, base64) back into out. */
static void
decode_subject(const char *m, char *out, size_t size)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strstr(m, "Subject: ") + 9, *end = strstr(p, "\r\n\r\n");
	size_t o = 0;
	uint32_t v = 0;
	int bits = 0;

	while ((p = strstr(p, "=?UTF-8?B?")) != NULL && p < end) {
		for (p += 10; *p != '?'; p++) {
			if (*p == '=')
				continue;
			v = v << 6 | (uint32_t)(strchr(tab, *p) - tab);
			if ((bits += 6) >= 8 && o + 1 < size)
				out[o++] = (char)(v >> (bits -= 8) & 0xff);
		}
		ck_assert_int_eq(p[1], '=');
		/* Each word ends a line, and the next one is a folded continuation. */
		ck_assert(strncmp(p + 2, "\r\n =?", 5) == 0 || strncmp(p + 2, "\r\nMIME", 6) == 0);
		v = 0;
		bits = 0;
	}
	out[o] = '\0';
}

START_TEST(test_hostile)
{
	struct mail_page pg = page();
	char *m, names[16][32], subject[512];
	const char *h = "x\r\nBcc: evil@example.com\n\rX-A: \x01\x7f caf\xc3\xa9 \xe9\xff";

	snprintf(inc.summary, sizeof(inc.summary), "%s", h);
	snprintf(inc.host, sizeof(inc.host), "db\r\nBcc: evil@example.com");
	inc.summary[3] = '\0'; /* a NUL cuts the text: what follows it is never read */
	m = mail_render(&pg);
	ck_assert_uint_eq(header_lines(m, names, 16), 8);
	free(m);

	/* Without the NUL: no header is added, and the subject decodes to the cleaned text. */
	snprintf(inc.summary, sizeof(inc.summary), "%s", h);
	pg.agent = "it host\r\n\xc3\xa9";
	m = mail_render(&pg);
	ck_assert_uint_eq(header_lines(m, names, 16), 8);
	ck_assert_ptr_null(strstr(m, "\nBcc"));
	ck_assert_ptr_null(strstr(m, "\nX-A"));
	ck_assert_ptr_nonnull(strstr(m, "Subject: =?UTF-8?B?"));
	decode_subject(m, subject, sizeof(subject));
	ck_assert_str_eq(subject, "[triaged] PAGE: x#015#012Bcc: evil@example.com#012#015X-A: "
				  "#001#177 caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
	ck_assert_ptr_nonnull(strstr(m, "Host:       db#015#012Bcc: evil@example.com\r\n"));
	/* Message-ID keeps letters, digits, dots and dashes of the host's name. */
	ck_assert_ptr_nonnull(strstr(m, "@it-host-015-012-->\r\n"));
	free(m);
}
END_TEST

START_TEST(test_long)
{
	struct mail_page pg = page();
	char *m, subject[512];

	memset(inc.summary, 'a', INCIDENT_SUMMARY_MAX);
	inc.summary[0] = '\xc3';
	inc.summary[1] = '\xa9';
	inc.summary[INCIDENT_SUMMARY_MAX] = '\0';
	m = mail_render(&pg);
	decode_subject(m, subject, sizeof(subject));
	/* The subject is cut to MAIL_SUBJECT_TEXT_MAX bytes of the summary. */
	ck_assert_uint_eq(strlen(subject), strlen("[triaged] PAGE: ") + MAIL_SUBJECT_TEXT_MAX);
	/* Body lines stay within RFC 5322's 998. */
	for (const char *p = m; (p = strstr(p, "\r\n")) != NULL; p += 2)
		ck_assert_int_le(strcspn(p + 2, "\r"), 998);
	free(m);
}
END_TEST

START_TEST(test_payload)
{
	struct mail_page pg = page();
	char *s = mail_payload(&pg), *m = mail_render(&pg);
	const char *rcpt, *message;
	void *obj;

	ck_assert_int_eq(mail_payload_parse(s, &obj, &rcpt, &message), 0);
	ck_assert_str_eq(rcpt, "alice@example.com");
	ck_assert_str_eq(message, m);
	json_decref(obj);
	ck_assert_int_eq(mail_payload_parse("{\"rcpt\":1}", &obj, &rcpt, &message), -EBADMSG);
	json_decref(obj);
	ck_assert_int_eq(mail_payload_parse("not json", &obj, &rcpt, &message), -EBADMSG);
	json_decref(obj);
	free(s);
	free(m);
}
END_TEST

START_TEST(test_classify)
{
	char why[256];
	struct http_response r = { .status = 250, .error_text = "" };

	ck_assert_int_eq(mail_classify(&r, why, sizeof(why)), OUTBOX_DELIVERED);
	ck_assert_str_eq(why, "SMTP 250");
	r = (struct http_response){ .status = 0, .error = -ECONNREFUSED,
		.error_text = "Failed to connect" };
	ck_assert_int_eq(mail_classify(&r, why, sizeof(why)), OUTBOX_RETRY);
	ck_assert_str_eq(why, "Failed to connect");
	r = (struct http_response){ .status = 451, .error = -EIO, .error_text = "" };
	ck_assert_int_eq(mail_classify(&r, why, sizeof(why)), OUTBOX_RETRY);
	r.status = 550;
	ck_assert_int_eq(mail_classify(&r, why, sizeof(why)), OUTBOX_DEAD);
	r.status = 535;
	ck_assert_int_eq(mail_classify(&r, why, sizeof(why)), OUTBOX_HOLD);
	ck_assert_str_eq(why, "SMTP 535: Input/output error");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mail");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_page);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_long);
	tcase_add_test(tc, test_payload);
	tcase_add_test(tc, test_classify);
	suite_add_tcase(s, tc);
	return check_run(s);
}
