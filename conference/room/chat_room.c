/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The chat switch of one conference room. See chat_room.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conference/room/chat_room.h"
#include "sylk_ws/im/cpim.h"
#include "sylk_ws/im/iscomposing.h"
#include "sylk_ws/im/utf8_text.h"

/* A normalised URI is at most "sip:" longer than the input it came from. */
#define NORM_MAX (CHAT_URI_MAX + 8)

struct participant {
	unsigned key;
	char *uri;      /* as given */
	char *norm;     /* normalised, for comparisons */
	char *display;  /* NULL when none */
	char *nickname; /* NULL when none */
};

struct history_entry {
	void *data;
	size_t len;
};

struct chat_room {
	struct sylk_mem mem;
	char *uri;
	char *norm;
	struct participant **part; /* in join order */
	size_t part_n;
	size_t part_size;
	struct history_entry *hist; /* ring of hist_size entries */
	size_t hist_size;
	size_t hist_first; /* index of the oldest */
	size_t hist_n;
};

/* ---- allocator ------------------------------------------------------------ */

static void *room_alloc(const struct chat_room *room, size_t size)
{
	return sylk_mem_alloc(&room->mem, size ? size : 1);
}

static void room_free(const struct chat_room *room, void *p)
{
	sylk_mem_free(&room->mem, p);
}

