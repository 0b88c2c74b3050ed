/*
 * upstream_webhook.h - a generic webhook upstream: a versioned JSON body
 * per trigger, acknowledge, resolve or update, optionally signed with
 * HMAC-SHA256 under a shared secret, retried like PagerDuty deliveries.
 * Pure: JSON text in and out, no I/O.  The body is documented in
 * triaged.conf(5); its "version" changes only when a field changes meaning.
 */
#ifndef TRIAGED_UPSTREAM_WEBHOOK_H
#define TRIAGED_UPSTREAM_WEBHOOK_H

#include <stddef.h>

#include "curl_glue.h"
#include "incident.h"
#include "outbox.h"
#include "upstream_pagerduty.h"

#define WEBHOOK_VERSION 1
#define WEBHOOK_SIGNATURE_HEADER "X-Triaged-Signature"

/* The body for action on inc; new string. */
char *webhook_payload(const struct incident *inc, enum outbox_action action,
    const struct pagerduty_details *det);

/*
 * The signature header for body under secret:
 * "X-Triaged-Signature: sha256=HEX" (lower-case hex of HMAC-SHA256).
 */
void webhook_signature(const char *secret, const char *body, size_t len, char *out, size_t size);

/* 2xx delivered; 429 throttled; 401/403/404 held; other 4xx dead; the rest retried. */
enum outbox_verdict webhook_classify(const struct http_response *resp, char *why, size_t size);

#endif
