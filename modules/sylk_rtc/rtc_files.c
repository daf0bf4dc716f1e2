/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The file-transfer listener: see rtc_files.h. One process, one poll()
 * loop, every socket non-blocking; one connection carries one request
 * (Connection: close). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4 */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/cfg/cfg_struct.h"
#include "core/dprint.h"
#include "core/pt.h"
#include "core/socket_info.h"

#include "rtc_account.h"
#include "rtc_config.h"
#include "rtc_db.h"
#include "rtc_events.h"
#include "rtc_files.h"
#include "rtc_http.h"
#include "rtc_message.h"
#include "rtc_store.h"
#include "rtc_videoroom.h"

#include "sylk_ws/base/str.h"
#include "sylk_ws/http/http_head.h"
#include "sylk_ws/http/http_path.h"
#include "sylk_ws/im/file_transfer.h"
#include "sylk_ws/videoroom/vr_files.h"
#include "sylk_ws/videoroom/vr_files_meta.h"

#define FT_MAX_CONNS 128
#define FT_MAX_PER_IP 8
#define FT_HEAD_MAX 8192
#define FT_CHUNK 65536
#define FT_HEAD_MS 10000         /* request line and headers */
#define FT_IDLE_MS 30000         /* no byte moved */
#define FT_TOTAL_MS (15 * 60000) /* one request in all */
#define FT_DRAIN_MS 5000         /* reading a refused body away */
#define FT_CORS "Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Headers: content-type\r\n"

enum ft_state { FT_HEAD, FT_BODY, FT_SEND, FT_FILE, FT_DRAIN };
enum ft_after { AFTER_CLOSE, AFTER_FILE, AFTER_DRAIN };

struct ft_upload {
	char sender[RTC_AOR_SIZE], receiver[RTC_AOR_SIZE];
	char id[128], name[256], type[128];
	char hs[FT_HASHED_SIZE], hr[FT_HASHED_SIZE];
	char tmp[PATH_MAX], final[PATH_MAX];
	long long size;
	/* a video room's shared file (room_* below) */
	bool shared;
	char room[RTC_AOR_SIZE], session[VR_FILES_SEGMENT], display[RTC_AOR_SIZE];
};

struct ft_conn {
	int fd, file;
	enum ft_state st;
	enum ft_after after;
	char ip[INET6_ADDRSTRLEN];
	long long started, active, drain_until;
	long long left; /* body bytes to read, or file bytes to send */
	char head[FT_HEAD_MAX + 1];
	size_t hlen;
	char out[1024];
	size_t olen, ooff;
	EVP_MD_CTX *sha;
	struct ft_upload up;
	char buf[FT_CHUNK];
	size_t blen, boff;
};

static int listen_fd = -1;
static char addr_buf[64], url_buf[256];

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void room_ended(const char *room);

/* ---- set-up --------------------------------------------------------------- */

int rtc_files_init(void)
{
	if (!rtc_cfg.file_transfer_port)
		return 0;
	if (rtc_cfg.max_file_size < 1 || !rtc_cfg.file_dir || !*rtc_cfg.file_dir) {
		LM_ERR("file transfer needs max_file_size >= 1 and a file_dir\n");
		return -1;
	}
	if (*rtc_cfg.file_transfer_addr)
		snprintf(addr_buf, sizeof(addr_buf), "%s", rtc_cfg.file_transfer_addr);
	else if (tcp_listen)
		snprintf(addr_buf, sizeof(addr_buf), "%.*s", tcp_listen->address_str.len,
			 tcp_listen->address_str.s);
	else
		snprintf(addr_buf, sizeof(addr_buf), "127.0.0.1");
	if (*rtc_cfg.file_transfer_url)
		snprintf(url_buf, sizeof(url_buf), "%s", rtc_cfg.file_transfer_url);
	else
		snprintf(url_buf, sizeof(url_buf), "http://%s:%d", addr_buf,
			 rtc_cfg.file_transfer_port);
	rtc_cfg.file_transfer_addr = addr_buf;
	rtc_cfg.file_transfer_url = url_buf;
	register_procs(1);
	cfg_register_child(1);
	rtc_videoroom_on_room_end(room_ended); /* shared files go with their room */
	return 0;
}

