/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sylk_conference: the SIP conference focus. Rooms are created by the
 * first INVITE to any user of the conference domain (the routing script
 * decides which requests are the focus's and calls
 * sylk_conference_handle()); chat is MSRP terminated in Kamailio on its TCP
 * and TLS listeners; the conference event package and REFER complete it.
 * This file is the Kamailio glue: parameters, script function, RPC, KEMI,
 * life cycle. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/events.h"
#include "core/flags.h"
#include "core/globals.h"
#include "core/ip_addr.h"
#include "core/kemi.h"
#include "core/mem/mem.h"
#include "core/mod_fix.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/timer_proc.h"

#include "conference/mixer/mix_room.h"
#include "conference/room/room_access.h"
#include "sylk_ws/base/str.h"
#include "sylk_ws/base/error.h"

#include "../common/module_status.h"
#include "../common/ng_client.h"
#include "../common/sip_util.h"
#include "conf_audio_api.h"
#include "conf_bridge.h"
#include "conf_config.h"
#include "conf_mixer.h"
#include "conf_http.h"
#include "conf_msrp.h"
#include "conf_out.h"
#include "conf_playback.h"
#include "conf_room.h"
#include "conf_sip.h"
#include "conf_stats.h"
#include "conf_store.h"

MODULE_VERSION

struct conf_config conf_cfg = {
	.msrp_host = "",
	.msrp_port = 2855,
	.msrps_port = 0,
	.contact_host = "",
	.outbound_proxy = "",
	.outbound_socket = "",
	.history_size = 20,
	.max_participants = 100,
	.subscribe_expires = 3600,
	.deny_users = "",
	.allow_users = "",
	.persistent_rooms = "",
	.file_dir = "/var/lib/sylk/conference",
	.max_file_size = 100 * 1024 * 1024,
	.http_base = "http://127.0.0.1:10888",
	.rtpengine_sock = "udp:127.0.0.1:2223",
	.mixer_processes = 0,
	.mixer_port_min = 31000,
	.mixer_port_max = 31999,
	.rtp_timeout = 30,
	.join_tone = 1,
	.alone_tone = 1,
	.max_speakers = MIX_DEFAULT_MAX_SPEAKERS,
	.auth_flag = -1,
	.room_creators = "authenticated",
	.room_joiners = "any",
	.max_rooms = 1000,
	.max_rooms_per_source = 20,
	.ack_timeout = 32,
	.msrp_timeout = 30,
};
struct tm_binds conf_tmb;
tm_xapi_t conf_xtmb;

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

static counter_def_t sylk_conference_counters[] = {
	{0, 0, 0, 0, 0, 0},
};

static struct module_status sylk_conference_status = {
	.module = "sylk_conference",
	.counters = sylk_conference_counters,
	.stats = conf_stats,
};

/* ---- access lists ------------------------------------------------------------ */

/* parsed before the fork, read-only after: every process has a copy */
static struct room_access_table room_access;

static int add_room_access(modparam_t type, void *val)
{
	const char *v = (const char *)val;
	int err = room_access_add(&room_access, v);

	if (err == EINVAL)
		LM_ERR("room_access must read \"ROOM allow|deny AOR[,AOR...]\", not \"%s\"\n", v);
	else if (err == ENOSPC)
		LM_ERR("more than %d rooms with access lists\n", ROOM_ACCESS_MAX);
	else if (err)
		LM_ERR("room_access \"%s\": %s\n", v, sylk_strerror(err));
	return err ? -1 : 0;
}

const struct room_access *conf_access_for(const char *room_user)
{
	return room_access_find(&room_access, room_user);
}

bool conf_room_persistent(const char *room_user)
{
	return str_list_has(conf_cfg.persistent_rooms, room_user);
}

bool conf_authenticated(struct sip_msg *msg)
{
	return conf_cfg.auth_flag >= 0 && isflagset(msg, (flag_t)conf_cfg.auth_flag) == 1;
}

