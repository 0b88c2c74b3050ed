/*
 * explain.h - `triagectl explain`: what the daemon would make of a syslog
 * line or a trap, read as a listener would, and why.  Changes nothing.
 */
#ifndef TRIAGED_EXPLAIN_H
#define TRIAGED_EXPLAIN_H

#include <jansson.h>

struct control_request;
struct daemon;

/*
 * The reply to an explain request: {"ok":true, "event":{...}, "rules":[...],
 * "verdict", "rule", "key", "summary", "severity", "incident", "outcome":[...]},
 * or {"ok":false, "error"}.  Every text from the line or trap is escaped.
 */
json_t *explain_request(struct daemon *d, const struct control_request *rq);

#endif
