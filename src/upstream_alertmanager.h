/*
 * upstream_alertmanager.h - Prometheus Alertmanager's API v2: the alert
 * for an incident, the body POSTed to /api/v2/alerts, the Watchdog alert
 * of `heartbeat every D`, and what an answer means.  Pure: JSON text in
 * and out, no I/O (the outbox sends, heartbeat.c pings).
 *
 * Alertmanager forgets an alert whose endsAt has passed, so a firing alert
 * is stored without one and gets "now + ahead" each time it is sent; the
 * outbox sends it again well before that (conf resend).  A resolve keeps
 * the endsAt it was made with.
 */
#ifndef TRIAGED_UPSTREAM_ALERTMANAGER_H
#define TRIAGED_UPSTREAM_ALERTMANAGER_H

#include <stddef.h>
#include <stdint.h>

#include "curl_glue.h"
#include "incident.h"
#include "outbox.h"
#include "upstream_pagerduty.h"

#define AM_PATH "/api/v2/alerts"
#define AM_LABEL_MAX 1024 /* bytes in a label value */
#define AM_ANNOTATION_MAX 4096 /* bytes in an annotation */

/*
 * The postableAlert for action on inc at now (usec): labels alertname
 * (the rule), instance (the incident's host), severity, key, and
 * component, group and class when the rule sets them; annotations
 * summary, description (the last event), count, first_seen, last_seen,
 * agent and ack_url (det->ack_url, when there is one, also its
 * generatorURL).  NULL for an
 * acknowledge, which Alertmanager has no word for.  New string.
 */
char *alertmanager_payload(const struct incident *inc, enum outbox_action action,
    const struct pagerduty_details *det, int64_t now);

/* What changes between sends of one alert: the incident now, a fresh ack link. */
struct alertmanager_now {
	const struct incident *inc; /* or NULL */
	const char *ack_url;	    /* or NULL: the stored one stays */
};

/*
 * [payload] with endsAt now + ahead unless it has one; with cur (or
 * NULL), its count and last_seen annotations as they are now and its ack
 * link made now, so a re-sent alert is not stale.  NULL when payload is
 * bad.  New string.
 */
char *alertmanager_body(const char *payload, const struct alertmanager_now *cur, int64_t now,
    int64_t ahead);

/*
 * The always-firing alert of a live agent: alertname="Watchdog",
 * instance=host, severity="none", as a body to POST.  New string.
 */
char *alertmanager_watchdog(const char *host, int64_t since, int64_t now, int64_t ahead);

/* peer's base URL and AM_PATH, without a doubled '/'. New string. */
char *alertmanager_url(const char *peer);

/* 2xx delivered; 400 and other 4xx dead (with Alertmanager's reason); 429
 * throttled; 401/403/404 held; 5xx, 408 and no answer retried. */
enum outbox_verdict alertmanager_classify(const struct http_response *resp, char *why, size_t size);

#endif