static int listen_socket(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr_buf, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(rtc_cfg.file_transfer_port);
		len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, addr_buf, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(rtc_cfg.file_transfer_port);
		len = sizeof(*a6);
	} else {
		LM_ERR("file_transfer_addr %s is not a numeric address\n", addr_buf);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		LM_ERR("cannot listen on %s:%d: %s\n", addr_buf, rtc_cfg.file_transfer_port,
		       strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- replies ---------------------------------------------------------------- */

/* Queues a whole reply (headers and a short text); @p after says what follows. */
static void reply(struct ft_conn *c, int code, const char *reason, const char *text,
		  enum ft_after after)
{
	c->olen = (size_t)snprintf(c->out, sizeof(c->out),
				   "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n" FT_CORS
				   "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
				   code, reason, strlen(text), text);
	if (c->olen >= sizeof(c->out))
		c->olen = sizeof(c->out) - 1;
	c->ooff = 0;
	c->st = FT_SEND;
	c->after = after;
}

static void refuse(struct ft_conn *c, int code, const char *reason, const char *why)
{
	LM_NOTICE("file transfer from %s refused (%d): %s\n", c->ip, code, why);
	reply(c, code, reason, why, c->left > 0 ? AFTER_DRAIN : AFTER_CLOSE);
	c->left = 0;
}

/* ---- names and paths ------------------------------------------------------- */

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*p = '/';
			return errno;
		}
		*p = '/';
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? errno : 0;
}

static void copy(char *d, size_t size, const char *s)
{
	sylk_copy(d, size, s, strlen(s));
}

/* ---- who may upload --------------------------------------------------------- */

/* Whether @p ip has a WebSocket on which @p aor registered itself; the
 * account's own spelling of the AOR goes to @p canon. */
static bool sender_connected(const char *ip, const char *aor, char *canon, size_t size)
{
	int ids[RTC_FORK_MAX], n = 0;
	sylk_ws_conn_info_t info;

	rtc_lock();
	for (struct rtc_account *a = rtc_account_with_aor(aor); a && n < RTC_FORK_MAX;
	     a = rtc_account_next_with_aor(a, aor))
		if (a->conn_id >= 0 && rtc_account_may_receive(a)) {
			ids[n++] = a->conn_id;
			copy(canon, size, a->aor);
		}
	rtc_unlock();
	for (int i = 0; i < n; i++)
		if (rtc_ws.conn_info(ids[i], &info) == 0 && ft_peer_is(info.peer, ip))
			return true;
	return false;
}

/* ---- upload ------------------------------------------------------------------ */

/* SylkServer's FileTransferMessage (models/sylkrtc.py), malloc'd in *json */
static int transfer_message(const struct ft_upload *u, const char *hash, char **json)
{
	char url[2048];
	struct ft_message m = {.filename = u->name,
			       .filesize = u->size,
			       .sender = u->sender,
			       .receiver = u->receiver,
			       .transfer_id = u->id,
			       .url = url,
			       .filetype = u->type,
			       .hash = hash,
			       .timestamp = time(NULL)};
	int err = ft_url(url, sizeof(url), rtc_cfg.file_transfer_url, u->hs, u->hr, u->id, u->name);

	return err ? err : ft_message_json(json, &m);
}

static void room_upload_done(struct ft_conn *c);

/* The body is on disk: make it the stored file, tell both sides. */
static void upload_done(struct ft_conn *c)
{
	struct ft_upload *u = &c->up;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	char hash[FT_HASH_SIZE], *json = NULL;
	int rc;

	if (u->shared)
		return room_upload_done(c);
	EVP_DigestFinal_ex(c->sha, d, &dlen);
	ft_sha1_text(d, hash, sizeof(hash));
	rc = close(c->file) < 0 ? errno : 0;
	c->file = -1;
	if (!rc && link(u->tmp, u->final) < 0)
		rc = errno;
	unlink(u->tmp);
	if (rc) {
		LM_ERR("cannot store %s: %s\n", u->final, strerror(rc));
		reply(c, rc == EEXIST ? 409 : 500, rc == EEXIST ? "Conflict" : "Server Error",
		      rc == EEXIST ? "This transfer exists already\n" : "Cannot store the file\n",
		      AFTER_CLOSE);
		return;
	}
	rc = transfer_message(u, hash, &json);
	if (!rc)
		rc = rtc_message_inject(u->sender, u->receiver, FT_TYPE, json, u->id);
	free(json);
	if (rc) {
		LM_ERR("file %s stored but not announced (%d): removed\n", u->final, rc);
		unlink(u->final);
		reply(c, 500, "Server Error", "Cannot send the file transfer message\n",
		      AFTER_CLOSE);
		return;
	}
	LM_INFO("file transfer %s from %s to %s: %lld bytes\n", u->id, u->sender, u->receiver,
		u->size);
	reply(c, 200, "OK", "OK", AFTER_CLOSE);
}

