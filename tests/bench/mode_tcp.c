/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp-idle N: N plain TCP connections to the WebSocket port that never send
 * a byte. What the server spends on them is the core's cost of a
 * connection, the baseline under any WebSocket module's own share. */
#include "sylkload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_one(const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int mode_tcp_idle(int argc, char **argv)
{
	struct addrinfo hints, *ai = NULL;
	struct pollfd *pfd;
	char port[16], *end;
	unsigned long want, i, opened = 0, failed = 0, dropped = 0;
	uint64_t start, ready, hold_until = 0, now;
	int err;

	if (argc != 1 || !(want = strtoul(argv[0], &end, 10)) || *end) {
		sl_log("usage: sylkload [options] tcp-idle N");
		return 2;
	}
	if (sl_raise_fd_limit(want + 64) < want + 16) {
		sl_log("not enough file descriptors for %lu connections (ulimit -n)", want);
		return 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", sl_opt.port);
	if ((err = getaddrinfo(sl_opt.host, port, &hints, &ai)) != 0) {
		sl_log("%s: %s", sl_opt.host, gai_strerror(err));
		return 1;
	}
	pfd = calloc(want, sizeof(*pfd));
	if (!pfd) {
		freeaddrinfo(ai);
		return 1;
	}
	start = sl_now_us();
	for (i = 0; i < want && !sl_interrupted(); i++) {
		int fd = connect_one(ai);

		if (fd < 0) {
			failed++;
			if (sl_opt.verbose)
				sl_log("connect: %s", strerror(errno));
			continue;
		}
		pfd[opened].fd = fd;
		pfd[opened].events = POLLIN;
		opened++;
	}
	freeaddrinfo(ai);
	ready = sl_now_us();
	printf("READY opened=%lu failed=%lu seconds=%.3f\n", opened, failed,
	       (double)(ready - start) / 1e6);
	fflush(stdout);
	if (sl_opt.hold > 0)
		hold_until = ready + (uint64_t)(sl_opt.hold * 1e6);

	while (!sl_interrupted()) {
		now = sl_now_us();
		if (hold_until && now >= hold_until)
			break;
		/* the server closing a connection makes it readable (EOF) */
		if (poll(pfd, opened, 100) > 0) {
			for (i = 0; i < opened; i++) {
				if (pfd[i].fd >= 0 && pfd[i].revents) {
					close(pfd[i].fd);
					pfd[i].fd = -1;
					dropped++;
				}
			}
		}
	}
	now = sl_now_us();
	for (i = 0; i < opened; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	free(pfd);
	sl_result("mode=tcp-idle connections=%lu opened=%lu failed=%lu dropped=%lu "
		  "open_seconds=%.3f held_seconds=%.3f",
		  want, opened, failed, dropped, (double)(ready - start) / 1e6,
		  (double)(now - ready) / 1e6);
	return (failed == 0 && dropped == 0) ? 0 : 1;
}
