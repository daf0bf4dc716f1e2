/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The address of rtpengine's ng socket: see ng_addr.h. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "sylk_ws/base/hostport.h"
#include "sylk_ws/ng/ng_addr.h"

#define HOST_MAX 128 /* with the NUL */

/* An IPv6 address without brackets holds more than one ':': the port
 * follows the last one. Else hostport_split(). */
static enum ng_addr_reason split(struct hostport *hp, const char *s)
{
	const char *first = strchr(s, ':'), *last = strrchr(s, ':');

	if (first && first != last && s[0] != '[') {
		*hp = (struct hostport){
			.host = s, .host_len = (size_t)(last - s), .port = last + 1};
		hp->port_len = strlen(hp->port);
		return NG_ADDR_OK;
	}
	return hostport_split(hp, s, strlen(s)) == 0 && hp->port ? NG_ADDR_OK : NG_ADDR_FORM;
}

static enum ng_addr_reason resolve(struct sockaddr_storage *ss, socklen_t *len,
				   const struct hostport *hp, uint16_t port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	char host[HOST_MAX], serv[8];
	enum ng_addr_reason why = NG_ADDR_BAD_HOST;

	if (hp->host_len >= sizeof(host))
		return NG_ADDR_BAD_HOST;
	memcpy(host, hp->host, hp->host_len);
	host[hp->host_len] = '\0';
	snprintf(serv, sizeof(serv), "%u", (unsigned)port);
	if (getaddrinfo(host, serv, &hints, &ai) != 0 || !ai)
		goto out;
	if (hp->bracketed && ai->ai_family != AF_INET6)
		goto out;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	why = NG_ADDR_OK;
out:
	if (ai)
		freeaddrinfo(ai);
	return why;
}

int ng_addr_parse(struct sockaddr_storage *ss, socklen_t *len, const char *s,
		  enum ng_addr_reason *reason)
{
	enum ng_addr_reason why = NG_ADDR_EINVAL;
	struct hostport hp;
	uint16_t port;

	if (!ss || !len || !s)
		goto out;
	if (strncmp(s, "udp:", 4) == 0)
		s += 4;
	if ((why = split(&hp, s)) != NG_ADDR_OK)
		goto out;
	if (hostport_port(&port, hp.port, hp.port_len) != 0) {
		why = NG_ADDR_BAD_PORT;
		goto out;
	}
	why = resolve(ss, len, &hp, port);
out:
	if (reason)
		*reason = why;
	return why == NG_ADDR_OK ? 0 : EINVAL;
}

const char *ng_addr_reason_str(enum ng_addr_reason reason)
{
	switch (reason) {
	case NG_ADDR_OK: return "ok";
	case NG_ADDR_EINVAL: return "no address";
	case NG_ADDR_FORM: return "must be udp:HOST:PORT";
	case NG_ADDR_BAD_PORT: return "the port must be 1..65535";
	case NG_ADDR_BAD_HOST: return "need a numeric address";
	}
	return "unknown reason";
}
