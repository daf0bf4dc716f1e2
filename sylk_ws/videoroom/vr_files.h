/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file vr_files.h  Files shared in a video room: URL paths and names
 *
 * SylkServer's /webrtcgateway/filesharing/<room>/<session>/<filename>
 * (POST to share, GET to fetch), file names made safe as werkzeug's
 * secure_filename() does, and the name a second file of the same name
 * gets ("a.txt", "a-1.txt", "a-2.txt", as SylkServer's _fix_path).
 * Kamailio-free.
 */
#ifndef SYLK_WS_VR_FILES_H
#define SYLK_WS_VR_FILES_H

#include <stddef.h>

#define VR_FILES_PREFIX "/webrtcgateway/filesharing/"
#define VR_FILES_SEGMENT 256

struct vr_files_path {
	char room[VR_FILES_SEGMENT]; /**< lower case, as SylkServer looks it up */
	char session[VR_FILES_SEGMENT];
	char filename[VR_FILES_SEGMENT]; /**< made safe; never empty */
};

/** Splits a request target (query already cut) under VR_FILES_PREFIX,
 * percent-decoding each segment. @return 0, ENOENT (another prefix),
 * EINVAL (not three segments, a bad escape, a NUL or control character, a
 * name with nothing safe left), ENAMETOOLONG. */
int vr_files_parse_path(const char *target, struct vr_files_path *out);

/** secure_filename(): ASCII letters, digits, '.', '-', '_' kept, runs of
 * white space become '_', leading/trailing '.' and '_' stripped, path
 * separators become '_'. @return 0, EINVAL (nothing left), ENOSPC. */
int vr_files_safe_name(const char *name, char *out, size_t size);

/** The @p n th alternative of @p name: n 0 is the name itself, else
 * "STEM-n.EXT". @return 0, ENOSPC. */
int vr_files_alt_name(const char *name, unsigned n, char *out, size_t size);

#endif
