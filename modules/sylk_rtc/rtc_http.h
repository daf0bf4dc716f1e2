/* SPDX-License-Identifier: GPL-2.0-or-later */
/* History over HTTP and 1:1 file transfer (issue 15), as SylkServer offers
 * them to its clients:
 *
 *   application/sylk-api-token   a message an account sends to itself; the
 *                                server answers with a message of the same
 *                                type: {"token": "...", "url": "<http_base>
 *                                /webrtcgateway/messages/history/<account>"}
 *   GET <url>[/<message_id>]     with "Authorization: Apikey <token>": the
 *                                account's journal as {"account": ...,
 *                                "messages": [...]} (xhttp, sylk_rtc_http())
 *   POST|GET /webrtcgateway/filetransfer/<sender>/<receiver>/<id>/<name>
 *                                on the file-transfer port (rtc_files.c);
 *                                the HTTP port answers 307 to it. */
#ifndef SYLK_RTC_HTTP_H
#define SYLK_RTC_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/parser/msg_parser.h"
#include "core/rpc.h"

#define RTC_API_TOKEN_TYPE "application/sylk-api-token"

/* mod_init: binds xhttp when it is loaded (without it sylk_rtc_http()
 * answers nothing and returns -1). */
int rtc_http_init(void);

/* sylk_rtc_http() of event_route[xhttp:request]: 1 when the request was
 * one of ours and got an answer (history, CORS preflight, the 307 to the
 * file-transfer port, 401, 404 ...), -1 when the path is not ours. */
int rtc_http_handle(struct sip_msg *msg);

/* The messaging code calls this when @p account (user@domain) asks for a
 * history token: an account-message (or a SIP MESSAGE the script
 * authenticated) with content_type RTC_API_TOKEN_TYPE whose recipient is
 * the account itself. Makes a 256-bit random token, stores it in
 * sylk_api_tokens (expires after api_token_lifetime seconds; expired rows
 * are deleted), and sends the reply message from the account to itself
 * through rtc_message_inject() (stored, SIP MESSAGE, synced): every device
 * of the account gets it. The caller acks the request and does NOT send
 * the request itself as a SIP MESSAGE. Database I/O: never call with
 * rtc_lock held. 0 or an errno value (ENOSYS: no database, EIO, ENOMEM). */
int rtc_http_token_request(const char *account);

/* For the account-message handler, after it checked that @p aor (the
 * account's own spelling) is registered on @p conn_id: when @p req asks for
 * a history token (content_type RTC_API_TOKEN_TYPE, uri = the account
 * itself) it is handled here, acked or refused with an error, and true is
 * returned (the caller stops: no journal row, no SIP MESSAGE); false
 * otherwise. Never with rtc_lock held. */
struct sylkrtc_request;
bool rtc_http_account_message(int conn_id, const struct sylkrtc_request *req, const char *aor);

/* RPC sylk_rtc.api_token <account>: the same for an operator (the account
 * must be on the gateway); answers {token, url}. */
void rtc_http_rpc_token(rpc_t *rpc, void *ctx);

/* Whether @p token is a live history token of @p account (database I/O). */
bool rtc_http_token_valid(const char *account, const char *token);


#endif
