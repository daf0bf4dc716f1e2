/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The MSRP side of the focus. A participant's client connects to the path
 * we gave it in the SDP answer and sends a first SEND (maybe empty); that
 * binds the TCP connection to the participant. From then on the focus
 * relays its chat by the rules of the chat room (conference/room/chat_room.c)
 * and sends to others over their own bound connections. Nothing is written
 * with the store lock held: what is decided under it (responses, reports,
 * relayed SENDs, the history for a late joiner) waits in this process's
 * outbox until conf_unlock(), in order (conf_msrp_send.c); a file pull
 * lets go of the lock before it writes its chunks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"
#include "core/ip_addr.h"
#include "core/tcp_conn.h"
#include "core/tcp_server.h"

#include "sylk_ws/im/cpim.h"
#include "conference/msrp/msrp_chunk.h"
#include "conference/msrp/msrp_message.h"
#include "conference/room/room_policy.h"
#include "conference/room/screen_share.h"
#include "conference/msrp/msrp_uri.h"
#include "sylk_ws/base/error.h"

#include "conf_bridge.h"
#include "conf_config.h"
#include "conf_msrp.h"
#include "conf_msrp_send.h"
#include "conf_room.h"
#include "conf_session.h"
#include "conf_stats.h"
#include "conf_store.h"

/* the session id in the last URI of a To-Path: that is us */
static const char *our_session(const struct msrp_message *m, size_t *len)
{
	const struct msrp_uri *u = msrp_path_last(&m->to_path);

	if (!u || !u->session_id)
		return NULL;
	*len = strlen(u->session_id);
	return u->session_id;
}

/* The response @p code to @p req, if it wants one. Lock held or not: under
 * the lock it waits in the outbox for conf_unlock(), ahead of whatever this
 * process queues after it (conf_msrp_send.h). */
static void respond(int conn_id, const struct msrp_message *req, uint16_t code, const char *comment)
{
	struct msrp_buf b;

	if (req->kind != MSRP_REQUEST || !msrp_response_needed(req, code))
		return;
	msrp_buf_init(&b);
	if (msrp_build_response(&b, req, code, comment) == 0)
		conf_msrp_send_on(conn_id, b.data, b.len);
	msrp_buf_reset(&b);
}

/* Success-Report: yes asks for a REPORT once the focus has the bytes
 * (RFC 4975 section 7.1.2). */
static void report_success(int conn_id, const struct msrp_message *m)
{
	struct msrp_buf b;
	char tid[32];

	if (m->success_report != MSRP_REPORT_YES)
		return;
	msrp_buf_init(&b);
	conf_msrp_next_ident(tid, sizeof(tid));
	if (msrp_build_report_for(&b, tid, m, NULL, 200, "OK") == 0)
		conf_msrp_send_on(conn_id, b.data, b.len);
	msrp_buf_reset(&b);
}

/* A pull has at most FILE_WINDOW chunks on the wire without the puller's
 * answer; each answer lets the next one go. Sent all at once, a file larger
 * than the connection's write queue (tcp_conn_wq_max) made Kamailio drop the
 * connection halfway. */
#define FILE_CHUNK (64 * 1024)
#define FILE_WINDOW 32

/* More of a stored file to a participant that pulls it. Lock held once
 * (by handle()): let go of while the chunks are read and handed to TCP
 * (after what was queued before them: conf_unlock() writes it first);
 * only this connection's reader, which is us, moves the transfer on. */
