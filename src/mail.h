/*
 * mail.h - the e-mail of a page: an RFC 5322 message (Date, Message-ID,
 * From, To, Subject, a plain-text UTF-8 body), what the outbox stores for
 * it, and what an SMTP answer means for the delivery.  Pure: text in and
 * out, no I/O (outbox.c sends through curl_glue).
 *
 * Whatever came from the network (the summary, the host, the key) is
 * cleaned again here: no CR, LF, NUL or other control byte reaches a
 * header or the body raw, and a header with non-ASCII text is written as
 * RFC 2047 encoded-words, so no text can add a header or a line.
 */
#ifndef TRIAGED_MAIL_H
#define TRIAGED_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "curl_glue.h"
#include "outbox.h"

struct incident;

#define MAIL_SUBJECT_TEXT_MAX 80 /* bytes of the summary in a subject */
#define MAIL_LINE_MAX	      900 /* bytes of one body line; RFC 5322 allows 998 */

struct mail_page {
	const char *from, *to; /* addr-specs, checked when the config was read */
	const char *agent;     /* the triaged host's name: Message-ID's right side, the body */
	const struct incident *inc;
	bool resolved;	       /* a "resolved" notice rather than a page */
	uint32_t level, round; /* of the page, from 0 */
	const char *policy;
	const char *ack_link;  /* the incident's ack link (web.h), or NULL */
	int64_t now;	       /* Date */
	uint64_t unique;       /* with the incident's id and now, Message-ID's left side */
};

/* The message, CRLF line ends.  New string. */
char *mail_render(const struct mail_page *pg);
/* What the outbox keeps: the recipient and the message, as JSON.  New string. */
char *mail_payload(const struct mail_page *pg);
/* Back: pointers into a new JSON object the caller frees (json_decref); -EBADMSG. */
int mail_payload_parse(const char *payload, void **obj, const char **rcpt, const char **message);
/* Classify an SMTP attempt; *why (up to size) gets the reason for people. */
enum outbox_verdict mail_classify(const struct http_response *resp, char *why, size_t size);

#endif
