/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who may do what in the focus's rooms; screen-sharing URL tokens. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "conference/room/room_policy.h"
#include "sylk_ws/base/str.h"

/* @p s / *len without a leading "sip:" or "sips:" */
static const char *skip_scheme_n(const char *s, size_t *len)
{
	if (*len >= 4 && strncasecmp(s, "sip:", 4) == 0) {
		*len -= 4;
		return s + 4;
	}
	if (*len >= 5 && strncasecmp(s, "sips:", 5) == 0) {
		*len -= 5;
		return s + 5;
	}
	return s;
}

static const char *skip_scheme(const char *aor)
{
	size_t len = aor ? strlen(aor) : 0;

	return aor ? skip_scheme_n(aor, &len) : NULL;
}

bool room_policy_in_list(const char *list, const char *aor)
{
	const char *item;
	size_t len, alen;

	aor = skip_scheme(aor);
	if (!aor || !*aor)
		return false;
	alen = strlen(aor);
	while (str_list_next(&list, &item, &len)) {
		item = skip_scheme_n(item, &len);
		if (len == alen && strncasecmp(item, aor, len) == 0)
			return true;
	}
	return false;
}

int room_policy_parse_creators(struct room_policy *p, const char *value)
{
	if (!p || !value)
		return EINVAL;
	while (*value == ' ' || *value == '\t')
		value++;
	p->creator_list = NULL;
	if (strcasecmp(value, "authenticated") == 0)
		p->creators = ROOM_CREATORS_AUTHENTICATED;
	else if (strcasecmp(value, "any") == 0)
		p->creators = ROOM_CREATORS_ANY;
	else if (strcasecmp(value, "none") == 0)
		p->creators = ROOM_CREATORS_NONE;
	else if (*value && strchr(value, '@')) {
		p->creators = ROOM_CREATORS_LIST;
		p->creator_list = value;
	} else
		return EINVAL;
	return 0;
}

int room_policy_parse_joiners(struct room_policy *p, const char *value)
{
	if (!p || !value)
		return EINVAL;
	if (strcasecmp(value, "any") == 0)
		p->joiners = ROOM_JOINERS_ANY;
	else if (strcasecmp(value, "authenticated") == 0)
		p->joiners = ROOM_JOINERS_AUTHENTICATED;
	else
		return EINVAL;
	return 0;
}

bool room_policy_may_create(const struct room_policy *p, bool authenticated, const char *aor)
{
	switch (p->creators) {
	case ROOM_CREATORS_ANY: return true;
	case ROOM_CREATORS_AUTHENTICATED: return authenticated;
	case ROOM_CREATORS_LIST: return authenticated && room_policy_in_list(p->creator_list, aor);
	case ROOM_CREATORS_NONE:
	default: return false;
	}
}

bool room_policy_may_join(const struct room_policy *p, bool authenticated)
{
	return p->joiners == ROOM_JOINERS_ANY || authenticated;
}

bool room_policy_may_refer(bool authenticated, bool from_is_participant, bool same_source_address)
{
	return authenticated || (from_is_participant && same_source_address);
}

int room_policy_room_cap(unsigned total, unsigned of_source, unsigned max_total,
			 unsigned max_per_source)
{
	if (max_total && total >= max_total)
		return ENOSPC;
	if (max_per_source && of_source >= max_per_source)
		return EDQUOT;
	return 0;
}

/* ---- tokens ---------------------------------------------------------------------- */

int room_token_generate(char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[ROOM_TOKEN_BYTES];
	size_t got = 0;

	if (!buf || size < ROOM_TOKEN_SIZE)
		return EINVAL;
	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return EIO;
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(rnd); i++) {
		buf[2 * i] = hex[rnd[i] >> 4];
		buf[2 * i + 1] = hex[rnd[i] & 15];
	}
	buf[2 * sizeof(rnd)] = '\0';
	return 0;
}

bool room_token_valid(const char *s, size_t len)
{
	if (!s || len != ROOM_TOKEN_SIZE - 1)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool room_token_equal(const char *a, const char *b)
{
	unsigned char diff = 0;

	if (!a || !b || !room_token_valid(a, strlen(a)) || !room_token_valid(b, strlen(b)))
		return false;
	for (size_t i = 0; i < ROOM_TOKEN_SIZE - 1; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

int room_screen_path_parse(const char *path, char *token, size_t size, bool *image)
{
	size_t len, tlen = ROOM_TOKEN_SIZE - 1;

	if (!path || !token || size < ROOM_TOKEN_SIZE || !image)
		return ENOENT;
	len = strlen(path);
	if (len == tlen)
		*image = false;
	else if (len == tlen + 4 && strcmp(path + tlen, ".jpg") == 0)
		*image = true;
	else
		return ENOENT;
	if (!room_token_valid(path, tlen))
		return ENOENT;
	memcpy(token, path, tlen);
	token[tlen] = '\0';
	return 0;
}
