/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audio mixer processes of the focus. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/cfg/cfg_struct.h"
#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/pt.h"

#include "conference/mixer/mix_ports.h"
#include "conference/mixer/mix_queue.h"
#include "sylk_ws/base/error.h"

#include "conf_config.h"
#include "conf_mixer.h"
#include "conf_stats.h"
#include "conf_store.h"

#define MAX_LOCAL 1024       /* participants one mixer process handles */
#define STATS_EVERY 10       /* ticks between stats write-backs */
#define MIX_ADD_WAIT_MS 1000 /* a SIP worker waits this long for an add */

/* a mixer's command ring (conference/mixer/mix_queue.h) and its lock */
struct locked_queue {
	gen_lock_t lock;
	struct mix_queue q;
};

static struct locked_queue *queues; /* shm, one per process */
static struct mix_ports *ports;     /* shm (conference/mixer/mix_ports.h) */
static gen_lock_t *ports_lock;      /* shm */
static int nprocs;

int conf_mixer_init(void)
{
	size_t size = mix_ports_size(conf_cfg.mixer_port_min, conf_cfg.mixer_port_max);

	nprocs = conf_cfg.mixer_processes > 0 ? conf_cfg.mixer_processes :
						(int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nprocs < 1)
		nprocs = 1;
	if (!size) {
		LM_ERR("mixer_port_min/max must be a range within 1024..65535\n");
		return -1;
	}
	queues = shm_malloc(sizeof(*queues) * (size_t)nprocs);
	ports = shm_malloc(size);
	ports_lock = shm_malloc(sizeof(*ports_lock));
	if (!queues || !ports || !ports_lock) {
		SHM_MEM_ERROR;
		return -1;
	}
	for (int i = 0; i < nprocs; i++) {
		lock_init(&queues[i].lock);
		mix_queue_init(&queues[i].q);
	}
	lock_init(ports_lock);
	mix_ports_init(ports, conf_cfg.mixer_port_min, conf_cfg.mixer_port_max);
	register_procs(nprocs);
	cfg_register_child(nprocs);
	return 0;
}

int conf_mixer_port_alloc(void)
{
	int port;

	lock_get(ports_lock);
	port = mix_ports_alloc(ports);
	lock_release(ports_lock);
	return port;
}

void conf_mixer_port_free(int port)
{
	int err;

	lock_get(ports_lock);
	err = mix_ports_free(ports, port);
	lock_release(ports_lock);
	if (err == EALREADY)
		LM_BUG("mixer port %d freed twice\n", port);
}

void conf_mixer_pool(struct conf_mixer_pool *pool)
{
	memset(pool, 0, sizeof(*pool));
	pool->port_min = ports->min;
	pool->port_max = ports->max;
	pool->processes = nprocs;
	lock_get(ports_lock);
	mix_ports_count(ports, &pool->total, &pool->used);
	lock_release(ports_lock);
	pool->free = pool->total - pool->used;
}

/* Queues @p c; an add gets its sequence number in c->seq. */
static int enqueue(struct mix_cmd *c)
{
	struct locked_queue *lq = &queues[c->room_key % (unsigned)nprocs];
	int err;

	lock_get(&lq->lock);
	err = mix_queue_push(&lq->q, c);
	lock_release(&lq->lock);
	if (err)
		LM_ERR("mixer queue full: command for room %u dropped\n", c->room_key);
	return err ? -1 : 0;
}

/* the add's outcome: 0 done, an errno from the mixer, ETIMEDOUT */
static int wait_done(unsigned room_key, unsigned seq)
{
	struct locked_queue *lq = &queues[room_key % (unsigned)nprocs];
	struct timespec pause = {0, 2 * 1000000};

	/* the mixer runs its commands every 20 ms tick */
	for (int i = 0; i < MIX_ADD_WAIT_MS / 2; i++) {
		int rc = 0, err;

		lock_get(&lq->lock);
		err = mix_queue_outcome(&lq->q, seq, &rc);
		lock_release(&lq->lock);
		if (!err)
			return rc;
		nanosleep(&pause, NULL);
	}
	return ETIMEDOUT;
}

int conf_mixer_add(unsigned room_key, unsigned part_key, int port, const char *remote_ip,
		   int remote_port, const struct mix_participant_cfg *cfg, bool on_hold)
{
	struct mix_cmd c = {.op = MIX_ADD,
			    .room_key = room_key,
			    .part_key = part_key,
			    .port = port,
			    .remote_port = remote_port,
			    .cfg = *cfg,
			    .hold = on_hold};
	int err;

	sylk_copy(c.remote_ip, sizeof(c.remote_ip), remote_ip, strlen(remote_ip));
	if (enqueue(&c) != 0) {
		conf_mixer_port_free(port);
		return EBUSY;
	}
	err = wait_done(room_key, c.seq);
	if (err == ETIMEDOUT) {
		/* it may still be added: a remove after it frees the port, and a
		 * failed add frees it itself */
		LM_ERR("mixer did not take participant %u in time\n", part_key);
		conf_mixer_remove(room_key, part_key);
	}
	return err;
}

