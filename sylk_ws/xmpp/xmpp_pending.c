/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presence waiting for room toward the XMPP server: see xmpp_pending.h. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/base/str.h"
#include "sylk_ws/xmpp/xmpp_pending.h"

#define BUCKETS_MIN 16
#define BUCKETS_MAX 65536

struct pending_pair {
	struct pending_pair *chain; /* the next of the same bucket */
	struct pending_pair *next;  /* the next in drain order */
	struct pending_pair *prev;  /* the one before in drain order */
	unsigned hash; /* of (from, to): every class of a pair in one bucket */
	enum xmpp_pending_class cls;
	char *stanza; /* NUL-terminated, from the table's allocator */
	size_t len;
	size_t to_at; /* key: "from\0to\0"; to at key + to_at */
	char key[];
};

struct xmpp_pending {
	struct sylk_mem mem;
	size_t max_keys, waiting;
	unsigned long deferred, replaced, refused, refused_untold;
	unsigned long refused_by[XMPP_PENDING_CLASSES], untold_by[XMPP_PENDING_CLASSES];
	int64_t told_at;                  /* the last refusal report */
	bool told;                        /* there was one */
	struct pending_pair *head, *tail; /* drain order: the first came first */
	size_t nbuckets;                  /* a power of two */
	struct pending_pair **bucket;
};

/* JIDs match case-insensitively */
static unsigned hash_of(const char *from, const char *to)
{
	unsigned h = str_hash_fold(STR_HASH_INIT, from);

	h = (h ^ 0xffu) * 16777619u; /* ("ab", "c") and ("a", "bc") differ */
	return str_hash_fold(h, to);
}

int xmpp_pending_class_of(const char *type)
{
	if (!type || !strcmp(type, "unavailable"))
		return XMPP_PENDING_STATE;
	if (!strcmp(type, "subscribe") || !strcmp(type, "unsubscribe"))
		return XMPP_PENDING_REQUEST;
	if (!strcmp(type, "subscribed") || !strcmp(type, "unsubscribed"))
		return XMPP_PENDING_ANSWER;
	if (!strcmp(type, "probe"))
		return XMPP_PENDING_PROBE;
	return -1;
}

int xmpp_pending_alloc(struct xmpp_pending **tp, const struct sylk_mem *mem, size_t max_keys)
{
	struct sylk_mem m = sylk_mem_or_default(mem);
	struct xmpp_pending *t = NULL;
	size_t n = BUCKETS_MIN;
	int err = 0;

	if (!tp)
		return EINVAL;
	/* about two keys per bucket when full */
	while (n < max_keys / 2 && n < BUCKETS_MAX)
		n *= 2;
	t = sylk_mem_zalloc(&m, sizeof(*t));
	if (!t) {
		err = ENOMEM;
		goto out;
	}
	t->mem = m;
	t->max_keys = max_keys;
	t->nbuckets = n;
	t->bucket = sylk_mem_zalloc(&m, n * sizeof(*t->bucket));
	if (!t->bucket)
		err = ENOMEM;
out:
	if (err) {
		xmpp_pending_free(t);
		t = NULL;
	}
	*tp = t;
	return err;
}

static void pair_free(const struct xmpp_pending *t, struct pending_pair *p)
{
	sylk_mem_free(&t->mem, p->stanza);
	sylk_mem_free(&t->mem, p);
}

void xmpp_pending_free(struct xmpp_pending *t)
{
	struct sylk_mem m;

	if (!t)
		return;
	for (struct pending_pair *p = t->head, *next; p; p = next) {
		next = p->next;
		pair_free(t, p);
	}
	m = t->mem;
	sylk_mem_free(&m, t->bucket);
	sylk_mem_free(&m, t);
}

bool xmpp_pending_class_replaces(enum xmpp_pending_class cls)
{
	return cls != XMPP_PENDING_ERROR && cls != XMPP_PENDING_MESSAGE;
}

/* Whether a replaced key of class @p cls goes to the back of the drain
 * order: the classes that share their pairs with messages that may wait
 * behind them (an occupant's presence and its groupchat messages, a
 * session's chat state and its messages): the newest state must not
 * overtake the messages made before it. The subscription classes keep
 * their place (a presentity that changes all the time cannot push its
 * watchers back). */
static bool moves_back(enum xmpp_pending_class cls)
{
	return cls == XMPP_PENDING_OCCUPANT || cls == XMPP_PENDING_CHATSTATE;
}

static void drain_append(struct xmpp_pending *t, struct pending_pair *p)
{
	p->next = NULL;
	p->prev = t->tail;
	if (t->tail)
		t->tail->next = p;
	else
		t->head = p;
	t->tail = p;
}

static void drain_unlink(struct xmpp_pending *t, struct pending_pair *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		t->head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		t->tail = p->prev;
	p->next = p->prev = NULL;
}

/* exact: compared as they are (MUC occupants' JIDs) */
static bool pair_is(const struct pending_pair *p, unsigned hash, const char *from, const char *to,
		    bool exact)
{
	if (p->hash != hash)
		return false;
	if (exact)
		return !strcmp(p->key, from) && !strcmp(p->key + p->to_at, to);
	return !strcasecmp(p->key, from) && !strcasecmp(p->key + p->to_at, to);
}

