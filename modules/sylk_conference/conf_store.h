/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rooms, participants and subscriptions of the focus in shared memory,
 * behind one recursive lock (tm calls made under it may run our callbacks
 * in the same process). Participants are keyed by a number that is also
 * their key in the chat room. */
#ifndef SYLK_CONF_STORE_H
#define SYLK_CONF_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "modules/tm/dlg.h"

#include "conference/room/chat_room.h"
#include "conference/room/file_store.h"
#include "conference/room/room_policy.h"

#include "../common/sip_util.h"

#define CONF_URI_SIZE 256
#define CONF_ID_SIZE 64
#define CONF_PATH_SIZE 512
#define CONF_CALLID_SIZE 256
#define CONF_TAG_SIZE 128

/* what a participant's MSRP session is for */
enum conf_part_kind {
	CONF_PART_CHAT,      /* a member of the room's chat */
	CONF_PART_FILE_PUSH, /* a session that uploads one file (RFC 5547) */
	CONF_PART_FILE_PULL, /* a session that downloads a stored file */
};

/* a file shared in a room */
struct conf_file {
	char name[256];
	char type[128];
	char hash[FILE_STORE_HASH_SIZE];
	char sender[CONF_URI_SIZE];
	uint64_t size;
	/* what the verified file looked like on disk: a pull checks it */
	uint64_t ino;
	int64_t mtime;
	struct conf_file *next;
};

struct conf_participant {
	unsigned key;
	enum conf_part_kind kind;
	char file_name[256];
	char file_type[128];
	char file_hash[FILE_STORE_HASH_SIZE];
	uint64_t file_size;
	uint64_t file_received; /* bytes written of a push */
	bool file_done;
	bool file_checked;     /* a pull checked the stored bytes */
	uint64_t file_sent;    /* bytes of a pull handed to TCP */
	unsigned file_unacked; /* chunks of a pull awaiting the puller's answer */
	/* audio through the mixer */
	int mixer_port;         /* 0 when no audio */
	bool on_hold;           /* sendonly/inactive: hears nothing */
	bool speaking;          /* written by the mixer */
	int audio_level;        /* dBov, written by the mixer */
	unsigned audio_idle_ms; /* since the last RTP, by the mixer */
	uint64_t audio_packets_in;
	char rtp_call_id[CONF_CALLID_SIZE]; /* rtpengine call of the audio leg */
	char rtp_from_tag[CONF_TAG_SIZE];
	char audio_codec[16];
	time_t screen_last; /* last screen image received */
	bool screen_active;
	char screen_token[ROOM_TOKEN_SIZE]; /* the viewer URL's secret, "" until it shares */
	unsigned room_key;
	char uri[CONF_URI_SIZE]; /* sip:alice@x */
	char display[CONF_URI_SIZE];
	char call_id[CONF_CALLID_SIZE];
	char local_tag[CONF_TAG_SIZE];
	dlg_t *dlg; /* shm, UAS or (dial-out) UAC dialog */
	bool dialed_out;
	bool acked;             /* the ACK of its 200 arrived (dial-out: answered) */
	time_t answered;        /* when the focus answered 200 (0: not yet) */
	time_t msrp_wait_since; /* an MSRP stream waits for its connection since */
	char src_ip[64];        /* where its INVITE came from */
	bool authenticated;     /* the script authenticated its INVITE */
	bool in_session;        /* the user of a private chat session (conf_session.c) */
	bool joining;           /* its audio leg is being set up */
	bool has_chat;
	bool has_audio;             /* offered (answered with port 0 until the mixer) */
	char msrp_id[CONF_ID_SIZE]; /* our session id in our path */
	char msrp_their_path[CONF_PATH_SIZE];
	bool msrp_secure;
	int msrp_conn; /* TCP connection id once bound, else 0 */
	time_t joined;
	unsigned sdp_version; /* o= version of our last answer */
	struct conf_participant *next;
};

struct conf_subscriber {
	unsigned version;    /* conference-info version last sent to it */
	/* one conference-info NOTIFY in flight at a time (RFC 6665 4.2.2),
	 * so that none overtakes another between two processes; a change
	 * meanwhile sends the room's state once that one is answered */
	bool notify_busy;
	bool notify_again;
	bool is_refer;       /* implicit subscription of a REFER */
	unsigned refer_part; /* the participant it dials in */
	unsigned key;
	unsigned room_key;
	char call_id[CONF_CALLID_SIZE];
	char local_tag[CONF_TAG_SIZE];
	dlg_t *dlg;
	time_t expires;
	struct conf_subscriber *next;
};

