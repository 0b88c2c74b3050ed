/*
 * check_conf_notifier.c - the notifier email block: what each statement
 * sets and its defaults, credentials read from a file and never shown in
 * a message, and file:line errors for what a person gets wrong.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "conf.h"
#include "conf_notifier.h"
#include "conf_oncall.h"
#include "util.h"

#include "conf_load.h"

static char cred[64];

static void
setup(void)
{
	FILE *f;

	snprintf(cred, sizeof(cred), "/tmp/check_conf_notifier.%d", (int)getpid());
	f = fopen(cred, "w");
	ck_assert_ptr_nonnull(f);
	fputs("mailer:s3cr3t:pw\n", f);
	fclose(f);
}

static void
teardown(void)
{
	unlink(cred);
}

START_TEST(test_block)
{
	char text[512];
	struct conf *c = load("notifier email { server \"smtp://127.0.0.1:2525\"; from t@h }\n");

	ck_assert_ptr_nonnull(c->mail);
	ck_assert_str_eq(c->mail->server, "smtp://127.0.0.1:2525");
	ck_assert_str_eq(c->mail->from, "t@h");
	ck_assert_int_eq(c->mail->starttls, CONF_MAIL_STARTTLS_TRY);
	ck_assert_ptr_null(c->mail->user);
	ck_assert_int_eq(c->mail->timeout, 30 * USEC_PER_SEC);
	conf_free(c);
	snprintf(text, sizeof(text), "notifier email {\n server smtps://mail.example.com\n"
	    " from \"triaged@example.com\"\n starttls required\n credentials-file \"%s\"\n"
	    " ca-file /etc/ssl/ca.pem\n timeout 10s; backoff-initial 2s; backoff-max 1m\n}\n",
	    cred);
	c = load(text);
	ck_assert_int_eq(c->mail->starttls, CONF_MAIL_STARTTLS_REQUIRED);
	ck_assert_str_eq(c->mail->user, "mailer");
	ck_assert_str_eq(c->mail->password, "s3cr3t:pw");
	ck_assert_str_eq(c->mail->ca_file, "/etc/ssl/ca.pem");
	ck_assert_int_eq(c->mail->timeout, 10 * USEC_PER_SEC);
	ck_assert_int_eq(c->mail->backoff_initial, 2 * USEC_PER_SEC);
	ck_assert_int_eq(c->mail->backoff_max, 60 * USEC_PER_SEC);
	conf_free(c);
	c = load("# no notifier\n");
	ck_assert_ptr_null(c->mail);
	conf_free(c);
}
END_TEST

START_TEST(test_errors)
{
	static const struct {
		const char *conf, *want;
	} cases[] = {
		{ "notifier sms {}\n", "t.conf:1: notifier sms needs url, account-sid, token-file or "
		  "token-credential, and from" },
		{ "notifier pigeon {}\n", "t.conf:1: expected 'email', 'sms', 'chat' or 'exec' after "
		  "notifier, got 'pigeon'" },
		{ "notifier sms {\n url ftp://x\n}\n", "t.conf:2: expected a URL like https://" },
		{ "notifier sms {\n account-sid \"AC:1\"\n}\n",
		    "t.conf:2: expected an account SID of printable characters without ':'" },
		{ "notifier sms {\n from 5550100\n}\n", "t.conf:2: expected a phone number in E.164" },
		{ "notifier sms {\n token-file /nonexistent/tok\n}\n",
		    "t.conf:2: cannot read token file /nonexistent/tok" },
		{ "notifier sms {\n token-credential \"../x\"\n}\n",
		    "t.conf:2: token-credential must be a file name without '/'" },
		{ "notifier chat {\n format irc\n}\n",
		    "t.conf:2: expected 'slack', 'mattermost' or 'teams' after format, got 'irc'" },
		{ "notifier chat {}\nnotifier chat {}\n",
		    "t.conf:2: notifier chat given twice (first at t.conf:1)" },
		{ "notifier chat {\n timeout 0s\n}\n", "t.conf:2: timeout must be at least 1s" },
		{ "contact a {\n chat \"http://h/x\"; notify chat }\ncontact b { notify chat }\n"
		  "notifier chat {}\n", "t.conf:3: contact \"b\" has notify chat but no chat URL" },
		{ "notifier exec {}\n", "t.conf:1: notifier exec needs a command" },
		{ "notifier exec {\n command bin/true\n}\n",
		    "t.conf:2: command needs the program's absolute path, got 'bin/true'" },
		{ "notifier exec {\n command /nonexistent/prog\n}\n",
		    "t.conf:2: command /nonexistent/prog: No such file or directory" },
		{ "notifier exec {\n command /etc/passwd\n}\n",
		    "t.conf:2: command /etc/passwd is not an executable file" },
		{ "notifier exec {\n command /bin/true; max-running 65\n}\n",
		    "t.conf:2: max-running" },
		{ "notifier email {\n from a@b\n}\n", "t.conf:1: notifier email needs server and from" },
		{ "notifier email {\n server http://x\n}\n",
		    "t.conf:2: expected a server like smtp://HOST[:PORT] or smtps://HOST[:PORT]" },
		{ "notifier email {\n server \"smtp://\"\n}\n", "t.conf:2: expected a server like" },
		{ "notifier email {\n from \"a b@c\"\n}\n",
		    "t.conf:2: expected an e-mail address like triaged@example.com" },
		{ "notifier email {\n from \"a@b\\r\\nBcc: c@d\"\n}\n", "t.conf:2: expected an e-mail" },
		{ "notifier email {\n starttls maybe\n}\n",
		    "t.conf:2: expected 'no', 'try' or 'required' after starttls, got 'maybe'" },
		{ "notifier email {\n timeout 10m\n}\n", "t.conf:2: timeout is at most 5m" },
		{ "notifier email {\n server smtp://a; from a@b\n backoff-initial 2m; backoff-max 1m\n}\n",
		    "t.conf:1: backoff-initial is longer than backoff-max" },
		{ "notifier email {\n credentials-file /nonexistent/cred\n}\n",
		    "t.conf:2: cannot read credentials file /nonexistent/cred" },
		{ "notifier email {\n port 25\n}\n",
		    "t.conf:2: unknown keyword 'port', expected one of: backoff-initial, backoff-max, "
		    "ca-file, credentials-file, from, server, starttls, timeout" },
		{ "notifier email { server smtp://a; from a@b }\nnotifier email { server smtp://a; "
		  "from a@b }\n", "t.conf:2: notifier email given twice (first at t.conf:1)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		load_fails(cases[i].conf, cases[i].want);
}
END_TEST

/* A file without USER:PASSWORD is refused, and the message never quotes what it holds. */
START_TEST(test_bad_credentials)
{
	char text[512], *cause = NULL;
	struct conf *c;
	FILE *f = fopen(cred, "w");

	fputs("justapassword\n", f);
	fclose(f);
	snprintf(text, sizeof(text), "notifier email {\n credentials-file \"%s\"\n}\n", cred);
	ck_assert_int_lt(conf_load_buffer("t.conf", text, strlen(text), &c, &cause), 0);
	ck_assert_ptr_nonnull(strstr(cause, "must hold USER:PASSWORD on one line"));
	ck_assert_ptr_null(strstr(cause, "justapassword"));
	free(cause);
}
END_TEST

