/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Static files on Kamailio's own HTTP port (xhttp): the demo web app in
 * web/ (see rtc_static.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/data_lump_rpl.h"
#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_hname2.h"
#include "modules/xhttp/api.h"

#include "sylk_ws/base/chars.h"

#include "sylk_ws/http/http_path.h"
#include "rtc_static.h"

#define STATIC_MAX_PATH 1024

static xhttp_api_t sx;
static int sx_bound;

void rtc_static_etag(char *buf, size_t size, long long len, long long mtime_ns)
{
	snprintf(buf, size, "\"%llx-%llx\"", len, mtime_ns);
}

int rtc_static_init(void)
{
	if (xhttp_load_api(&sx) < 0) {
		LM_WARN("xhttp is not loaded: sylk_rtc_static() answers nothing\n");
		return 0;
	}
	sx_bound = 1;
	return 0;
}

static int reply(struct sip_msg *msg, int code, const char *reason, const char *ctype,
		 const char *body, size_t len, const char *hdrs)
{
	str r = {(char *)reason, (int)strlen(reason)};
	str c = {(char *)ctype, (int)strlen(ctype)};
	str b = {(char *)body, (int)len};

	if (hdrs && *hdrs && !add_lump_rpl(msg, (char *)hdrs, strlen(hdrs), LUMP_RPL_HDR))
		LM_ERR("cannot add reply headers\n");
	sx.reply(msg, code, &r, &c, &b);
	return 1;
}

static int text(struct sip_msg *msg, int code, const char *reason, const char *body)
{
	return reply(msg, code, reason, "text/plain; charset=utf-8", body, strlen(body),
		     "X-Content-Type-Options: nosniff\r\n");
}

/* the value of If-None-Match, or NULL */
static str *if_none_match(struct sip_msg *msg)
{
	if (parse_headers(msg, HDR_EOH_F, 0) < 0)
		return NULL;
	for (struct hdr_field *hf = msg->headers; hf; hf = hf->next)
		if (hf->name.len == 13 && strncasecmp(hf->name.s, "If-None-Match", 13) == 0)
			return &hf->body;
	return NULL;
}

int rtc_static_serve(struct sip_msg *msg, const str *root)
{
	char rel[STATIC_MAX_PATH], full[PATH_MAX], real_root[PATH_MAX], real[PATH_MAX];
	char etag[64], hdrs[512];
	const str *method, *uri;
	struct stat st;
	char *body = NULL;
	str *inm;
	int fd = -1, rc = 1;
	size_t rlen;
	bool head;

	if (!sx_bound || msg->first_line.type != SIP_REQUEST)
		return -1;
	method = &msg->first_line.u.request.method;
	uri = &msg->first_line.u.request.uri;
	head = method->len == 4 && strncmp(method->s, "HEAD", 4) == 0;
	if (!head && !(method->len == 3 && strncmp(method->s, "GET", 3) == 0)) {
		reply(msg, 405, "Method Not Allowed", "text/plain", "GET or HEAD only\n", 17,
		      "Allow: GET, HEAD\r\n");
		goto out;
	}
	if (root->len <= 0 || root->len >= (int)sizeof(full) ||
	    http_static_path(uri->s, uri->len, rel, sizeof(rel)) != 0) {
		text(msg, 404, "Not Found", "Not found\n");
		goto out;
	}
	memcpy(full, root->s, root->len);
	full[root->len] = '\0';
	if (!realpath(full, real_root)) {
		LM_ERR("web root %s: %s\n", full, strerror(errno));
		text(msg, 404, "Not Found", "Not found\n");
		goto out;
	}
	if (snprintf(full, sizeof(full), "%s%s", real_root, rel) >= (int)sizeof(full) ||
	    !realpath(full, real)) {
		text(msg, 404, "Not Found", "Not found\n");
		goto out;
	}
	/* symbolic links that lead out of the root are refused */
	rlen = strlen(real_root);
	if (strncmp(real, real_root, rlen) != 0 || real[rlen] != '/') {
		LM_NOTICE("static: %.*s leads out of the web root: refused\n", uri->len, uri->s);
		text(msg, 404, "Not Found", "Not found\n");
		goto out;
	}
	fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		text(msg, 404, "Not Found", "Not found\n");
		goto out;
	}
	if (st.st_size > RTC_STATIC_MAX_FILE) {
		LM_ERR("static: %s is %lld bytes, more than %d\n", real, (long long)st.st_size,
		       RTC_STATIC_MAX_FILE);
		text(msg, 500, "Server Error", "File too large\n");
		goto out;
	}
	rtc_static_etag(etag, sizeof(etag), (long long)st.st_size,
			(long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
	/* the app's files change with the server: the browser revalidates
	 * each time and gets a 304 while the ETag holds */
	snprintf(hdrs, sizeof(hdrs),
		 "ETag: %s\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n"
		 "Referrer-Policy: no-referrer\r\n",
		 etag);
	inm = if_none_match(msg);
	if (inm && inm->len == (int)strlen(etag) && strncmp(inm->s, etag, inm->len) == 0) {
		reply(msg, 304, "Not Modified", http_static_type(real), "", 0, hdrs);
		goto out;
	}
	if (head || st.st_size == 0) {
		reply(msg, 200, "OK", http_static_type(real), "", 0, hdrs);
		goto out;
	}
	body = pkg_malloc(st.st_size);
	if (!body) {
		text(msg, 500, "Server Error", "Out of memory\n");
		goto out;
	}
	for (off_t got = 0; got < st.st_size;) {
		ssize_t r = read(fd, body + got, st.st_size - got);

		if (r <= 0) {
			text(msg, 500, "Server Error", "Read failed\n");
			goto out;
		}
		got += r;
	}
	reply(msg, 200, "OK", http_static_type(real), body, st.st_size, hdrs);
out:
	if (body)
		pkg_free(body);
	if (fd >= 0)
		close(fd);
	return rc;
}