static int body_write(struct ft_conn *c, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(c->file, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return errno ? errno : EIO;
		EVP_DigestUpdate(c->sha, p, (size_t)w);
		p += w;
		n -= (size_t)w;
		c->left -= w;
	}
	return 0;
}

static void body_failed(struct ft_conn *c, int err)
{
	LM_ERR("writing %s failed: %s\n", c->up.tmp, strerror(err));
	close(c->file);
	c->file = -1;
	unlink(c->up.tmp);
	reply(c, 500, "Server Error", "Cannot write the file\n", AFTER_DRAIN);
	c->left = 0;
}

/* Opens the temporary file in @p dir (which exists): a dot name, which GET
 * never serves; the body's SHA-1 starts. 0 or errno. */
static int tmp_open(struct ft_conn *c, const char *dir)
{
	struct ft_upload *u = &c->up;
	static unsigned seq;

	if (snprintf(u->tmp, sizeof(u->tmp), "%s/.upload-%d-%u", dir, (int)getpid(), ++seq) >=
	    (int)sizeof(u->tmp))
		return ENAMETOOLONG;
	c->file = open(u->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (c->file < 0)
		return errno;
	c->sha = EVP_MD_CTX_new();
	if (!c->sha || EVP_DigestInit_ex(c->sha, EVP_sha1(), NULL) != 1)
		return ENOMEM;
	return 0;
}

/* The temporary file could not be opened (@p rc): logged, gone. */
static void tmp_failed(struct ft_conn *c, int rc)
{
	LM_ERR("cannot open the upload %s: %s\n", c->up.tmp, strerror(rc));
	if (c->file >= 0) {
		close(c->file);
		c->file = -1;
		unlink(c->up.tmp);
	}
}

/* The upload may start: the body read so far, then the rest as it comes. */
static void body_start(struct ft_conn *c, const struct http_req_head *r, const char *rest,
		       size_t rest_len)
{
	int rc;

	if (r->expect_continue)
		(void)!send(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25, MSG_NOSIGNAL);
	c->st = FT_BODY;
	if (rest_len > (size_t)c->left)
		rest_len = (size_t)c->left;
	if (rest_len && (rc = body_write(c, rest, rest_len)))
		return body_failed(c, rc);
	if (c->left == 0)
		upload_done(c);
}

static int upload_open(struct ft_conn *c)
{
	struct ft_upload *u = &c->up;
	char dir[PATH_MAX];
	int rc;

	if ((rc = ft_hashed_name(u->sender, u->hs, sizeof(u->hs))) ||
	    (rc = ft_hashed_name(u->receiver, u->hr, sizeof(u->hr))) ||
	    (rc = ft_file_path(dir, sizeof(dir), rtc_cfg.file_dir, u->hs, u->hr, u->id, NULL)) ||
	    (rc = ft_file_path(u->final, sizeof(u->final), rtc_cfg.file_dir, u->hs, u->hr, u->id,
			       u->name)))
		return rc;
	if ((rc = mkdirs(dir)))
		return rc;
	if (access(u->final, F_OK) == 0)
		return EEXIST;
	return tmp_open(c, dir);
}

/* ---- request parsing --------------------------------------------------------- */

static void start_upload(struct ft_conn *c, const struct http_req_head *r,
			 char seg[FT_SEGMENTS][FT_SEGMENT], const char *rest, size_t rest_len)
{
	struct ft_upload *u = &c->up;
	int rc;

	c->left = r->length > 0 ? r->length : 0;
	if (r->length < 0)
		return refuse(c, 411, "Length Required", "Content-Length required\n");
	if (!http_aor_ok(seg[0]) || !http_aor_ok(seg[1]) || strlen(seg[2]) >= sizeof(u->id) ||
	    strlen(seg[3]) >= sizeof(u->name))
		return refuse(c, 400, "Bad Request", "Bad sender, receiver or id\n");
	if (r->length > rtc_cfg.max_file_size)
		return refuse(c, 413, "Payload Too Large", "File too large\n");
	if (!sender_connected(c->ip, seg[0], u->sender, sizeof(u->sender)))
		return refuse(c, 403, "Forbidden", "No WebSocket of the sender here\n");
	if (!rtc_db_enabled())
		return refuse(c, 503, "Service Unavailable", "No message storage\n");
	copy(u->receiver, sizeof(u->receiver), seg[1]);
	copy(u->id, sizeof(u->id), seg[2]);
	copy(u->name, sizeof(u->name), seg[3]);
	copy(u->type, sizeof(u->type), r->type);
	u->size = r->length;
	if ((rc = upload_open(c))) {
		tmp_failed(c, rc);
		return refuse(c, rc == EEXIST ? 409 : 500,
			      rc == EEXIST ? "Conflict" : "Server Error",
			      rc == EEXIST ? "This transfer exists already\n" : "Cannot store\n");
	}
	body_start(c, r, rest, rest_len);
}

/* The head of a download is in c->out (c->olen bytes): it goes first, then
 * the file (c->file, c->left bytes). */
static void file_head_ready(struct ft_conn *c)
{
	if (c->olen >= sizeof(c->out))
		return reply(c, 414, "URI Too Long", "Name too long\n", AFTER_CLOSE);
	c->ooff = 0;
	c->st = FT_SEND;
	c->after = AFTER_FILE;
}

/* GET: the stored file (never a dot name: those are unfinished uploads). */
static void start_download(struct ft_conn *c, char seg[FT_SEGMENTS][FT_SEGMENT], bool head_only)
{
	char path[PATH_MAX];
	struct stat st;
	bool inl;
	const char *type = ft_download_type(seg[3], &inl);

	if (ft_file_path(path, sizeof(path), rtc_cfg.file_dir, seg[0], seg[1], seg[2], seg[3]) ||
	    (c->file = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    fstat(c->file, &st) < 0 || !S_ISREG(st.st_mode)) {
		LM_NOTICE("file transfer download %s from %s: not found\n", path, c->ip);
		return reply(c, 404, "Not Found", "Not found\n", AFTER_CLOSE);
	}
	c->left = head_only ? 0 : (long long)st.st_size;
	c->olen = (size_t)snprintf(c->out, sizeof(c->out),
				   "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n" FT_CORS
				   "Content-Disposition: %s;filename=\"%s\"\r\n"
				   "Content-Length: %lld\r\nConnection: close\r\n\r\n",
				   type, inl ? "inline" : "attachment", seg[3],
				   (long long)st.st_size);
	file_head_ready(c);
}

static void room_request(struct ft_conn *c, struct http_req_head *r, const char *rest,
			 size_t rest_len);

static void handle_request(struct ft_conn *c, size_t head_len)
{
	struct http_req_head r;
	char seg[FT_SEGMENTS][FT_SEGMENT], *q;
	size_t rest_len = c->hlen - head_len;

	c->head[head_len - 2] = '\0';
	if (http_req_head_parse(&r, c->head, head_len - 2)) {
		c->left = 0;
		return refuse(c, 400, "Bad Request", "Malformed request\n");
	}
	c->left = r.length > 0 ? r.length : 0;
	if ((q = strchr(r.target, '?')))
		*q = '\0';
	if (strncmp(r.target, VR_FILES_PREFIX, strlen(VR_FILES_PREFIX)) == 0)
		return room_request(c, &r, c->head + head_len, rest_len);
	if (strncmp(r.target, FT_PREFIX, strlen(FT_PREFIX)) != 0)
		return refuse(c, 404, "Not Found", "Not found\n");
	if (strcmp(r.method, "OPTIONS") == 0)
		return reply(c, 200, "OK", "", c->left ? AFTER_DRAIN : AFTER_CLOSE);
	if (ft_parse_target(r.target, seg))
		return refuse(c, 400, "Bad Request", "Bad path or file name\n");
	if (strcmp(r.method, "POST") == 0)
		return start_upload(c, &r, seg, c->head + head_len, rest_len);
	if (strcmp(r.method, "GET") == 0 || strcmp(r.method, "HEAD") == 0)
		return start_download(c, seg, r.method[0] == 'H');
	refuse(c, 405, "Method Not Allowed", "GET, POST or OPTIONS\n");
}

/* ---- video-room file sharing (issue 16) ------------------------------------------
 * /webrtcgateway/filesharing/<room>/<session>/<filename>: only a session in
 * the room, from the address of that session's WebSocket, may POST (share)
 * or GET (fetch). Files go to <file_dir>/videoroom/<base64url(MD5(room))>/
 * under their safe name ("name-N.ext" when taken); everyone in the room
 * gets "file-sharing"; the folder goes when the room ends unless the room
 * is listed in videoroom_persistent_rooms. */

#define VR_FILES_DIR "videoroom"

/* the participant the URL names, found under the store lock */
struct room_who {
	const char *session;
	int conn_id;
	bool found;
	char uri[RTC_AOR_SIZE], display[RTC_AOR_SIZE];
};

static void room_find_session(int conn_id, const char *session, const char *uri,
			      const char *display_name, void *arg)
{
	struct room_who *w = arg;

	if (w->found || conn_id < 0 || strcmp(session, w->session) != 0)
		return;
	w->found = true;
	w->conn_id = conn_id;
	copy(w->uri, sizeof(w->uri), uri);
	copy(w->display, sizeof(w->display), display_name ? display_name : "");
}

/* Whether the session is in the room and @p ip is its WebSocket's peer. */
static bool room_member(const char *ip, const struct vr_files_path *p, struct room_who *w)
{
	sylk_ws_conn_info_t info;

	memset(w, 0, sizeof(*w));
	w->session = p->session;
	if (rtc_videoroom_each(p->room, room_find_session, w) < 0 || !w->found)
		return false;
	return rtc_ws.conn_info(w->conn_id, &info) == 0 && ft_peer_is(info.peer, ip);
}

static int room_dir(char *out, size_t size, const char *room)
{
	char h[FT_HASHED_SIZE];
	int n, err = ft_hashed_name(room, h, sizeof(h));

	if (err)
		return err;
	n = snprintf(out, size, "%s/%s/%s", rtc_cfg.file_dir, VR_FILES_DIR, h);
	return n > 0 && (size_t)n < size ? 0 : ENAMETOOLONG;
}

static int room_upload_open(struct ft_conn *c, const struct vr_files_path *p)
{
	struct ft_upload *u = &c->up;
	char dir[PATH_MAX];
	int rc;

	if ((rc = room_dir(dir, sizeof(dir), p->room)) != 0 || (rc = mkdirs(dir)) != 0)
		return rc;
	if (snprintf(u->final, sizeof(u->final), "%s", dir) >= (int)sizeof(u->final))
		return ENAMETOOLONG;
	return tmp_open(c, dir);
}

static void room_upload(struct ft_conn *c, const struct http_req_head *r,
			const struct vr_files_path *p, const struct room_who *w, const char *rest,
			size_t rest_len)
{
	struct ft_upload *u = &c->up;
	int rc;

	if (r->length < 0)
		return refuse(c, 411, "Length Required", "Content-Length required\n");
	if (r->length > rtc_cfg.max_file_size)
		return refuse(c, 413, "Payload Too Large", "File too large\n");
	u->shared = true;
	copy(u->room, sizeof(u->room), p->room);
	copy(u->session, sizeof(u->session), p->session);
	copy(u->sender, sizeof(u->sender), w->uri);
	copy(u->display, sizeof(u->display), w->display);
	copy(u->name, sizeof(u->name), p->filename);
	u->size = r->length;
	if ((rc = room_upload_open(c, p)) != 0) {
		tmp_failed(c, rc);
		return refuse(c, 500, "Server Error", "Cannot store\n");
	}
	LM_INFO("video room %s: %s uploads %s (%lld bytes)\n", u->room, u->sender, u->name,
		u->size);
	body_start(c, r, rest, rest_len);
}

/* Links the upload under its name, or "name-N.ext" when taken; the name
 * used into u->name. 0 or errno. */
static int room_link(struct ft_upload *u)
{
	char dir[PATH_MAX], alt[256], path[PATH_MAX];

	copy(dir, sizeof(dir), u->final);
	for (unsigned n = 0; n < 1000; n++) {
		if (vr_files_alt_name(u->name, n, alt, sizeof(alt)) != 0 ||
		    snprintf(path, sizeof(path), "%s/%s", dir, alt) >= (int)sizeof(path))
			return ENAMETOOLONG;
		if (link(u->tmp, path) == 0) {
			copy(u->name, sizeof(u->name), alt);
			copy(u->final, sizeof(u->final), path);
			return 0;
		}
		if (errno != EEXIST)
			return errno;
	}
	return EEXIST;
}

struct room_share {
	struct sylkrtc_shared_file f;
};

/* Lock held (rtc_videoroom_each): one "file-sharing" to a participant. */
static void room_emit(int conn_id, const char *session, const char *uri, const char *display_name,
		      void *arg)
{
	const struct room_share *s = arg;
	char *json = NULL;

	if (conn_id < 0)
		return;
	rtc_send_built(conn_id,
		       sylkrtc_event_videoroom_file_sharing(&json, rtc_conn_version(conn_id),
							    session, &s->f, 1),
		       &json);
}

/* What late joiners are told of a shared file (vr_files_meta.h), beside
 * the file as ".meta-<name>". */
#define VR_FILES_MAX 128 /* files listed to a joiner */

static int meta_store(const char *path, const char *json)
{
	size_t len = strlen(json), off = 0;
	int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644), rc = 0;

	if (fd < 0)
		return errno;
	while (off < len && !rc) {
		ssize_t w = write(fd, json + off, len - off);

		if (w > 0)
			off += (size_t)w;
		else if (w == 0 || errno != EINTR)
			rc = w == 0 ? EIO : errno;
	}
	if (close(fd) < 0 && !rc)
		rc = errno;
	return rc;
}

static void room_meta_write(const struct ft_upload *u, const struct sylkrtc_shared_file *f)
{
	char path[PATH_MAX], *json = NULL;
	const char *slash = strrchr(u->final, '/');
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now); /* sharing order: mtimes are too coarse */
	if (!slash ||
	    snprintf(path, sizeof(path), "%.*s/" VR_FILES_META_PREFIX "%s", (int)(slash - u->final),
		     u->final, u->name) >= (int)sizeof(path) ||
	    vr_files_meta_encode(&json, f, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec) != 0 ||
	    meta_store(path, json) != 0)
		LM_ERR("video room %s: cannot store what late joiners learn of %s\n", u->room,
		       u->name);
	free(json);
}

