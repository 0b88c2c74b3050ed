/*
 * store_escalation.c - escalation states under be(incident id): a head of
 * big-endian numbers (phase, level, round, forgotten, npaged; started,
 * level_at), the policy's name and a NUL, then per contact paged its
 * numbers (at, sent, level) and its name and a NUL.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <string.h>

#include "store_escalation.h"
#include "store_impl.h"

#define HEAD  36 /* 5 x 4 + 2 x 8 */
#define PAGED 16 /* 8 + 2 x 4 */

static size_t
encoded_len(const struct escalation_state *st)
{
	size_t n = HEAD + strlen(st->policy) + 1;

	for (size_t i = 0; i < st->npaged; i++)
		n += PAGED + strlen(st->paged[i].contact) + 1;
	return n;
}

static uint8_t *
put_name(uint8_t *p, const char *s)
{
	size_t n = strlen(s) + 1;

	memcpy(p, s, n);
	return p + n;
}

static void
encode(uint8_t *p, const struct escalation_state *st)
{
	be_put(p, (uint64_t)st->phase, 4);
	be_put(p + 4, st->level, 4);
	be_put(p + 8, st->round, 4);
	be_put(p + 12, st->forgotten, 4);
	be_put(p + 16, st->npaged, 4);
	be_put(p + 20, (uint64_t)st->started, 8);
	be_put(p + 28, (uint64_t)st->level_at, 8);
	p = put_name(p + HEAD, st->policy);
	for (size_t i = 0; i < st->npaged; i++) {
		const struct escalation_paged *pg = &st->paged[i];
		be_put(p, (uint64_t)pg->at, 8);
		be_put(p + 8, pg->sent, 4);
		be_put(p + 12, pg->level, 4);
		p = put_name(p + PAGED, pg->contact);
	}
}

static int
decode(const uint8_t *p, size_t len, struct escalation_state *st)
{
	const uint8_t *end = p + len;

	memset(st, 0, sizeof(*st));
	if (len < HEAD)
		return -EBADMSG;
	st->phase = (enum escalation_phase)be_get(p, 4);
	st->level = (uint32_t)be_get(p + 4, 4);
	st->round = (uint32_t)be_get(p + 8, 4);
	st->forgotten = (uint32_t)be_get(p + 12, 4);
	st->npaged = (size_t)be_get(p + 16, 4);
	st->started = (int64_t)be_get(p + 20, 8);
	st->level_at = (int64_t)be_get(p + 28, 8);
	p += HEAD;
	if (st->phase > ESCALATION_RESOLVED || st->npaged > ESCALATION_PAGED_MAX ||
	    store_codec_get_name(&p, end, st->policy, sizeof(st->policy)) < 0)
		return -EBADMSG;
	for (size_t i = 0; i < st->npaged; i++) {
		struct escalation_paged *pg = &st->paged[i];
		if (end - p < PAGED)
			return -EBADMSG;
		pg->at = (int64_t)be_get(p, 8);
		pg->sent = (uint32_t)be_get(p + 8, 4);
		pg->level = (uint32_t)be_get(p + 12, 4);
		p += PAGED;
		if (store_codec_get_name(&p, end, pg->contact, sizeof(pg->contact)) < 0)
			return -EBADMSG;
	}
	return p == end ? 0 : -EBADMSG;
}

int
store_escalation_put(struct store_txn *t, uint64_t id, const struct escalation_state *st)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v = { encoded_len(st), NULL };
	int rc;

	be_put(kb, id, 8);
	if ((rc = store_put_reserve(&t->s->db, t->txn, t->s->escalations, &k, &v, 0)) < 0)
		return rc;
	encode(v.mv_data, st);
	return 0;
}

int
store_escalation_get(struct store_txn *t, uint64_t id, struct escalation_state *st)
{
	const void *data;
	size_t len;
	int rc = store_value_get(t->txn, t->s->escalations, id, &data, &len);

	return rc < 0 ? rc : decode(data, len, st);
}

int
store_escalation_del(struct store_txn *t, uint64_t id)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb };
	int rc;

	be_put(kb, id, 8);
	rc = store_mdb_del(&t->s->db, t->txn, t->s->escalations, &k);
	return rc == MDB_NOTFOUND ? 0 : store_env_rc(&t->s->db, rc);
}

int
store_escalation_count(struct store_txn *t, uint64_t *n)
{
	MDB_stat st;
	int rc = mdb_stat(t->txn, t->s->escalations, &st);

	*n = rc == 0 ? st.ms_entries : 0;
	return rc == 0 ? 0 : store_mdb_errno(rc);
}
