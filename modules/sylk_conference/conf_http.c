/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The screen-sharing viewer on the server's HTTP port (xhttp): a page that
 * reloads the latest image of a sharer, and the image itself.
 *   GET /conference/screen/<token>       the page
 *   GET /conference/screen/<token>.jpg   the JPEG
 * The token is the sharer's own, 128 random bits (conference/room/room_policy.h):
 * only who got the URL from conference-info can watch. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dprint.h"
#include "modules/xhttp/api.h"

#include "conference/room/room_policy.h"
#include "conference/room/screen_share.h"

#include "conf_config.h"
#include "conf_http.h"
#include "conf_room.h"
#include "conf_store.h"

#define PREFIX "/conference/screen/"
#define MAX_IMAGE (8 * 1024 * 1024)

static xhttp_api_t xhttp;
static int xhttp_bound;

int conf_http_init(void)
{
	if (xhttp_load_api(&xhttp) < 0) {
		LM_WARN("xhttp is not loaded: no screen-sharing viewer\n");
		return 0;
	}
	xhttp_bound = 1;
	return 0;
}

static int http_send(struct sip_msg *msg, int code, const char *reason, const char *ctype,
		     const char *body, size_t len)
{
	str r = {(char *)reason, (int)strlen(reason)};
	str c = {(char *)ctype, (int)strlen(ctype)};
	str b = {(char *)body, (int)len};

	xhttp.reply(msg, code, &r, &c, &b);
	return 1;
}

static int not_found(struct sip_msg *msg)
{
	static const char text[] =
		"No such shared screen (sharing stops 10 s after the last image)\n";

	return http_send(msg, 404, "Not Found", "text/plain", text, sizeof(text) - 1);
}

/* The sharer with this token, while it shares. */
static bool sharer(const char *token, unsigned *room_key, unsigned *part_key, char *title,
		   size_t size)
{
	struct conf_participant *p;
	bool active = false;

	conf_lock();
	p = conf_part_by_screen_token(token);
	if (p && p->screen_active) {
		active = true;
		*room_key = p->room_key;
		*part_key = p->key;
		if (title)
			snprintf(title, size, "%s", p->display[0] ? p->display : p->uri);
	}
	conf_unlock();
	return active;
}

static int image(struct sip_msg *msg, const char *token)
{
	char path[1024], *buf;
	unsigned room_key, part_key;
	struct stat st;
	int fd, rc;
	ssize_t n;

	if (!sharer(token, &room_key, &part_key, NULL, 0) ||
	    conf_screen_path(path, sizeof(path), room_key, part_key) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return not_found(msg);
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > MAX_IMAGE ||
	    !(buf = malloc((size_t)st.st_size))) {
		close(fd);
		return not_found(msg);
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	rc = n == st.st_size ? http_send(msg, 200, "OK", "image/jpeg", buf, (size_t)n) :
			       not_found(msg);
	free(buf);
	return rc;
}

static int page(struct sip_msg *msg, const char *token)
{
	char url[CONF_URI_SIZE], title[CONF_URI_SIZE] = "", *html = NULL;
	unsigned room_key, part_key;
	size_t len = 0;
	int rc;

	if (!sharer(token, &room_key, &part_key, title, sizeof(title)))
		return not_found(msg);
	snprintf(url, sizeof(url), "%s%s.jpg", PREFIX, token);
	if (screen_share_page(&html, &len, title, url, 1) != 0)
		return http_send(msg, 500, "Server Error", "text/plain", "", 0);
	rc = http_send(msg, 200, "OK", "text/html; charset=utf-8", html, len);
	free(html);
	return rc;
}

int conf_http_handle(struct sip_msg *msg)
{
	str *uri;
	char path[256], token[ROOM_TOKEN_SIZE];
	bool is_image = false;

	if (!xhttp_bound || msg->first_line.type != SIP_REQUEST)
		return -1;
	uri = &msg->first_line.u.request.uri;
	if (uri->len < (int)strlen(PREFIX) || strncmp(uri->s, PREFIX, strlen(PREFIX)) != 0)
		return -1;
	/* every URL under the prefix gets an answer */
	if (uri->len >= (int)sizeof(path))
		return not_found(msg);
	memcpy(path, uri->s, uri->len);
	path[uri->len] = '\0';
	if (room_screen_path_parse(path + strlen(PREFIX), token, sizeof(token), &is_image) != 0)
		return not_found(msg);
	return is_image ? image(msg, token) : page(msg, token);
}