/* One ".meta-" file of the room's folder @p dir, or NULL. @p buf holds
 * VR_FILES_META_MAX bytes. */
static struct vr_files_meta *meta_load(const char *dir, const char *name, char *buf)
{
	char path[PATH_MAX];
	struct vr_files_meta *m = NULL;
	struct stat st;
	ssize_t n;
	int fd;

	if (strncmp(name, VR_FILES_META_PREFIX, strlen(VR_FILES_META_PREFIX)) != 0 ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && (n = read(fd, buf, VR_FILES_META_MAX)) >= 0)
		vr_files_meta_decode(&m, buf, (size_t)n,
				     (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec);
	close(fd);
	return m;
}

void rtc_files_room_joined(int conn_id, const char *room, const char *session)
{
	struct vr_files_meta *l[VR_FILES_MAX];
	struct sylkrtc_shared_file f[VR_FILES_MAX];
	char dir[PATH_MAX], *buf = NULL, *json = NULL;
	struct dirent *e;
	size_t n = 0, k = 0;
	DIR *d;

	if (!rtc_cfg.file_transfer_port || room_dir(dir, sizeof(dir), room) != 0 ||
	    !(buf = malloc(VR_FILES_META_MAX)) || !(d = opendir(dir))) {
		free(buf);
		return;
	}
	while ((e = readdir(d)) && n < VR_FILES_MAX)
		if ((l[n] = meta_load(dir, e->d_name, buf)))
			n++;
	closedir(d);
	free(buf);
	vr_files_meta_sort(l, n);
	for (size_t i = 0; i < n; i++)
		if (vr_files_meta_file(l[i], &f[k]) == 0)
			k++;
	if (k)
		rtc_send_built(conn_id,
			       sylkrtc_event_videoroom_file_sharing(
				       &json, rtc_conn_version(conn_id), session, f, k),
			       &json);
	for (size_t i = 0; i < n; i++)
		vr_files_meta_free(l[i]);
}

static void room_upload_done(struct ft_conn *c)
{
	struct ft_upload *u = &c->up;
	struct room_share s = {0};
	int rc = close(c->file) < 0 ? errno : 0;

	c->file = -1;
	if (!rc)
		rc = room_link(u);
	unlink(u->tmp);
	if (rc) {
		LM_ERR("video room %s: cannot store %s: %s\n", u->room, u->name, strerror(rc));
		return reply(c, 500, "Server Error", "Cannot store the file\n", AFTER_CLOSE);
	}
	if (!rtc_videoroom_has_session(u->room, u->session)) {
		LM_NOTICE("video room %s: %s left before %s was stored: removed\n", u->room,
			  u->session, u->name);
		unlink(u->final);
		return reply(c, 403, "Forbidden", "No longer in the room\n", AFTER_CLOSE);
	}
	s.f.filename = u->name;
	s.f.filesize = u->size;
	s.f.uploader.uri = u->sender;
	s.f.uploader.display_name = u->display[0] ? u->display : NULL;
	s.f.session = u->session;
	room_meta_write(u, &s.f);
	rtc_videoroom_each(u->room, room_emit, &s);
	LM_INFO("video room %s: %s shared %s (%lld bytes)\n", u->room, u->sender, u->name, u->size);
	reply(c, 200, "OK", "OK", AFTER_CLOSE);
}

static void room_download(struct ft_conn *c, const struct vr_files_path *p, bool head_only)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat st;

