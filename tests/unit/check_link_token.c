/*
 * check_link_token.c - ack and resolve link tokens: a round trip, the
 * second of expiry, every single-byte change and every cut refused, another
 * key refused, an action that is neither ack nor resolve refused although
 * signed, and the names in a link's path.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "check_run.h"
#include "link_token.h"

static const uint8_t key[LINK_KEY_LEN] = "0123456789abcdef0123456789abcde";

START_TEST(round_trip)
{
	char tok[LINK_TOKEN_LEN + 1];
	enum link_action a = LINK_NONE;
	uint64_t id = 0;

	link_token_make(key, LINK_RESOLVE, UINT64_C(0x0102030405060708), 1000, tok);
	ck_assert_uint_eq(strlen(tok), LINK_TOKEN_LEN);
	ck_assert_uint_eq(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
	    LINK_TOKEN_LEN);
	ck_assert_int_eq(link_token_check(key, tok, strlen(tok), 999, &a, &id), LINK_VALID);
	ck_assert_int_eq(a, LINK_RESOLVE);
	ck_assert_uint_eq(id, UINT64_C(0x0102030405060708));
}
END_TEST

START_TEST(expires_at_its_second)
{
	char tok[LINK_TOKEN_LEN + 1];
	enum link_action a = LINK_NONE;
	uint64_t id = 0;

	link_token_make(key, LINK_ACK, 7, 1000, tok);
	ck_assert_int_eq(link_token_check(key, tok, LINK_TOKEN_LEN, 999, &a, &id), LINK_VALID);
	ck_assert_int_eq(link_token_check(key, tok, LINK_TOKEN_LEN, 1000, &a, &id), LINK_EXPIRED);
	ck_assert_int_eq(a, LINK_ACK);
	ck_assert_uint_eq(id, 7);
}
END_TEST

/* Every character changed to every other of the alphabet, and a few bytes that are not in it. */
START_TEST(every_change_is_refused)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.\n\xff";
	char tok[LINK_TOKEN_LEN + 1], bad[LINK_TOKEN_LEN + 1];
	enum link_action a;
	uint64_t id;

	link_token_make(key, LINK_ACK, 42, 1000, tok);
	for (size_t i = 0; i < LINK_TOKEN_LEN; i++) {
		for (const char *c = alphabet; *c != '\0'; c++) {
			if (*c == tok[i])
				continue;
			memcpy(bad, tok, sizeof(bad));
			bad[i] = *c;
			ck_assert_int_eq(link_token_check(key, bad, LINK_TOKEN_LEN, 0, &a, &id),
			    LINK_FORGED);
		}
	}
	for (size_t n = 0; n < LINK_TOKEN_LEN; n++)
		ck_assert_int_eq(link_token_check(key, tok, n, 0, &a, &id), LINK_FORGED);
	ck_assert_int_eq(link_token_check(key, "", 0, 0, &a, &id), LINK_FORGED);
}
END_TEST

START_TEST(another_key_is_refused)
{
	uint8_t other[LINK_KEY_LEN];
	char tok[LINK_TOKEN_LEN + 1];
	enum link_action a;
	uint64_t id;

	memcpy(other, key, sizeof(other));
	other[31] ^= 1;
	link_token_make(other, LINK_ACK, 42, 1000, tok);
	ck_assert_int_eq(link_token_check(key, tok, LINK_TOKEN_LEN, 0, &a, &id), LINK_FORGED);
	ck_assert_int_eq(link_token_check(other, tok, LINK_TOKEN_LEN, 0, &a, &id), LINK_VALID);
}
END_TEST

START_TEST(unknown_action_is_refused)
{
	char tok[LINK_TOKEN_LEN + 1];
	enum link_action a;
	uint64_t id;

	link_token_make(key, (enum link_action)3, 42, 1000, tok);
	ck_assert_int_eq(link_token_check(key, tok, LINK_TOKEN_LEN, 0, &a, &id), LINK_FORGED);
}
END_TEST

START_TEST(action_names)
{
	ck_assert_int_eq(link_action_from_name("ack", 3), LINK_ACK);
	ck_assert_int_eq(link_action_from_name("resolve", 7), LINK_RESOLVE);
	ck_assert_int_eq(link_action_from_name("ack2", 3), LINK_ACK);
	ck_assert_int_eq(link_action_from_name("ac", 2), LINK_NONE);
	ck_assert_int_eq(link_action_from_name("resolved", 8), LINK_NONE);
	ck_assert_str_eq(link_action_name(LINK_RESOLVE), "resolve");
	ck_assert_str_eq(link_action_name(LINK_ACK), "ack");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("link_token");
	TCase *tc = tcase_create("tokens");

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, expires_at_its_second);
	tcase_add_test(tc, every_change_is_refused);
	tcase_add_test(tc, another_key_is_refused);
	tcase_add_test(tc, unknown_action_is_refused);
	tcase_add_test(tc, action_names);
	suite_add_tcase(s, tc);
	return check_run(s);
}
