/*
 * conf_control.c - reads the control socket's group statements.  Names are
 * looked up when the config is loaded, so a typo is a file:line error from
 * `triaged -t` or a refused reload, not a surprise at the next start.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <string.h>

#include "conf_control.h"
#include "conf_lex.h"

int
conf_group_parse(struct lex *lx, const char *what, char **name, gid_t *gid, char **cause)
{
	struct group *gr;
	int r;

	if ((r = lex_expect_string(lx, "a group name", name, cause)) < 0)
		return r;
	if ((*name)[0] == '\0' || strlen(*name) > 255)
		return lex_error(lx, lx->tok.line, cause, "%s must have 1 to 255 bytes", what);
	/* getgrnam() and its static buffer are fine: the daemon has one thread. */
	errno = 0;
	if ((gr = getgrnam(*name)) != NULL) {
		*gid = gr->gr_gid;
		return 0;
	}
	if (errno != 0 && errno != ENOENT && errno != ESRCH)
		return lex_error(lx, lx->tok.line, cause, "%s: cannot look up group '%s': %s",
		    what, *name, strerror(errno));
	return lex_error(lx, lx->tok.line, cause, "%s: unknown group '%s'", what, *name);
}