	if (room_dir(dir, sizeof(dir), p->room) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, p->filename) >= (int)sizeof(path) ||
	    (c->file = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    fstat(c->file, &st) < 0 || !S_ISREG(st.st_mode)) {
		LM_NOTICE("video room %s: %s not found for %s\n", p->room, p->filename, c->ip);
		return reply(c, 404, "Not Found", "Not found\n", AFTER_CLOSE);
	}
	LM_INFO("video room %s: %s downloads %s\n", p->room, p->session, p->filename);
	c->left = head_only ? 0 : (long long)st.st_size;
	c->olen = (size_t)snprintf(
		c->out, sizeof(c->out),
		"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" FT_CORS
		"Content-Disposition: attachment;filename=%s\r\n"
		"Content-Length: %lld\r\nConnection: close\r\n\r\n",
		p->filename, (long long)st.st_size);
	file_head_ready(c);
}

static void room_request(struct ft_conn *c, struct http_req_head *r, const char *rest,
			 size_t rest_len)
{
	struct vr_files_path p;
	struct room_who w;

	if (strcmp(r->method, "OPTIONS") == 0)
		return reply(c, 200, "OK", "", c->left ? AFTER_DRAIN : AFTER_CLOSE);
	if (vr_files_parse_path(r->target, &p) != 0)
		return refuse(c, 400, "Bad Request", "Bad room, session or file name\n");
	if (!room_member(c->ip, &p, &w))
		return refuse(c, 403, "Forbidden", "Not a session of this room here\n");
	if (strcmp(r->method, "POST") == 0)
		return room_upload(c, r, &p, &w, rest, rest_len);
	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
		return room_download(c, &p, r->method[0] == 'H');
	refuse(c, 405, "Method Not Allowed", "GET, POST or OPTIONS\n");
}