static char *room_strndup(const struct chat_room *room, const char *s, size_t n)
{
	char *d = room_alloc(room, n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static char *room_strdup(const struct chat_room *room, const char *s)
{
	return room_strndup(room, s, strlen(s));
}

/* ---- SIP URI normalisation -------------------------------------------------- */

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_scheme_char(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Normalise s[0..n) (a URI or a name-addr "Name <uri>;params") into out
 * (NUL-terminated, at most NORM_MAX bytes with the NUL): scheme lowered
 * with sips and none meaning sip, password, URI parameters and headers
 * dropped, host lowered. Returns false when it is not a usable URI. */
static bool uri_norm(const char *s, size_t n, char *out)
{
	const char *a = s, *b = s + n, *p, *at, *host, *end, *colon;
	size_t o = 0, i, slen;

	if (!s || !utf8_text_valid(s, n))
		return false;
	/* name-addr: take what is inside the last pair of angle brackets */
	if (memchr(s, '<', n) || memchr(s, '>', n)) {
		for (p = b; p > s && p[-1] != '>'; p--)
			;
		if (p == s)
			return false;
		b = p - 1;
		for (p = b; p > s && p[-1] != '<'; p--)
			;
		if (p == s)
			return false;
		a = p;
	}
	while (a < b && (*a == ' ' || *a == '\t'))
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	if (a == b || (size_t)(b - a) > CHAT_URI_MAX)
		return false;
	for (p = a; p < b; p++) {
		if (*p == ' ' || *p == '\t' || *p == '<' || *p == '>' || *p == '"')
			return false;
	}

	/* scheme */
	slen = 0;
	if (is_alpha((unsigned char)*a)) {
		for (p = a; p < b && is_scheme_char((unsigned char)*p); p++)
			;
		if (p < b && *p == ':') {
			/* "host:5060" has no scheme */
			const char *q = p + 1;

			while (q < b && *q >= '0' && *q <= '9')
				q++;
			if (q == p + 1 || (q < b && *q != ';' && *q != '?'))
				slen = (size_t)(p - a);
		}
	}
	if (slen && !((slen == 3 && strncasecmp(a, "sip", 3) == 0) ||
		      (slen == 4 && strncasecmp(a, "sips", 4) == 0))) {
		for (i = 0; i < slen; i++)
			out[o++] = (char)lower((unsigned char)a[i]);
		out[o++] = ':';
	} else {
		memcpy(out, "sip:", 4);
		o = 4;
	}
	if (slen)
		a += slen + 1;
	if (a == b)
		return false;

	/* user[:password]@ */
	at = memchr(a, '@', (size_t)(b - a));
	host = a;
	if (at) {
		colon = memchr(a, ':', (size_t)(at - a));
		end = colon ? colon : at;
		if (end == a)
			return false;
		memcpy(out + o, a, (size_t)(end - a));
		o += (size_t)(end - a);
		out[o++] = '@';
		host = at + 1;
	}
	/* host[:port], up to parameters or headers */
	for (end = host; end < b && *end != ';' && *end != '?'; end++)
		;
	if (end == host)
		return false;
	for (p = host; p < end; p++)
		out[o++] = (char)lower((unsigned char)*p);
	out[o] = '\0';
	return true;
}

bool chat_uri_equal(const char *a, const char *b)
{
	char na[NORM_MAX], nb[NORM_MAX];

	return a && b && uri_norm(a, strlen(a), na) && uri_norm(b, strlen(b), nb) &&
	       strcmp(na, nb) == 0;
}

/* ---- room ----------------------------------------------------------------- */

int chat_room_alloc(struct chat_room **roomp, const struct sylk_mem *mem, const char *room_uri,
		    unsigned history_size)
{
	struct chat_room tmp, *room;
	char norm[NORM_MAX];

	if (!roomp)
		return EINVAL;
	*roomp = NULL;
	if (mem && (!mem->alloc || !mem->free))
		return EINVAL;
	if (!room_uri || history_size > CHAT_ROOM_MAX_HISTORY ||
	    !uri_norm(room_uri, strlen(room_uri), norm))
		return EINVAL;

	memset(&tmp, 0, sizeof(tmp));
	tmp.mem = sylk_mem_or_default(mem);
	room = room_alloc(&tmp, sizeof(*room));
	if (!room)
		return ENOMEM;
	*room = tmp;
	room->uri = room_strdup(room, room_uri);
	room->norm = room_strdup(room, norm);
	if (history_size) {
		room->hist = room_alloc(room, history_size * sizeof(*room->hist));
		if (room->hist)
			memset(room->hist, 0, history_size * sizeof(*room->hist));
		room->hist_size = history_size;
	}
	if (!room->uri || !room->norm || (history_size && !room->hist)) {
		chat_room_free(room);
		return ENOMEM;
	}
	*roomp = room;
	return 0;
}

static void participant_free(const struct chat_room *room, struct participant *p)
{
	if (!p)
		return;
	room_free(room, p->uri);
	room_free(room, p->norm);
	room_free(room, p->display);
	room_free(room, p->nickname);
	room_free(room, p);
}

void chat_room_free(struct chat_room *room)
{
	size_t i;

	if (!room)
		return;
	for (i = 0; i < room->part_n; i++)
		participant_free(room, room->part[i]);
	room_free(room, room->part);
	if (room->hist) {
		for (i = 0; i < room->hist_size; i++)
			room_free(room, room->hist[i].data);
		room_free(room, room->hist);
	}
	room_free(room, room->uri);
	room_free(room, room->norm);
	room_free(room, room);
}

const char *chat_room_uri(const struct chat_room *room)
{
	return room ? room->uri : NULL;
}

/* ---- participants ----------------------------------------------------------- */

static struct participant *find(const struct chat_room *room, unsigned key, size_t *idx)
{
	size_t i;

	if (!room || key == 0)
		return NULL;
	for (i = 0; i < room->part_n; i++) {
		if (room->part[i]->key == key) {
			if (idx)
				*idx = i;
			return room->part[i];
		}
	}
	return NULL;
}

static bool text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n <= max && utf8_text_valid(s, n);
}

int chat_room_join(struct chat_room *room, unsigned key, const char *uri, const char *display)
{
	struct participant *p, **v;
	char norm[NORM_MAX];
	size_t size;

	if (!room || key == 0 || !uri || !text_ok(uri, CHAT_URI_MAX) ||
	    !uri_norm(uri, strlen(uri), norm) || (display && !text_ok(display, CHAT_DISPLAY_MAX)))
		return EINVAL;
	if (find(room, key, NULL))
		return EEXIST;

	if (room->part_n == room->part_size) {
		size = room->part_size ? room->part_size * 2 : 4;
		if (size > SIZE_MAX / sizeof(*v))
			return ENOMEM;
		v = room_alloc(room, size * sizeof(*v));
		if (!v)
			return ENOMEM;
		if (room->part_n)
			memcpy(v, room->part, room->part_n * sizeof(*v));
		room_free(room, room->part);
		room->part = v;
		room->part_size = size;
	}

	p = room_alloc(room, sizeof(*p));
	if (!p)
		return ENOMEM;
	memset(p, 0, sizeof(*p));
	p->key = key;
	p->uri = room_strdup(room, uri);
	p->norm = room_strdup(room, norm);
	p->display = display ? room_strdup(room, display) : NULL;
	if (!p->uri || !p->norm || (display && !p->display)) {
		participant_free(room, p);
		return ENOMEM;
	}
	room->part[room->part_n++] = p;
	return 0;
}

int chat_room_leave(struct chat_room *room, unsigned key)
{
	struct participant *p;
	size_t i;

	p = find(room, key, &i);
	if (!p)
		return ENOENT;
	memmove(&room->part[i], &room->part[i + 1], (room->part_n - i - 1) * sizeof(*room->part));
	room->part_n--;
	participant_free(room, p);
	return 0;
}

size_t chat_room_count(const struct chat_room *room)
{
	return room ? room->part_n : 0;
}

const char *chat_room_participant_uri(const struct chat_room *room, unsigned key)
{
	const struct participant *p = find(room, key, NULL);

	return p ? p->uri : NULL;
}

const char *chat_room_participant_display(const struct chat_room *room, unsigned key)
{
	const struct participant *p = find(room, key, NULL);

	return p ? p->display : NULL;
}

/* ---- nicknames -------------------------------------------------------------- */

static bool nickname_valid(const char *s)
{
	size_t n, i;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n > CHAT_NICKNAME_MAX || !utf8_text_valid(s, n))
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '\t' || s[i] == 0x7f)
			return false;
	}
	return true;
}