/* ---- script function ---------------------------------------------------- */

static int ki_handle(sip_msg_t *msg)
{
	return conf_sip_handle(msg);
}

static int w_handle(sip_msg_t *msg, char *p1, char *p2)
{
	return conf_sip_handle(msg);
}

static int ki_http(sip_msg_t *msg)
{
	return conf_http_handle(msg);
}

static int w_http(sip_msg_t *msg, char *p1, char *p2)
{
	return conf_http_handle(msg);
}

static int ki_playback(sip_msg_t *msg, str *file)
{
	return conf_playback_invite(msg, file);
}

static int w_playback(sip_msg_t *msg, char *p1, char *p2)
{
	str file = STR_NULL;

	if (fixup_get_svalue(msg, (gparam_t *)p1, &file) < 0)
		return -1;
	return conf_playback_invite(msg, &file);
}

static cmd_export_t cmds[] = {
	{"sylk_conference_handle", (cmd_function)w_handle, 0, 0, 0, REQUEST_ROUTE},
	/* the playback service for calls with chat (conf_playback.h) */
	{"sylk_conference_playback", (cmd_function)w_playback, 1, fixup_spve_null,
	 fixup_free_spve_null, REQUEST_ROUTE},
	{"sylk_conference_http", (cmd_function)w_http, 0, 0, 0, EVENT_ROUTE},
	/* the mixer for SIP phones in video rooms (conf_audio_api.h) */
	{"bind_conf_audio", (cmd_function)bind_conf_audio, 0, 0, 0, 0},
	/* the chat bridge for the gateway's video rooms (sylk_conference_api.h) */
	{"bind_sylk_conference", (cmd_function)conf_bridge_bind, 0, 0, 0, 0},
	{0, 0, 0, 0, 0, 0},
};

static param_export_t params[] = {
	{"msrp_host", PARAM_STRING, &conf_cfg.msrp_host},
	{"msrp_port", INT_PARAM, &conf_cfg.msrp_port},
	{"msrps_port", INT_PARAM, &conf_cfg.msrps_port},
	{"contact_host", PARAM_STRING, &conf_cfg.contact_host},
	{"outbound_proxy", PARAM_STRING, &conf_cfg.outbound_proxy},
	{"outbound_socket", PARAM_STRING, &conf_cfg.outbound_socket},
	{"history_size", INT_PARAM, &conf_cfg.history_size},
	{"max_participants", INT_PARAM, &conf_cfg.max_participants},
	{"subscribe_expires", INT_PARAM, &conf_cfg.subscribe_expires},
	{"deny_users", PARAM_STRING, &conf_cfg.deny_users},
	{"allow_users", PARAM_STRING, &conf_cfg.allow_users},
	{"persistent_rooms", PARAM_STRING, &conf_cfg.persistent_rooms},
	{"room_access", PARAM_STRING | PARAM_USE_FUNC, (void *)add_room_access},
	{"file_dir", PARAM_STRING, &conf_cfg.file_dir},
	{"max_file_size", INT_PARAM, &conf_cfg.max_file_size},
	{"http_base", PARAM_STRING, &conf_cfg.http_base},
	{"rtpengine_sock", PARAM_STRING, &conf_cfg.rtpengine_sock},
	{"mixer_processes", INT_PARAM, &conf_cfg.mixer_processes},
	{"mixer_port_min", INT_PARAM, &conf_cfg.mixer_port_min},
	{"mixer_port_max", INT_PARAM, &conf_cfg.mixer_port_max},
	{"rtp_timeout", INT_PARAM, &conf_cfg.rtp_timeout},
	{"join_tone", INT_PARAM, &conf_cfg.join_tone},
	{"alone_tone", INT_PARAM, &conf_cfg.alone_tone},
	{"max_speakers", INT_PARAM, &conf_cfg.max_speakers},
	{"auth_flag", INT_PARAM, &conf_cfg.auth_flag},
	{"room_creators", PARAM_STRING, &conf_cfg.room_creators},
	{"room_joiners", PARAM_STRING, &conf_cfg.room_joiners},
	{"max_rooms", INT_PARAM, &conf_cfg.max_rooms},
	{"max_rooms_per_source", INT_PARAM, &conf_cfg.max_rooms_per_source},
	{"ack_timeout", INT_PARAM, &conf_cfg.ack_timeout},
	{"msrp_timeout", INT_PARAM, &conf_cfg.msrp_timeout},
	{0, 0, 0},
};

