/*
 * input_tcp.h - the TCP side of the syslog listeners: accepting within
 * max-connections and max-connections-per-source and through descriptor
 * exhaustion, reading through the RFC 6587 framer (after a TLS handshake on
 * a tls listener), and closing connections idle for idle-timeout.  input_syslog.c opens and closes the sockets.
 */
#ifndef TRIAGED_INPUT_TCP_H
#define TRIAGED_INPUT_TCP_H

struct inputs;
struct listener;
struct conf_listen;

/* What the TCP listeners share; input_tcp_fini() undoes it. */
void input_tcp_init(struct inputs *in);
void input_tcp_fini(struct inputs *in);

/* Start accepting on the listening socket l->fd: 0 or -errno. */
int input_tcp_start(struct listener *l);
/* Close l's connections and its timers; copes with a listener never started. */
void input_tcp_stop(struct listener *l);
/*
 * Load the TLS listener's certificate, key and CA from c, in place of those
 * it has (connections open keep theirs): 0, or -errno and *cause, and the
 * old ones stay.
 */
int input_tcp_tls(struct listener *l, const struct conf_listen *c, char **cause);
/*
 * Take c's limits at a reload: new limits apply to new connections, a new
 * idle-timeout to every connection; a TLS listener's certificate and key
 * are read again, and a failure keeps the old ones (logged).
 */
void input_tcp_update(struct listener *l, const struct conf_listen *c);

#endif
