/*
 * notify.h - a page by SMS, chat webhook or program (e-mail is mail.h):
 * what the outbox stores for it, what goes out, and what an answer means.
 * Pure: text in and out, no I/O (outbox_page.c sends).
 *
 * Every page carries the summary, the host, the count, when it was first
 * seen and the ack link.  Whatever came from the network is cleaned again
 * here (control bytes escaped, valid UTF-8), and escaped for where it goes:
 * JSON by jansson, Slack's and Teams' markup (&, <, >) so no text can
 * mention @channel or make a link, a form body percent-encoded.
 */
#ifndef TRIAGED_NOTIFY_H
#define TRIAGED_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf_notifier.h"
#include "curl_glue.h"
#include "outbox.h"

struct incident;

#define NOTIFY_SMS_MAX 160 /* bytes one SMS segment holds (GSM-7); a page aims at it */
#define NOTIFY_TEXT_MAX 900 /* bytes of one field in a chat message or the program's JSON */
#define NOTIFY_EXEC_EXIT_TEMPFAIL 75 /* EX_TEMPFAIL: the program asks to be run again later */

struct notify_page {
	const struct incident *inc;
	const char *agent; /* the triaged host's name */
	const char *contact; /* who is paged */
	bool resolved; /* a "resolved" notice rather than a page */
	uint32_t level, round; /* of the page, from 0 */
	const char *policy;
	const char *ack_link; /* the incident's ack link (web.h), or NULL */
};

/*
 * SMS: the body (the summary first, then host, count, first seen and the
 * ack link; NOTIFY_SMS_MAX bytes when the link leaves room), and the
 * payload the outbox keeps ({"to", "body"}; the credentials are added when
 * it is sent).  New strings.
 */
char *notify_sms_body(const struct notify_page *pg);
char *notify_sms_payload(const struct notify_page *pg, const char *to);
/* The form Twilio's Messages API takes (To, From, Body), from a payload; NULL when bad. */
char *notify_sms_form(const char *payload, const char *from);
/* 201 sent; 400 and other 4xx dead with Twilio's code and message; 401/403/404 held. */
enum outbox_verdict notify_sms_classify(const struct http_response *resp, char *why, size_t size);

/* Chat: the webhook's JSON body, in format's shape.  New string. */
char *notify_chat_payload(const struct notify_page *pg, enum conf_chat_format format);
/* 2xx sent; 429 throttled; 5xx and transport failures retried; other 4xx dead. */
enum outbox_verdict notify_chat_classify(const struct http_response *resp, char *why, size_t size);

/* Exec: the JSON on the program's standard input.  New string. */
char *notify_exec_payload(const struct notify_page *pg);
/*
 * A run's end as exec_child.h reports it (status: the exit code, or 128 +
 * the signal; error -ETIMEDOUT when it was killed at its timeout): exit 0
 * sent, 75 and timeouts retried, other codes dead.
 */
enum outbox_verdict notify_exec_classify(const struct http_response *resp, char *why, size_t size);

#endif