/* ---- RPC ------------------------------------------------------------------- */

static const char *rpc_status_doc[] = {"Version, uptime, rooms and participants.", 0};
static const char *rpc_rooms_doc[] = {"Rooms: URI, participants, age.", 0};
static const char *rpc_participants_doc[] = {"Participants of a room: room URI.", 0};
static const char *rpc_kick_doc[] = {
	"BYE a participant (every device with that URI) out of a room: room URI, participant URI.",
	0};
static const char *rpc_destroy_doc[] = {"End a room, BYEing everyone: room URI.", 0};
static const char *rpc_mixer_doc[] = {
	"The mixers' port pool: port range, RTP/RTCP pairs in all, used and free.", 0};

static void rpc_status(rpc_t *rpc, void *ctx)
{
	int rooms = 0, parts = 0, sessions = 0;
	void *th;

	conf_lock();
	for (struct conf_room *r = conf_room_first(); r; r = r->next) {
		if (r->session)
			sessions++;
		else
			rooms++;
	}
	for (struct conf_participant *p = conf_part_first(); p; p = p->next)
		parts++;
	conf_unlock();
	if (rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "ssddd", "module", "sylk_conference", "version", SYLK_PROJECT_VERSION,
			"uptime", (int)(time(NULL) - sylk_conference_status.started), "rooms",
			rooms, "participants", parts);
	rpc->struct_add(th, "d", "chat_sessions", sessions);
	module_status_add_stats(&sylk_conference_status, rpc, th);
}

#define RPC_MAX 1024

static void rpc_rooms(rpc_t *rpc, void *ctx)
{
	struct {
		char uri[CONF_URI_SIZE];
		int parts, age;
	} *snap = pkg_malloc(sizeof(*snap) * RPC_MAX);
	time_t now = time(NULL);
	int n = 0;
	void *th, *ah, *ch;

	if (!snap) {
		rpc->fault(ctx, 500, "Out of memory");
		return;
	}
	conf_lock();
	for (struct conf_room *r = conf_room_first(); r && n < RPC_MAX; r = r->next) {
		if (r->session)
			continue; /* sylk_conference.status counts them */
		memcpy(snap[n].uri, r->uri, sizeof(r->uri));
		snap[n].parts = conf_room_count(r->key);
		snap[n].age = (int)(now - r->created);
		n++;
	}
	conf_unlock();
	if (rpc->add(ctx, "{", &th) >= 0 && rpc->struct_add(th, "d", "count", n) >= 0 &&
	    rpc->struct_add(th, "[", "rooms", &ah) >= 0)
		for (int i = 0; i < n; i++)
			if (rpc->array_add(ah, "{", &ch) >= 0)
				rpc->struct_add(ch, "sdd", "room", snap[i].uri, "participants",
						snap[i].parts, "age", snap[i].age);
	pkg_free(snap);
}

