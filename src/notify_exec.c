/*
 * notify_exec.c - pages to a program (notify.h): the JSON on its standard
 * input, and what its exit means.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "jsonutil.h"
#include "notify.h"
#include "text.h"
#include "util.h"

/* Cleaned again, so no control byte (C1 included, which JSON leaves raw) reaches the program. */
static json_t *
text(const char *s)
{
	char *c = text_clean_dup(s, strlen(s));
	json_t *j = json_text_cut(c, NOTIFY_TEXT_MAX);

	free(c);
	return j;
}

char *
notify_exec_payload(const struct notify_page *pg)
{
	const struct incident *inc = pg->inc;
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "event", json_string(pg->resolved ? "resolved" : "page"));
	json_object_set_new(o, "summary", text(inc->summary[0] ? inc->summary : inc->key));
	json_object_set_new(o, "host", text(inc->host));
	json_object_set_new(o, "count", json_integer((json_int_t)inc->count));
	json_object_set_new(o, "first_seen", json_time(inc->first_seen));
	json_object_set_new(o, "key", text(inc->key));
	json_object_set_new(o, "rule", text(inc->rule));
	json_object_set_new(o, "incident_id", json_integer((json_int_t)inc->id));
	json_object_set_new(o, "contact", json_text(pg->contact));
	json_object_set_new(o, "policy", json_text(pg->policy));
	json_object_set_new(o, "level", json_integer((json_int_t)pg->level + 1));
	json_object_set_new(o, "round", json_integer((json_int_t)pg->round));
	json_object_set_new(
	    o, "ack_link", pg->ack_link && !pg->resolved ? json_text(pg->ack_link) : json_null());
	json_object_set_new(o, "agent", json_text(pg->agent));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

enum outbox_verdict
notify_exec_classify(const struct http_response *resp, char *why, size_t size)
{
	long st = resp->status;

	if (resp->error == -ETIMEDOUT) {
		snprintf(why, size, "%s", resp->error_text);
		return OUTBOX_RETRY;
	}
	if (resp->error != 0) {
		snprintf(why, size, "%s", *resp->error_text ? resp->error_text :
		    strerror(-resp->error));
		return OUTBOX_RETRY;
	}
	if (st > 128 + 0 && st < 128 + 65)
		snprintf(why, size, "killed by signal %ld", st - 128);
	else
		snprintf(why, size, "exit %ld", st);
	if (st == 0)
		return OUTBOX_DELIVERED;
	if (st == NOTIFY_EXEC_EXIT_TEMPFAIL)
		return OUTBOX_RETRY;
	return OUTBOX_DEAD;
}