/* the key's entry (*slot NULL: none); cls < 0: any class of the pair
 * (compared case-insensitively: at worst a pair waits that need not);
 * a class that never replaces: the end of the bucket (a new key) */
static struct pending_pair **slot_of(const struct xmpp_pending *t, unsigned hash, const char *from,
				     const char *to, int cls)
{
	struct pending_pair **pp = &t->bucket[hash & (t->nbuckets - 1)];
	bool exact = cls == XMPP_PENDING_OCCUPANT;

	if (cls >= 0 && !xmpp_pending_class_replaces((enum xmpp_pending_class)cls)) {
		while (*pp)
			pp = &(*pp)->chain;
		return pp;
	}
	for (; *pp; pp = &(*pp)->chain)
		if ((cls < 0 || (*pp)->cls == (enum xmpp_pending_class)cls) &&
		    pair_is(*pp, hash, from, to, exact))
			break;
	return pp;
}

static char *copy_of(const struct xmpp_pending *t, const char *s, size_t len)
{
	char *c = sylk_mem_alloc(&t->mem, len + 1);

	if (c) {
		memcpy(c, s, len);
		c[len] = 0;
	}
	return c;
}

int xmpp_pending_put(struct xmpp_pending *t, const char *from, const char *to,
		     enum xmpp_pending_class cls, const char *stanza, size_t len, bool *replaced)
{
	struct pending_pair **slot, *p = NULL;
	size_t from_len, to_len;
	char *copy = NULL;
	unsigned hash;
	int err = 0;

	if (replaced)
		*replaced = false;
	if (!t || !from || !to || !stanza || (unsigned)cls >= XMPP_PENDING_CLASSES)
		return EINVAL;
	hash = hash_of(from, to);
	slot = slot_of(t, hash, from, to, (int)cls);
	if (!*slot && t->waiting >= t->max_keys) {
		err = ENOSPC;
		goto out;
	}
	copy = copy_of(t, stanza, len);
	if (!copy) {
		err = ENOMEM;
		goto out;
	}
	if (*slot) { /* the newer one wins; the key keeps its place (or goes back) */
		sylk_mem_free(&t->mem, (*slot)->stanza);
		(*slot)->stanza = copy;
		(*slot)->len = len;
		if (moves_back(cls) && (*slot)->next) {
			p = *slot;
			drain_unlink(t, p);
			drain_append(t, p);
		}
		t->replaced++;
		if (replaced)
			*replaced = true;
		goto out;
	}
	from_len = strlen(from);
	to_len = strlen(to);
	p = sylk_mem_zalloc(&t->mem, sizeof(*p) + from_len + to_len + 2);
	if (!p) {
		sylk_mem_free(&t->mem, copy);
		err = ENOMEM;
		goto out;
	}
	p->hash = hash;
	p->cls = cls;
	p->stanza = copy;
	p->len = len;
	p->to_at = from_len + 1;
	memcpy(p->key, from, from_len + 1);
	memcpy(p->key + p->to_at, to, to_len + 1);
	*slot = p;
	drain_append(t, p);
	t->waiting++;
out:
	if (!err)
		t->deferred++;
	if (err == ENOSPC) {
		t->refused++;
		t->refused_untold++;
		t->refused_by[cls]++;
		t->untold_by[cls]++;
	}
	return err;
}

bool xmpp_pending_has(const struct xmpp_pending *t, const char *from, const char *to)
{
	if (!t || !from || !to || !t->waiting)
		return false;
	return *slot_of(t, hash_of(from, to), from, to, -1) != NULL;
}

int xmpp_pending_take(struct xmpp_pending *t, char **stanza, size_t *len)
{
	struct pending_pair *p, **slot;

	if (!t || !stanza)
		return EINVAL;
	p = t->head;
	if (!p)
		return ENOENT;
	for (slot = &t->bucket[p->hash & (t->nbuckets - 1)]; *slot != p; slot = &(*slot)->chain)
		;
	*slot = p->chain;
	drain_unlink(t, p);
	t->waiting--;
	*stanza = p->stanza;
	if (len)
		*len = p->len;
	p->stanza = NULL;
	pair_free(t, p);
	return 0;
}

void xmpp_pending_stats(const struct xmpp_pending *t, struct xmpp_pending_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!t)
		return;
	out->waiting = t->waiting;
	out->deferred = t->deferred;
	out->replaced = t->replaced;
	out->refused = t->refused;
	memcpy(out->refused_by, t->refused_by, sizeof(out->refused_by));
}

unsigned long xmpp_pending_refused_due(struct xmpp_pending *t, int64_t now, int64_t interval)
{
	return xmpp_pending_refused_due_by(t, now, interval, NULL);
}

unsigned long xmpp_pending_refused_due_by(struct xmpp_pending *t, int64_t now, int64_t interval,
					  unsigned long by_class[XMPP_PENDING_CLASSES])
{
	unsigned long n;

	if (by_class)
		memset(by_class, 0, XMPP_PENDING_CLASSES * sizeof(*by_class));
	if (!t || !t->refused_untold || (t->told && now - t->told_at < interval))
		return 0;
	n = t->refused_untold;
	t->refused_untold = 0;
	if (by_class)
		memcpy(by_class, t->untold_by, sizeof(t->untold_by));
	memset(t->untold_by, 0, sizeof(t->untold_by));
	t->told_at = now;
	t->told = true;
	return n;
}
