/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP user-agent plumbing shared by registrations and calls. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/random.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_hname2.h"

#include "sylk_ws/sip/sip_digest.h"

#include "rtc_config.h"
#include "rtc_sip.h"
#include "rtc_store.h"

int rtc_append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;
	int n;

	if (len >= size)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - len) {
		buf[len] = '\0';
		return -1;
	}
	return 0;
}

void rtc_sip_random_hex(char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t n = (size - 1) / 2 + 1;

	if (n > sizeof(raw))
		n = sizeof(raw);
	/* the kernel's generator: forked workers must not repeat each other */
	if (getrandom(raw, n, 0) != (ssize_t)n) {
		for (size_t i = 0; i < n; i++)
			raw[i] = (unsigned char)random();
	}
	for (size_t i = 0; i + 1 < size && i / 2 < n; i++)
		buf[i] = hex[(i & 1) ? (raw[i / 2] & 15) : (raw[i / 2] >> 4)];
	buf[size - 1] = '\0';
}

int rtc_sip_contact(char *buf, size_t size, unsigned account_key)
{
	int n = snprintf(buf, size, "<sip:gw-%x@%.*s>", account_key, rtc_cfg.contact_host_s.len,
			 rtc_cfg.contact_host_s.s);

	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

unsigned rtc_sip_contact_key(const str *user)
{
	unsigned long v;
	char tmp[16], *end;

	if (!user || user->len < 4 || user->len > 11 || memcmp(user->s, "gw-", 3) != 0)
		return 0;
	memcpy(tmp, user->s + 3, user->len - 3);
	tmp[user->len - 3] = '\0';
	v = strtoul(tmp, &end, 16);
	if (*end || v == 0 || v > 0xffffffffUL)
		return 0;
	return (unsigned)v;
}

static int shm_str_set(str *dst, const char *s, size_t len)
{
	dst->s = shm_malloc(len + 1);
	if (!dst->s) {
		SHM_MEM_ERROR;
		return -1;
	}
	memcpy(dst->s, s, len);
	dst->s[len] = '\0';
	dst->len = (int)len;
	return 0;
}

dlg_t *rtc_sip_dialog(const char *from_aor, const char *display, const char *to_aor, char *call_id,
		      char *tag)
{
	char from[RTC_AOR_SIZE + 8], to[RTC_AOR_SIZE + 8];
	str cid, ltag, luri, ruri;
	dlg_t *d = NULL;

	if (!call_id[0]) {
		str gen = {0, 0};

		rtc_sip_random_hex(call_id, 25);
		rtc_tmb.generate_callid(&gen);
		if (gen.s && gen.len > 0 && gen.len < RTC_CALLID_SIZE - 30) {
			/* tm's id is unique per process and time; the random part
			 * keeps it unguessable */
			rtc_append(call_id, RTC_CALLID_SIZE, "-%.*s", gen.len, gen.s);
		}
	}
	if (!tag[0])
		rtc_sip_random_hex(tag, 17);
	snprintf(from, sizeof(from), "sip:%s", from_aor);
	snprintf(to, sizeof(to), "sip:%s", to_aor);
	cid.s = call_id;
	cid.len = (int)strlen(call_id);
	ltag.s = tag;
	ltag.len = (int)strlen(tag);
	luri.s = from;
	luri.len = (int)strlen(from);
	ruri.s = to;
	ruri.len = (int)strlen(to);
	if (rtc_tmb.new_dlg_uac(&cid, &ltag, 1, &luri, &ruri, &d) < 0 || !d) {
		LM_ERR("cannot create a dialog for %s -> %s\n", from_aor, to_aor);
		return NULL;
	}
	if (display && *display && shm_str_set(&d->loc_dname, display, strlen(display)) < 0)
		goto error;
	if (rtc_cfg.outbound_proxy_s.len > 0 &&
	    shm_str_set(&d->dst_uri, rtc_cfg.outbound_proxy_s.s, rtc_cfg.outbound_proxy_s.len) < 0)
		goto error;
	if (rtc_tmb.calculate_hooks(d) < 0)
		goto error;
	return d;
error:
	rtc_tmb.free_dlg(d);
	return NULL;
}

void rtc_sip_reason(char *buf, size_t size, struct sip_msg *rpl, int code)
{
	if (rpl && rpl != FAKED_REPLY && rpl->first_line.type == SIP_REPLY) {
		str *r = &rpl->first_line.u.reply.reason;

		snprintf(buf, size, "%d %.*s", code, r->len > 100 ? 100 : r->len, r->s);
		return;
	}
	if (code == 408)
		snprintf(buf, size, "408 Request Timeout");
	else
		snprintf(buf, size, "%d", code);
}

/* Appends credentials answering one challenge (a WWW-/Proxy-Authenticate
 * value); 0, or -1 when the credentials cannot answer it. */
static int answer_challenge(char *hdrs, size_t size, bool proxy, const char *val, size_t len,
			    unsigned nc, const char *method, const str *uri, const char *user,
			    const char *ha1)
{
	struct sip_digest_chal *chal = NULL;
	struct sip_digest_cred cred = {.username = user, .ha1_md5 = ha1};
	char uri_z[512], cnonce[17], value[2048];
	struct sip_digest_req req = {.method = method, .uri = uri_z, .cnonce = cnonce, .nc = nc};
	enum sip_digest_reason why;
	int err;

	if (sip_digest_chal_parse(&chal, val, len, NULL) != 0)
		return -1;
	sylk_copy(uri_z, sizeof(uri_z), uri->s, uri->len);
	rtc_sip_random_hex(cnonce, sizeof(cnonce));
	err = sip_digest_authorization(value, sizeof(value), NULL, chal, &cred, &req, &why);
	if (err)
		LM_NOTICE("cannot answer a %s challenge: %s\n", sip_digest_algo_name(chal->algo),
			  sip_digest_reason_str(why));
	sip_digest_chal_free(chal);
	if (err)
		return -1;
	return rtc_append(hdrs, size, "%s: %s\r\n", proxy ? "Proxy-Authorization" : "Authorization",
			  value);
}

int rtc_sip_authorize_keep(char *hdrs, size_t size, struct sip_msg *rpl, const char *method,
			   const str *uri, const char *user, const char *ha1, char *keep,
			   size_t keep_size)
{
	struct hdr_field *h;
	size_t base = strlen(hdrs);
	int want;
	bool proxy;

	if (!rpl || rpl == FAKED_REPLY)
		return -1;
	proxy = rpl->first_line.u.reply.statuscode == 407;
	want = proxy ? HDR_PROXY_AUTHENTICATE_T : HDR_WWW_AUTHENTICATE_T;
	if (parse_headers(rpl, HDR_EOH_F, 0) < 0)
		return -1;
	/* a registrar may offer several challenges (SHA-256 and MD5): answer
	 * the first one the credentials fit */
	for (h = rpl->headers; h; h = h->next) {
		if (h->type != want)
			continue;
		if (answer_challenge(hdrs, size, proxy, h->body.s, (size_t)h->body.len, 1, method,
				     uri, user, ha1) == 0) {
			if (keep && (size_t)h->body.len < keep_size)
				sylk_copy(keep, keep_size, h->body.s, h->body.len);
			else if (keep)
				keep[0] = '\0';
			return 0;
		}
		hdrs[base] = '\0';
	}
	LM_NOTICE("%d without a Digest challenge we can answer\n",
		  rpl->first_line.u.reply.statuscode);
	return -1;
}

int rtc_sip_authorize(char *hdrs, size_t size, struct sip_msg *rpl, const char *method,
		      const str *uri, const char *user, const char *ha1)
{
	return rtc_sip_authorize_keep(hdrs, size, rpl, method, uri, user, ha1, NULL, 0);
}

int rtc_sip_authorize_again(char *hdrs, size_t size, bool proxy, const char *challenge, unsigned nc,
			    const char *method, const str *uri, const char *user, const char *ha1)
{
	return answer_challenge(hdrs, size, proxy, challenge, strlen(challenge), nc, method, uri,
				user, ha1);
}
