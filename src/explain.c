/*
 * explain.c - what the daemon would make of one line or trap (see
 * explain.h).  The event is built by the inputs' own parsers, the rules
 * are traced with rules_explain.c, the key and summary come from
 * incident_key.c as the pipeline's do, and the incident is read in a read
 * transaction: nothing is written, sent or counted.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "control_request.h"
#include "daemon.h"
#include "event.h"
#include "event_record.h"
#include "explain.h"
#include "hosts.h"
#include "incident.h"
#include "incident_key.h"
#include "eventlog.h"
#include "input_snmp.h"
#include "jsonutil.h"
#include "parse_syslog.h"
#include "pipeline.h"
#include "rules_explain.h"
#include "store.h"
#include "suppress.h"
#include "text.h"
#include "util.h"

#define EXPLAIN_SCRATCH (64 * 1024) /* >= SNMP_EVENT_SCRATCH and a line's + 64 */

struct explain {
	struct daemon *d;
	struct event ev;
	struct eventlog_record rec; /* explain --event: the record ev borrows from */
	struct store_txn *txn;	  /* the state read for the outcome */
	struct event_record_buf buf;
	json_t *reply;
	json_t *outcome; /* sentences, in order */
	char key[INCIDENT_KEY_MAX + 64];
};

static void __attribute__((format(printf, 2, 3)))
say(struct explain *x, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(x->outcome, json_text(buf));
}

/* The sender: --from, numeric only (explain never resolves names), else 127.0.0.1. */
static int
set_sender(struct event *ev, const char *from, char **cause)
{
	const char *a = from ? from : "127.0.0.1";

	if (event_set_src(ev, a) < 0) {
		xasprintf(cause, "--from wants a numeric address, not %s", a);
		return -EINVAL;
	}
	ev->source = event_scratch_put(ev, a, strlen(a));
	ev->host = ev->source;
	return 0;
}

static const struct conf_listen *
find_listener(const struct conf *conf, const char *name, char **cause)
{
	for (size_t i = 0; i < conf->nlistens; i++) {
		const struct conf_listen *l = &conf->listens[i];
		if (name ? strcmp(l->name, name) == 0 : l->kind == LISTEN_SYSLOG)
			return l;
	}
	if (name != NULL)
		xasprintf(cause, "no listener named %s", name);
	return NULL;
}

/* A record of the raw-event log, as the listeners of the running config would make it now. */
static int
logged_event(struct explain *x, uint64_t seq, char **cause)
{
	struct event view, *ev;
	int r;

	if (x->d->eventlog == NULL) {
		xasprintf(cause, "the raw-event log is off (event-log off)");
		return -ENOENT;
	}
	if ((r = eventlog_get(x->d->eventlog, seq, &x->rec)) < 0) {
		xasprintf(cause, r == -ENOENT ? "no event %llu in the raw-event log (pruned, or the "
						"log is off)" : "event %llu: %s",
		    (unsigned long long)seq, strerror(-r));
		return r;
	}
	if ((ev = event_from_record(x->d->conf, &x->rec.ev, &x->ev, &view, &x->buf)) == NULL) {
		xasprintf(cause, "event %llu cannot be read again", (unsigned long long)seq);
		return -EBADMSG;
	}
	if (ev == &view) {
		event_free(&x->ev); /* a view has no buffers of its own but the text normalizing adds */
		x->ev = view;
	}
	x->ev.recv_usec = now_realtime_usec(); /* what would happen now, as if it came again */
	return 0;
}

/* The event a listener would make of rq's line or trap, or the logged one rq names. */
static int
build_event(struct explain *x, const struct control_request *rq, char **cause)
{
	const struct conf *conf = x->d->conf;
	struct event *ev = &x->ev;
	int64_t now = now_realtime_usec();
	int r;

	if (rq->event != 0)
		return logged_event(x, rq->event, cause);
	event_reset(ev, EXPLAIN_SCRATCH + (rq->line ? rq->line_len : 0));
	ev->recv_usec = now;
	if ((r = set_sender(ev, rq->from, cause)) < 0)
		return r;
	if (rq->trap != NULL) {
		ev->listener = "explain";
		return snmp_event_from_words(rq->trap, rq->words, rq->nwords, ev, cause);
	}
	const struct conf_listen *l = find_listener(conf, rq->listener, cause);
	if (l == NULL && rq->listener != NULL)
		return -ENOENT;
	ev->listener = l ? l->name : "explain";
	ev->charset = l ? l->charset : TEXT_UTF8;
	ev->raw = str_make(rq->line, rq->line_len);
	struct parse_ctx pctx = { .now_usec = now, .local_tz_offset_sec = local_tz_offset(now) };
	parse_syslog(ev, rq->line, rq->line_len, &pctx);
	return 0;
}

