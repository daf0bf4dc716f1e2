/* SPDX-License-Identifier: GPL-2.0-or-later */
/* janus_loopback.so: LD_PRELOAD shim for the bench's Janus peer only.
 *
 * Janus (1.1.2, ice.c) skips every interface flagged IFF_LOOPBACK when it
 * lists the addresses to gather ICE candidates on, and with nothing listed
 * libnice gathers on the other interfaces: Janus never offers 127.0.0.1,
 * so WebRTC peers on loopback cannot reach it. This wraps getifaddrs() and
 * clears IFF_LOOPBACK in what it returns; with ice_enforce_list "127.0.0.1"
 * Janus then gathers on 127.0.0.1 alone and every packet of the benchmark
 * stays on loopback. Built and loaded by tests/bench/bench_videoroom.py. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stddef.h>

int getifaddrs(struct ifaddrs **ifap)
{
	static int (*real)(struct ifaddrs **);
	int r;

	if (!real)
		real = (int (*)(struct ifaddrs **))dlsym(RTLD_NEXT, "getifaddrs");
	if (!real)
		return -1;
	r = real(ifap);
	if (r == 0)
		for (struct ifaddrs *i = *ifap; i; i = i->ifa_next)
			i->ifa_flags &= ~(unsigned int)IFF_LOOPBACK;
	return r;
}
