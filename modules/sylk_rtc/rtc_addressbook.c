/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Address books: see rtc_addressbook.h.
 *
 * A write is a compare-and-swap on the document's ETag: UPDATE ... WHERE
 * etag = <the one read>, then the ETag read back must be ours (db_sqlite
 * has no affected-rows count); a new document is an INSERT that the UNIQUE
 * doc_uri index refuses to a second writer. A lost race is retried from a
 * fresh read (RETRIES times), then reported, so no edit is silently lost. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"

#include "sylk_ws/contacts/addressbook.h"
#include "sylk_ws/sylkrtc/sylkrtc_event.h"

#include "../common/sip_util.h"
#include "rtc_account.h"
#include "rtc_addressbook.h"
#include "rtc_config.h"
#include "rtc_db.h"
#include "rtc_events.h"
#include "rtc_presence.h"
#include "rtc_sip.h"
#include "rtc_store.h"

#define T_XCAP "xcap"
#define RETRIES 3
#define MAX_TARGETS 64
#define ETAG_SIZE 128

enum doc_kind { DOC_LISTS, DOC_RULES };
static const char *const auid[] = {"resource-lists", "pres-rules"};
static const int doc_type[] = {4, 2}; /* xcap_server's RESOURCE_LIST, PRES_RULES */

struct xdoc {
	char *text; /* malloc'd, NULL when there is no document */
	size_t len;
	char etag[ETAG_SIZE];
};

/* ---- the xcap table ------------------------------------------------------------ */

static void doc_uri(char *buf, size_t size, enum doc_kind k, const char *aor)
{
	snprintf(buf, size, "/xcap-root/%s/users/sip:%s/index", auid[k], aor);
}

static void key_of(db_key_t *k, str *s, const char *name)
{
	s->s = (char *)name;
	s->len = (int)strlen(name);
	*k = s;
}

static void val_str(db_val_t *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	VAL_TYPE(v) = DB1_STR;
	VAL_STR(v).s = (char *)s;
	VAL_STR(v).len = (int)strlen(s);
}

static void val_int(db_val_t *v, int n)
{
	memset(v, 0, sizeof(*v));
	VAL_TYPE(v) = DB1_INT;
	VAL_INT(v) = n;
}

static void text_of(const db_val_t *v, const char **s, size_t *len)
{
	*s = NULL;
	*len = 0;
	if (VAL_NULL(v))
		return;
	if (VAL_TYPE(v) == DB1_STRING)
		*s = VAL_STRING(v), *len = strlen(*s);
	else if (VAL_TYPE(v) == DB1_STR)
		*s = VAL_STR(v).s, *len = (size_t)VAL_STR(v).len;
	else if (VAL_TYPE(v) == DB1_BLOB)
		*s = VAL_BLOB(v).s, *len = (size_t)VAL_BLOB(v).len;
}

/* The document and its ETag; text NULL when there is none. */
static int doc_read(const char *aor, enum doc_kind k, struct xdoc *d)
{
	char uri[RTC_AOR_SIZE + 64];
	db_key_t keys[1], cols[2];
	db_val_t vals[1];
	str ks[1], cs[2];
	db1_res_t *res = NULL;
	db1_con_t *h = rtc_db_table(T_XCAP);
	const char *s;
	size_t len;
	int err = EIO;

	memset(d, 0, sizeof(*d));
	if (!h)
		return EIO;
	doc_uri(uri, sizeof(uri), k, aor);
	key_of(&keys[0], &ks[0], "doc_uri");
	val_str(&vals[0], uri);
	key_of(&cols[0], &cs[0], "doc");
	key_of(&cols[1], &cs[1], "etag");
	if (rtc_dbf.query(h, keys, 0, vals, cols, 1, 2, 0, &res) < 0)
		goto out;
	err = 0;
	if (!res || RES_ROW_N(res) < 1)
		goto out;
	text_of(&ROW_VALUES(&RES_ROWS(res)[0])[1], &s, &len);
	if (s)
		sylk_copy(d->etag, sizeof(d->etag), s, len);
	text_of(&ROW_VALUES(&RES_ROWS(res)[0])[0], &s, &len);
	d->text = malloc(len + 1);
	if (!d->text) {
		err = ENOMEM;
		goto out;
	}
	memcpy(d->text, s ? s : "", len);
	d->text[len] = '\0';
	d->len = len;
out:
	if (res)
		rtc_dbf.free_result(h, res);
	if (err == EIO)
		LM_ERR("cannot read the %s document of %s\n", auid[k], aor);
	return err;
}

