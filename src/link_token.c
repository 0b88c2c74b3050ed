/*
 * link_token.c - signed, expiring tokens for ack and resolve links.
 *
 * Payload: action (1 byte), incident id (8, big-endian), expiry (8, seconds,
 * big-endian); then the first 16 bytes of HMAC-SHA256 over a domain label
 * and the payload.  All of it in unpadded base64url, so a token is one path
 * segment that needs no escaping anywhere.
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "link_token.h"

#define PAYLOAD_LEN 17
#define MAC_LEN	    16
#define RAW_LEN	    (PAYLOAD_LEN + MAC_LEN)

/* A token for one purpose can never pass for another use of the same key. */
static const char domain[] = "triaged link v1";

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
mac(const uint8_t key[LINK_KEY_LEN], const uint8_t payload[PAYLOAD_LEN], uint8_t out[MAC_LEN])
{
	uint8_t msg[sizeof(domain) + PAYLOAD_LEN], full[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	memcpy(msg, domain, sizeof(domain));
	memcpy(msg + sizeof(domain), payload, PAYLOAD_LEN);
	HMAC(EVP_sha256(), key, LINK_KEY_LEN, msg, sizeof(msg), full, &n);
	memcpy(out, full, MAC_LEN);
	OPENSSL_cleanse(full, sizeof(full));
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)(v & 0xff);
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* RAW_LEN (33) bytes are 11 groups of 3: 44 characters, no padding. */
static void
encode(const uint8_t raw[RAW_LEN], char out[LINK_TOKEN_LEN + 1])
{
	for (size_t i = 0, o = 0; i < RAW_LEN; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];

		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = b64[v & 63];
	}
	out[LINK_TOKEN_LEN] = '\0';
}

static int
sextet(char c)
{
	const char *p = c != '\0' ? strchr(b64, c) : NULL;

	return p != NULL ? (int)(p - b64) : -1;
}

static int
decode(const char *s, uint8_t raw[RAW_LEN])
{
	for (size_t i = 0, o = 0; i < LINK_TOKEN_LEN; i += 4) {
		uint32_t v = 0;

		for (size_t k = 0; k < 4; k++) {
			int x = sextet(s[i + k]);

			if (x < 0)
				return -1;
			v = v << 6 | (uint32_t)x;
		}
		raw[o++] = (uint8_t)(v >> 16);
		raw[o++] = (uint8_t)(v >> 8);
		raw[o++] = (uint8_t)v;
	}
	return 0;
}

void
link_token_make(const uint8_t key[LINK_KEY_LEN], enum link_action action, uint64_t id,
    int64_t expires, char out[LINK_TOKEN_LEN + 1])
{
	uint8_t raw[RAW_LEN];

	raw[0] = (uint8_t)action;
	put_be64(raw + 1, id);
	put_be64(raw + 9, (uint64_t)expires);
	mac(key, raw, raw + PAYLOAD_LEN);
	encode(raw, out);
}

enum link_verdict
link_token_check(const uint8_t key[LINK_KEY_LEN], const char *token, size_t len, int64_t now,
    enum link_action *action, uint64_t *id)
{
	uint8_t raw[RAW_LEN], want[MAC_LEN];

	if (len != LINK_TOKEN_LEN || decode(token, raw) < 0)
		return LINK_FORGED;
	mac(key, raw, want);
	if (CRYPTO_memcmp(want, raw + PAYLOAD_LEN, MAC_LEN) != 0 ||
	    (raw[0] != LINK_ACK && raw[0] != LINK_RESOLVE))
		return LINK_FORGED;
	*action = (enum link_action)raw[0];
	*id = get_be64(raw + 1);
	return now < (int64_t)get_be64(raw + 9) ? LINK_VALID : LINK_EXPIRED;
}

enum link_action
link_action_from_name(const char *name, size_t len)
{
	if (len == 3 && memcmp(name, "ack", 3) == 0)
		return LINK_ACK;
	if (len == 7 && memcmp(name, "resolve", 7) == 0)
		return LINK_RESOLVE;
	return LINK_NONE;
}

const char *
link_action_name(enum link_action action)
{
	return action == LINK_RESOLVE ? "resolve" : "ack";
}
