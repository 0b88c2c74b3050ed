/*
 * upstream_pagerduty.h - PagerDuty Events API v2: what to send for an
 * incident, and what an answer means for the delivery.  Pure: JSON text in
 * and out, no I/O (outbox.c sends through curl_glue).
 */
#ifndef TRIAGED_UPSTREAM_PAGERDUTY_H
#define TRIAGED_UPSTREAM_PAGERDUTY_H

#include <stddef.h>

#include "curl_glue.h"
#include "incident.h"
#include "outbox.h"

struct conf_upstream;

struct pagerduty_details {
	const char *component, *group, *class_; /* expanded templates, or NULL */
	const char *first_event, *last_event;	 /* messages, or NULL */
	const char *agent_host;			 /* the triaged host's name */
	const char *ack_url;			 /* its ack link (web.h), or NULL */
};

/*
 * The request body for action on inc, without the routing key (added at
 * send time, so the key never reaches the state database).  New string.
 */
char *pagerduty_payload(const struct conf_upstream *u, const struct incident *inc,
    enum outbox_action action, const struct pagerduty_details *det);

/* The body to POST: payload with routing_key set.  New string, or NULL if payload is bad. */
char *pagerduty_body(const char *payload, const char *routing_key);

/* PagerDuty's four severities from a syslog severity. */
const char *pagerduty_severity(int syslog_severity);

/* Classify an answer; *why (up to size) gets the reason for people. */
enum outbox_verdict pagerduty_classify(const struct http_response *resp, char *why, size_t size);

#endif
