/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file file_transfer.h  1:1 file transfer: URL paths, folder names, the
 *                        file-transfer message
 *
 * SylkServer's URLs and layout:
 *
 *   POST /webrtcgateway/filetransfer/<sender>/<receiver>/<id>/<filename>
 *   GET  /webrtcgateway/filetransfer/<hs>/<hr>/<id>/<filename>
 *
 * where hs and hr are base64url(MD5(AOR)) of sender and receiver (its
 * FileTransferData) and the file lives at <root>/<hs[0]>/<hs>/<hr>/<id>/
 * <filename>; the receiver learns of it from an
 * application/sylk-file-transfer message (its FileTransferMessage).
 *
 * Kamailio-free: libc, OpenSSL, json-c and the base layer.
 */
#ifndef SYLK_IM_FILE_TRANSFER_H
#define SYLK_IM_FILE_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define FT_PREFIX "/webrtcgateway/filetransfer/"
#define FT_TYPE "application/sylk-file-transfer"

enum {
	FT_SEGMENTS = 4,     /**< segments of a request path after FT_PREFIX        */
	FT_SEGMENT = 256,    /**< one segment, decoded, with the NUL                */
	FT_HASHED_SIZE = 23, /**< ft_hashed_name(): 22 characters and the NUL      */
	FT_HASH_SIZE = 66,   /**< "sha-1:" and 20 hex pairs joined by ':', the NUL */
};

/**
 * The four segments of a request target under FT_PREFIX (query already
 * cut), each %-decoded and checked as http_name_segment() does (not empty,
 * no leading dot, no '/', '\\' or control byte).
 * @return 0, EINVAL (NULL argument), ENOENT (another prefix), EBADMSG (not
 *         four segments, or a segment refused or longer than FT_SEGMENT)
 */
int ft_parse_target(const char *target, char seg[FT_SEGMENTS][FT_SEGMENT]);

/** base64url(MD5(@p aor)) without padding, as SylkServer names the folders
 *  of an address. @return 0, EINVAL (NULL argument, no digest), ENOSPC */
int ft_hashed_name(const char *aor, char *out, size_t size);

/** "<root>/<a[0]>/<a>/<b>/<id>", and "/<name>" when @p name is not NULL.
 *  @return 0, EINVAL (NULL or empty argument), ENAMETOOLONG */
int ft_file_path(char *out, size_t size, const char *root, const char *a, const char *b,
		 const char *id, const char *name);

/** The download URL "<base>" FT_PREFIX "<a>/<b>/<id>/<name>", the name
 *  %-encoded (all but RFC 3986 unreserved characters).
 *  @return 0, EINVAL (NULL argument), ENAMETOOLONG */
int ft_url(char *out, size_t size, const char *base, const char *a, const char *b, const char *id,
	   const char *name);

/** Whether @p peer ("ip:port", "[ip]:port" or an IPv6 address with
 *  ":port" after it, as a connection's peer is written) is at address
 *  @p ip: an upload is taken only from the address of the sender's
 *  WebSocket. */
bool ft_peer_is(const char *peer, const char *ip);

/** Content-Type of a download by its file name, and whether it is shown
 *  inline (images) or saved (everything else, application/octet-stream). */
const char *ft_download_type(const char *name, bool *inline_);

/** A SHA-1 digest as SylkServer writes it: "sha-1:AB:CD:...".
 *  @return 0, EINVAL (NULL argument), ENOSPC (under FT_HASH_SIZE) */
int ft_sha1_text(const unsigned char md[20], char *out, size_t size);

/** What the file-transfer message says. */
struct ft_message {
	const char *filename;
	long long filesize;
	const char *sender, *receiver; /**< addresses (no display names) */
	const char *transfer_id;
	const char *url;      /**< ft_url()                          */
	const char *filetype; /**< the upload's Content-Type         */
	const char *hash;     /**< ft_sha1_text() of the bytes       */
	time_t timestamp;     /**< written "YYYY-MM-DDTHH:MM:SS+00:00" */
};

/** The application/sylk-file-transfer body of @p m (malloc'd JSON in
 *  *@p out; the caller frees it). @return 0, EINVAL (NULL argument or
 *  field, a time gmtime() refuses), ENOMEM */
int ft_message_json(char **out, const struct ft_message *m);

#endif
