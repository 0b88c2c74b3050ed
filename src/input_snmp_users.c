/*
 * input_snmp_users.c - USM users for the SNMP input: each `user` line
 * given to net-snmp as its own "createUser" line, and a user without an
 * engine-id created again for each device engine it is seen from, read
 * from the v3 message header without keys.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "input_snmp_event.h"
#include "input_snmp_users.h"
#include "util.h"

static const char *
auth_name(enum conf_snmp_auth a)
{
	static const char *const names[] = { "", "MD5", "SHA", "SHA-224", "SHA-256", "SHA-384",
		"SHA-512" };
	return names[a];
}

static const char *
priv_name(enum conf_snmp_priv p)
{
	static const char *const names[] = { "", "DES", "AES", "AES-192", "AES-256" };
	return names[p];
}

/* A USM user, as net-snmp's own "createUser" line; no -e: our engine ID (informs). */
static void
make_user(const struct conf_snmp_user *u)
{
	char *engine = NULL, *auth = NULL, *priv = NULL, *line;

	xasprintf(&engine, u->engine_id ? "-e 0x%s " : "%s", u->engine_id ? u->engine_id : "");
	xasprintf(&auth, u->auth ? " %s \"%s\"" : "%s%s", auth_name(u->auth),
	    u->auth_pass ? u->auth_pass : "");
	xasprintf(&priv, u->priv ? " %s \"%s\"" : "%s%s", priv_name(u->priv),
	    u->priv_pass ? u->priv_pass : "");
	xasprintf(&line, "%s\"%s\"%s%s", engine, u->name, auth, priv);
	usm_parse_create_usmUser("createUser", line);
	explicit_bzero(line, strlen(line));
	explicit_bzero(auth, strlen(auth));
	explicit_bzero(priv, strlen(priv));
	free(line);
	free(engine);
	free(auth);
	free(priv);
}

/* One BER TLV at *p: its tag and content; NULL when it does not fit before end. */
static const uint8_t *
ber_next(const uint8_t **p, const uint8_t *end, uint8_t *tag, size_t *len)
{
	const uint8_t *q = *p;
	size_t n;

	if (end - q < 2)
		return NULL;
	*tag = *q++;
	n = *q++;
	if (n & 0x80) {
		size_t k = n & 0x7f;
		if (k == 0 || k > 3 || (size_t)(end - q) < k)
			return NULL;
		for (n = 0; k-- > 0;)
			n = n << 8 | *q++;
	}
	if ((size_t)(end - q) < n)
		return NULL;
	*len = n;
	*p = q + n;
	return q;
}

/*
 * The authoritative engine ID and user name of a v3 message (RFC 3412 and
 * 3414 headers, read without keys); false for anything else.
 */
static bool
v3_sender(const uint8_t *buf, size_t n, const uint8_t **eid, size_t *eidlen,
    const uint8_t **user, size_t *userlen)
{
	const uint8_t *p = buf, *end = buf + n, *c, *sp;
	uint8_t tag;
	size_t len;

	if ((c = ber_next(&p, end, &tag, &len)) == NULL || tag != 0x30)
		return false;
	p = c;
	end = c + len;
	if ((c = ber_next(&p, end, &tag, &len)) == NULL || tag != 0x02 || len != 1 || c[0] != 3 ||
	    ber_next(&p, end, &tag, &len) == NULL || tag != 0x30 || /* msgGlobalData */
	    (c = ber_next(&p, end, &tag, &len)) == NULL || tag != 0x04) /* msgSecurityParameters */
		return false;
	sp = c;
	end = c + len;
	if ((c = ber_next(&sp, end, &tag, &len)) == NULL || tag != 0x30)
		return false;
	sp = c;
	if ((*eid = ber_next(&sp, end, &tag, eidlen)) == NULL || tag != 0x04 ||
	    ber_next(&sp, end, &tag, &len) == NULL || ber_next(&sp, end, &tag, &len) == NULL ||
	    (*user = ber_next(&sp, end, &tag, userlen)) == NULL || tag != 0x04)
		return false;
	return true;
}

bool
snmp_users_learn(struct snmp_learn *st, const struct conf_snmp *cs, const uint8_t *data,
    size_t len, int64_t now, char *hex, char *name)
{
	uint8_t local[64];
	const uint8_t *eid, *user;
	size_t eidlen, userlen;

	if (st->learned >= SNMP_LEARN_MAX ||
	    !v3_sender(data, len, &eid, &eidlen, &user, &userlen) || eidlen < 5 ||
	    eidlen > 32 || userlen == 0 || userlen >= SNMP_USER_NAME)
		return false;
	if (snmpv3_get_engineID(local, sizeof(local)) == eidlen && memcmp(local, eid, eidlen) == 0)
		return false; /* an inform, to us */
	memcpy(name, user, userlen);
	name[userlen] = '\0';
	if (usm_get_user(eid, eidlen, name) != NULL)
		return false;
	for (size_t i = 0; i < cs->nusers; i++) {
		const struct conf_snmp_user *u = &cs->users[i];
		if (u->engine_id != NULL || strcmp(u->name, name) != 0)
			continue;
		int64_t sec = now / USEC_PER_SEC;
		if (sec != st->second) {
			st->second = sec;
			st->count = 0;
		}
		if (++st->count > SNMP_LEARN_PER_SEC)
			return false; /* a flood of made-up engines: later, maybe */
		for (size_t k = 0; k < eidlen; k++)
			snprintf(hex + 2 * k, 3, "%02x", eid[k]);
		struct conf_snmp_user learned = *u;
		learned.engine_id = hex;
		make_user(&learned);
		st->learned++;
		return true;
	}
	return false;
}

void
snmp_users_make(const struct conf_snmp *cs)
{
	for (size_t i = 0; i < cs->nusers; i++)
		make_user(&cs->users[i]);
}