int chat_room_set_nickname(struct chat_room *room, unsigned key, const char *nickname)
{
	struct participant *p;
	char *copy;
	size_t i;

	if (!room || !nickname_valid(nickname))
		return EINVAL;
	p = find(room, key, NULL);
	if (!p)
		return ENOENT;
	for (i = 0; i < room->part_n; i++) {
		const struct participant *o = room->part[i];

		if (o != p && o->nickname && strcasecmp(o->nickname, nickname) == 0)
			return EADDRINUSE;
	}
	copy = room_strdup(room, nickname);
	if (!copy)
		return ENOMEM;
	room_free(room, p->nickname);
	p->nickname = copy;
	return 0;
}

const char *chat_room_nickname(const struct chat_room *room, unsigned key)
{
	const struct participant *p = find(room, key, NULL);

	return p ? p->nickname : NULL;
}

/* ---- routing ---------------------------------------------------------------- */

static bool content_type_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, type, n) != 0)
		return false;
	ct += n;
	return *ct == '\0' || *ct == ';' || *ct == ' ' || *ct == '\t';
}

static int route_status(struct chat_route *out, int status, const char *reason)
{
	out->status = status;
	out->reason = reason;
	return 0;
}

/* Collect into out the keys of participants other than `key`: all of them
 * when norm_a is NULL, else those whose URI is norm_a or norm_b. */
static int collect(const struct chat_room *room, unsigned key, const char *norm_a,
		   const char *norm_b, struct chat_route *out)
{
	size_t i, n = 0;
	unsigned *t;

	for (i = 0; i < room->part_n; i++) {
		const struct participant *p = room->part[i];

		if (p->key != key && (!norm_a || strcmp(p->norm, norm_a) == 0 ||
				      (norm_b && strcmp(p->norm, norm_b) == 0)))
			n++;
	}
	if (n == 0)
		return 0;
	t = malloc(n * sizeof(*t));
	if (!t)
		return ENOMEM;
	n = 0;
	for (i = 0; i < room->part_n; i++) {
		const struct participant *p = room->part[i];

		if (p->key != key && (!norm_a || strcmp(p->norm, norm_a) == 0 ||
				      (norm_b && strcmp(p->norm, norm_b) == 0)))
			t[n++] = p->key;
	}
	out->targets = t;
	out->target_count = n;
	return 0;
}

static bool has_participant(const struct chat_room *room, const char *norm)
{
	size_t i;

	for (i = 0; i < room->part_n; i++) {
		if (strcmp(room->part[i]->norm, norm) == 0)
			return true;
	}
	return false;
}

