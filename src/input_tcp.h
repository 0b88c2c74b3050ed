/*
 * input_tcp.h - the TCP side of the syslog listeners: accepting within
 * max-connections and reading through the RFC 6587 framer.  input_syslog.c
 * opens and closes the sockets.
 */
#ifndef TRIAGED_INPUT_TCP_H
#define TRIAGED_INPUT_TCP_H

struct inputs;
struct listener;

/* What the TCP listeners share; input_tcp_fini() undoes it. */
void input_tcp_init(struct inputs *in);
void input_tcp_fini(struct inputs *in);

/* Start accepting on the listening socket l->fd: 0 or -errno. */
int input_tcp_start(struct listener *l);
/* Close l's connections; copes with a listener never started. */
void input_tcp_stop(struct listener *l);
#endif
