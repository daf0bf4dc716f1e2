/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audio mixer processes of the focus. rtpengine stands in front of
 * every participant (ICE, DTLS-SRTP, SDES, transcoding) and exchanges plain
 * RTP with a mixer port on loopback; a mixer process owns the rooms given
 * to it (room key modulo the process count), reads RTP, and every 20 ms of
 * a monotonic clock mixes each room minus each listener
 * (conference/mixer/mix_room.c). SIP workers talk to the mixers through command
 * queues in shared memory; the mixers write levels and idle times back
 * into the participants for RPC, conference-info and the RTP timeout. */
#ifndef SYLK_CONF_MIXER_H
#define SYLK_CONF_MIXER_H

#include <stdbool.h>

#include "conference/mixer/mix_room.h"

/* mod_init: queues, port pool, process count */
int conf_mixer_init(void);
/* child_init(PROC_MAIN): start the mixer processes */
int conf_mixer_fork(void);

/* A free mixer port (UDP, on the MSRP host address), 0 when none. */
int conf_mixer_port_alloc(void);
void conf_mixer_port_free(int port);

/* the port pool, counted in RTP/RTCP pairs */
struct conf_mixer_pool {
	int port_min, port_max, processes;
	int total, used, free;
};
void conf_mixer_pool(struct conf_mixer_pool *pool);

/* Hands @p port to the mixer of the room and waits (without the store
 * lock, up to a second) until the mixer has bound it: 0, or an errno
 * (EADDRINUSE: the port is taken by someone else; EBUSY: queue full;
 * ETIMEDOUT). On any error the port is back in the pool, now or when the
 * mixer gets to the command: the caller must not free it. */
int conf_mixer_add(unsigned room_key, unsigned part_key, int port, const char *remote_ip,
		   int remote_port, const struct mix_participant_cfg *cfg, bool on_hold);
/* Commands; 0 when queued, -1 when the mixer's queue is full. */
int conf_mixer_remove(unsigned room_key, unsigned part_key);
int conf_mixer_hold(unsigned room_key, unsigned part_key, bool on_hold);

#endif
