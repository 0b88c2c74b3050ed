/*
 * control_group.c - groups as triagectl sees them: `show PARENT` lists
 * its members (read from the group's list, never from all incidents),
 * `show MEMBER` names its parent, `status` counts.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "conf.h"
#include "control_group.h"
#include "daemon.h"
#include "group.h"
#include "jsonutil.h"
#include "pipeline.h"
#include "rules.h"
#include "store.h"
#include "util.h"

static json_t *
member_json(struct store_txn *t, uint64_t id)
{
	struct incident m;

	if (store_incident_get(t, id, &m) < 0)
		return NULL; /* pruned before its parent */
	return json_pack("{s:o, s:s, s:o, s:I}", "key", json_text(m.key), "state",
	    incident_state_name(m.state), "host", json_text(m.host), "count", (json_int_t)m.count);
}

/*
 * Its page: "goes" at the end of its wait, "sent" (its wait ended then),
 * "held" by a silence or maintenance window, or "none" (a person took it,
 * or its rule sends nowhere); *at when, or 0.
 */
static const char *
page_of(struct daemon *d, const struct incident *inc, const struct group_state *g, int64_t *at)
{
	const struct rule *r = pipeline_rule(d->conf, inc->rule);

	*at = g->sent_at;
	if (inc->state == INCIDENT_SUPPRESSED)
		return "held";
	if (inc->route[0] != '\0')
		return "sent";
	*at = 0;
	if (inc->state != INCIDENT_PENDING || r == NULL || r->group_by.nfields == 0)
		return "none";
	*at = g->opened + r->group_by.wait;
	return "goes";
}

static void
parent_json(struct daemon *d, struct store_txn *t, const struct incident *inc,
    const struct group_state *g, json_t *o)
{
	uint64_t ids[CONTROL_GROUP_SHOW_MAX];
	json_t *arr = json_array(), *m;
	const char *page;
	int64_t at;
	size_t n = 0;

	if (store_group_members(t, inc->id, ids, ARRAY_SIZE(ids), &n) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++)
		if ((m = member_json(t, ids[i])) != NULL)
			json_array_append_new(arr, m);
	page = page_of(d, inc, g, &at);
	json_object_set_new(o, "group", json_pack("{s:I, s:I, s:I, s:s, s:o, s:o}", "members",
	    (json_int_t)g->members, "open", (json_int_t)g->open, "listed", (json_int_t)g->listed,
	    "page", page, "page_at", at != 0 ? json_time(at) : json_null(), "list", arr));
}

void
control_group_show(struct daemon *d, struct store_txn *t, const struct incident *inc, json_t *o)
{
	struct group_state g;
	struct incident parent;
	uint64_t pid;
	bool open;

	if (store_group_get(t, inc->id, &g) == 0)
		parent_json(d, t, inc, &g, o);
	else if (store_group_parent(t, inc->id, &pid, &open) == 0 &&
	    store_incident_get(t, pid, &parent) == 0)
		json_object_set_new(o, "parent", json_pack("{s:o, s:s}", "key",
		    json_text(parent.key), "state", incident_state_name(parent.state)));
}

json_t *
control_group_status(struct daemon *d)
{
	const struct group_stats *s = pipeline_group_stats(d->pipeline);

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "opened", (json_int_t)s->opened,
	    "joined", (json_int_t)s->joined, "unlisted", (json_int_t)s->unlisted, "sent",
	    (json_int_t)s->sent, "updates", (json_int_t)s->updates, "resolved",
	    (json_int_t)s->resolved);
}