static void send_file(struct conf_participant *p)
{
	char path[1024], tid[32], ours[CONF_PATH_SIZE], theirs[CONF_PATH_SIZE];
	char msrp_id[CONF_ID_SIZE], ctype[128], name[256], who[CONF_URI_SIZE];
	struct msrp_path to = {0}, from = {0};
	struct msrp_send_params sp = {0};
	struct msrp_byte_range br;
	static unsigned char chunk[FILE_CHUNK];
	uint64_t sent = p->file_sent, size = p->file_size, ino = 0;
	unsigned key = p->key, unacked = p->file_unacked, handed = 0;
	int fd, conn = p->msrp_conn;
	int64_t mtime = 0;
	bool check = !p->file_checked, listed = false, changed = false;
	char want[FILE_STORE_HASH_SIZE], hash[FILE_STORE_HASH_SIZE];
	struct conf_room *r = conf_room_by_key(p->room_key);
	struct stat st;

	if (sent >= size || unacked >= FILE_WINDOW)
		return;
	/* only a file the room lists (it was verified when it was stored) */
	for (struct conf_file *f = r ? r->files : NULL; f; f = f->next) {
		if (file_store_hash_equal(f->hash, p->file_hash)) {
			listed = true;
			ino = f->ino;
			mtime = f->mtime;
			size = f->size;
			break;
		}
	}
	if (!listed || conf_file_path(path, sizeof(path), p->room_key, p->file_hash) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		LM_ERR("file %s for %s is gone\n", p->file_hash, p->uri);
		p->file_sent = p->file_size;
		return;
	}
	memcpy(want, p->file_hash, sizeof(want));
	p->file_checked = true;
	if (conf_msrp_our_path(ours, sizeof(ours), p) < 0) {
		close(fd);
		return;
	}
	memcpy(theirs, p->msrp_their_path, sizeof(theirs));
	memcpy(msrp_id, p->msrp_id, sizeof(msrp_id));
	memcpy(ctype, p->file_type, sizeof(ctype));
	memcpy(name, p->file_name, sizeof(name));
	memcpy(who, p->uri, sizeof(who));
	conf_unlock();
	/* what is on disk is what was verified: the same file (inode, time,
	 * size), and before the first byte goes out, the same hash */
	if (check &&
	    (fstat(fd, &st) < 0 || (uint64_t)st.st_size != size ||
	     (ino && (uint64_t)st.st_ino != ino) || (mtime && (int64_t)st.st_mtime != mtime) ||
	     file_store_sha1_fd(fd, hash, sizeof(hash)) != 0 ||
	     !file_store_hash_equal(hash, want))) {
		LM_ERR("stored file %s (%s) changed on disk since it was verified: not sent to %s\n",
		       name, path, who);
		sent = size;
		changed = true;
		goto out;
	}
	if (msrp_path_parse(&to, theirs, strlen(theirs)) != 0 ||
	    msrp_path_parse(&from, ours, strlen(ours)) != 0)
		goto out;
	sp.to_path = &to;
	sp.from_path = &from;
	sp.message_id = msrp_id; /* one message per pull session */
	sp.content_type = ctype[0] ? ctype : "application/octet-stream";
	sp.has_body = true;
	sp.range = &br;
	sp.failure_report = MSRP_REPORT_YES; /* the answers pace the transfer */
	while (sent < size && unacked + handed < FILE_WINDOW) {
		uint64_t off = sent, left = size - off;
		ssize_t n = pread(fd, chunk, left < sizeof(chunk) ? (size_t)left : sizeof(chunk),
				  (off_t)off);
		struct msrp_buf b;
		int rc = EEXIST;

		if (n <= 0) {
			LM_ERR("file %s for %s ends at byte %llu\n", name, who,
			       (unsigned long long)off);
			sent = size;
			break;
		}
		br.start = off + 1;
		br.end = off + (uint64_t)n;
		br.total = size;
		sp.body = chunk;
		sp.body_len = (size_t)n;
		sp.cont = off + (uint64_t)n >= size ? MSRP_CONT_END : MSRP_CONT_MORE;
		msrp_buf_init(&b);
		for (int i = 0; i < 4 && rc == EEXIST; i++) {
			msrp_buf_reset(&b);
			conf_msrp_next_ident(tid, sizeof(tid));
			sp.tid = tid;
			rc = msrp_build_send(&b, &sp);
		}
		if (rc != 0 || conf_msrp_send_on(conn, b.data, b.len) < 0) {
			LM_ERR("sending file %s to %s failed at byte %llu\n", name, who,
			       (unsigned long long)off);
			msrp_buf_reset(&b);
			sent = size;
			break;
		}
		msrp_buf_reset(&b);
		sent = off + (uint64_t)n;
		handed++;
		if (sent >= size)
			LM_INFO("sent file %s (%llu bytes) to %s\n", name, (unsigned long long)size,
				who);
	}
out:
	msrp_path_reset(&to);
	msrp_path_reset(&from);
	close(fd);
	conf_lock();
	p = conf_part_by_key(key);
	if (p) {
		p->file_sent = sent;
		p->file_unacked += handed;
		if (changed)
			conf_participant_leave(p->key, 1);
	}
}

/* The puller's answer to a chunk of its file: the next one may go; a
 * refusal ends the transfer. Lock held once; @p p may be gone after. */