static void make_etag(char *etag)
{
	char hex[25];

	rtc_sip_random_hex(hex, sizeof(hex));
	snprintf(etag, ETAG_SIZE, "sylk-%s", hex);
}

static int doc_insert(const char *aor, enum doc_kind k, const char *text, const char *etag)
{
	char uri[RTC_AOR_SIZE + 64], user[RTC_AOR_SIZE];
	const char *at = strchr(aor, '@');
	db_key_t keys[8];
	db_val_t vals[8];
	str ks[8];
	db1_con_t *h = rtc_db_table(T_XCAP);

	if (!h || !at)
		return EIO;
	sylk_copy(user, sizeof(user), aor, (size_t)(at - aor));
	doc_uri(uri, sizeof(uri), k, aor);
	key_of(&keys[0], &ks[0], "username"), val_str(&vals[0], user);
	key_of(&keys[1], &ks[1], "domain"), val_str(&vals[1], at + 1);
	key_of(&keys[2], &ks[2], "doc"), val_str(&vals[2], text);
	VAL_TYPE(&vals[2]) = DB1_BLOB;
	key_of(&keys[3], &ks[3], "doc_type"), val_int(&vals[3], doc_type[k]);
	key_of(&keys[4], &ks[4], "etag"), val_str(&vals[4], etag);
	key_of(&keys[5], &ks[5], "source"), val_int(&vals[5], 0);
	key_of(&keys[6], &ks[6], "doc_uri"), val_str(&vals[6], uri);
	key_of(&keys[7], &ks[7], "port"), val_int(&vals[7], 0);
	return rtc_dbf.insert(h, keys, vals, 8) < 0 ? EAGAIN : 0;
}

static int doc_swap(const char *aor, enum doc_kind k, const char *text, const char *old,
		    const char *etag)
{
	char uri[RTC_AOR_SIZE + 64];
	db_key_t keys[2], ucols[2];
	db_val_t vals[2], uvals[2];
	str ks[2], us[2];
	db1_con_t *h = rtc_db_table(T_XCAP);

	if (!h)
		return EIO;
	doc_uri(uri, sizeof(uri), k, aor);
	key_of(&keys[0], &ks[0], "doc_uri"), val_str(&vals[0], uri);
	key_of(&keys[1], &ks[1], "etag"), val_str(&vals[1], old);
	key_of(&ucols[0], &us[0], "doc"), val_str(&uvals[0], text);
	VAL_TYPE(&uvals[0]) = DB1_BLOB;
	key_of(&ucols[1], &us[1], "etag"), val_str(&uvals[1], etag);
	return rtc_dbf.update(h, keys, 0, vals, ucols, uvals, 2, 2) < 0 ? EIO : 0;
}

/* Writes @p text over @p old: 0, EAGAIN (someone else wrote first) or EIO. */
static int doc_write(const char *aor, enum doc_kind k, const char *text, const struct xdoc *old)
{
	char etag[ETAG_SIZE];
	struct xdoc now;
	int err;

	make_etag(etag);
	if (!old->text)
		return doc_insert(aor, k, text, etag);
	err = doc_swap(aor, k, text, old->etag, etag);
	if (err)
		return err;
	err = doc_read(aor, k, &now);
	if (!err && strcmp(now.etag, etag) != 0)
		err = EAGAIN;
	free(now.text);
	return err;
}

/* ---- the address book ------------------------------------------------------------ */

static json_object *load_docs(const char *aor, struct xdoc docs[2])
{
	json_object *ab;

	/* docs_free() follows whatever fails below: nothing uninitialised */
	memset(docs, 0, 2 * sizeof(*docs));
	ab = ab_new();
	if (!ab || doc_read(aor, DOC_LISTS, &docs[0]) || doc_read(aor, DOC_RULES, &docs[1])) {
		json_object_put(ab);
		return NULL;
	}
	/* a document another client broke is read as empty, not refused */
	if (docs[0].text && ab_read_lists(ab, docs[0].text, docs[0].len))
		LM_NOTICE("the resource-lists document of %s is no resource-lists\n", aor);
	if (docs[1].text && ab_read_rules(ab, docs[1].text, docs[1].len))
		LM_NOTICE("the pres-rules document of %s is no pres-rules\n", aor);
	return ab;
}

