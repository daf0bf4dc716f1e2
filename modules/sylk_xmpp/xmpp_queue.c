/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bounded queue of stanzas for the component process, and the
 * presences waiting beyond it (sylk_ws/xmpp/xmpp_outq.h: the rules; this
 * file holds the lock and the shared memory). See xmpp_config.h. */
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

/* stanzas in the queue and those waiting beyond it: shm_free() frees them */
static const struct sylk_mem queue_shm = {shm_alloc_cb, NULL, shm_free_cb, NULL};

int xmpp_queue_init(int size, int pending_max)
{
	xmpp_shared = shm_malloc(sizeof(*xmpp_shared));
	if (!xmpp_shared) {
		LM_ERR("no shared memory for the XMPP queue\n");
		return -1;
	}
	memset(xmpp_shared, 0, sizeof(*xmpp_shared));
	lock_init(&xmpp_shared->lock);
	if (xmpp_outq_alloc(&xmpp_shared->q, &queue_shm, (size_t)size, XMPP_OUT_MAX,
			    (size_t)pending_max)) {
		LM_ERR("no shared memory for the XMPP queue\n");
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

/* an shm copy, made before the lock is taken */
static char *copy_of(const char *stanza, size_t len)
{
	char *s = shm_malloc(len + 1);

	if (s) {
		memcpy(s, stanza, len);
		s[len] = 0;
	}
	return s;
}

int xmpp_queue_push(const char *stanza, size_t len)
{
	char *s = copy_of(stanza, len);
	int err;

	if (!s)
		return ENOMEM;
	lock_get(&xmpp_shared->lock);
	err = xmpp_outq_push(xmpp_shared->q, s); /* takes s, also on an error */
	lock_release(&xmpp_shared->lock);
	if (!err)
		xmpp_wake();
	return err;
}

int xmpp_queue_presence(const char *from, const char *to, enum xmpp_pending_class cls,
			const char *stanza, size_t len)
{
	char *s = copy_of(stanza, len);
	int err;

	if (!s)
		return ENOMEM;
	lock_get(&xmpp_shared->lock);
	err = xmpp_outq_presence(xmpp_shared->q, from, to, cls, s, len);
	lock_release(&xmpp_shared->lock);
	if (!err)
		xmpp_wake();
	return err;
}

char *xmpp_queue_pop(void)
{
	char *s;

	lock_get(&xmpp_shared->lock);
	s = xmpp_outq_pop(xmpp_shared->q);
	lock_release(&xmpp_shared->lock);
	return s;
}

int xmpp_queue_push_after(const char *from, const char *to, const char *stanza, size_t len)
{
	char *s = copy_of(stanza, len);
	int err;

	if (!s)
		return ENOMEM;
	lock_get(&xmpp_shared->lock);
	err = xmpp_outq_push_after(xmpp_shared->q, from, to, s, len);
	lock_release(&xmpp_shared->lock);
	if (!err)
		xmpp_wake();
	return err;
}

void xmpp_queue_report(void)
{
	unsigned long by[XMPP_PENDING_CLASSES], presence;

	lock_get(&xmpp_shared->lock);
	xmpp_pending_refused_due_by(xmpp_outq_pending(xmpp_shared->q), sylk_monotonic_ms(),
				    XMPP_LOSS_REPORT_S * 1000, by);
	lock_release(&xmpp_shared->lock);
	presence = by[XMPP_PENDING_STATE] + by[XMPP_PENDING_REQUEST] + by[XMPP_PENDING_ANSWER] +
		   by[XMPP_PENDING_PROBE];
	if (presence)
		LM_WARN("%lu presence stanza(s) to XMPP lost: the queue (queue_size %d) was full "
			"and presence_pending_max (%d) other (from, to, class) keys were waiting; "
			"those watchers show an older state, or those subscriptions an older "
			"answer or request, until the next one of the same kind reaches them (at "
			"most one such line every %d s)\n",
			presence, xmpp_cfg.queue_size, xmpp_cfg.presence_pending_max,
			XMPP_LOSS_REPORT_S);
	if (by[XMPP_PENDING_OCCUPANT] || by[XMPP_PENDING_CHATSTATE] || by[XMPP_PENDING_ERROR] ||
	    by[XMPP_PENDING_MESSAGE])
		LM_WARN("stanzas to XMPP lost: %lu MUC occupant presence or room subject, %lu chat "
			"state (<gone/> ...), %lu error answer, %lu message behind its pair: the "
			"queue (queue_size %d) was full and presence_pending_max (%d) keys were "
			"waiting (at most one such line every %d s)\n",
			by[XMPP_PENDING_OCCUPANT], by[XMPP_PENDING_CHATSTATE],
			by[XMPP_PENDING_ERROR], by[XMPP_PENDING_MESSAGE], xmpp_cfg.queue_size,
			xmpp_cfg.presence_pending_max, XMPP_LOSS_REPORT_S);
}

void xmpp_queue_unpop(char *stanza)
{
	int err;

	lock_get(&xmpp_shared->lock);
	err = xmpp_outq_unpop(xmpp_shared->q, stanza);
	lock_release(&xmpp_shared->lock);
	/* only if the component process held more than XMPP_OUT_MAX */
	if (err)
		LM_CRIT("XMPP queue: a stanza kept across a reconnect is lost (%s)\n",
		       strerror(err));
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
