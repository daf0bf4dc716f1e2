/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file vr_files_meta.h  What a late joiner is told of a file shared in a
 *                        video room
 *
 * Beside each shared file the gateway keeps SylkServer's SharedFile as
 * JSON, and when it was shared, in ".meta-<name>" (a name no upload can
 * take: secure_filename strips leading dots):
 *
 *   {"filename":"a.txt","filesize":12,
 *    "uploader":{"uri":"alice@example.com","display_name":"Alice"},
 *    "session":"s1","shared_ns":1700000000123456789}
 *
 * (one line, json-c's plain form; display_name "" when there is none).
 * Someone joining the room later gets a "file-sharing" event listing these
 * files in sharing order. Kamailio-free: json-c.
 */
#ifndef SYLK_WS_VR_FILES_META_H
#define SYLK_WS_VR_FILES_META_H

#include <stddef.h>
#include <stdint.h>

#include "sylk_ws/sylkrtc/sylkrtc_event.h"

#define VR_FILES_META_PREFIX ".meta-" /**< before the file's name */
#define VR_FILES_META_MAX 16384       /**< the longest JSON read or written */

/** One file's metadata, read back. */
struct vr_files_meta {
	char *filename;     /**< NULL when the JSON has no such string      */
	char *session;      /**< likewise                                    */
	char *uri;          /**< the uploader's; likewise                    */
	char *display_name; /**< NULL when absent or empty                   */
	int64_t filesize;   /**< 0 when absent                               */
	int64_t shared_ns;  /**< when it was shared (ns since the epoch)     */
};

/**
 * The JSON of @p f shared at @p shared_ns, malloc'd in *@p jsonp.
 * @return 0, EINVAL (a NULL argument, no filename, session or uploader
 *         URI), ENOMEM, EMSGSIZE (longer than VR_FILES_META_MAX)
 */
int vr_files_meta_encode(char **jsonp, const struct sylkrtc_shared_file *f, int64_t shared_ns);

/**
 * Reads the JSON of one file (@p len bytes; what follows a complete value
 * is ignored). Members of the wrong type count as absent; without
 * "shared_ns" (files of an older version) @p fallback_ns, the file's mtime.
 * @return 0 with *@p mp (vr_files_meta_free()), EINVAL, EBADMSG (not
 *         JSON), ENOMEM
 */
int vr_files_meta_decode(struct vr_files_meta **mp, const char *json, size_t len,
			 int64_t fallback_ns);

void vr_files_meta_free(struct vr_files_meta *m);

/** Sorts @p n metadata by shared_ns, earliest first. */
void vr_files_meta_sort(struct vr_files_meta **list, size_t n);

/**
 * The entry of "file-sharing" for @p m (pointing into it).
 * @return 0, ENOENT (no filename, session or uploader URI), EINVAL
 */
int vr_files_meta_file(const struct vr_files_meta *m, struct sylkrtc_shared_file *f);

#endif