static void docs_free(struct xdoc docs[2])
{
	free(docs[0].text);
	free(docs[1].text);
	docs[0].text = docs[1].text = NULL;
}

json_object *rtc_addressbook_load(const char *aor)
{
	struct xdoc docs[2];
	json_object *ab = load_docs(aor, docs);

	docs_free(docs);
	return ab;
}

/* ---- events -------------------------------------------------------------------- */

static int targets(const char *aor, int *out)
{
	int n;

	rtc_lock();
	n = rtc_account_receivers(aor, -1, out, MAX_TARGETS);
	rtc_unlock();
	return n;
}

struct fanout {
	const char *aor;
	int t[MAX_TARGETS];
	int n;
};

static int send_updated(enum sylkrtc_ab_type type, enum sylkrtc_ab_action action, json_object *item,
			void *arg)
{
	struct fanout *f = arg;
	const char *text = json_object_to_json_string_ext(
		item, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	for (int i = 0; i < f->n; i++) {
		char *json = NULL;

		rtc_send_built(f->t[i],
			       sylkrtc_event_addressbook_updated(&json, SYLKRTC_V2, f->aor, type,
								 action, text),
			       &json);
	}
	return 0;
}

/* ---- requests ------------------------------------------------------------------ */

/* The request's account on this connection, registered: its AOR. */
static bool owner_of(int conn_id, const struct sylkrtc_request *req, char *aor)
{
	enum { OK, UNKNOWN, UNAUTHENTICATED } why = OK;
	struct rtc_account *a;

	rtc_lock();
	a = rtc_account_find(conn_id, req->account);
	if (!a)
		why = UNKNOWN;
	else if (!rtc_account_may_receive(a))
		why = UNAUTHENTICATED;
	else
		sylk_copy(aor, RTC_AOR_SIZE, a->aor, strlen(a->aor));
	rtc_unlock();
	if (why == UNKNOWN)
		rtc_send_error(conn_id, req->transaction, "Unknown account specified: %s",
			       req->account);
	else if (why == UNAUTHENTICATED) {
		LM_NOTICE("connection %d: address book of %s refused: not registered\n", conn_id,
			  req->account);
		rtc_send_error(conn_id, req->transaction, "Account not authenticated");
	}
	return why == OK;
}

static void fetch(int conn_id, const struct sylkrtc_request *req)
{
	char aor[RTC_AOR_SIZE], *json = NULL;
	json_object *ab;

	if (!owner_of(conn_id, req, aor))
		return;
	ab = rtc_addressbook_load(aor);
	if (!ab) {
		rtc_send_error(conn_id, req->transaction, "Cannot read the address book");
		return;
	}
	rtc_send_built(
		conn_id,
		sylkrtc_event_addressbook_fetched(
			&json, SYLKRTC_V2, aor,
			json_object_to_json_string_ext(ab, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE)),
		&json);
	json_object_put(ab);
	rtc_send_ack(conn_id, req->transaction);
}

struct attempt {
	const char *aor;
	const struct sylkrtc_request *req;
	json_object *item;
	char id[AB_ID_MAX + 1];
	char why[160];
};

static int store(struct attempt *t, json_object *ab, struct xdoc docs[2])
{
	char *lists = NULL, *rules = NULL;
	const char *domain = strchr(t->aor, '@'); /* the default rule's domain */
	size_t n1 = 0, n2 = 0;
	int err;

	err = ab_write_lists(ab, &lists, &n1);
	if (!err)
		err = ab_write_rules_for(ab, domain ? domain + 1 : NULL, &rules, &n2);
	if (err)
		goto out;
	if ((int)(n1 > n2 ? n1 : n2) > rtc_cfg.max_addressbook_size) {
		snprintf(t->why, sizeof(t->why), "%s (max %d bytes)", ab_reason_str(AB_TOO_LARGE),
			 rtc_cfg.max_addressbook_size);
		err = EFBIG;
		goto out;
	}
	err = doc_write(t->aor, DOC_LISTS, lists, &docs[0]);
	if (!err && (!docs[1].text || strcmp(docs[1].text, rules) != 0))
		err = doc_write(t->aor, DOC_RULES, rules, &docs[1]);
out:
	free(lists);
	free(rules);
	return err;
}

/* One read-apply-write round: 0, EINVAL (refused, t->why), EAGAIN or EIO. */
static int attempt(struct attempt *t)
{
	struct xdoc docs[2];
	enum ab_reason r;
	json_object *ab = load_docs(t->aor, docs);
	int err = EIO;

	if (!ab)
		goto out;
	json_object_put(t->item);
	t->item = NULL;
	err = ab_apply(ab, t->req->ab_type, t->req->ab_action, t->req->data_json, &t->item, t->id,
		       &r);
	if (err == EINVAL)
		snprintf(t->why, sizeof(t->why), "%s", ab_reason_str(r));
	if (!err)
		err = store(t, ab, docs);
out:
	docs_free(docs);
	json_object_put(ab);
	return err;
}

static void update(int conn_id, const struct sylkrtc_request *req)
{
	struct attempt t = {.req = req};
	char aor[RTC_AOR_SIZE], *json = NULL;
	struct fanout f = {.aor = aor};
	int err = EAGAIN;

	if (!owner_of(conn_id, req, aor))
		return;
	t.aor = aor;
	for (int i = 0; i < RETRIES && err == EAGAIN; i++)
		err = attempt(&t);
	if (err) {
		if (!t.why[0])
			snprintf(t.why, sizeof(t.why), "%s",
				 err == EAGAIN ? "Concurrent edit, try again" :
						 "Cannot store the address book");
		LM_NOTICE("address book of %s: %s %s refused: %s\n", aor,
			  sylkrtc_ab_action_name(req->ab_action),
			  sylkrtc_ab_type_name(req->ab_type), t.why);
		rtc_send_built(conn_id,
			       sylkrtc_event_addressbook_update_failed(
				       &json, SYLKRTC_V2, aor, req->ab_type, req->ab_action, t.why,
				       t.id[0] ? t.id : NULL),
			       &json);
		json_object_put(t.item);
		rtc_send_ack(conn_id, req->transaction);
		return;
	}
	f.n = targets(aor, f.t);
	send_updated(req->ab_type, req->ab_action, t.item, &f);
	json_object_put(t.item);
	rtc_send_ack(conn_id, req->transaction);
	rtc_presence_addressbook_changed(aor);
}

void rtc_addressbook_request(int conn_id, const struct sylkrtc_request *req)
{
	if (!rtc_db_enabled()) {
		rtc_send_error(conn_id, req->transaction, "Address book not available (no db_url)");
		return;
	}
	if (req->type == SYLKRTC_REQ_ACCOUNT_FETCH_ADDRESSBOOK)
		fetch(conn_id, req);
	else
		update(conn_id, req);
}

/* ---- edits over XCAP ------------------------------------------------------------ */

static json_object *snapshot; /* this process's, between the two calls */
static char snapshot_aor[RTC_AOR_SIZE];

static int aor_of_uri(const str *uri, char *aor)
{
	const char *s = uri->s;
	int len = uri->len;

	if (len > 4 && !strncasecmp(s, "sip:", 4))
		s += 4, len -= 4;
	if (len <= 0 || len >= RTC_AOR_SIZE || !memchr(s, '@', (size_t)len))
		return -1;
	sylk_copy(aor, RTC_AOR_SIZE, s, (size_t)len);
	return 0;
}

int rtc_addressbook_snapshot(struct sip_msg *msg, str *uri)
{
	json_object_put(snapshot);
	snapshot = NULL;
	if (!rtc_db_enabled() || aor_of_uri(uri, snapshot_aor) < 0)
		return -1;
	snapshot = rtc_addressbook_load(snapshot_aor);
	return snapshot ? 1 : -1;
}

int rtc_addressbook_changed(struct sip_msg *msg, str *uri)
{
	char aor[RTC_AOR_SIZE];
	struct fanout f = {.aor = aor};
	json_object *now;

	if (!snapshot || aor_of_uri(uri, aor) < 0 || strcmp(aor, snapshot_aor) != 0)
		goto out;
	now = rtc_addressbook_load(aor);
	if (!now)
		goto out;
	f.n = targets(aor, f.t);
	if (f.n > 0)
		ab_diff(snapshot, now, send_updated, &f);
	json_object_put(now);
	rtc_presence_addressbook_changed(aor);
out:
	json_object_put(snapshot);
	snapshot = NULL;
	return 1;
}