int chat_room_route(struct chat_room *room, unsigned key, const char *content_type,
		    const void *body, size_t len, struct chat_route *out)
{
	const struct participant *sender;
	struct cpim_msg *m = NULL;
	char from[NORM_MAX], to[NORM_MAX];
	bool screen;
	int err;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!room || !out || (!body && len))
		return EINVAL;

	sender = find(room, key, NULL);
	if (!sender)
		return route_status(out, 403, "sender is not in the room");
	if (!cpim_is_content_type(content_type))
		return route_status(out, 415, "only message/cpim is accepted");
	err = cpim_parse(&m, body, len);
	if (err == ENOMEM)
		return ENOMEM;
	if (err)
		return route_status(out, 400, "undecodable CPIM");
	if (!m->has_from) {
		cpim_msg_free(m);
		return route_status(out, 400, "CPIM From missing");
	}
	if (!uri_norm(m->from.uri, strlen(m->from.uri), from) || strcmp(from, sender->norm) != 0) {
		cpim_msg_free(m);
		return route_status(out, 403, "CPIM From is not the sender");
	}

	out->is_composing = iscomposing_is_content_type(m->content_type);
	screen = content_type_is(m->content_type, CHAT_SCREENSHARING_CONTENT_TYPE);

	if (m->to_n == 1 &&
	    !(uri_norm(m->to[0].uri, strlen(m->to[0].uri), to) && strcmp(to, room->norm) == 0)) {
		out->is_private = true;
		if (!uri_norm(m->to[0].uri, strlen(m->to[0].uri), to) ||
		    !has_participant(room, to)) {
			cpim_msg_free(m);
			return route_status(out, 404, "private recipient is not in the room");
		}
		cpim_msg_free(m);
		/* the recipient's sessions, and the sender's other sessions
		 * for chat (not for typing notifications) */
		err = collect(room, key, to, out->is_composing ? NULL : sender->norm, out);
		if (err) {
			memset(out, 0, sizeof(*out));
			return err;
		}
		return route_status(out, 200,
				    out->is_composing ? "private is-composing" : "private message");
	}
	cpim_msg_free(m);

	err = collect(room, key, NULL, NULL, out);
	if (err) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	out->store = !out->is_composing && !screen && len <= CHAT_HISTORY_MAX_MESSAGE;
	return route_status(out, 200,
			    out->is_composing ? "is-composing" :
			    screen            ? "screen-sharing frame" :
						"broadcast");
}

/* ---- history ------------------------------------------------------------------ */

int chat_room_history_add(struct chat_room *room, const void *cpim, size_t len)
{
	struct history_entry *e;
	void *copy;

	if (!room || !cpim || len == 0)
		return EINVAL;
	if (len > CHAT_HISTORY_MAX_MESSAGE)
		return EMSGSIZE;
	if (room->hist_size == 0)
		return 0;
	copy = room_alloc(room, len);
	if (!copy)
		return ENOMEM;
	memcpy(copy, cpim, len);
	if (room->hist_n == room->hist_size) {
		e = &room->hist[room->hist_first];
		room_free(room, e->data);
		room->hist_first = (room->hist_first + 1) % room->hist_size;
		room->hist_n--;
	}
	e = &room->hist[(room->hist_first + room->hist_n) % room->hist_size];
	e->data = copy;
	e->len = len;
	room->hist_n++;
	return 0;
}

size_t chat_room_history_count(const struct chat_room *room)
{
	return room ? room->hist_n : 0;
}

int chat_room_history_get(const struct chat_room *room, size_t i, const void **cpim, size_t *len)
{
	const struct history_entry *e;

	if (!room || !cpim || !len)
		return EINVAL;
	if (i >= room->hist_n)
		return ENOENT;
	e = &room->hist[(room->hist_first + i) % room->hist_size];
	*cpim = e->data;
	*len = e->len;
	return 0;
}

/* ---- status messages ------------------------------------------------------------ */

int chat_status_message(char **out, size_t *lenp, const char *room_uri, const char *text)
{
	struct cpim_msg *m;
	size_t tlen;
	int err;

	if (!out || !lenp)
		return EINVAL;
	*out = NULL;
	*lenp = 0;
	if (!room_uri || !text)
		return EINVAL;
	tlen = strlen(text);
	if (!utf8_text_valid(text, tlen))
		return EINVAL;
	err = cpim_msg_alloc(&m);
	if (err)
		return err;
	err = cpim_msg_set_from(m, NULL, room_uri);
	if (!err)
		err = cpim_msg_add_to(m, NULL, room_uri);
	if (!err)
		err = cpim_msg_set_datetime(m, NULL);
	if (!err)
		err = cpim_msg_add_ns(m, "agp", CPIM_NS_AGP);
	if (!err)
		err = cpim_msg_add_header(m, CPIM_NS_AGP, "Message-Type", "status");
	if (!err)
		err = cpim_msg_set_content(m, "text/plain", text, tlen);
	if (!err)
		err = cpim_encode(m, out, lenp);
	cpim_msg_free(m);
	return err;
}
