/*
 * rcvbufforce.c - LD_PRELOAD shim for the peer benchmark: turns
 * setsockopt(SO_RCVBUF) into SO_RCVBUFFORCE, so a peer that only asks for
 * SO_RCVBUF (syslog-ng) gets the same receive buffer as triaged and rsyslog,
 * which force it when run as root, instead of being capped at
 * net.core.rmem_max.  Falls back to the plain call when forcing is refused.
 *
 * Build: cc -O2 -shared -fPIC -o rcvbufforce.so bench/rcvbufforce.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <sys/socket.h>

typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);

int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static setsockopt_fn real;

	if (real == NULL)
		real = (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt");
	if (level == SOL_SOCKET && name == SO_RCVBUF
	    && real(fd, level, SO_RCVBUFFORCE, val, len) == 0)
		return 0;
	return real(fd, level, name, val, len);
}
