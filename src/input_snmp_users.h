/*
 * input_snmp_users.h - the USM users of the SNMP input: created in net-snmp
 * from the config's `user` lines, and learned for each new device engine
 * of a user written without an engine-id.  No net-snmp types here.
 */
#ifndef TRIAGED_INPUT_SNMP_USERS_H
#define TRIAGED_INPUT_SNMP_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNMP_LEARN_MAX	   10000 /* engine IDs learned for users without engine-id, per process */
#define SNMP_LEARN_PER_SEC 20	 /* and per second: each costs a key localization */
#define SNMP_ENGINE_HEX	   (2 * 32 + 1) /* an engine ID (5 to 32 bytes) as hex */
#define SNMP_USER_NAME	   64

struct conf_snmp;

struct snmp_learn {
	size_t learned; /* engine IDs learned, up to SNMP_LEARN_MAX */
	int64_t second; /* the second count counts in */
	unsigned count;
};

/* Every `user` line as a net-snmp USM user. */
void snmp_users_make(const struct conf_snmp *cs);

/*
 * When data is a v3 message from an engine no user is known for, whose user
 * cs has without an engine-id, create that user for the engine (USM keys
 * are per engine), so many devices need one line; bounded in total and
 * per second of now (monotonic microseconds).  True when it did, with the
 * engine ID in hex[SNMP_ENGINE_HEX] and the user in name[SNMP_USER_NAME].
 */
bool snmp_users_learn(struct snmp_learn *st, const struct conf_snmp *cs, const uint8_t *data,
    size_t len, int64_t now, char *hex, char *name);

#endif
