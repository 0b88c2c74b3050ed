/*
 * incident_key.c - an event's incident key and summary (see incident_key.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "incident_key.h"
#include "rules.h"
#include "text.h"
#include "util.h"

/*
 * A key template expanded whole, however long the sender made it, then fit
 * to INCIDENT_KEY_MAX (a prefix and a hash of the whole: keys that differ
 * anywhere stay apart).  An empty expansion is the rule's name and "/", as
 * LMDB has no empty keys.
 */
static void
template_key(const struct template *t, const char *rule_name, struct event *ev, char *key,
    size_t size)
{
	char buf[1024], *s = buf;
	size_t n = template_expand(t, ev, buf, sizeof(buf));

	if (n >= sizeof(buf)) {
		s = xmalloc(n + 1);
		template_expand(t, ev, s, n + 1);
	}
	if (n == 0)
		snprintf(key, size, "%s/", rule_name);
	else {
		incident_fit_key(s, n);
		text_copy(key, size, s, strlen(s));
	}
	if (s != buf)
		free(s);
}

void
incident_key_of(const struct rule *rule, const char *rule_name, struct event *ev, char *key,
    size_t size)
{
	if (rule != NULL && rule->key != NULL) {
		template_key(rule->key, rule_name, ev, key, size);
	} else if (rule != NULL && rule->resolve_on != NULL) {
		incident_default_key(key, size, rule_name, ev->host.p, ev->host.n, "", 0, "", 0);
	} else {
		incident_default_key(key, size, rule_name, ev->host.p, ev->host.n, ev->program.p,
		    ev->program.n, ev->message.p, ev->message.n);
	}
}

void
incident_summary_of(const struct rule *rule, struct event *ev, char *buf, size_t size)
{
	if (rule != NULL && rule->summary != NULL) {
		template_expand(rule->summary, ev, buf, size);
		return;
	}
	snprintf(buf, size, "%.*s %.*s%s%.*s", (int)ev->host.n, ev->host.p, (int)ev->program.n,
	    ev->program.p, ev->program.n ? ": " : "", (int)ev->message.n, ev->message.p);
	text_fix_tail(buf);
}