/* whether the room's shared files outlive it (videoroom_persistent_rooms) */
static bool room_persistent(const char *room)
{
	return str_list_has(rtc_cfg.videoroom_persistent, room);
}

/* The room-end hook (rtc_videoroom_on_room_end): the room's folder goes,
 * unless the room is persistent. Runs once the store lock is let go, so the
 * disk walk holds no one up. */
static void room_ended(const char *room)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (room_persistent(room) || room_dir(dir, sizeof(dir), room) != 0 || !(d = opendir(dir)))
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path))
			unlink(path);
	closedir(d);
	if (rmdir(dir) == 0)
		LM_INFO("video room %s: shared files removed\n", room);
}

/* ---- the connection's steps ----------------------------------------------------- */

static void conn_free(struct ft_conn *c)
{
	if (c->file >= 0) {
		close(c->file);
		if (c->st == FT_BODY) {
			LM_NOTICE("upload %s from %s ended early: removed\n", c->up.tmp, c->ip);
			unlink(c->up.tmp);
		}
	}
	if (c->sha)
		EVP_MD_CTX_free(c->sha);
	close(c->fd);
	free(c);
}

/* 0: keep going; 1: done, close it */
static int step_read(struct ft_conn *c)
{
	char *end;
	ssize_t n;
	int rc;

	if (c->st == FT_HEAD) {
		n = recv(c->fd, c->head + c->hlen, FT_HEAD_MAX - c->hlen, 0);
		if (n <= 0)
			return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : 1;
		c->hlen += (size_t)n;
		c->head[c->hlen] = '\0';
		if ((end = strstr(c->head, "\r\n\r\n")))
			handle_request(c, (size_t)(end - c->head) + 4);
		else if (c->hlen >= FT_HEAD_MAX)
			refuse(c, 431, "Request Header Fields Too Large", "Headers too large\n");
		return 0;
	}
	n = recv(c->fd, c->buf, c->st == FT_BODY && c->left < FT_CHUNK ? (size_t)c->left : FT_CHUNK,
		 0);
	if (n <= 0)
		return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : 1;
	if (c->st == FT_DRAIN)
		return 0;
	if ((rc = body_write(c, c->buf, (size_t)n)))
		body_failed(c, rc);
	else if (c->left == 0)
		upload_done(c);
	return 0;
}

