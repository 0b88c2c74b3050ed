/*
 * outbox_page.c - the outbox's page queues: each contact's queue for each
 * channel ("email/alice", "sms/alice", "chat/alice", "exec/alice") is an
 * upstream of its own, sent through that channel's notifier.  What the
 * store keeps for a page holds no secret: the SMS token, the chat webhook
 * and the program are the config's, looked up when the page goes.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_notifier.h"
#include "conf_oncall.h"
#include "curl_glue.h"
#include "daemon.h"
#include "escalation.h"
#include "exec_child.h"
#include "mail.h"
#include "notify.h"
#include "outbox_int.h"
#include "util.h"

int
outbox_page_channel(const char *name)
{
	for (int ch = 0; ch < ESCALATION_CHANNELS; ch++) {
		const char *p = escalation_channel_name((enum escalation_channel)ch);
		size_t n = strlen(p);
		if (strncmp(name, p, n) == 0 && name[n] == '/')
			return ch;
	}
	return -1;
}

static const struct conf_notifier_limits *
limits(const struct conf *conf, int ch)
{
	switch (ch) {
	case ESCALATION_SMS: return conf->sms ? &conf->sms->lim : NULL;
	case ESCALATION_CHAT: return conf->chat ? &conf->chat->lim : NULL;
	case ESCALATION_EXEC: return conf->exec ? &conf->exec->lim : NULL;
	}
	return NULL;
}

bool
outbox_page_configured(const struct conf *conf, int ch)
{
	if (ch == ESCALATION_EMAIL)
		return conf->mail != NULL;
	if (ch == ESCALATION_CHAT) /* contacts with a webhook of their own need no url */
		return conf->chat != NULL;
	return limits(conf, ch) != NULL;
}

void
outbox_page_backoff(const struct conf *conf, int ch, int64_t *initial, int64_t *max)
{
	const struct conf_notifier_limits *l = limits(conf, ch);

	if (ch == ESCALATION_EMAIL && conf->mail != NULL) {
		*initial = conf->mail->backoff_initial;
		*max = conf->mail->backoff_max;
	} else if (l != NULL) {
		*initial = l->backoff_initial;
		*max = l->backoff_max;
	}
}

enum outbox_verdict
outbox_page_classify(int ch, const struct http_response *resp, char *why, size_t size)
{
	switch (ch) {
	case ESCALATION_SMS: return notify_sms_classify(resp, why, size);
	case ESCALATION_CHAT: return notify_chat_classify(resp, why, size);
	case ESCALATION_EXEC: return notify_exec_classify(resp, why, size);
	}
	return mail_classify(resp, why, size);
}

/* A page by mail: the recipient and the message were stored; the credentials never are. */
static int
start_mail(struct outbox *o, const struct conf_mail *m, struct item *it)
{
	const char *rcpt, *message;
	void *obj;
	int r;

	if (mail_payload_parse(it->payload, &obj, &rcpt, &message) < 0) {
		json_decref(obj);
		return outbox_reject_unreadable(o, it, "stored payload is not a message");
	}
	struct mail_request req = {
		.url = m->server,
		.from = m->from,
		.rcpt = rcpt,
		.message = message,
		.message_len = strlen(message),
		.user = m->user,
		.password = m->password,
		.starttls = (enum mail_tls)m->starttls,
		.timeout_usec = m->timeout,
		.ca_file = m->ca_file,
	};
	r = curl_glue_mail(o->http, &req, outbox_done_cb, it);
	json_decref(obj);
	return r;
}

/* An SMS: the stored To and Body, the config's From and account, as Twilio's form. */
static int
start_sms(struct outbox *o, const struct conf_sms *s, struct item *it)
{
	char *form = notify_sms_form(it->payload, s->from);
	int r;

	if (form == NULL)
		return outbox_reject_unreadable(o, it, "stored payload is not an SMS");
	struct http_request req = {
		.url = s->url,
		.method = "POST",
		.content_type = "application/x-www-form-urlencoded",
		.body = form,
		.body_len = strlen(form),
		.headers = (const char *const[]) { "Accept: application/json", NULL },
		.timeout_usec = s->lim.timeout,
		.ca_file = s->ca_file,
		.user = s->account_sid,
		.password = s->token,
	};
	r = curl_glue_request(o->http, &req, outbox_done_cb, it);
	free(form);
	return r;
}

/* A chat message: the stored body to the contact's webhook, or the notifier's. */
static int
start_chat(struct outbox *o, const struct conf *conf, const char *contact, struct item *it)
{
	int c = conf_contact_index(conf, contact);
	const char *url
	    = c >= 0 && conf->contacts[c].chat ? conf->contacts[c].chat : conf->chat->url;

	if (url == NULL) /* a contact no longer in the config, and no shared webhook */
		return outbox_reject_unreadable(o, it, "no chat webhook for this contact");
	struct http_request req = {
		.url = url,
		.method = "POST",
		.content_type = "application/json",
		.body = it->payload,
		.body_len = strlen(it->payload),
		.timeout_usec = conf->chat->lim.timeout,
		.ca_file = conf->chat->ca_file,
	};
	return curl_glue_request(o->http, &req, outbox_done_cb, it);
}

/* A run of the program, the stored page on its standard input; max-running at once. */
static int
start_exec(struct outbox *o, const struct conf_exec *e, struct item *it)
{
	struct exec_request req = { e->argv, it->payload, strlen(it->payload), e->lim.timeout };

	if (exec_running(o->exec) >= e->max_running) {
		o->stats.exec_waits++;
		return -EBUSY;
	}
	return exec_run(o->exec, &req, outbox_done_cb, it);
}

int
outbox_page_send(struct outbox *o, const struct upstream_state *u, struct item *it)
{
	const struct conf *conf = o->d->conf;
	const char *contact = strchr(u->name, '/') + 1;

	switch (u->page) {
	case ESCALATION_SMS: return start_sms(o, conf->sms, it);
	case ESCALATION_CHAT: return start_chat(o, conf, contact, it);
	case ESCALATION_EXEC: return start_exec(o, conf->exec, it);
	}
	return start_mail(o, conf->mail, it);
}
