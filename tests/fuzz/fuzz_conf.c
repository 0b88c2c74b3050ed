/*
 * fuzz_conf.c - libFuzzer target for the config parser: any input must load
 * or fail with a message, never crash or leak.  A config that loads is run
 * against one event so the compiled rules and templates are exercised too,
 * and through the checks of triaged -t (conf_lint).
 * Build with -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION so that include
 * cannot send the parser around the file system.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_lint.h"
#include "hosts.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
ignore_cb(void *arg, const char *file, int line, const char *message)
{
	(void)arg;
	(void)file;
	(void)line;
	(void)message;
}

static void
run_rules(const struct conf *conf)
{
	static const char msg[] = "Interface Gi0/1, changed state to down; I/O error, dev sda";
	const struct rule *r = NULL;
	struct event ev;
	char buf[256];

	memset(&ev, 0, sizeof(ev));
	event_reset(&ev, 4096);
	ev.host = STR_LIT("web1");
	ev.program = STR_LIT("kernel");
	ev.message = STR_LIT(msg);
	ev.severity = 3;
	event_add_field(&ev, STR_LIT("sd.meta.x"), STR_LIT("1"));
	hosts_apply(conf->hosts, &ev);
	if (rules_eval(conf->rules, conf->nrules, &ev, &r) != RULES_NONE) {
		if (r->key != NULL)
			template_expand(r->key, &ev, buf, sizeof(buf));
		if (r->summary != NULL)
			template_expand(r->summary, &ev, buf, sizeof(buf));
	}
	event_free(&ev);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *conf = NULL;
	char *cause = NULL;

	if (conf_load_buffer("fuzz.conf", (const char *)data, size, &conf, &cause) == 0) {
		run_rules(conf);
		(void)conf_lint(conf, ignore_cb, NULL);
		conf_free(conf);
	}
	free(cause);
	return 0;
}
