/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ws_handle_handshake(): the HTTP upgrade request arrives in
 * event_route[xhttp:request]; validation is the sylk_ws library's, this
 * file only reads the request, answers it and switches the connection. */
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/data_lump_rpl.h"
#include "core/ip_addr.h"
#include "core/mem/mem.h"
#include "core/parser/msg_parser.h"
#include "core/tcp_conn.h"
#include "core/counters.h"
#include "modules/sl/sl.h"

#include "sylk_ws/ws/ws_handshake.h"

#include "ws_io.h"
#include "ws_registry.h"
#include "ws_upgrade.h"

#define MAX_SUBPROTOCOLS 9

/* Values of the request's headers and request line as C strings; a header
 * that appears several times is joined with ", " (RFC 7230 3.2.2). */
struct upgrade_fields {
	char *method, *version, *target, *host, *upgrade, *connection;
	char *key, *ws_version, *origin, *protocol;
};

static char *str_dup0(const str *s)
{
	char *p = pkg_malloc(s->len + 1);

	if (!p) {
		PKG_MEM_ERROR;
		return NULL;
	}
	memcpy(p, s->s, s->len);
	p[s->len] = '\0';
	return p;
}

static char *header_value(sip_msg_t *msg, const char *name)
{
	struct hdr_field *h;
	size_t name_len = strlen(name), total = 0;
	char *out = NULL;

	for (h = msg->headers; h; h = h->next) {
		if (h->name.len != (int)name_len || strncasecmp(h->name.s, name, name_len) != 0)
			continue;
		char *grown = pkg_realloc(out, total + h->body.len + 3);
		if (!grown) {
			PKG_MEM_ERROR;
			pkg_free(out);
			return NULL;
		}
		out = grown;
		if (total) {
			memcpy(out + total, ", ", 2);
			total += 2;
		}
		memcpy(out + total, h->body.s, h->body.len);
		total += h->body.len;
		out[total] = '\0';
	}
	return out;
}

static void fields_free(struct upgrade_fields *f)
{
	char **all[] = {&f->method,     &f->version, &f->target,     &f->host,   &f->upgrade,
			&f->connection, &f->key,     &f->ws_version, &f->origin, &f->protocol};
	unsigned i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (*all[i])
			pkg_free(*all[i]);
		*all[i] = NULL;
	}
}

static int fields_read(sip_msg_t *msg, struct upgrade_fields *f)
{
	memset(f, 0, sizeof(*f));
	if (msg->first_line.type != SIP_REQUEST)
		return -1;
	if (parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	f->method = str_dup0(&msg->first_line.u.request.method);
	f->version = str_dup0(&msg->first_line.u.request.version);
	f->target = str_dup0(&msg->first_line.u.request.uri);
	if (!f->method || !f->version || !f->target)
		return -1;
	f->host = header_value(msg, "Host");
	f->upgrade = header_value(msg, "Upgrade");
	f->connection = header_value(msg, "Connection");
	f->key = header_value(msg, "Sec-WebSocket-Key");
	f->ws_version = header_value(msg, "Sec-WebSocket-Version");
	f->origin = header_value(msg, "Origin");
	f->protocol = header_value(msg, "Sec-WebSocket-Protocol");
	return 0;
}

static int reply(struct ws_upgrade_ctx *ctx, sip_msg_t *msg, int code, const char *reason,
		 const char *headers, const char *body)
{
	str r = {(char *)reason, (int)strlen(reason)};

	if (headers && *headers &&
	    !add_lump_rpl(msg, (char *)headers, strlen(headers), LUMP_RPL_HDR))
		return -1;
	if (body && *body) {
		static char ctype[] = "Content-Type: text/plain\r\n";
		if (!add_lump_rpl(msg, ctype, sizeof(ctype) - 1, LUMP_RPL_HDR) ||
		    !add_lump_rpl(msg, (char *)body, strlen(body), LUMP_RPL_BODY))
			return -1;
	}
	return ctx->sl->freply(msg, code, &r);
}

int ws_upgrade_handle(struct ws_upgrade_ctx *ctx, sip_msg_t *msg)
{
	struct upgrade_fields f;
	struct ws_upgrade_req req;
	struct ws_upgrade_cfg cfg;
	struct ws_upgrade_result res;
	const char *protocols[MAX_SUBPROTOCOLS];
	char accept[WS_HANDSHAKE_ACCEPT_LEN + 1];
	char headers[256], peer[WS_PEER_LEN], body[160];
	struct tcp_connection *con;
	int handler, secure, ret = -1;

	if (msg->rcv.proto != PROTO_TCP && msg->rcv.proto != PROTO_TLS) {
		LM_ERR("WebSocket upgrade over a non-TCP transport\n");
		return -1;
	}
	snprintf(peer, sizeof(peer), "%s:%u", ip_addr2a(&msg->rcv.src_ip), msg->rcv.src_port);

	if (fields_read(msg, &f) < 0) {
		LM_NOTICE("unreadable upgrade request from %s\n", peer);
		reply(ctx, msg, 400, "Bad Request", NULL, "unreadable request\n");
		goto out;
	}
	req = (struct ws_upgrade_req){f.method,     f.version, f.target,     f.host,   f.upgrade,
				      f.connection, f.key,     f.ws_version, f.origin, f.protocol};
	ws_io_handler_names(protocols, MAX_SUBPROTOCOLS);
	cfg = (struct ws_upgrade_cfg){ctx->path && *ctx->path ? ctx->path : NULL, ctx->origins,
				      protocols, true};

	ws_handshake_check(&req, &cfg, &res);
	if (res.status != 101) {
		LM_NOTICE("WebSocket upgrade from %s refused: %d %s (%s)\n", peer, res.status,
			  res.reason, res.detail);
		snprintf(body, sizeof(body), "%s\n", res.detail);
		reply(ctx, msg, res.status, res.reason, res.headers, body);
		goto out;
	}
	handler = ws_io_handler_index(res.protocol);
	if (handler < 0 || ws_handshake_accept(accept, f.key) != 0) {
		reply(ctx, msg, 500, "Server Internal Error", NULL, NULL);
		goto out;
	}

	con = tcpconn_get(msg->rcv.proto_reserved1, 0, 0, 0, 0);
	if (!con) {
		LM_ERR("connection of the upgrade request from %s is gone\n", peer);
		goto out;
	}
	secure = con->type == PROTO_TLS;
	if (ws_registry_add(con->id, secure, handler, peer) < 0) {
		tcpconn_put(con);
		reply(ctx, msg, 503, "Service Unavailable", NULL, "out of memory\n");
		goto out;
	}
	/* from here on the core frames this connection as WebSocket */
	con->type = con->rcv.proto = secure ? PROTO_WSS : PROTO_WS;
	tcpconn_put(con);

	snprintf(headers, sizeof(headers),
		 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		 "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: %s\r\n",
		 accept, res.protocol);
	if (reply(ctx, msg, 101, "Switching Protocols", headers, NULL) < 0) {
		LM_ERR("sending 101 to %s failed\n", peer);
		ws_registry_remove(msg->rcv.proto_reserved1, NULL);
		goto out;
	}
	counter_inc(ctx->counters->connections);
	LM_DBG("WebSocket %s from %s, connection %d\n", res.protocol, peer,
	       msg->rcv.proto_reserved1);
	ws_io_notify_open(msg->rcv.proto_reserved1);
	ret = 1;
out:
	fields_free(&f);
	return ret;
}