static void file_answer(struct conf_participant *p, const struct msrp_message *m)
{
	if (p->kind != CONF_PART_FILE_PULL || !p->file_unacked)
		return;
	p->file_unacked--;
	if (m->status_code / 100 == 2) {
		send_file(p);
		return;
	}
	LM_NOTICE("%s refused a chunk of %s with %u: transfer stopped\n", p->uri, p->file_name,
		  m->status_code);
	p->file_sent = p->file_size;
}

/* One chunk of a file a participant pushes to the room. Lock held once
 * (let go while the completed file is hashed). */
static void file_chunk(int conn_id, struct conf_participant *p, const struct msrp_message *m)
{
	struct conf_room *r = conf_room_by_key(p->room_key);
	char dir[1024], path[1024], tmp[1024], hash[FILE_STORE_HASH_SIZE],
		want[FILE_STORE_HASH_SIZE];
	struct stat st;
	uint64_t offset;
	unsigned key;
	bool matches;
	int err;

	if (!m->has_body || m->body_len == 0 || p->file_done || !r) {
		respond(conn_id, m, 200, NULL);
		return;
	}
	offset = m->has_byte_range && m->byte_range.start > 0 ? m->byte_range.start - 1 : 0;
	if (offset + m->body_len > p->file_size) {
		respond(conn_id, m, 413, "More bytes than the file-selector announced");
		return;
	}
	/* the chunks go to this upload's own file, which becomes the stored
	 * file only once verified: nothing written here ever reaches a file
	 * the room already has */
	if (conf_room_dir(dir, sizeof(dir), p->room_key) < 0 || file_store_mkdir(dir) != 0 ||
	    conf_upload_path(tmp, sizeof(tmp), p->room_key, p->key) < 0 ||
	    conf_file_path(path, sizeof(path), p->room_key, p->file_hash) < 0 ||
	    file_store_write(tmp, offset, m->body, m->body_len) != 0) {
		LM_ERR("cannot store a chunk of %s from %s\n", p->file_name, p->uri);
		respond(conn_id, m, 500, "Cannot store the file");
		return;
	}
	if (offset + m->body_len > p->file_received)
		p->file_received = offset + m->body_len;
	if (m->cont != MSRP_CONT_END || p->file_received < p->file_size) {
		respond(conn_id, m, 200, NULL);
		report_success(conn_id, m);
		return;
	}
	/* the chunk that completes the file is answered after the check, so
	 * that the sender learns when its upload was not taken. Hashing a whole
	 * file is no work for under the store lock (held once, by handle()):
	 * let go of it, then find the participant again. */
	key = p->key;
	memcpy(want, p->file_hash, sizeof(want));
	conf_unlock();
	matches = file_store_sha1(tmp, hash, sizeof(hash)) == 0 &&
		  file_store_hash_equal(hash, want);
	conf_lock();
	p = conf_part_by_key(key);
	r = p ? conf_room_by_key(p->room_key) : NULL;
	if (!p || !r || p->file_done) {
		unlink(tmp);
		respond(conn_id, m, 481, "No such session");
		return;
	}
	if (!matches) {
		/* only this upload's own bytes go */
		LM_NOTICE("file %s from %s does not match its hash: dropped\n", p->file_name,
			  p->uri);
		unlink(tmp);
		p->file_done = true;
		respond(conn_id, m, 400, "The file does not match the hash of its file-selector");
		return;
	}
	p->file_done = true;
	/* stored for good (never replaced, read-only); the same file
	 * finished by another upload first: this copy is dropped */
	err = file_store_publish(tmp, path);
	if (err && err != EEXIST) {
		LM_ERR("cannot store file %s from %s: %s\n", p->file_name, p->uri,
		       sylk_strerror(err));
		respond(conn_id, m, 500, "Cannot store the file");
		return;
	}
	respond(conn_id, m, 200, NULL);
	report_success(conn_id, m);
	for (struct conf_file *f = r->files; f; f = f->next)
		if (file_store_hash_equal(f->hash, p->file_hash))
			return; /* the same file again */
	if (err == EEXIST) {
		LM_ERR("file %s is on disk but not listed in room %s\n", path, r->uri);
		return;
	}
	{
		struct conf_file *f = shm_malloc(sizeof(*f));
		char text[400];

		if (!f)
			return;
		memset(f, 0, sizeof(*f));
		if (stat(path, &st) == 0) {
			f->ino = (uint64_t)st.st_ino;
			f->mtime = (int64_t)st.st_mtime;
		}
		sylk_copy(f->name, sizeof(f->name), p->file_name, strlen(p->file_name));
		sylk_copy(f->type, sizeof(f->type), p->file_type, strlen(p->file_type));
		sylk_copy(f->hash, sizeof(f->hash), p->file_hash, strlen(p->file_hash));
		sylk_copy(f->sender, sizeof(f->sender), p->uri, strlen(p->uri));
		f->size = p->file_size;
		f->next = r->files;
		r->files = f;
		LM_INFO("room %s: %s shared %s (%llu bytes)\n", r->uri, p->uri, f->name,
			(unsigned long long)f->size);
		snprintf(text, sizeof(text), "%s shared the file %s", p->uri, f->name);
		conf_msrp_status(p->room_key, 0, text);
		conf_notify_room(p->room_key);
	}
}

