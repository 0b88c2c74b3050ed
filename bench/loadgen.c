/*
 * loadgen.c - syslog load generator for the peer benchmark (bench/run.sh).
 *
 * Sends N RFC 3164 lines to HOST:PORT over UDP (sendmmsg batches) or TCP
 * (RFC 6587 octet counting).  One line in K is a kernel-style "I/O error"
 * line naming one of a few disks, so a dedup rule turns the matches into a
 * handful of incidents; every other line is application chatter that a
 * rule should drop.  The last line of the run is a matching one when N is
 * a multiple of K, which lets a peer's output file mark the end of a run.
 *
 * Build: cc -O2 -o bench/loadgen bench/loadgen.c   (no dependencies)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX 1024
#define LINE_SIZE 256 /* room for the longest line we format */
#define FRAME_SIZE (LINE_SIZE + 8)
#define RETRY_MAX 10000 /* consecutive ENOBUFS/ECONNREFUSED before giving up */

struct opts {
	uint64_t count; /* lines to send */
	uint64_t rate; /* lines per second, 0 = as fast as possible */
	uint64_t match_every; /* one line in match_every matches, 0 = none */
	unsigned batch; /* lines per sendmmsg()/write() */
	unsigned devices; /* distinct disks named by matching lines */
	int tcp;
	int hostile; /* -x: a Latin-1 byte and an escape sequence in every line */
	const char *hostname; /* HOSTNAME field of every line */
	const char *host, *port;
};

struct totals {
	uint64_t sent, matched, failed;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen [-T] [-n count] [-r rate] [-m K] [-b batch] [-d devices]\n"
	    "               [-H hostname] [-x] host port\n"
	    "  -n count    lines to send (default 1000000)\n"
	    "  -r rate     lines per second, 0 = as fast as possible (default 0)\n"
	    "  -m K        one line in K is a matching \"I/O error\" line, 0 = none (default 100)\n"
	    "  -b batch    lines per sendmmsg()/write() (default 64, max %d)\n"
	    "  -d devices  distinct disks in matching lines (default 4, max 26)\n"
	    "  -H name     HOSTNAME field of every line (default bench-host)\n"
	    "  -T          TCP with octet-counted framing instead of UDP\n"
	    "  -x          end every line with a Latin-1 byte and an ESC sequence, as\n"
	    "              legacy gear and coloured tools send: the receivers' repair path\n",
	    BATCH_MAX);
	exit(2);
}

static uint64_t
number(const char *s, uint64_t min, uint64_t max, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v < min || v > max) {
		fprintf(stderr, "loadgen: %s \"%s\" is not a number in %" PRIu64 "..%" PRIu64 "\n",
		    what, s, min, max);
		exit(2);
	}
	return v;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts) { .count = 1000000,
		.match_every = 100,
		.batch = 64,
		.devices = 4,
		.hostname = "bench-host" };
	while ((c = getopt(argc, argv, "Tb:d:H:hm:n:r:x")) != -1) {
		switch (c) {
		case 'T': o->tcp = 1; break;
		case 'b': o->batch = number(optarg, 1, BATCH_MAX, "batch"); break;
		case 'd': o->devices = number(optarg, 1, 26, "devices"); break;
		case 'H': o->hostname = optarg; break;
		case 'm': o->match_every = number(optarg, 0, UINT32_MAX, "match ratio"); break;
		case 'n': o->count = number(optarg, 1, UINT64_MAX / 2, "count"); break;
		case 'r': o->rate = number(optarg, 0, 100000000, "rate"); break;
		case 'x': o->hostile = 1; break;
		default: usage();
		}
	}
	if (argc - optind != 2)
		usage();
	if (strlen(o->hostname) > 64) {
		fprintf(stderr, "loadgen: hostname longer than 64 bytes\n");
		exit(2);
	}
	o->host = argv[optind];
	o->port = argv[optind + 1];
}

/* Line i (0-based); returns its length and whether it is a matching line. */
static size_t
format_line(const struct opts *o, uint64_t i, char *buf, int *matched)
{
	int n;

	*matched = o->match_every != 0 && (i + 1) % o->match_every == 0;
	if (*matched) {
		uint64_t m = (i + 1) / o->match_every;
		n = snprintf(buf, LINE_SIZE,
		    "<11>Nov 26 09:00:00 %s kernel: I/O error, dev sd%c, sector %" PRIu64,
		    o->hostname, (char)('a' + m % o->devices), (i * 2654435761u) % 976773168u);
	} else {
		n = snprintf(buf, LINE_SIZE,
		    "<13>Nov 26 09:00:00 %s app[1234]: request %" PRIu64 " served in %ums",
		    o->hostname, i, (unsigned)(i % 97) + 1);
	}
	if (o->hostile && n > 0 && n + 16 < LINE_SIZE)
		n += snprintf(buf + n, LINE_SIZE - (size_t)n, " caf\351 \033[0m");
	return (size_t)n;
}