static json_t *
event_json(const struct event *ev)
{
	static const char *const types[] = { "syslog", "trap", "journal" };
	json_t *fields = json_object(), *j;

	for (size_t i = 0; i < ev->nfields; i++) {
		char name[256];
		text_copy(name, sizeof(name), ev->fields[i].name.p, ev->fields[i].name.n);
		json_object_set_new(fields, name,
		    json_textn(ev->fields[i].value.p, ev->fields[i].value.n));
	}
	j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o}", "type",
	    types[ev->type], "facility", event_facility_name(ev->facility), "severity",
	    event_severity_name(ev->severity), "host", json_textn(ev->host.p, ev->host.n),
	    "program", json_textn(ev->program.p, ev->program.n), "pid",
	    json_textn(ev->pid.p, ev->pid.n), "msgid", json_textn(ev->msgid.p, ev->msgid.n),
	    "message", json_textn(ev->message.p, ev->message.n), "source",
	    json_textn(ev->source.p, ev->source.n), "malformed",
	    (ev->flags & EVENT_MALFORMED) != 0, "listener", json_text(ev->listener), "fields", fields);
	return j;
}

/* One rule's test, as explain shows it; true when the rule won (*v says how). */
static bool
trace_rule(struct explain *x, const struct rule *r, json_t *rules, enum rules_verdict *v)
{
	const struct cond *failed = NULL, *rfailed = NULL;
	char cond[1024], had[1024];
	json_t *j = json_pack("{s:o, s:o, s:i}", "rule", json_text(r->name), "file",
	    json_text(r->file ? r->file : ""), "line", r->line);

	json_array_append_new(rules, j);
	if (cond_explain(r->match, &x->ev, &failed)) {
		json_object_set_new(j, "result", json_string(r->drop ? "match, drop" : "match"));
		*v = RULES_MATCH;
		return true;
	}
	if (r->resolve_on != NULL && cond_explain(r->resolve_on, &x->ev, &rfailed)) {
		json_object_set_new(j, "result", json_string("resolve-on"));
		*v = RULES_RESOLVE;
		return true;
	}
	json_object_set_new(j, "result", json_string("no match"));
	cond_format(failed, cond, sizeof(cond));
	json_object_set_new(j, "failed", json_text(cond));
	/* "and", "or" and "not" look at no single value; an empty field is still worth saying. */
	if (failed->kind != COND_AND && failed->kind != COND_OR && failed->kind != COND_NOT) {
		cond_actual(failed, &x->ev, had, sizeof(had));
		json_object_set_new(j, "had", json_text(had));
	}
	return false;
}

/* rules_eval's answer, with each rule's reason; the winner's "rule" field added as it does. */
static enum rules_verdict
trace_rules(struct explain *x, const struct rule **which)
{
	const struct conf *conf = x->d->conf;
	json_t *rules = json_array();
	enum rules_verdict v = RULES_NONE;

	*which = NULL;
	for (size_t i = 0; i < conf->nrules && *which == NULL; i++)
		if (trace_rule(x, conf->rules[i], rules, &v))
			*which = conf->rules[i];
	json_object_set_new(x->reply, "rules", rules);
	if (*which != NULL)
		(void)event_add_field(&x->ev, STR_LIT("rule"),
		    str_make((*which)->name, (*which)->name_len));
	return v;
}

/* Where a trigger for rule would go: its `send`, else the config's default. */
static void
say_sends(struct explain *x, const struct rule *rule, const char *what)
{
	const struct conf *conf = x->d->conf;
	const uint32_t *idx = rule ? rule->send : conf->default_send;
	size_t n = rule ? rule->nsend : conf->ndefault_send;
	char names[1024] = "";

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names);
		snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
		    conf->upstreams[idx[i]].name);
	}
	if (n == 0)
		say(x, "no upstream to send %s to: it is only recorded", what);
	else
		say(x, "sends %s to %s", what, names);
}

