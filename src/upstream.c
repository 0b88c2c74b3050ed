/*
 * upstream.c - the kinds of upstream behind one interface (upstream.h).
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "upstream.h"
#include "upstream_alertmanager.h"
#include "upstream_webhook.h"
#include "util.h"

static enum upstream_kind
kind(const struct conf_upstream *cu)
{
	return cu != NULL ? cu->kind : UPSTREAM_PAGERDUTY;
}

char *
upstream_payload(const struct conf_upstream *cu, const struct incident *inc,
    enum outbox_action action, const struct pagerduty_details *det)
{
	switch (kind(cu)) {
	case UPSTREAM_WEBHOOK: return webhook_payload(inc, action, det);
	case UPSTREAM_ALERTMANAGER:
		return alertmanager_payload(inc, action, det, now_realtime_usec());
	case UPSTREAM_PAGERDUTY: break;
	}
	return pagerduty_payload(cu, inc, action, det);
}

int64_t
upstream_ends_ahead(const struct conf_upstream *cu)
{
	return 4 * cu->resend;
}

bool
upstream_wants_current(const struct conf_upstream *cu, enum outbox_action action)
{
	return kind(cu) == UPSTREAM_ALERTMANAGER &&
	    (action == OUTBOX_TRIGGER || action == OUTBOX_UPDATE);
}

char *
upstream_body(const struct conf_upstream *cu, const char *payload,
    const struct alertmanager_now *cur, char *header, size_t size)
{
	header[0] = '\0';
	switch (kind(cu)) {
	case UPSTREAM_ALERTMANAGER:
		return alertmanager_body(payload, cur, now_realtime_usec(),
		    upstream_ends_ahead(cu));
	case UPSTREAM_WEBHOOK:
		if (cu->secret != NULL)
			webhook_signature(cu->secret, payload, strlen(payload), header, size);
		return xstrdup(payload);
	case UPSTREAM_PAGERDUTY: break;
	}
	return pagerduty_body(payload, cu->routing_key);
}

enum outbox_verdict
upstream_classify(
    const struct conf_upstream *cu, const struct http_response *resp, char *why, size_t size)
{
	switch (kind(cu)) {
	case UPSTREAM_WEBHOOK: return webhook_classify(resp, why, size);
	case UPSTREAM_ALERTMANAGER: return alertmanager_classify(resp, why, size);
	case UPSTREAM_PAGERDUTY: break;
	}
	return pagerduty_classify(resp, why, size);
}