static int
connect_to(const struct opts *o)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC }, *res, *ai;
	int fd = -1, r;

	hints.ai_socktype = o->tcp ? SOCK_STREAM : SOCK_DGRAM;
	r = getaddrinfo(o->host, o->port, &hints, &res);
	if (r != 0) {
		fprintf(stderr, "loadgen: %s:%s: %s\n", o->host, o->port, gai_strerror(r));
		exit(1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		fprintf(stderr, "loadgen: connect %s:%s: %s\n", o->host, o->port, strerror(errno));
		exit(1);
	}
	return fd;
}

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Token bucket with a one-batch bucket: sleep until `upto` lines are due. */
static void
pace(const struct opts *o, double start, uint64_t upto)
{
	double due, wait;
	struct timespec ts;

	if (o->rate == 0)
		return;
	due = start + (double)upto / (double)o->rate;
	wait = due - now_mono();
	if (wait <= 0)
		return;
	ts.tv_sec = (time_t)wait;
	ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Send n datagrams.  A pending ICMP error (nobody listening yet) fails one
 * call; the datagram it was for is counted as failed and skipped.
 */
static void
send_udp(int fd, struct mmsghdr *msgs, unsigned n, struct totals *t)
{
	unsigned done = 0, retries = 0;
	int r;

	while (done < n) {
		r = sendmmsg(fd, msgs + done, n - done, 0);
		if (r > 0) {
			done += (unsigned)r;
			retries = 0;
			continue;
		}
		if (r == -1 && errno != EINTR && errno != ENOBUFS && errno != EAGAIN
		    && errno != ECONNREFUSED) {
			perror("loadgen: sendmmsg");
			exit(1);
		}
		if (++retries > RETRY_MAX) {
			fprintf(stderr, "loadgen: sendmmsg keeps failing: %s\n", strerror(errno));
			exit(1);
		}
		if (r == -1 && errno == ECONNREFUSED) {
			done++;
			t->failed++;
		} else if (r == -1 && errno == ENOBUFS) {
			usleep(100);
		}
	}
	t->sent += n;
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror("loadgen: write");
			exit(1);
		}
		buf += w;
		len -= (size_t)w;
	}
}

static void
run(const struct opts *o, int fd, struct totals *t)
{
	static char lines[BATCH_MAX][FRAME_SIZE];
	static struct mmsghdr msgs[BATCH_MAX];
	static struct iovec iov[BATCH_MAX];
	static char stream[BATCH_MAX * FRAME_SIZE];
	double start = now_mono();
	uint64_t i = 0;
	unsigned n, k;
	size_t len, off;
	int matched;

	while (i < o->count) {
		n = o->count - i < o->batch ? (unsigned)(o->count - i) : o->batch;
		pace(o, start, i + n);
		off = 0;
		for (k = 0; k < n; k++) {
			len = format_line(o, i + k, lines[k], &matched);
			t->matched += (uint64_t)matched;
			if (o->tcp) {
				off += (size_t)sprintf(stream + off, "%zu ", len);
				memcpy(stream + off, lines[k], len);
				off += len;
			} else {
				iov[k] = (struct iovec) { lines[k], len };
				msgs[k].msg_hdr
				    = (struct msghdr) { .msg_iov = &iov[k], .msg_iovlen = 1 };
			}
		}
		if (o->tcp) {
			write_all(fd, stream, off);
			t->sent += n;
		} else {
			send_udp(fd, msgs, n, t);
		}
		i += n;
	}
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
	    + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct totals t = { 0 };
	double real0, mono0, secs;
	int fd;

	parse_opts(argc, argv, &o);
	fd = connect_to(&o);
	real0 = now_real();
	mono0 = now_mono();
	run(&o, fd, &t);
	secs = now_mono() - mono0;
	if (o.tcp && shutdown(fd, SHUT_WR) == -1)
		perror("loadgen: shutdown");
	close(fd);
	t.sent -= t.failed;
	printf("sent=%" PRIu64 " matched=%" PRIu64 " failed=%" PRIu64
	       " seconds=%.6f rate=%.0f cpu=%.3f start=%.6f end=%.6f\n",
	    t.sent, t.matched, t.failed, secs, secs > 0 ? (double)t.sent / secs : 0.0,
	    cpu_seconds(), real0, real0 + secs);
	return t.failed == 0 ? 0 : 1;
}
