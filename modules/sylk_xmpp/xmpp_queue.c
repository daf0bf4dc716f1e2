/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bounded queue of stanzas for the component process, and the
 * presences waiting beyond it (sylk_ws/xmpp/xmpp_pending.h: the latest
 * per pair). See xmpp_config.h. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"

#include "sylk_ws/base/clock.h"

#include "xmpp_config.h"

struct xmpp_shared *xmpp_shared;

static void *shm_alloc_cb(size_t size, void *ctx)
{
	return shm_malloc(size);
}

static void shm_free_cb(void *p, void *ctx)
{
	shm_free(p);
}

/* what waits is taken as a queue stanza: shm_free() frees both */
static const struct sylk_mem pending_shm = {shm_alloc_cb, NULL, shm_free_cb, NULL};

int xmpp_queue_init(int size, int pending_max)
{
	size_t bytes = sizeof(*xmpp_shared) + (size_t)size * sizeof(char *);

	xmpp_shared = shm_malloc(bytes);
	if (!xmpp_shared) {
		LM_ERR("no shared memory for the XMPP queue\n");
		return -1;
	}
	memset(xmpp_shared, 0, bytes);
	lock_init(&xmpp_shared->lock);
	xmpp_shared->size = (unsigned)size;
	if (xmpp_pending_alloc(&xmpp_shared->pending, &pending_shm, (size_t)pending_max)) {
		LM_ERR("no shared memory for the XMPP presence waiting list\n");
		return -1;
	}
	xmpp_shared->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (xmpp_shared->wake_fd < 0) {
		LM_ERR("eventfd: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

void xmpp_wake(void)
{
	uint64_t one = 1;

	if (write(xmpp_shared->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		LM_DBG("wake: %s\n", strerror(errno));
}

int xmpp_queue_push(const char *stanza, size_t len)
{
	char *s = shm_malloc(len + 1);
	int err = 0;

	if (!s)
		return ENOMEM;
	memcpy(s, stanza, len);
	s[len] = 0;
	lock_get(&xmpp_shared->lock);
	if (xmpp_shared->count >= xmpp_shared->size) {
		xmpp_shared->dropped++;
		err = EAGAIN;
	} else {
		xmpp_shared->jobs[(xmpp_shared->head + xmpp_shared->count++) % xmpp_shared->size] =
			s;
		xmpp_shared->queued++;
	}
	lock_release(&xmpp_shared->lock);
	if (err)
		shm_free(s);
	else
		xmpp_wake();
	return err;
}

int xmpp_queue_presence(const char *from, const char *to, const char *stanza, size_t len)
{
	char *s = shm_malloc(len + 1);
	int err = 0;

	if (!s)
		return ENOMEM;
	memcpy(s, stanza, len);
	s[len] = 0;
	lock_get(&xmpp_shared->lock);
	/* a pair that waits keeps waiting: its newer presence must not
	 * overtake the older one through the queue */
	if (xmpp_shared->count < xmpp_shared->size &&
	    !xmpp_pending_has(xmpp_shared->pending, from, to)) {
		xmpp_shared->jobs[(xmpp_shared->head + xmpp_shared->count++) % xmpp_shared->size] =
			s;
		xmpp_shared->queued++;
		s = NULL;
	} else {
		err = xmpp_pending_put(xmpp_shared->pending, from, to, stanza, len, NULL);
		if (err == ENOSPC)
			xmpp_shared->dropped++;
	}
	lock_release(&xmpp_shared->lock);
	if (s)
		shm_free(s);
	if (!err)
		xmpp_wake();
	return err;
}

char *xmpp_queue_pop(void)
{
	char *s = NULL;

	lock_get(&xmpp_shared->lock);
	if (xmpp_shared->count) {
		s = xmpp_shared->jobs[xmpp_shared->head];
		xmpp_shared->head = (xmpp_shared->head + 1) % xmpp_shared->size;
		xmpp_shared->count--;
	} else if (xmpp_pending_take(xmpp_shared->pending, &s, NULL) == 0) {
		/* only once the queue is empty: what the workers queue (messages
		 * above all) is not held back by a backlog of presence */
		xmpp_shared->queued++;
	}
	lock_release(&xmpp_shared->lock);
	return s;
}

void xmpp_queue_report(void)
{
	unsigned long lost;

	lock_get(&xmpp_shared->lock);
	lost = xmpp_pending_refused_due(xmpp_shared->pending, sylk_monotonic_ms(),
					XMPP_LOSS_REPORT_S * 1000);
	lock_release(&xmpp_shared->lock);
	if (lost)
		LM_WARN("%lu presence update(s) to XMPP watchers lost: the queue (queue_size %d) "
			"was full and presence_pending_max (%d) other (from, to) pairs were "
			"waiting; those watchers show an older state until the next change "
			"reaches them (at most one such line every %d s)\n",
			lost, xmpp_cfg.queue_size, xmpp_cfg.presence_pending_max,
			XMPP_LOSS_REPORT_S);
}

void xmpp_queue_unpop(char *stanza)
{
	bool full;

	lock_get(&xmpp_shared->lock);
	full = xmpp_shared->count >= xmpp_shared->size;
	if (!full) {
		xmpp_shared->head = (xmpp_shared->head + xmpp_shared->size - 1) % xmpp_shared->size;
		xmpp_shared->jobs[xmpp_shared->head] = stanza;
		xmpp_shared->count++;
	} else {
		xmpp_shared->dropped++;
	}
	lock_release(&xmpp_shared->lock);
	if (full) {
		LM_WARN("XMPP queue full: a stanza kept across a reconnect is dropped\n");
		shm_free(stanza);
	}
}

bool xmpp_link_up(void)
{
	bool up;

	lock_get(&xmpp_shared->lock);
	up = xmpp_shared->up;
	lock_release(&xmpp_shared->lock);
	return up;
}

void xmpp_link_set(bool up)
{
	lock_get(&xmpp_shared->lock);
	xmpp_shared->up = up;
	if (up)
		xmpp_shared->connects++;
	lock_release(&xmpp_shared->lock);
}