static void rpc_participants(rpc_t *rpc, void *ctx)
{
	struct part_snap {
		char uri[CONF_URI_SIZE];
		int chat, audio, bound, dialed_out, speaking, level, hold;
		char codec[16];
	};
	struct part_snap *snap;
	char *room = NULL;
	struct conf_room *r;
	int n = 0;
	void *th, *ah, *ch;

	if (rpc->scan(ctx, "s", &room) < 1) {
		rpc->fault(ctx, 400, "Room URI expected");
		return;
	}
	snap = pkg_malloc(sizeof(*snap) * RPC_MAX);
	if (!snap) {
		rpc->fault(ctx, 500, "Out of memory");
		return;
	}
	conf_lock();
	r = conf_room_find(room);
	if (r)
		for (struct conf_participant *p = conf_part_first(); p && n < RPC_MAX;
		     p = p->next) {
			if (p->room_key != r->key)
				continue;
			memcpy(snap[n].uri, p->uri, sizeof(p->uri));
			snap[n].chat = p->has_chat;
			snap[n].audio = p->has_audio;
			snap[n].bound = p->msrp_conn != 0;
			snap[n].dialed_out = p->dialed_out;
			snap[n].speaking = p->speaking;
			snap[n].level = p->audio_level;
			snap[n].hold = p->on_hold;
			memcpy(snap[n].codec, p->audio_codec, sizeof(snap[n].codec));
			n++;
		}
	conf_unlock();
	if (!r) {
		pkg_free(snap);
		rpc->fault(ctx, 404, "No such room");
		return;
	}
	if (rpc->add(ctx, "{", &th) >= 0 && rpc->struct_add(th, "d", "count", n) >= 0 &&
	    rpc->struct_add(th, "[", "participants", &ah) >= 0)
		for (int i = 0; i < n; i++)
			if (rpc->array_add(ah, "{", &ch) >= 0)
				rpc->struct_add(
					ch, "sssssdd", "uri", snap[i].uri, "chat",
					snap[i].chat ? (snap[i].bound ? "connected" : "waiting") :
						       "no",
					"audio",
					snap[i].audio ? (snap[i].hold ? "on-hold" : snap[i].codec) :
							"no",
					"joined", snap[i].dialed_out ? "dialed-out" : "dialed-in",
					"room", room, "speaking", snap[i].speaking, "level_db",
					snap[i].level);
	pkg_free(snap);
}

static void rpc_kick(rpc_t *rpc, void *ctx)
{
	char *room = NULL, *uri = NULL;
	int n;

	if (rpc->scan(ctx, "ss", &room, &uri) < 2) {
		rpc->fault(ctx, 400, "Room URI and participant URI expected");
		return;
	}
	n = conf_kick(room, uri, "the operator");
	if (n < 0)
		rpc->fault(ctx, 500, "Out of memory");
	else if (n == 0)
		rpc->fault(ctx, 404, "No such participant");
	else
		rpc->rpl_printf(ctx, "removed %s", uri);
}

static void rpc_destroy(rpc_t *rpc, void *ctx)
{
	char *room = NULL;
	struct conf_room *r;
	int n = 0;

	if (rpc->scan(ctx, "s", &room) < 1) {
		rpc->fault(ctx, 400, "Room URI expected");
		return;
	}
	conf_lock();
	while ((r = conf_room_find(room))) {
		struct conf_participant *p;

		for (p = conf_part_first(); p && p->room_key != r->key; p = p->next)
			;
		if (!p) {
			conf_room_destroy(r);
			break;
		}
		conf_participant_leave(p->key, 1); /* the last one ends the room */
		n++;
	}
	conf_unlock();
	rpc->rpl_printf(ctx, "room %s ended, %d participants removed", room, n);
}

static void rpc_mixer(rpc_t *rpc, void *ctx)
{
	struct conf_mixer_pool pool;
	void *th;

	conf_mixer_pool(&pool);
	if (rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "dddddd", "processes", pool.processes, "port_min", pool.port_min,
			"port_max", pool.port_max, "pairs", pool.total, "used", pool.used, "free",
			pool.free);
}

static rpc_export_t sylk_conference_rpc[] = {
	{"sylk_conference.status", rpc_status, rpc_status_doc, 0},
	{"sylk_conference.rooms", rpc_rooms, rpc_rooms_doc, 0},
	{"sylk_conference.participants", rpc_participants, rpc_participants_doc, 0},
	{"sylk_conference.kick", rpc_kick, rpc_kick_doc, 0},
	{"sylk_conference.destroy", rpc_destroy, rpc_destroy_doc, 0},
	{"sylk_conference.mixer", rpc_mixer, rpc_mixer_doc, 0},
	{0, 0, 0, 0},
};