START_TEST(test_sms_chat_exec)
{
	char text[1024], dir[64];
	struct conf *c;

	snprintf(text, sizeof(text), "notifier sms {\n url \"http://127.0.0.1:1/2010-04-01/"
	    "Accounts/AC1/Messages.json\"\n account-sid AC1\n token-file \"%s\"\n"
	    " from \"+15550100\"\n timeout 5s; backoff-initial 1s; backoff-max 2s\n}\n"
	    "notifier chat { url \"https://hooks.example.com/x\"; format teams }\n"
	    "notifier exec { command /bin/cat \"-\" \"x y\"; timeout 3s; max-running 2 }\n"
	    "contact bob { sms \"+15550101\"; notify chat; notify sms after 2m; notify exec "
	    "after 5m }\n", cred);
	c = load(text);
	ck_assert_str_eq(c->sms->account_sid, "AC1");
	ck_assert_str_eq(c->sms->token, "mailer:s3cr3t:pw");
	ck_assert_str_eq(c->sms->from, "+15550100");
	ck_assert_int_eq(c->sms->lim.timeout, 5 * USEC_PER_SEC);
	ck_assert_int_eq(c->sms->lim.backoff_max, 2 * USEC_PER_SEC);
	ck_assert_int_eq(c->chat->format, CONF_CHAT_TEAMS);
	ck_assert_str_eq(c->chat->url, "https://hooks.example.com/x");
	ck_assert_int_eq(c->exec->argc, 3);
	ck_assert_str_eq(c->exec->argv[2], "x y");
	ck_assert_ptr_null(c->exec->argv[3]);
	ck_assert_int_eq(c->exec->max_running, 2);
	ck_assert_int_eq(c->exec->lim.timeout, 3 * USEC_PER_SEC);
	ck_assert_int_eq(c->contacts[0].nnotify, 3);
	ck_assert_int_eq(c->contacts[0].notify[0].channel, ESCALATION_CHAT);
	ck_assert_int_eq(c->contacts[0].notify[1].channel, ESCALATION_SMS);
	ck_assert_int_eq(c->contacts[0].notify[1].after, 120 * USEC_PER_SEC);
	ck_assert_int_eq(c->contacts[0].notify[2].channel, ESCALATION_EXEC);
	conf_free(c);
	/* The token from a systemd credential; chat's format defaults to Slack's. */
	snprintf(dir, sizeof(dir), "%s", cred);
	*strrchr(dir, '/') = '\0';
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	snprintf(text, sizeof(text), "notifier sms { url http://h/x; account-sid A; from "
	    "\"+15550100\"; token-credential \"%s\" }\nnotifier chat {}\n", strrchr(cred, '/') + 1);
	c = load(text);
	unsetenv("CREDENTIALS_DIRECTORY");
	ck_assert_str_eq(c->sms->token, "mailer:s3cr3t:pw");
	ck_assert_int_eq(c->chat->format, CONF_CHAT_SLACK);
	ck_assert_ptr_null(c->chat->url);
	conf_free(c);
}
END_TEST

/* Both token options, or one twice, are refused; the token is never quoted. */
START_TEST(test_sms_token_once)
{
	char text[512], *cause = NULL;
	struct conf *c;

	snprintf(text, sizeof(text), "notifier sms {\n token-file \"%s\"\n token-file \"%s\"\n}\n",
	    cred, cred);
	ck_assert_int_lt(conf_load_buffer("t.conf", text, strlen(text), &c, &cause), 0);
	ck_assert_str_eq(cause, "t.conf:3: notifier sms needs token-file or token-credential, once");
	free(cause);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf_notifier");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_block);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_bad_credentials);
	tcase_add_test(tc, test_sms_chat_exec);
	tcase_add_test(tc, test_sms_token_once);
	suite_add_tcase(s, tc);
	return check_run(s);
}
