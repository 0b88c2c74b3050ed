/*
 * send_test.h - a test trigger and its resolve through a configured
 * upstream, queued in the outbox and committed at once (send_test.c).
 */
#ifndef TRIAGED_SEND_TEST_H
#define TRIAGED_SEND_TEST_H

struct daemon;

/*
 * Queue them to upstream in the name of actor (as the kernel names the
 * person); *key gets their dedup key "triaged-test/HOST/UNIXTIME" (a new
 * string).  0, or -errno with *cause saying why.
 */
int send_test(struct daemon *d, const char *upstream, const char *actor, char **key,
    char **cause);

#endif