/* ---- KEMI ------------------------------------------------------------------ */

static sr_kemi_t sr_kemi_sylk_conference_exports[] = {
	{str_init("sylk_conference"),
	 str_init("handle"),
	 SR_KEMIP_INT,
	 ki_handle,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{str_init("sylk_conference"),
	 str_init("http"),
	 SR_KEMIP_INT,
	 ki_http,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{str_init("sylk_conference"),
	 str_init("playback"),
	 SR_KEMIP_INT,
	 ki_playback,
	 {SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
	{{0, 0}, {0, 0}, 0, NULL, {0, 0, 0, 0, 0, 0}},
};

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_sylk_conference_exports);
	return 0;
}

struct module_exports exports = {
	"sylk_conference",
	DEFAULT_DLFLAGS,
	cmds,
	params,
	0, /* RPC methods (registered in mod_init) */
	0, /* pseudo-variables */
	0, /* response handler */
	mod_init,
	child_init,
	mod_destroy,
};

/* ---- life cycle --------------------------------------------------------- */

static char contact_buf[128], proxy_buf[160], msrp_host_buf[128];

static int derive_addresses(void)
{
	struct socket_info *udp = udp_listen, *tcp = tcp_listen;

	if (!udp && (!*conf_cfg.contact_host || !*conf_cfg.outbound_proxy)) {
		LM_ERR("no UDP listener: set contact_host and outbound_proxy\n");
		return -1;
	}
	if (*conf_cfg.contact_host)
		snprintf(contact_buf, sizeof(contact_buf), "%s", conf_cfg.contact_host);
	else
		snprintf(contact_buf, sizeof(contact_buf), "%.*s:%.*s", udp->address_str.len,
			 udp->address_str.s, udp->port_no_str.len, udp->port_no_str.s);
	if (*conf_cfg.outbound_proxy)
		snprintf(proxy_buf, sizeof(proxy_buf), "%s", conf_cfg.outbound_proxy);
	else if (*conf_cfg.outbound_socket) {
		if (sylk_socket_uri(conf_cfg.outbound_socket, proxy_buf, sizeof(proxy_buf)))
			return -1;
	} else
		snprintf(proxy_buf, sizeof(proxy_buf), "sip:%.*s:%.*s", udp->address_str.len,
			 udp->address_str.s, udp->port_no_str.len, udp->port_no_str.s);
	if (*conf_cfg.msrp_host)
		snprintf(msrp_host_buf, sizeof(msrp_host_buf), "%s", conf_cfg.msrp_host);
	else if (tcp)
		snprintf(msrp_host_buf, sizeof(msrp_host_buf), "%.*s", tcp->address_str.len,
			 tcp->address_str.s);
	else
		snprintf(msrp_host_buf, sizeof(msrp_host_buf), "%.*s", udp->address_str.len,
			 udp->address_str.s);
	conf_cfg.contact_host_s.s = contact_buf;
	conf_cfg.contact_host_s.len = (int)strlen(contact_buf);
	conf_cfg.outbound_proxy_s.s = proxy_buf;
	conf_cfg.outbound_proxy_s.len = (int)strlen(proxy_buf);
	conf_cfg.msrp_host_s.s = msrp_host_buf;
	conf_cfg.msrp_host_s.len = (int)strlen(msrp_host_buf);
	return 0;
}

static void focus_timer(unsigned int ticks, void *param)
{
	conf_sip_timer();
	conf_playback_timer();
}

static int mod_init(void)
{
	if (rpc_register_array(sylk_conference_rpc) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	if (module_status_init(&sylk_conference_status) < 0)
		return -1;
	if (load_tm_api(&conf_tmb) < 0) {
		LM_ERR("cannot bind tm (load tm.so before sylk_conference.so)\n");
		return -1;
	}
	/* t_check_trans(): the ACKs of the focus's 2xx reach tm through it */
	if (tm_load_xapi(&conf_xtmb) < 0) {
		LM_ERR("cannot bind tm's extra API\n");
		return -1;
	}
	if (conf_cfg.history_size < 0 || conf_cfg.history_size > 1000 ||
	    conf_cfg.max_participants < 1 || conf_cfg.subscribe_expires < 60 ||
	    conf_cfg.msrp_port <= 0 || conf_cfg.msrp_port > 65535) {
		LM_ERR("history_size 0..1000, max_participants >= 1, subscribe_expires >= 60, "
		       "msrp_port 1..65535 please\n");
		return -1;
	}
	if (conf_cfg.max_speakers < 0) {
		LM_ERR("max_speakers must be >= 0 (0 mixes everyone)\n");
		return -1;
	}
	if (room_policy_parse_creators(&conf_cfg.policy, conf_cfg.room_creators) != 0 ||
	    room_policy_parse_joiners(&conf_cfg.policy, conf_cfg.room_joiners) != 0) {
		LM_ERR("room_creators must be authenticated, any, none or a list of AORs; "
		       "room_joiners any or authenticated\n");
		return -1;
	}
	if (conf_cfg.auth_flag > (int)MAX_FLAG || conf_cfg.auth_flag < -1) {
		LM_ERR("auth_flag must be a message flag (0..%d) or -1\n", (int)MAX_FLAG);
		return -1;
	}
	if (conf_cfg.auth_flag < 0 && (conf_cfg.policy.creators == ROOM_CREATORS_AUTHENTICATED ||
				       conf_cfg.policy.creators == ROOM_CREATORS_LIST))
		LM_WARN("room_creators needs authenticated users but auth_flag is not set: "
			"nobody can open a room\n");
	if (conf_cfg.max_rooms < 0 || conf_cfg.max_rooms_per_source < 0 ||
	    conf_cfg.ack_timeout < 1 || conf_cfg.msrp_timeout < 1) {
		LM_ERR("max_rooms and max_rooms_per_source >= 0, ack_timeout and msrp_timeout "
		       ">= 1 please\n");
		return -1;
	}
	if (conf_cfg.max_file_size < 0 || !*conf_cfg.file_dir) {
		LM_ERR("file_dir must be set and max_file_size >= 0\n");
		return -1;
	}
	if (file_store_mkdir(conf_cfg.file_dir) != 0) {
		LM_ERR("cannot create file_dir %s\n", conf_cfg.file_dir);
		return -1;
	}
	if (derive_addresses() < 0 || conf_store_init() < 0 || conf_out_init() < 0)
		return -1;
	/* the core hands every MSRP frame to one module: this one */
	if (sr_event_register_cb(SREV_TCP_MSRP_FRAME, conf_msrp_frame) != 0) {
		LM_ERR("the MSRP frame hook is taken: is msrp.so loaded too?\n");
		return -1;
	}
	ng_client_stats(&conf_st_rtpengine_errors, &conf_st_rtpengine_timeouts);
	if (ng_client_init(conf_cfg.rtpengine_sock, 1000) < 0 || conf_mixer_init() < 0)
		return -1;
	if (conf_http_init() < 0 || register_basic_timers(1) < 0)
		return -1;
	LM_INFO("conference focus: Contact %s, MSRP at %s:%d%s\n", contact_buf, msrp_host_buf,
		conf_cfg.msrp_port, conf_cfg.msrps_port ? " (+TLS)" : "");
	return 0;
}

static int child_init(int rank)
{
	if (rank != PROC_MAIN)
		return 0;
	if (fork_basic_timer(PROC_TIMER, "CONFERENCE FOCUS", 1, focus_timer, NULL, 1) < 0) {
		LM_ERR("cannot start the focus timer\n");
		return -1;
	}
	return conf_mixer_fork();
}

static void mod_destroy(void)
{
	conf_store_destroy();
	room_access_free(&room_access);
}
