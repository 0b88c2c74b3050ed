/*
 * upstream.h - what differs between kinds of upstream (PagerDuty, webhook,
 * Alertmanager):
 * the body queued for an incident's change, the request sent for it, and
 * what an answer means.  The outbox and the pipeline call these only.
 */
#ifndef TRIAGED_UPSTREAM_H
#define TRIAGED_UPSTREAM_H

#include <stddef.h>

#include "curl_glue.h"
#include "incident.h"
#include "outbox.h"
#include "upstream_alertmanager.h"
#include "upstream_pagerduty.h"

struct conf_upstream;

/* The payload kept in the outbox (no secret in it); cu NULL: PagerDuty's. New string. */
char *upstream_payload(const struct conf_upstream *cu, const struct incident *inc,
    enum outbox_action action, const struct pagerduty_details *det);

/*
 * The body to send for a stored payload, and one extra header line in
 * header (empty when none); NULL when the payload cannot be read back.
 * cur: the incident as it is now and its ack link, or NULL (Alertmanager's
 * re-sends carry them).  The body may hold a secret: wipe it after use.
 */
char *upstream_body(const struct conf_upstream *cu, const char *payload,
    const struct alertmanager_now *cur, char *header, size_t size);
/* Whether upstream_body wants the incident as it is now for a delivery of action. */
bool upstream_wants_current(const struct conf_upstream *cu, enum outbox_action action);

/* Alertmanager: how far ahead a firing alert's endsAt is set (4 resends, as Prometheus). */
int64_t upstream_ends_ahead(const struct conf_upstream *cu);

enum outbox_verdict upstream_classify(const struct conf_upstream *cu,
    const struct http_response *resp, char *why, size_t size);

#endif