int conf_mixer_remove(unsigned room_key, unsigned part_key)
{
	struct mix_cmd c = {.op = MIX_REMOVE, .room_key = room_key, .part_key = part_key};

	return enqueue(&c);
}

int conf_mixer_hold(unsigned room_key, unsigned part_key, bool on_hold)
{
	struct mix_cmd c = {
		.op = MIX_HOLD, .room_key = room_key, .part_key = part_key, .hold = on_hold};

	return enqueue(&c);
}

/* ---- the mixer process ------------------------------------------------------------ */

struct local_part {
	unsigned part_key, room_key;
	int fd, port;
	struct sockaddr_in remote;
};

struct local_room {
	unsigned room_key;
	struct mix_room *mix;
};

static struct local_part parts[MAX_LOCAL];
static struct local_room rooms[MAX_LOCAL];
static int nparts, nrooms, epfd;

static struct local_room *room_of(unsigned room_key, bool create)
{
	for (int i = 0; i < nrooms; i++)
		if (rooms[i].room_key == room_key)
			return &rooms[i];
	if (!create || nrooms == MAX_LOCAL)
		return NULL;
	if (mix_room_alloc(&rooms[nrooms].mix, NULL) != 0)
		return NULL;
	mix_room_set_tones(rooms[nrooms].mix, conf_cfg.join_tone != 0, conf_cfg.alone_tone != 0);
	mix_room_set_max_speakers(rooms[nrooms].mix, (unsigned)conf_cfg.max_speakers);
	rooms[nrooms].room_key = room_key;
	return &rooms[nrooms++];
}

static struct local_part *part_of(unsigned part_key)
{
	for (int i = 0; i < nparts; i++)
		if (parts[i].part_key == part_key)
			return &parts[i];
	return NULL;
}

static void drop_part(struct local_part *lp)
{
	struct local_room *r = room_of(lp->room_key, false);

	if (r) {
		mix_room_remove(r->mix, lp->part_key);
		if (mix_room_count(r->mix) == 0) {
			mix_room_free(r->mix);
			*r = rooms[--nrooms];
		}
	}
	epoll_ctl(epfd, EPOLL_CTL_DEL, lp->fd, NULL);
	close(lp->fd);
	conf_mixer_port_free(lp->port);
	*lp = parts[--nparts];
	CONF_STAT_ADD(mixer_participants, -1);
}

/* 0 or an errno; on failure the port goes back to the pool */
static int add_part(const struct mix_cmd *c)
{
	struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
	struct epoll_event ev = {.events = EPOLLIN};
	struct local_room *r;
	struct local_part *lp;
	int fd = -1, err = 0;

	if (part_of(c->part_key) || nparts == MAX_LOCAL) {
		LM_ERR("mixer: participant %u %s\n", c->part_key,
		       nparts == MAX_LOCAL ? "does not fit" : "is there already");
		err = part_of(c->part_key) ? EEXIST : ENOSPC;
		goto out;
	}
	inet_pton(AF_INET, conf_cfg.msrp_host_s.s, &local.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		err = errno ? errno : EIO;
		LM_ERR("mixer: cannot bind port %d: %s\n", c->port, sylk_strerror(err));
		goto out;
	}
	r = room_of(c->room_key, true);
	if (!r || mix_room_add(r->mix, c->part_key, &c->cfg) != 0) {
		LM_ERR("mixer: cannot add participant %u to room %u\n", c->part_key, c->room_key);
		if (r && mix_room_count(r->mix) == 0) {
			mix_room_free(r->mix);
			*r = rooms[--nrooms];
		}
		err = ENOMEM;
		goto out;
	}
	mix_room_set_hold(r->mix, c->part_key, c->hold);
	lp = &parts[nparts++];
	memset(lp, 0, sizeof(*lp));
	lp->part_key = c->part_key;
	lp->room_key = c->room_key;
	lp->fd = fd;
	fd = -1;
	lp->port = c->port;
	lp->remote.sin_family = AF_INET;
	lp->remote.sin_port = htons((uint16_t)c->remote_port);
	inet_pton(AF_INET, c->remote_ip, &lp->remote.sin_addr);
	ev.data.u32 = c->part_key;
	epoll_ctl(epfd, EPOLL_CTL_ADD, lp->fd, &ev);
	LM_INFO("mixer: participant %u in room %u on port %d (%s)\n", c->part_key, c->room_key,
		c->port, audio_codec_name(c->cfg.codec));
	CONF_STAT_INC(mixer_participants);
out:
	if (fd >= 0)
		close(fd);
	if (err)
		conf_mixer_port_free(c->port);
	return err;
}

