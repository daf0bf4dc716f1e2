/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The message journal and public keys in the database: see rtc_msgstore.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"

#include "sylk_ws/im/disposition.h"

#include "../common/sip_util.h"
#include "rtc_db.h"
#include "rtc_journal.h"
#include "rtc_msgstore.h"

#define T_MESSAGES "sylk_messages"
#define T_KEYS "sylk_public_keys"
/* an unknown sync position: SylkServer's storage gives the last three days */
#define UNKNOWN_POSITION_WINDOW (3 * 86400)

static const char *const columns[] = {"id",         "account",      "contact", "direction",
				      "message_id", "content_type", "content", "msg_timestamp",
				      "state",      "disposition",  "created", "metadata"};
#define N_COLUMNS (sizeof(columns) / sizeof(columns[0]))

/* ---- values ------------------------------------------------------------------ */

static void key_of(db_key_t *k, str *s, const char *name)
{
	s->s = (char *)name;
	s->len = (int)strlen(name);
	*k = s;
}

static void val_string(db_val_t *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	VAL_TYPE(v) = DB1_STRING;
	VAL_STRING(v) = s;
}

static void val_bigint(db_val_t *v, long long n)
{
	memset(v, 0, sizeof(*v));
	VAL_TYPE(v) = DB1_BIGINT;
	VAL_BIGINT(v) = n;
}

/* A column as text (copied to buf), whatever type the backend gave it. */
static const char *text_of(const db_val_t *v, char *buf, size_t size)
{
	buf[0] = '\0';
	if (VAL_NULL(v))
		return buf;
	switch (VAL_TYPE(v)) {
	case DB1_STRING: sylk_copy(buf, size, VAL_STRING(v), strlen(VAL_STRING(v))); break;
	case DB1_STR: sylk_copy(buf, size, VAL_STR(v).s, VAL_STR(v).len); break;
	case DB1_BLOB: sylk_copy(buf, size, VAL_BLOB(v).s, VAL_BLOB(v).len); break;
	case DB1_INT: snprintf(buf, size, "%d", VAL_INT(v)); break;
	case DB1_BIGINT: snprintf(buf, size, "%lld", VAL_BIGINT(v)); break;
	default: break;
	}
	return buf;
}

