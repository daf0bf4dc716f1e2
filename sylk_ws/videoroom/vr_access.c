/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Video room access: policy and AOR pattern lists. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/base/str.h"
#include "sylk_ws/videoroom/vr_access.h"

int vr_policy_parse(enum vr_policy *policy, const char *s)
{
	if (!policy || !s)
		return EINVAL;
	if (strcasecmp(s, "allow") == 0)
		*policy = VR_POLICY_ALLOW;
	else if (strcasecmp(s, "deny") == 0)
		*policy = VR_POLICY_DENY;
	else
		return EINVAL;
	return 0;
}

/* skips "sip:" or "sips:" */
static const char *skip_scheme(const char *s, size_t *len)
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

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

bool vr_pattern_match(const char *pattern, size_t len, const char *aor)
{
	const char *at, *domain;
	size_t alen;

	if (!pattern || !aor || !len)
		return false;
	alen = strlen(aor);
	aor = skip_scheme(aor, &alen);
	pattern = skip_scheme(pattern, &len);
	if (same(pattern, len, "*", 1) || same(pattern, len, "all", 3))
		return true;
	at = memchr(aor, '@', alen);
	domain = at ? at + 1 : aor;
	if (len > 2 && pattern[0] == '*' && pattern[1] == '@')
		return same(pattern + 2, len - 2, domain, alen - (size_t)(domain - aor));
	if (!memchr(pattern, '@', len))
		return same(pattern, len, domain, alen - (size_t)(domain - aor));
	return same(pattern, len, aor, alen);
}

/* an item "ROOM=PATTERN" of another room does not apply */
static bool item_match(const char *item, size_t len, const char *room, const char *aor)
{
	const char *eq = memchr(item, '=', len);
	size_t rlen;

	if (!eq)
		return vr_pattern_match(item, len, aor);
	rlen = room ? strlen(room) : 0;
	room = room ? skip_scheme(room, &rlen) : "";
	{
		size_t ilen = (size_t)(eq - item);
		const char *r = skip_scheme(item, &ilen);

		if (!same(r, ilen, room, rlen))
			return false;
	}
	return vr_pattern_match(eq + 1, len - (size_t)(eq - item) - 1, aor);
}

bool vr_list_match(const char *list, const char *room, const char *aor)
{
	const char *item;
	size_t len;

	while (str_list_next(&list, &item, &len))
		if (item_match(item, len, room, aor))
			return true;
	return false;
}

bool vr_access_allowed(enum vr_policy policy, const char *allow, const char *deny, const char *room,
		       const char *aor)
{
	bool allowed = vr_list_match(allow, room, aor), denied = vr_list_match(deny, room, aor);

	if (!aor || !*aor)
		return false;
	if (policy == VR_POLICY_DENY)
		return allowed && !denied;
	return !denied || allowed;
}
