/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file vr_access.h  Who may join a video room
 *
 * A global policy and two comma lists of AOR patterns, as the gateway's
 * module parameters give them (videoroom_policy, videoroom_allow,
 * videoroom_deny). Kamailio-free.
 *
 * A pattern is "*" or "all" (anyone), "*@DOMAIN" or "DOMAIN" (anyone of
 * that domain), or "USER@DOMAIN" (one address); case-insensitive, a
 * leading "sip:" or "sips:" ignored on both sides. A list item
 * "ROOM=PATTERN" applies to that room only (ROOM is the room's AOR).
 *
 * Policy "allow" (SylkServer's "deny,allow"): anyone may join unless a
 * deny item matches, and an allow item overrides a deny item. Policy
 * "deny" ("allow,deny"): only those an allow item matches, and never those
 * a deny item matches.
 */
#ifndef SYLK_WS_VR_ACCESS_H
#define SYLK_WS_VR_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

enum vr_policy {
	VR_POLICY_ALLOW, /**< open unless denied */
	VR_POLICY_DENY,  /**< closed unless allowed */
};

/** "allow" or "deny" (case-insensitive). @return 0 or EINVAL. */
int vr_policy_parse(enum vr_policy *policy, const char *s);

/** Whether one pattern of @p len bytes matches @p aor. */
bool vr_pattern_match(const char *pattern, size_t len, const char *aor);

/** Whether an item of @p list applies to @p room and matches @p aor. */
bool vr_list_match(const char *list, const char *room, const char *aor);

/** Whether @p aor may join @p room. */
bool vr_access_allowed(enum vr_policy policy, const char *allow, const char *deny, const char *room,
		       const char *aor);

#endif