/* A column as malloc'd text (message contents have no fixed bound). */
static char *dup_of(const db_val_t *v)
{
	const char *s = "";
	size_t len = 0;
	char *out;

	if (!VAL_NULL(v)) {
		switch (VAL_TYPE(v)) {
		case DB1_STRING: s = VAL_STRING(v), len = strlen(s); break;
		case DB1_STR: s = VAL_STR(v).s, len = (size_t)VAL_STR(v).len; break;
		case DB1_BLOB: s = VAL_BLOB(v).s, len = (size_t)VAL_BLOB(v).len; break;
		default: break;
		}
	}
	out = malloc(len + 1);
	if (!out)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

static long long int_of(const db_val_t *v)
{
	char buf[32];

	if (VAL_NULL(v))
		return 0;
	if (VAL_TYPE(v) == DB1_INT)
		return VAL_INT(v);
	if (VAL_TYPE(v) == DB1_BIGINT)
		return VAL_BIGINT(v);
	return strtoll(text_of(v, buf, sizeof(buf)), NULL, 10);
}

/* Fills @p row from a result row in the order of columns[]; content and
 * metadata malloc'd (msgstore_row_free()). */
static int row_of(struct msgstore_row *row, const db_row_t *r)
{
	const db_val_t *v = ROW_VALUES(r);

	if (ROW_N(r) < (int)N_COLUMNS)
		return EIO;
	memset(row, 0, sizeof(*row));
	row->id = int_of(&v[0]);
	text_of(&v[1], row->account, sizeof(row->account));
	text_of(&v[2], row->contact, sizeof(row->contact));
	text_of(&v[3], row->direction, sizeof(row->direction));
	text_of(&v[4], row->message_id, sizeof(row->message_id));
	text_of(&v[5], row->content_type, sizeof(row->content_type));
	row->content = dup_of(&v[6]);
	text_of(&v[7], row->timestamp, sizeof(row->timestamp));
	text_of(&v[8], row->state, sizeof(row->state));
	text_of(&v[9], row->disposition, sizeof(row->disposition));
	row->created = (time_t)int_of(&v[10]);
	row->metadata = dup_of(&v[11]);
	if (row->content && row->metadata)
		return 0;
	msgstore_row_free(row);
	return ENOMEM;
}

void msgstore_row_free(struct msgstore_row *row)
{
	free((char *)row->content);
	free((char *)row->metadata);
	row->content = row->metadata = NULL;
}

/* ---- lookups ------------------------------------------------------------------ */

/* The row of (account, message_id): its id and, when @p row, all of it. */
static int find_row(const char *account, const char *message_id, int64_t *id,
		    struct msgstore_row *row)
{
	db_key_t keys[2], cols[N_COLUMNS];
	str ks[2], cs[N_COLUMNS];
	db_val_t vals[2];
	db1_res_t *res = NULL;
	db1_con_t *h = rtc_db_table(T_MESSAGES);
	int err = 0;

	if (!h)
		return EIO;
	key_of(&keys[0], &ks[0], "account");
	key_of(&keys[1], &ks[1], "message_id");
	val_string(&vals[0], account);
	val_string(&vals[1], message_id);
	for (size_t i = 0; i < N_COLUMNS; i++)
		key_of(&cols[i], &cs[i], columns[i]);
	if (rtc_dbf.query(h, keys, 0, vals, cols, 2, row ? N_COLUMNS : 1, 0, &res) < 0) {
		LM_ERR("journal lookup of %s for %s failed\n", message_id, account);
		return EIO;
	}
	if (!res || RES_ROW_N(res) < 1) {
		err = ENOENT;
		goto out;
	}
	if (id)
		*id = int_of(&ROW_VALUES(&RES_ROWS(res)[0])[0]);
	if (row)
		err = row_of(row, &RES_ROWS(res)[0]);
out:
	if (res)
		rtc_dbf.free_result(h, res);
	return err;
}

int msgstore_find(const char *account, const char *message_id, struct msgstore_row *row)
{
	return find_row(account, message_id, NULL, row);
}

/* The account's incoming rows, counted up to @p max (SQL: LIMIT bounds the
 * work; other backends: the DB API's query). */
static int count_incoming(const char *account, int max, long long *count)
{
	char sql[1024] = "SELECT COUNT(*) FROM (SELECT 1 FROM " T_MESSAGES " WHERE account = ";
	db_key_t keys[2], col;
	str ks[2], cs, q;
	db_val_t vals[2];
	db1_res_t *res = NULL;
	db1_con_t *h = rtc_db_table(T_MESSAGES);
	size_t n;

	*count = 0;
	if (!h)
		return EIO;
	/* an account SQL text cannot hold (a backslash) takes the API's way */
	if (rtc_db_has_sql() && rtc_db_quote(sql, sizeof(sql), account) == 0) {
		n = strlen(sql);
		snprintf(sql + n, sizeof(sql) - n,
			 " AND direction = 'incoming' LIMIT %d) AS capped", max);
		q.s = sql;
		q.len = (int)strlen(sql);
		if (rtc_dbf.raw_query(h, &q, &res) < 0) {
			LM_ERR("journal count for %s failed\n", account);
			return EIO;
		}
		if (res && RES_ROW_N(res) > 0 && ROW_N(&RES_ROWS(res)[0]) > 0)
			*count = int_of(&ROW_VALUES(&RES_ROWS(res)[0])[0]);
	} else {
		key_of(&keys[0], &ks[0], "account");
		key_of(&keys[1], &ks[1], "direction");
		key_of(&col, &cs, "id");
		val_string(&vals[0], account);
		val_string(&vals[1], "incoming");
		if (rtc_dbf.query(h, keys, 0, vals, &col, 2, 1, 0, &res) < 0) {
			LM_ERR("journal count for %s failed\n", account);
			return EIO;
		}
		*count = res ? RES_ROW_N(res) : 0;
	}
	if (res)
		rtc_dbf.free_result(h, res);
	return 0;
}

/* ---- writes ------------------------------------------------------------------- */

int msgstore_max_stored = 100000;

static int msgstore_add_here(struct msgstore_row *row, int max);
static int msgstore_set_state_here(const char *account, const char *message_id,
				   const char *state);

/* ENOSPC when @p account holds @p max incoming rows already */
static int cap_check(const char *account, int max)
{
	long long n;
	int err = count_incoming(account, max, &n);

	if (err)
		return err;
	return n >= max ? ENOSPC : 0;
}

int msgstore_add(struct msgstore_row *row)
{
	return msgstore_add_capped(row, 0);
}

int msgstore_add_capped(struct msgstore_row *row, int max)
{
	if (rtc_journal_delegates())
		return rtc_journal_add(row, max);
	return msgstore_add_here(row, max);
}

int msgstore_add_then(struct msgstore_row *row, int max, msgstore_done_f *then, void *arg)
{
	if (rtc_journal_delegates())
		return rtc_journal_add_then(row, max, then, arg);
	then(arg, msgstore_add_here(row, max));
	return 0;
}

bool msgstore_adds_later(void)
{
	return rtc_journal_delegates() && !rtc_journal_in_writer();
}

/* The DB API's way: every process's without the journal writer (rtc_journal.h). */
static int msgstore_add_here(struct msgstore_row *row, int max)
{
	db_key_t keys[N_COLUMNS - 1];
	str ks[N_COLUMNS - 1];
	db_val_t vals[N_COLUMNS - 1];
	db1_con_t *h;
	int64_t id;
	int err;

	if (find_row(row->account, row->message_id, &id, NULL) == 0)
		return EEXIST;
	if (max > 0 && (err = cap_check(row->account, max)) != 0)
		return err;
	h = rtc_db_table(T_MESSAGES);
	if (!h)
		return EIO;
	row->created = time(NULL);
	for (size_t i = 1; i < N_COLUMNS; i++)
		key_of(&keys[i - 1], &ks[i - 1], columns[i]);
	val_string(&vals[0], row->account);
	val_string(&vals[1], row->contact);
	val_string(&vals[2], row->direction);
	val_string(&vals[3], row->message_id);
	val_string(&vals[4], row->content_type);
	val_string(&vals[5], row->content ? row->content : "");
	val_string(&vals[6], row->timestamp);
	val_string(&vals[7], row->state);
	val_string(&vals[8], row->disposition);
	val_bigint(&vals[9], (long long)row->created);
	val_string(&vals[10], row->metadata ? row->metadata : "");
	if (rtc_dbf.insert(h, keys, vals, N_COLUMNS - 1) < 0) {
		/* another worker stored the same message first (the UNIQUE
		 * constraint): a duplicate, not a failure */
		if (find_row(row->account, row->message_id, &id, NULL) == 0)
			return EEXIST;
		LM_ERR("cannot store message %s of %s\n", row->message_id, row->account);
		return EIO;
	}
	return 0;
}

/* UPDATE table SET set_cols WHERE n_keys keys match. */
static int update_where(db_key_t *keys, db_val_t *vals, int n_keys, db_key_t *set, db_val_t *to,
			int n_set)
{
	db1_con_t *h = rtc_db_table(T_MESSAGES);

	if (!h)
		return EIO;
	if (rtc_dbf.update(h, keys, 0, vals, set, to, n_keys, n_set) < 0) {
		LM_ERR("journal update failed\n");
		return EIO;
	}
	return 0;
}

int msgstore_set_state(const char *account, const char *message_id, const char *state)
{
	if (rtc_journal_delegates())
		return rtc_journal_set_state(account, message_id, state, true);
	return msgstore_set_state_here(account, message_id, state);
}

int msgstore_set_state_soon(const char *account, const char *message_id, const char *state)
{
	if (rtc_journal_delegates())
		return rtc_journal_set_state(account, message_id, state, false);
	return msgstore_set_state_here(account, message_id, state);
}

int msgstore_set_state_then(const char *account, const char *message_id, const char *state,
			    msgstore_done_f *then, void *arg)
{
	if (rtc_journal_delegates())
		return rtc_journal_set_state_then(account, message_id, state, then, arg);
	then(arg, msgstore_set_state_here(account, message_id, state));
	return 0;
}

static int msgstore_set_state_here(const char *account, const char *message_id,
				   const char *state)
{
	struct msgstore_row row;
	db_key_t keys[2], set[2];
	str ks[2], ss[2];
	db_val_t vals[2], to[2];
	int err;

	err = find_row(account, message_id, NULL, &row);
	if (err)
		return err;
	msgstore_row_free(&row);
	/* an incoming message stays "received" for its receiver */
	if (strcmp(row.state, "received") != 0)
		sylk_copy(row.state, sizeof(row.state), state, strlen(state));
	im_disposition_after(row.disposition, state);
	key_of(&keys[0], &ks[0], "account");
	key_of(&keys[1], &ks[1], "message_id");
	val_string(&vals[0], account);
	val_string(&vals[1], message_id);
	key_of(&set[0], &ss[0], "state");
	key_of(&set[1], &ss[1], "disposition");
	val_string(&to[0], row.state);
	val_string(&to[1], row.disposition);
	return update_where(keys, vals, 2, set, to, 2);
}

int msgstore_mark_read(const char *account, const char *contact)
{
	db_key_t keys[3], set[2];
	str ks[3], ss[2];
	db_val_t vals[3], to[2];

	key_of(&keys[0], &ks[0], "account");
	key_of(&keys[1], &ks[1], "contact");
	key_of(&keys[2], &ks[2], "direction");
	val_string(&vals[0], account);
	val_string(&vals[1], contact);
	val_string(&vals[2], "incoming");
	key_of(&set[0], &ss[0], "state");
	key_of(&set[1], &ss[1], "disposition");
	val_string(&to[0], "displayed");
	val_string(&to[1], "");
	return update_where(keys, vals, 3, set, to, 2);
}

static int delete_where(const char *table, const char *k1, const char *v1, const char *k2,
			const char *v2)
{
	db_key_t keys[2];
	str ks[2];
	db_val_t vals[2];
	db1_con_t *h = rtc_db_table(table);

	if (!h)
		return EIO;
	key_of(&keys[0], &ks[0], k1);
	val_string(&vals[0], v1);
	if (k2) {
		key_of(&keys[1], &ks[1], k2);
		val_string(&vals[1], v2);
	}
	if (rtc_dbf.delete(h, keys, 0, vals, k2 ? 2 : 1) < 0) {
		LM_ERR("delete from %s failed\n", table);
		return EIO;
	}
	return 0;
}

int msgstore_remove_message(const char *account, const char *message_id)
{
	return delete_where(T_MESSAGES, "account", account, "message_id", message_id);
}

int msgstore_remove_conversation(const char *account, const char *contact)
{
	return delete_where(T_MESSAGES, "account", account, "contact", contact);
}

int msgstore_purge(int days)
{
	db_key_t key;
	str ks;
	db_op_t op = OP_LT;
	db_val_t val;
	db1_con_t *h = rtc_db_table(T_MESSAGES);

	if (!h || days <= 0)
		return h ? 0 : EIO;
	key_of(&key, &ks, "created");
	val_bigint(&val, (long long)time(NULL) - (long long)days * 86400);
	if (rtc_dbf.delete(h, &key, &op, &val, 1) < 0) {
		LM_ERR("purge of the journal failed\n");
		return EIO;
	}
	return 0;
}

/* ---- the journal ---------------------------------------------------------------- */

static int walk_result(db1_res_t *res, int limit, msgstore_each_h *each, void *arg)
{
	int err = 0;

	for (int i = 0; i < RES_ROW_N(res) && i < limit && !err; i++) {
		struct msgstore_row row;

		err = row_of(&row, &RES_ROWS(res)[i]);
		if (!err)
			err = each(&row, arg);
		msgstore_row_free(&row);
	}
	return err;
}

/* SQL backends: the index on (account, id) and LIMIT bound the work. */
static int journal_sql(const char *account, int64_t after, time_t since, int limit,
		       msgstore_each_h *each, void *arg)
{
	char sql[1024] =
		"SELECT id, account, contact, direction, message_id, content_type, "
		"content, msg_timestamp, state, disposition, created, metadata FROM " T_MESSAGES
		" WHERE account = ";
	db1_con_t *h = rtc_db_table(T_MESSAGES);
	db1_res_t *res = NULL;
	size_t n;
	str q;
	int err;

	if (!h)
		return EIO;
	if (rtc_db_quote(sql, sizeof(sql), account) < 0)
		return EINVAL;
	n = strlen(sql);
	snprintf(sql + n, sizeof(sql) - n,
		 " AND id > %" PRId64 " AND created >= %lld ORDER BY id LIMIT %d", after,
		 (long long)since, limit);
	q.s = sql;
	q.len = (int)strlen(sql);
	if (rtc_dbf.raw_query(h, &q, &res) < 0) {
		LM_ERR("journal query for %s failed\n", account);
		return EIO;
	}
	err = res ? walk_result(res, limit, each, arg) : 0;
	if (res)
		rtc_dbf.free_result(h, res);
	return err;
}

/* Other backends: the DB API's own query, ordered by id. */
static int journal_api(const char *account, int64_t after, time_t since, int limit,
		       msgstore_each_h *each, void *arg)
{
	db_key_t keys[3], cols[N_COLUMNS], order;
	str ks[3], cs[N_COLUMNS], os;
	db_op_t ops[3] = {OP_EQ, OP_GT, OP_GEQ};
	db_val_t vals[3];
	db1_res_t *res = NULL;
	db1_con_t *h = rtc_db_table(T_MESSAGES);
	int err;

	if (!h)
		return EIO;
	key_of(&keys[0], &ks[0], "account");
	key_of(&keys[1], &ks[1], "id");
	key_of(&keys[2], &ks[2], "created");
	val_string(&vals[0], account);
	val_bigint(&vals[1], after);
	val_bigint(&vals[2], (long long)since);
	for (size_t i = 0; i < N_COLUMNS; i++)
		key_of(&cols[i], &cs[i], columns[i]);
	key_of(&order, &os, "id");
	if (rtc_dbf.query(h, keys, ops, vals, cols, 3, N_COLUMNS, order, &res) < 0) {
		LM_ERR("journal query for %s failed\n", account);
		return EIO;
	}
	err = res ? walk_result(res, limit, each, arg) : 0;
	if (res)
		rtc_dbf.free_result(h, res);
	return err;
}

int msgstore_journal(const char *account, const char *after_message_id, time_t since, int limit,
		     msgstore_each_h *each, void *arg)
{
	int64_t after = 0;

	if (limit <= 0)
		return 0;
	if (after_message_id && *after_message_id) {
		int err = find_row(account, after_message_id, &after, NULL);

		if (err == ENOENT) {
			/* the client's last message is gone (purged or removed) */
			after = 0;
			if (since < time(NULL) - UNKNOWN_POSITION_WINDOW)
				since = time(NULL) - UNKNOWN_POSITION_WINDOW;
		} else if (err) {
			return err;
		}
	}
	if (rtc_db_has_sql())
		return journal_sql(account, after, since, limit, each, arg);
	return journal_api(account, after, since, limit, each, arg);
}

/* ---- public keys ------------------------------------------------------------------ */

/* UPDATE of an existing key: the row never disappears, so a lookup at the
 * same moment sees the old key or the new one. */
static int key_update(db1_con_t *h, const char *account, const char *key)
{
	db_key_t k, set[2];
	str ks, ss[2];
	db_val_t v, to[2];

	key_of(&k, &ks, "account");
	val_string(&v, account);
	key_of(&set[0], &ss[0], "public_key");
	key_of(&set[1], &ss[1], "created");
	val_string(&to[0], key);
	val_bigint(&to[1], (long long)time(NULL));
	return rtc_dbf.update(h, &k, 0, &v, set, to, 1, 2) < 0 ? EIO : 0;
}

int msgstore_key_set(const char *account, const char *key)
{
	db_key_t keys[3];
	str ks[3];
	db_val_t vals[3];
	db1_con_t *h;
	char *old = NULL;
	int err = msgstore_key_get(account, &old);

	free(old);
	if (err && err != ENOENT)
		return err;
	h = rtc_db_table(T_KEYS);
	if (!h)
		return EIO;
	if (!err)
		return key_update(h, account, key);
	key_of(&keys[0], &ks[0], "account");
	key_of(&keys[1], &ks[1], "public_key");
	key_of(&keys[2], &ks[2], "created");
	val_string(&vals[0], account);
	val_string(&vals[1], key);
	val_bigint(&vals[2], (long long)time(NULL));
	/* another process inserted it first: then it is an update */
	if (rtc_dbf.insert(h, keys, vals, 3) < 0 && key_update(h, account, key) != 0) {
		LM_ERR("cannot store the public key of %s\n", account);
		return EIO;
	}
	return 0;
}

int msgstore_key_get(const char *account, char **key)
{
	db_key_t k, col;
	str ks, cs;
	db_val_t val;
	db1_res_t *res = NULL;
	db1_con_t *h = rtc_db_table(T_KEYS);
	int err = 0;

	*key = NULL;
	if (!h)
		return EIO;
	key_of(&k, &ks, "account");
	key_of(&col, &cs, "public_key");
	val_string(&val, account);
	if (rtc_dbf.query(h, &k, 0, &val, &col, 1, 1, 0, &res) < 0) {
		LM_ERR("public key lookup of %s failed\n", account);
		return EIO;
	}
	if (!res || RES_ROW_N(res) < 1)
		err = ENOENT;
	else if (!(*key = dup_of(&ROW_VALUES(&RES_ROWS(res)[0])[0])))
		err = ENOMEM;
	if (res)
		rtc_dbf.free_result(h, res);
	return err;
}