static int step_write(struct ft_conn *c)
{
	ssize_t n;

	if (c->st == FT_FILE && c->boff == c->blen) {
		n = read(c->file, c->buf, c->left < FT_CHUNK ? (size_t)c->left : FT_CHUNK);
		if (n <= 0)
			return 1;
		c->blen = (size_t)n;
		c->boff = 0;
		c->left -= n;
	}
	if (c->st == FT_SEND)
		n = send(c->fd, c->out + c->ooff, c->olen - c->ooff, MSG_NOSIGNAL);
	else
		n = send(c->fd, c->buf + c->boff, c->blen - c->boff, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : 1;
	if (c->st == FT_FILE) {
		c->boff += (size_t)n;
		return c->boff == c->blen && c->left == 0;
	}
	if ((c->ooff += (size_t)n) < c->olen)
		return 0;
	if (c->after == AFTER_FILE && c->left > 0) {
		c->st = FT_FILE;
		return 0;
	}
	if (c->after != AFTER_DRAIN)
		return 1;
	shutdown(c->fd, SHUT_WR);
	c->st = FT_DRAIN;
	c->drain_until = now_ms() + FT_DRAIN_MS;
	return 0;
}

static bool expired(const struct ft_conn *c, long long now)
{
	if (c->st == FT_DRAIN)
		return now >= c->drain_until;
	if (c->st == FT_HEAD && now - c->started >= FT_HEAD_MS)
		return true;
	return now - c->active >= FT_IDLE_MS || now - c->started >= FT_TOTAL_MS;
}

/* ---- the loop ----------------------------------------------------------------- */

static struct ft_conn *conns[FT_MAX_CONNS];

static void accept_one(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct ft_conn *c;
	char ip[INET6_ADDRSTRLEN] = "";
	int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int slot = -1, same = 0;

	if (fd < 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof(ip));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof(ip));
	for (int i = 0; i < FT_MAX_CONNS; i++) {
		if (!conns[i] && slot < 0)
			slot = i;
		if (conns[i] && strcmp(conns[i]->ip, ip) == 0)
			same++;
	}
	if (slot < 0 || same >= FT_MAX_PER_IP || !(c = calloc(1, sizeof(*c)))) {
		LM_NOTICE("file transfer connection from %s refused: %s\n", ip,
			  slot < 0 ? "too many connections" : "too many from this address");
		close(fd);
		return;
	}
	c->fd = fd;
	c->file = -1;
	c->st = FT_HEAD;
	c->started = c->active = now_ms();
	memcpy(c->ip, ip, sizeof(ip));
	conns[slot] = c;
}