/* Someone in the room's chat through another module (an XMPP occupant of
 * the MUC of the same name), listed in conference-info; shm. */
struct conf_member {
	char uri[CONF_URI_SIZE];
	char display[CONF_URI_SIZE];
	struct conf_member *next;
};

struct conf_room {
	unsigned key;
	/* a private chat session (conf_session.c): uri is its peer's, one
	 * participant, no notices, no conference-info, never found by URI */
	bool session;
	char peer_instance[128]; /* a session's peer device (XMPP resource), "" unknown */
	/* a session of the playback service (conf_playback.c): the WAV played
	 * to its user, when that ends (0: not playing yet) */
	bool playback;
	char play_file[256];
	time_t play_ends;
	char uri[CONF_URI_SIZE]; /* sip:room@conference.x */
	char user[CONF_URI_SIZE];
	char creator[CONF_URI_SIZE]; /* who opened it: "user:AOR" or "ip:ADDRESS" */
	struct chat_room *chat;      /* shm, through the store allocator */
	struct conf_file *files;     /* shm */
	struct conf_member *members; /* shm */
	unsigned member_count;
	time_t created;
	struct conf_room *next;
};

int conf_store_init(void);
void conf_store_destroy(void);
/* No network I/O and no long work under this lock: rtpengine round trips
 * happen without it (the object is found again by key afterwards), and the
 * MSRP writes, tm requests, MSRP closes and rtpengine deletes queued under
 * it go out when this process's outermost conf_unlock() releases it. */
void conf_lock(void);
void conf_unlock(void);
/* whether this process holds the lock (the focus's replies check it) */
bool conf_lock_held(void);
/* the lock if nobody holds it (the mixers never wait for it) */
bool conf_trylock(void);

/* lock held for everything below */
unsigned conf_next_key(void);
/* a conference room by URI (chat sessions are not rooms for this) */
struct conf_room *conf_room_find(const char *uri);
struct conf_room *conf_room_by_key(unsigned key);
struct conf_room *conf_room_first(void);
struct conf_room *conf_room_new(const char *uri, const char *user);
/* a room that carries one private chat session with @p peer_uri */
struct conf_room *conf_session_room_new(const char *peer_uri);
void conf_room_destroy(struct conf_room *r); /* with its participants and subscribers */

struct conf_participant *conf_part_first(void);
struct conf_participant *conf_part_by_key(unsigned key);
struct conf_participant *conf_part_by_msrp_id(const char *id, size_t len);
struct conf_participant *conf_part_by_dialog(const str *call_id, const str *local_tag);
struct conf_participant *conf_part_by_uri(unsigned room_key, const char *uri);
struct conf_participant *conf_part_by_screen_token(const char *token);
struct conf_participant *conf_part_new(unsigned room_key);
void conf_part_destroy(struct conf_participant *p);
int conf_room_count(unsigned room_key);
/* rooms in all (chat sessions not counted), and those opened by @p creator */
void conf_room_totals(const char *creator, unsigned *total, unsigned *of_creator);

struct conf_subscriber *conf_sub_first(void);
struct conf_subscriber *conf_sub_by_key(unsigned key);
struct conf_subscriber *conf_sub_by_dialog(const str *call_id, const str *local_tag);
struct conf_subscriber *conf_sub_new(unsigned room_key);
/* conf_sub_new() in two steps: a subscriber that is nobody else's (its
 * reply goes out without the lock), then put into the store; one never
 * linked goes with conf_sub_destroy() too */
struct conf_subscriber *conf_sub_alloc(unsigned room_key);
void conf_sub_link(struct conf_subscriber *s);
void conf_sub_destroy(struct conf_subscriber *s);

/* the allocator chat rooms use: shared memory */
extern const struct sylk_mem conf_shm_mem;


/* <file_dir>/<room key>, and a file's path in it */
int conf_room_dir(char *buf, size_t size, unsigned room_key);
int conf_file_path(char *buf, size_t size, unsigned room_key, const char *hash);
/* where a push writes its chunks until the file is verified */
int conf_upload_path(char *buf, size_t size, unsigned room_key, unsigned part_key);
/* the latest screen image of a sharer */
int conf_screen_path(char *buf, size_t size, unsigned room_key, unsigned part_key);

#endif
