/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small SIP and shared-memory helpers the project's modules share. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_uri.h"
#include "core/socket_info.h"

#include "sip_util.h"

void sylk_copy(char *dst, size_t size, const char *src, size_t len)
{
	if (!size)
		return;
	if (!src)
		len = 0;
	if (len >= size)
		len = size - 1;
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

char *sylk_shm_strdup(const char *s)
{
	size_t len;
	char *d;

	if (!s)
		return NULL;
	len = strlen(s);
	d = shm_malloc(len + 1);
	if (!d) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memcpy(d, s, len + 1);
	return d;
}

int sylk_msg_body(struct sip_msg *m, str *body)
{
	body->s = get_body(m);
	body->len = 0;
	if (!body->s)
		return -1;
	body->len = m->content_length ? (int)get_content_length(m) :
					(int)(m->buf + m->len - body->s);
	return body->len > 0 ? 0 : -1;
}

void sylk_uri_aor(char *buf, size_t size, const str *uri, int scheme)
{
	struct sip_uri puri;

	if (parse_uri(uri->s, uri->len, &puri) < 0) {
		sylk_copy(buf, size, uri->s, (size_t)uri->len);
		return;
	}
	snprintf(buf, size, "%s%.*s%s%.*s", scheme ? "sip:" : "", puri.user.len, puri.user.s,
		 puri.user.len ? "@" : "", puri.host.len, puri.host.s);
}

int sylk_reply_by_ident(struct tm_binds *tmb, unsigned hash, unsigned label, int code,
			const char *text, const char *body, const char *hdrs, const str *to_tag)
{
	struct cell *t = NULL, *backup = tmb->t_gett();
	int backup_branch = tmb->t_gett_branch(), rc;
	str reason = {(char *)text, (int)strlen(text)};
	str b = {(char *)(body ? body : ""), body ? (int)strlen(body) : 0};
	str h = {(char *)(hdrs ? hdrs : ""), hdrs ? (int)strlen(hdrs) : 0};

	rc = tmb->t_lookup_ident(&t, hash, label);
	tmb->t_sett(backup, backup_branch);
	if (rc < 0 || !t)
		return -1;
	/* t_reply_with_body drops the reference t_lookup_ident took */
	rc = tmb->t_reply_with_body(t, (unsigned)code, &reason, &b, &h, (str *)to_tag);
	tmb->t_sett(backup, backup_branch);
	return rc < 0 ? -1 : 0;
}

int sylk_socket_uri(const char *name, char *buf, size_t size)
{
	str sn = {(char *)name, (int)strlen(name)};
	struct socket_info *si = ksr_get_socket_by_name(&sn);
	int n;

	if (!si) {
		LM_ERR("no listener named '%s'\n", name);
		return ENOENT;
	}
	n = snprintf(buf, size, "sip:%.*s:%.*s", si->address_str.len, si->address_str.s,
		     si->port_no_str.len, si->port_no_str.s);
	return n < 0 || (size_t)n >= size ? ENOSPC : 0;
}