/* First frame of a participant on this connection: remember it, replay the
 * history to it and tell the others. Lock held once; @p p may be gone
 * after (a pull lets go of the lock while it sends). */
static void bind_connection(struct conf_participant *p, int conn_id, const char *from_path)
{
	struct conf_room *r = conf_room_by_key(p->room_key);
	bool first = !p->msrp_conn;
	char text[CONF_URI_SIZE + 32];

	p->msrp_conn = conn_id;
	if (from_path && *from_path)
		sylk_copy(p->msrp_their_path, sizeof(p->msrp_their_path), from_path,
			  strlen(from_path));
	if (!first || !r)
		return;
	if (p->kind == CONF_PART_FILE_PULL) {
		send_file(p);
		return;
	}
	if (p->kind != CONF_PART_CHAT)
		return;
	LM_INFO("room %s: %s joined the chat on connection %d\n", r->uri, p->uri, conn_id);
	for (size_t i = 0; i < chat_room_history_count(r->chat); i++) {
		const void *m;
		size_t len;

		if (chat_room_history_get(r->chat, i, &m, &len) == 0)
			conf_msrp_send_to(p, "message/cpim", m, len);
	}
	if (r->session)
		return; /* a private chat session: nobody to tell */
	snprintf(text, sizeof(text), "%s joined", p->display[0] ? p->display : p->uri);
	conf_msrp_status(p->room_key, p->key, text);
}

/* Chunked chat messages are put back together in the process that reads
 * the connection: the chunks of one message arrive back to back on one
 * TCP connection, which one reader process holds while they stream in. */
#define REASM_SLOTS 64
#define REASM_MAX_MESSAGE (1024 * 1024)

static struct {
	unsigned part_key;
	struct msrp_reasm *r;
	time_t used;
} reasm_slots[REASM_SLOTS];

static int reassemble(unsigned part_key, const struct msrp_message *m,
		      struct msrp_chunk_msg **whole)
{
	int free_slot = -1, oldest = 0;

	*whole = NULL;
	for (int i = 0; i < REASM_SLOTS; i++) {
		if (reasm_slots[i].r && reasm_slots[i].part_key == part_key) {
			reasm_slots[i].used = time(NULL);
			return msrp_reasm_add(reasm_slots[i].r, m, whole);
		}
		if (!reasm_slots[i].r && free_slot < 0)
			free_slot = i;
		if (reasm_slots[i].used < reasm_slots[oldest].used)
			oldest = i;
	}
	if (free_slot < 0) { /* reuse the least recently used one */
		msrp_reasm_free(reasm_slots[oldest].r);
		reasm_slots[oldest].r = NULL;
		free_slot = oldest;
	}
	if (msrp_reasm_alloc(&reasm_slots[free_slot].r, REASM_MAX_MESSAGE, 4) != 0)
		return ENOMEM;
	reasm_slots[free_slot].part_key = part_key;
	reasm_slots[free_slot].used = time(NULL);
	return msrp_reasm_add(reasm_slots[free_slot].r, m, whole);
}

/* A screen image among the chat: keep the latest one of its sharer for the
 * HTTP viewer. EBADMSG for a screen image that is not base64 (nobody could
 * show it), else 0. Lock held. */