/*
 * A rule with group-by: inc, firing at when, would join the open parent of
 * its values, or open one, whose page goes at the end of its wait.
 */
static void
say_grouped(struct explain *x, const struct rule *rule, const struct incident *inc, int64_t when)
{
	char key[INCIDENT_KEY_MAX + 1], at[40];
	struct incident parent;
	struct group_state g;

	pipeline_group_key(rule, inc, &x->ev, key);
	if (store_incident_by_key(x->txn, key, &parent) == 0 && incident_is_open(&parent) &&
	    store_group_get(x->txn, parent.id, &g) == 0) {
		format_rfc3339(g.opened + rule->group_by.wait, at, sizeof(at));
		if (g.sent_at == 0)
			say(x, "grouped into %s (%llu members; its page goes at %s)", key,
			    (unsigned long long)g.members + 1, at);
		else
			say(x, "grouped into %s (%llu members; its page was sent, %s)", key,
			    (unsigned long long)g.members + 1,
			    parent.route[0] ? "an update follows within its interval" :
					      "nothing went upstream");
		return;
	}
	format_rfc3339(when + rule->group_by.wait, at, sizeof(at));
	say(x, "grouped into %s (a new group, 1 member; its page goes at %s)", key, at);
	say_sends(x, rule, "the group's trigger then");
}

/*
 * A trigger for inc that would go at when: held instead when an active
 * silence or maintenance window matches it then, or an alerting incident
 * inhibits it (suppress.c), else sent.
 */
static void
say_trigger(struct explain *x, const struct rule *rule, const struct incident *inc, int64_t when,
    const char *what)
{
	char desc[512];

	if (rule != NULL && rule->group_by.nfields > 0) {
		say_grouped(x, rule, inc, when);
		return;
	}
	if (!suppress_would_hold(x->d->pipeline, x->txn, inc, &x->ev, when, desc, sizeof(desc))) {
		say_sends(x, rule, what);
		return;
	}
	say(x, "%s: recorded as suppressed, nothing sent until then", desc);
	say_sends(x, rule, "the trigger when that ends, if it still fires");
}

/* An open incident under the key takes one more occurrence. */
static void
explain_repeat(struct explain *x, const struct rule *rule, struct incident *inc)
{
	uint32_t threshold = rule ? rule->threshold : 0;
	int64_t window = rule ? rule->threshold_window : 0;
	uint64_t before = inc->count;

	if (incident_repeat(inc, threshold, window, x->ev.recv_usec)) {
		say(x, "counts in open incident %s (occurrence %llu): threshold %u reached, it triggers",
		    inc->key, (unsigned long long)inc->count, threshold);
		say_trigger(x, rule, inc, x->ev.recv_usec, "a trigger");
	} else if (inc->state == INCIDENT_PENDING) {
		say(x, "counts in pending incident %s (%llu of %u within the window): nothing sent yet",
		    inc->key, (unsigned long long)inc->count, threshold);
	} else {
		say(x, "counts in open incident %s (%s, occurrence %llu after %llu): nothing new is sent",
		    inc->key, incident_state_name(inc->state), (unsigned long long)inc->count,
		    (unsigned long long)before);
	}
}

/* No open incident under the key: a new one, or the rule's overflow past max-open. */
static void
explain_new(struct explain *x, struct store_txn *t, const struct rule *rule, const char *name,
    const struct incident *fresh)
{
	uint32_t threshold = rule ? rule->threshold : 0;
	uint32_t max = rule ? rule->max_open : RULE_DEFAULT_MAX_OPEN;
	uint64_t open = 0;

	if (store_rule_open_count(t, name, &open) == 0 && open >= max) {
		say(x, "rule %s already has %llu open incidents (max-open %u): counted in %s/overflow",
		    name, (unsigned long long)open, max, name);
		return;
	}
	if (threshold > 1) {
		say(x, "opens incident %s, pending: it triggers at %u occurrences within %llds",
		    x->key, threshold, (long long)(rule->threshold_window / USEC_PER_SEC));
		return;
	}
	if (rule != NULL && rule->hold > 0) {
		say(x, "opens incident %s, held for %llds: sent only if it is not resolved by then "
		       "(else it is transient)", x->key, (long long)(rule->hold / USEC_PER_SEC));
		say_trigger(x, rule, fresh, x->ev.recv_usec + rule->hold,
		    "the trigger at the hold's end");
		return;
	}
	say(x, "opens incident %s and triggers it", x->key);
	say_trigger(x, rule, fresh, x->ev.recv_usec, "a trigger");
}