static void run_commands(int index)
{
	struct locked_queue *lq = &queues[index];
	struct mix_cmd c;

	for (;;) {
		int empty;

		lock_get(&lq->lock);
		empty = mix_queue_pop(&lq->q, &c);
		lock_release(&lq->lock);
		if (empty)
			return;
		if (c.op == MIX_ADD) {
			int err = add_part(&c);

			lock_get(&lq->lock);
			mix_queue_post(&lq->q, c.seq, err);
			lock_release(&lq->lock);
		} else {
			struct local_part *lp = part_of(c.part_key);
			struct local_room *r = lp ? room_of(lp->room_key, false) : NULL;

			if (!lp)
				continue;
			if (c.op == MIX_REMOVE)
				drop_part(lp);
			else if (r)
				mix_room_set_hold(r->mix, c.part_key, c.hold);
		}
	}
}

static void emit(unsigned key, const uint8_t *rtp, size_t len, void *ctx)
{
	struct local_part *lp = part_of(key);

	if (lp)
		sendto(lp->fd, rtp, len, 0, (struct sockaddr *)&lp->remote, sizeof(lp->remote));
}

static void write_stats(void)
{
	struct mix_participant_stats st;

	/* never wait for the store: levels are written back next time */
	if (!conf_trylock())
		return;
	for (int i = 0; i < nparts; i++) {
		struct local_room *r = room_of(parts[i].room_key, false);
		struct conf_participant *p = conf_part_by_key(parts[i].part_key);

		if (!r || !p || mix_room_get_stats(r->mix, parts[i].part_key, &st) != 0)
			continue;
		p->speaking = st.speaking;
		p->audio_level = st.level_db;
		p->audio_idle_ms = st.idle_ticks * 20u;
		p->audio_packets_in = st.packets_in;
	}
	conf_unlock();
}

static void read_rtp(unsigned part_key)
{
	struct local_part *lp = part_of(part_key);
	struct local_room *r;
	uint8_t buf[2048];

	if (!lp || !(r = room_of(lp->room_key, false)))
		return;
	for (;;) {
		ssize_t n = recv(lp->fd, buf, sizeof(buf), 0);

		if (n <= 0)
			return;
		mix_room_input(r->mix, part_key, buf, (size_t)n);
	}
}

static void mixer_main(int index)
{
	struct itimerspec every = {
		{0, 20 * 1000000},
		{0, 20 * 1000000},
	};
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 0}, events[64];
	unsigned long ticks = 0;
	int tfd;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (epfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &every, NULL) < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev) < 0) {
		LM_CRIT("mixer %d cannot set up its clock\n", index);
		exit(-1);
	}
	LM_INFO("mixer %d running\n", index);
	for (;;) {
		int n = epoll_wait(epfd, events, 64, -1);

		for (int i = 0; i < n; i++) {
			uint64_t expirations = 0;

			if (events[i].data.u32 != 0) {
				read_rtp(events[i].data.u32);
				continue;
			}
			if (read(tfd, &expirations, sizeof(expirations)) != sizeof(expirations))
				continue;
			/* a late wake-up catches up a few ticks, then gives up on
			 * the rest rather than bursting */
			if (expirations > 1)
				CONF_STAT_ADD(late_ticks, (int)(expirations - 1));
			if (expirations > 3) {
				LM_WARN("mixer %d: %llu ticks late\n", index,
					(unsigned long long)expirations - 1);
				expirations = 3;
			}
			while (expirations--) {
				run_commands(index);
				for (int r = 0; r < nrooms; r++)
					mix_room_tick(rooms[r].mix, emit, NULL);
				if (++ticks % STATS_EVERY == 0 && nparts)
					write_stats();
			}
		}
	}
}

int conf_mixer_fork(void)
{
	for (int i = 0; i < nprocs; i++) {
		int pid = fork_process(PROC_NOCHLDINIT, "CONFERENCE MIXER", 1);

		if (pid < 0) {
			LM_ERR("cannot start mixer %d\n", i);
			return -1;
		}
		if (pid == 0) {
			if (cfg_child_init())
				exit(-1);
			mixer_main(i);
			exit(0);
		}
	}
	return 0;
}