static int screen_frame(struct conf_participant *p, const uint8_t *body, size_t body_len)
{
	struct cpim_msg *cpim = NULL;
	char dir[1024], path[1024], tmp[1100];
	uint8_t *jpeg = NULL;
	size_t len = 0;
	int rc = 0;

	if (!body || cpim_parse(&cpim, body, body_len) != 0)
		return 0;
	if (screen_share_is_frame(cpim->content_type))
		rc = cpim->body ? screen_share_decode(&jpeg, &len, (const char *)cpim->body,
						      cpim->body_len) :
				  EBADMSG;
	/* the viewer URL's secret: 128 random bits, not a counter */
	if (jpeg && !p->screen_token[0] &&
	    room_token_generate(p->screen_token, sizeof(p->screen_token)) != 0) {
		LM_ERR("no random token for the screen of %s\n", p->uri);
		p->screen_token[0] = '\0';
		free(jpeg);
		jpeg = NULL;
	}
	if (jpeg && conf_room_dir(dir, sizeof(dir), p->room_key) == 0 &&
	    file_store_mkdir(dir) == 0 &&
	    conf_screen_path(path, sizeof(path), p->room_key, p->key) == 0) {
		/* a reader must never see half an image: write aside, then rename */
		snprintf(tmp, sizeof(tmp), "%s.new", path);
		unlink(tmp);
		if (file_store_write(tmp, 0, jpeg, len) == 0 && rename(tmp, path) == 0) {
			p->screen_last = time(NULL);
			if (!p->screen_active) {
				p->screen_active = true;
				LM_INFO("%s started sharing a screen\n", p->uri);
				conf_screen_notice(p, true);
				conf_notify_room(p->room_key);
			}
		}
	}
	free(jpeg);
	cpim_msg_free(cpim);
	return rc == EBADMSG ? EBADMSG : 0;
}

static void relay_send(int conn_id, struct conf_participant *p, const struct msrp_message *m)
{
	struct conf_room *r = conf_room_by_key(p->room_key);
	struct chat_route route;
	struct msrp_chunk_msg *whole = NULL;
	const char *ctype = m->content_type;
	const uint8_t *body = m->body;
	size_t len = m->body_len;

	if (!r) {
		respond(conn_id, m, 481, "Room gone");
		return;
	}
	if (!m->has_body || m->body_len == 0) { /* the binding SEND */
		respond(conn_id, m, 200, NULL);
		return;
	}
	if (m->cont != MSRP_CONT_END ||
	    (m->has_byte_range &&
	     (m->byte_range.start != 1 || (m->byte_range.total != MSRP_BR_UNKNOWN &&
					   m->byte_range.end != m->byte_range.total)))) {
		int err = reassemble(p->key, m, &whole);

		if (err) {
			uint16_t code = (err == EFBIG || err == ENOSPC) ? 413 :
					err == ECANCELED                ? 200 :
									  400;

			respond(conn_id, m, code, err == ECANCELED ? NULL : sylk_strerror(err));
			return;
		}
		if (!whole) { /* more chunks to come */
			respond(conn_id, m, 200, NULL);
			return;
		}
		ctype = whole->content_type;
		body = whole->body;
		len = whole->len;
	}
	if (r->session) {
		const char *reason = NULL;
		int code = conf_session_from_user(r, p, m, ctype, body, len, &reason);

		respond(conn_id, m, (uint16_t)code, code == 200 ? NULL : reason);
		if (code == 200)
			report_success(conn_id, m);
		msrp_chunk_msg_free(whole);
		return;
	}
	memset(&route, 0, sizeof(route));
	if (chat_room_route(r->chat, p->key, ctype, body, len, &route) != 0) {
		respond(conn_id, m, 500, NULL);
		return;
	}
	if (route.status != 200) {
		LM_NOTICE("room %s: message from %s refused with %d: %s\n", r->uri, p->uri,
			  route.status, route.reason ? route.reason : "");
		respond(conn_id, m, (uint16_t)route.status, route.reason);
		free(route.targets);
		msrp_chunk_msg_free(whole);
		return;
	}
	if (screen_frame(p, body, len) == EBADMSG) {
		LM_NOTICE("room %s: screen image from %s is not base64\n", r->uri, p->uri);
		respond(conn_id, m, 400, "Screen image is not base64");
		free(route.targets);
		msrp_chunk_msg_free(whole);
		return;
	}
	respond(conn_id, m, 200, NULL);
	report_success(conn_id, m);
	CONF_STAT_INC(chat_messages);
	for (size_t i = 0; i < route.target_count; i++) {
		struct conf_participant *t = conf_part_by_key(route.targets[i]);

		if (t && t->room_key == p->room_key)
			conf_msrp_send_to(t, "message/cpim", body, len);
	}
	if (!route.is_private) /* the video room of the same name hears it too */
		conf_bridge_queue(r->uri, body, len);
	if (route.store)
		chat_room_history_add(r->chat, body, len);
	free(route.targets);
	msrp_chunk_msg_free(whole);
}

