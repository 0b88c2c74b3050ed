/*
 * link_token.h - the tokens in ack and resolve links: which incident, what
 * to do with it and until when, signed with HMAC-SHA256 under a key kept in
 * the state directory.  Nothing about a token is stored: a link is single
 * use because acting changes the incident it names (an acked incident
 * takes no second ack, a resolved one no resolve), and a new incarnation
 * of the same key has a new id.
 */
#ifndef TRIAGED_LINK_TOKEN_H
#define TRIAGED_LINK_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define LINK_KEY_LEN   32
#define LINK_TOKEN_LEN 44 /* base64url of 17 bytes of payload and 16 of MAC */

enum link_action {
	LINK_NONE = 0,
	LINK_ACK = 1,
	LINK_RESOLVE = 2,
};

enum link_verdict {
	LINK_VALID = 0,
	LINK_FORGED,  /* not a token, or not signed with this key */
	LINK_EXPIRED, /* signed, but its time is over */
};

/* The token for ACTION on incident ID, good until EXPIRES (seconds since the epoch). */
void link_token_make(const uint8_t key[LINK_KEY_LEN], enum link_action action, uint64_t id,
    int64_t expires, char out[LINK_TOKEN_LEN + 1]);

/*
 * Whether TOKEN (LEN bytes, from a URL: hostile) is one of ours and still
 * good at NOW (seconds); when valid or expired, what it names.
 */
enum link_verdict link_token_check(const uint8_t key[LINK_KEY_LEN], const char *token,
    size_t len, int64_t now, enum link_action *action, uint64_t *id);

/* "ack" or "resolve" as in a link's path; LINK_NONE for anything else. */
enum link_action link_action_from_name(const char *name, size_t len);
const char *link_action_name(enum link_action action);

#endif
