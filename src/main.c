/*
 * main.c - command line: check a configuration (-t) or run the daemon in
 * the foreground until SIGTERM (see daemon.c for its life).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "conf.h"
#include "conf_lint.h"
#include "daemon.h"
#include "input_snmp.h"
#include "log.h"
#include "store_fault.h"
#include "status_line.h"
#include "util.h"

#define DEFAULT_CONF SYSCONFDIR "/triaged/triaged.conf"

static void
usage(FILE *f)
{
	fprintf(f, "usage: triaged [-dtVW] [-c file] [-u user]\n"
		   "  -c file  configuration (default " DEFAULT_CONF ")\n"
		   "  -d       debug messages on stderr\n"
		   "  -t       check the configuration and exit\n"
		   "  -u user  bind the ports as root, then run as user\n"
		   "  -V       print the version and exit\n"
		   "  -W       with -t: fail (exit 1) when the configuration has warnings\n");
}

static void
print_warning_cb(void *arg, const char *file, int line, const char *message)
{
	(void)arg;
	fprintf(stderr, "%s:%d: warning: %s\n", file, line, message);
}

/* -t: warnings on stderr; they fail the check only with -W. */
static int
check_conf(struct daemon *d, bool werror)
{
	size_t n = conf_lint(d->conf, print_warning_cb, NULL);

	if (n > 0 && werror) {
		fprintf(stderr, "%s: %zu warning%s, treated as errors (-W)\n", d->conf_path, n,
		    n == 1 ? "" : "s");
		conf_free(d->conf);
		return 1;
	}
	/* Relative paths follow the file, not the shell: say where state would go. */
	printf("%s: configuration OK (%zu rules, %zu listeners); state directory %s\n",
	    d->conf_path, d->conf->nrules, d->conf->nlistens, d->conf->state_dir);
	conf_free(d->conf);
	return 0;
}

int
main(int argc, char **argv)
{
	struct daemon d = { .conf_path = DEFAULT_CONF };
	bool check = false, debug = false, werror = false;
	char *cause = NULL;
	int ch, r;

	while ((ch = getopt(argc, argv, "c:dhtu:VW")) != -1) {
		switch (ch) {
		case 'c': d.conf_path = optarg; break;
		case 'd': debug = true; break;
		case 't': check = true; break;
		case 'u': d.user = optarg; break;
		case 'W': werror = true; break;
		case 'V':
			/* Tests that make the store fail on purpose look for this. */
			printf("triaged %s%s\n", PACKAGE_VERSION,
			    store_fault_compiled ? " (fault injection)" : "");
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (werror && !check) {
		fprintf(stderr, "triaged: -W goes with -t: warnings never stop the daemon\n");
		return 2;
	}
	log_init(debug, getenv("JOURNAL_STREAM") != NULL);
	/*
	 * Trap names in rules need net-snmp, which keeps files in the state
	 * dir: -t leaves it alone; the daemon names them once it holds the
	 * state dir (daemon_start reads the file again).
	 */
	if (check)
		conf_set_oid_resolver(snmp_input_resolve_oid_nostate);
	if (conf_load(d.conf_path, &d.conf, &cause) < 0) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return 1;
	}
	if (check)
		return check_conf(&d, werror);
	d.started_usec = now_realtime_usec();
	if ((r = daemon_start(&d, &cause)) < 0) {
		log_error("%s", cause ? cause : strerror(-r));
		free(cause);
		daemon_stop(&d);
		return 1;
	}
	log_info("started, %zu rules, state in %s", d.conf->nrules, d.conf->state_dir);
	status_line_notify(d.status, "READY=1");
	r = loop_run(d.event, &d.loop);
	daemon_stop(&d);
	return r < 0 ? 1 : 0;
}