static void nickname(int conn_id, struct conf_participant *p, const struct msrp_message *m)
{
	struct conf_room *r = conf_room_by_key(p->room_key);
	int err;

	if (!r || !m->use_nickname) {
		respond(conn_id, m, 400, "Use-Nickname missing");
		return;
	}
	err = chat_room_set_nickname(r->chat, p->key, m->use_nickname);
	if (err == EADDRINUSE)
		respond(conn_id, m, 425, "Nickname already in use");
	else if (err)
		respond(conn_id, m, 400, "Invalid nickname");
	else
		respond(conn_id, m, 200, NULL);
}

static void handle(int conn_id, int secure, struct msrp_message *m)
{
	struct conf_participant *p;
	const char *sid;
	size_t sid_len = 0;
	char from_path[CONF_PATH_SIZE] = "";
	unsigned key;

	sid = our_session(m, &sid_len);
	conf_lock();
	p = sid ? conf_part_by_msrp_id(sid, sid_len) : NULL;
	if (m->kind != MSRP_REQUEST) { /* an answer to one of our SENDs */
		if (p && p->msrp_conn == conn_id)
			file_answer(p, m);
		conf_unlock();
		return;
	}
	if (!p) {
		conf_unlock();
		LM_NOTICE("MSRP %s on connection %d for an unknown session\n",
			  m->method_name ? m->method_name : "?", conn_id);
		respond(conn_id, m, 481, "No such session");
		return;
	}
	/* answers go back the way the request came */
	for (size_t i = 0; i < m->from_path.n; i++) {
		const struct msrp_uri *u = m->from_path.uriv[i];

		if (i)
			strncat(from_path, " ", sizeof(from_path) - strlen(from_path) - 1);
		strncat(from_path, u->str, sizeof(from_path) - strlen(from_path) - 1);
	}
	p->msrp_secure = secure;
	key = p->key;
	bind_connection(p, conn_id, from_path);
	p = conf_part_by_key(key);
	if (!p) {
		conf_unlock();
		respond(conn_id, m, 481, "No such session");
		return;
	}
	switch (m->method) {
	case MSRP_METHOD_SEND:
		if (p->kind == CONF_PART_FILE_PUSH)
			file_chunk(conn_id, p, m);
		else if (p->kind == CONF_PART_FILE_PULL)
			respond(conn_id, m, 200, NULL);
		else
			relay_send(conn_id, p, m);
		break;
	case MSRP_METHOD_NICKNAME: nickname(conn_id, p, m); break;
	case MSRP_METHOD_REPORT: break;
	default: respond(conn_id, m, 501, "Method not understood");
	}
	conf_unlock();
}

int conf_msrp_frame(sr_event_param_t *evp)
{
	tcp_event_info_t *tev = (tcp_event_info_t *)evp->data;
	struct msrp_parser *parser = NULL;
	struct msrp_message *m = NULL;
	int conn_id, secure, err;

	if (!tev || !tev->buf || !tev->con)
		return -1;
	conn_id = tev->con->id;
	secure = tev->con->rcv.proto == PROTO_TLS;
	if (msrp_parser_alloc(&parser, 0, 0) != 0)
		return -1;
	CONF_STAT_ADD(msrp_bytes_in, (int)tev->len);
	if (msrp_parser_feed(parser, tev->buf, tev->len) != 0) {
		msrp_parser_free(parser);
		return -1;
	}
	for (;;) {
		err = msrp_parser_next(parser, &m);
		if (err == EAGAIN)
			break;
		if (err == EPROTO) {
			enum msrp_perr pe = msrp_parser_error(parser);

			LM_NOTICE("malformed MSRP on connection %d: %s\n", conn_id,
				  msrp_perr_str(pe));
			if (m && m->to_path.n && m->from_path.n) {
				respond(conn_id, m, msrp_perr_status(pe), msrp_perr_str(pe));
				msrp_message_free(m);
				m = NULL;
				continue;
			}
			/* no way to answer it: the peer is not speaking MSRP we can
			 * follow, so the connection goes */
			msrp_message_free(m);
			msrp_parser_free(parser);
			return -1;
		}
		if (err) {
			LM_ERR("MSRP parser failed on connection %d: %s\n", conn_id,
			       sylk_strerror(err));
			break;
		}
		CONF_STAT_INC(msrp_messages_in);
		handle(conn_id, secure, m);
		msrp_message_free(m);
		m = NULL;
	}
	msrp_parser_free(parser);
	return 0;
}
