/*
 * upstream.c - the kinds of upstream behind one interface (upstream.h).
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "upstream.h"
#include "upstream_webhook.h"
#include "util.h"

static bool
is_webhook(const struct conf_upstream *cu)
{
	return cu != NULL && cu->kind == UPSTREAM_WEBHOOK;
}

char *
upstream_payload(const struct conf_upstream *cu, const struct incident *inc,
    enum outbox_action action, const struct pagerduty_details *det)
{
	if (is_webhook(cu))
		return webhook_payload(inc, action, det);
	return pagerduty_payload(cu, inc, action, det);
}

char *
upstream_body(const struct conf_upstream *cu, const char *payload, char *header, size_t size)
{
	header[0] = '\0';
	if (!is_webhook(cu))
		return pagerduty_body(payload, cu->routing_key);
	if (cu->secret != NULL)
		webhook_signature(cu->secret, payload, strlen(payload), header, size);
	return xstrdup(payload);
}

enum outbox_verdict
upstream_classify(const struct conf_upstream *cu, const struct http_response *resp, char *why,
    size_t size)
{
	if (is_webhook(cu))
		return webhook_classify(resp, why, size);
	return pagerduty_classify(resp, why, size);
}