static void loop(int lfd)
{
	struct pollfd pfd[FT_MAX_CONNS + 1];
	int map[FT_MAX_CONNS + 1];

	for (;;) {
		int n = 1;
		long long now;

		cfg_update();
		pfd[0] = (struct pollfd){lfd, POLLIN, 0};
		for (int i = 0; i < FT_MAX_CONNS; i++) {
			if (!conns[i])
				continue;
			map[n] = i;
			pfd[n++] = (struct pollfd){
				conns[i]->fd,
				conns[i]->st == FT_SEND || conns[i]->st == FT_FILE ? POLLOUT :
										     POLLIN,
				0};
		}
		if (poll(pfd, (nfds_t)n, 500) < 0 && errno != EINTR)
			LM_ERR("poll: %s\n", strerror(errno));
		now = now_ms();
		for (int k = 1; k < n; k++) {
			struct ft_conn *c = conns[map[k]];
			int done = 0;

			if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
				done = c->st == FT_SEND || c->st == FT_FILE ? step_write(c) :
									      step_read(c);
			else if (pfd[k].revents & POLLOUT)
				done = step_write(c);
			if (pfd[k].revents)
				c->active = now;
			if (done || expired(c, now)) {
				if (!done)
					LM_NOTICE("file transfer connection from %s timed out\n",
						  c->ip);
				conn_free(c);
				conns[map[k]] = NULL;
			}
		}
		if (pfd[0].revents & POLLIN)
			for (int i = 0; i < 16; i++)
				accept_one(lfd);
	}
}

int rtc_files_start(void)
{
	int pid;

	if (!rtc_cfg.file_transfer_port)
		return 0;
	listen_fd = listen_socket();
	if (listen_fd < 0)
		return -1;
	pid = fork_process(PROC_TIMER, "SYLKRTC FILE TRANSFER", 1);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (cfg_child_init())
			return -1;
		LM_INFO("file transfer on %s:%d, files under %s, URLs %s\n", addr_buf,
			rtc_cfg.file_transfer_port, rtc_cfg.file_dir, url_buf);
		loop(listen_fd);
	}
	close(listen_fd);
	return 0;
}