static void
explain_match(struct explain *x, struct store_txn *t, const struct rule *rule)
{
	const char *name = rule ? rule->name : "default";
	char summary[INCIDENT_SUMMARY_MAX + 1], host[INCIDENT_HOST_MAX];
	struct incident inc;
	int sev = rule && rule->severity >= 0 ? rule->severity : x->ev.severity;
	int r;

	incident_key_of(rule, name, &x->ev, x->key, sizeof(x->key));
	incident_summary_of(rule, &x->ev, summary, sizeof(summary));
	json_object_set_new(x->reply, "key", json_text(x->key));
	json_object_set_new(x->reply, "summary", json_text(summary));
	json_object_set_new(x->reply, "severity", json_string(event_severity_name(sev)));
	r = store_incident_by_key(t, x->key, &inc);
	if (r == 0 && incident_is_open(&inc))
		explain_repeat(x, rule, &inc);
	else if (r == 0 || r == -ENOENT) {
		/* What it would open: what a silence or window is matched with. */
		text_copy(host, sizeof(host), x->ev.host.p, x->ev.host.n);
		incident_start(&inc, 0, x->key, name, host, summary, sev, 0, x->ev.recv_usec);
		explain_new(x, t, rule, name, &inc);
	}
	else
		say(x, "the state database could not be read: %s", strerror(-r));
}

static void
explain_resolve(struct explain *x, struct store_txn *t, const struct rule *rule)
{
	struct incident inc;

	incident_key_of(rule, rule->name, &x->ev, x->key, sizeof(x->key));
	json_object_set_new(x->reply, "key", json_text(x->key));
	if (store_incident_by_key(t, x->key, &inc) == 0 && incident_is_open(&inc)) {
		say(x, "resolves incident %s (%s)", inc.key, incident_state_name(inc.state));
		if (inc.route[0] != '\0')
			say(x, "sends a resolve to %s, where its trigger went", inc.route);
	} else {
		say(x, "nothing is open under %s: the resolve is ignored", x->key);
	}
}

static void
explain_outcome(struct explain *x, const struct rule *rule, enum rules_verdict v)
{
	const struct conf *conf = x->d->conf;
	static const char *const verdicts[] = { "none", "match", "resolve" };
	struct store_txn *t;
	int r;

	json_object_set_new(x->reply, "verdict", json_string(verdicts[v]));
	json_object_set_new(x->reply, "rule", rule ? json_text(rule->name) : json_null());
	if (v == RULES_MATCH && rule->drop) {
		say(x, "dropped by rule %s (drop)", rule->name);
		return;
	}
	if (v == RULES_NONE && conf->default_action != CONF_DEFAULT_KEEP) {
		say(x, "no rule matched, and the default is drop: dropped");
		return;
	}
	if ((r = store_txn_begin(x->d->store, false, &t)) < 0) {
		say(x, "the state database could not be read: %s", strerror(-r));
		return;
	}
	x->txn = t;
	if (v == RULES_RESOLVE)
		explain_resolve(x, t, rule);
	else
		explain_match(x, t, rule);
	store_txn_abort(t);
}

static void
explain_done(struct explain *x)
{
	event_free(&x->ev);
	event_record_buf_free(&x->buf);
	eventlog_record_free(&x->rec);
}

json_t *
explain_request(struct daemon *d, const struct control_request *rq)
{
	struct explain x = { .d = d };
	const struct rule *rule;
	enum rules_verdict v;
	char *cause = NULL;
	json_t *reply;

	if (build_event(&x, rq, &cause) < 0) {
		reply = json_pack("{s:b, s:o}", "ok", 0, "error", json_text(cause ? cause : "failed"));
		free(cause);
		explain_done(&x);
		return reply;
	}
	/* What every input does before the rules (pipeline_submit). */
	event_normalize(&x.ev);
	hosts_apply(d->conf->hosts, &x.ev);
	x.reply = json_pack("{s:b}", "ok", 1);
	x.outcome = json_array();
	json_object_set_new(x.reply, "event", event_json(&x.ev));
	v = trace_rules(&x, &rule);
	explain_outcome(&x, rule, v);
	json_object_set_new(x.reply, "outcome", x.outcome);
	explain_done(&x);
	return x.reply;
}
