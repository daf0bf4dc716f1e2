/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MSRP URIs (RFC 4975 section 6) and paths (space separated URI lists as
 * found in To-Path, From-Path and the SDP path attribute).
 *
 *   msrp[s]://[userinfo@]host[:port][/session-id];transport[;param...]
 *
 * Kamailio-free: libc only. */
#ifndef CONFERENCE_MSRP_URI_H
#define CONFERENCE_MSRP_URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Port to connect to when a URI names none (RFC 4975 section 15.4). */
#define MSRP_DEFAULT_PORT 2855

/* Longest URI text accepted; real ones are well under 200 bytes. */
#define MSRP_URI_MAX 1024

struct msrp_uri {
	bool secure;      /* msrps scheme */
	char *userinfo;   /* NULL when absent; ignored when comparing */
	char *host;       /* IPv6 literals without their brackets */
	bool host_ipv6;   /* host was written as [IPv6] */
	uint16_t port;    /* 0 when the URI names no port */
	char *session_id; /* NULL when absent */
	char *transport;  /* as written, e.g. "tcp" */
	char *params;     /* text after ";transport;" or NULL */
	char *str;        /* the URI exactly as parsed, for printing */
	size_t str_len;
};

/* Parse exactly len bytes as one URI. Returns 0, EINVAL when the text is
 * not an MSRP URI, ENOMEM. */
int msrp_uri_parse(struct msrp_uri **up, const char *s, size_t len);
int msrp_uri_dup(struct msrp_uri **up, const struct msrp_uri *u);
void msrp_uri_free(struct msrp_uri *u);

/* Equality by RFC 4975 section 6.1: scheme, host (case-insensitively, or as
 * addresses when both are IP literals), port (a URI with an explicit port
 * never equals one without), session-id (case-sensitively) and transport
 * (case-insensitively). Userinfo and extra parameters are ignored. */
bool msrp_uri_equal(const struct msrp_uri *a, const struct msrp_uri *b);

/* Port to connect to: the explicit one or MSRP_DEFAULT_PORT. */
uint16_t msrp_uri_port(const struct msrp_uri *u);

/* A path: uriv[0] is the first hop (leftmost), uriv[n-1] the last.
 * A value type: zero it to initialise, msrp_path_reset() to release. */
struct msrp_path {
	struct msrp_uri **uriv;
	size_t n;
};

/* Parse one or more URIs separated by spaces (or tabs). On error the path
 * is left empty. Returns 0, EINVAL, ENOMEM. */
int msrp_path_parse(struct msrp_path *p, const char *s, size_t len);
int msrp_path_append(struct msrp_path *p, const struct msrp_uri *u);
int msrp_path_copy(struct msrp_path *dst, const struct msrp_path *src);
void msrp_path_reset(struct msrp_path *p);
/* The URI to compare with a session's own (To-Path) or the previous hop
 * (From-Path); NULL for an empty path. */
const struct msrp_uri *msrp_path_first(const struct msrp_path *p);
const struct msrp_uri *msrp_path_last(const struct msrp_path *p);
bool msrp_path_equal(const struct msrp_path *a, const struct msrp_path *b);

#endif
