/*
 * conf_secret.c - reads a secret (a routing key, an HMAC key) from a file
 * or a systemd credential while the config loads, so a bad path is a
 * config error rather than a failed delivery hours later.  Its content is
 * never in a message, and the buffer it passed through is wiped.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_lex.h"
#include "conf_upstream.h"
#include "util.h"

int
conf_read_secret(struct lex *lx, const char *what, const char *path, char **ret, char **cause)
{
	char buf[CONF_ROUTING_KEY_MAX + 1];
	const char *why = NULL;
	struct stat st;
	size_t len = 0;
	int fd, err, r = 0;

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* The fuzzer must not wander the file system; it gets a stand-in key. */
	*ret = xstrdup("fuzzingfuzzingfuzzingfuzzingfuzz");
	return 0;
#endif
	/* O_NONBLOCK: a FIFO in place of the key cannot hang the parser. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if ((err = read_upto(fd, buf, sizeof(buf), &len)) < 0)
		why = strerror(-err);
	if (fd >= 0)
		close(fd);
	while (len > 0 && strchr(" \t\r\n\f\v", buf[len - 1]) != NULL)
		len--;
	if (why != NULL)
		r = lex_error(lx, lx->tok.line, cause, "cannot read %s %s: %s", what, path, why);
	else if (len > CONF_ROUTING_KEY_MAX)
		r = lex_error(lx, lx->tok.line, cause, "%s %s is larger than %d bytes", what, path,
		    CONF_ROUTING_KEY_MAX);
	else if (len == 0)
		r = lex_error(lx, lx->tok.line, cause, "%s %s is empty", what, path);
	for (size_t i = 0; r == 0 && i < len; i++)
		if (buf[i] <= ' ' || buf[i] > '~')
			r = lex_error(lx, lx->tok.line, cause,
			    "%s %s must hold one key of printable characters", what, path);
	if (r == 0)
		*ret = xstrndup(buf, len);
	explicit_bzero(buf, sizeof(buf));
	return r;
}
