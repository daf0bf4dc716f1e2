/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files shared in a video room: see vr_files.h. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sylk_ws/base/str.h"
#include "sylk_ws/videoroom/vr_files.h"

/* one segment, percent-decoded; control characters refused */
static int segment(const char *s, size_t n, char *out, size_t size)
{
	return str_pct_segment(s, n, out, size);
}

int vr_files_parse_path(const char *target, struct vr_files_path *out)
{
	size_t plen = strlen(VR_FILES_PREFIX);
	const char *p, *end;
	char raw_name[VR_FILES_SEGMENT];
	char *segs[3];
	int err;

	if (!target || !out)
		return EINVAL;
	if (strncmp(target, VR_FILES_PREFIX, plen) != 0)
		return ENOENT;
	segs[0] = out->room;
	segs[1] = out->session;
	segs[2] = raw_name;
	p = target + plen;
	for (int i = 0; i < 3; i++) {
		end = strchr(p, '/');
		if ((i < 2) != (end != NULL))
			return EINVAL;
		if (!end)
			end = p + strlen(p);
		if ((err = segment(p, (size_t)(end - p), segs[i], VR_FILES_SEGMENT)) != 0)
			return err;
		p = *end ? end + 1 : end;
	}
	if (strchr(out->room, '/') || strchr(out->session, '/'))
		return EINVAL;
	for (char *c = out->room; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	err = vr_files_safe_name(raw_name, out->filename, sizeof(out->filename));
	return err == ENOSPC ? ENAMETOOLONG : err;
}

int vr_files_safe_name(const char *name, char *out, size_t size)
{
	size_t o = 0, start;
	bool space = false;

	if (!name || !out || !size)
		return EINVAL;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		int ch = *c;

		if (ch == '/' || ch == '\\' || isspace(ch)) {
			space = true;
			continue;
		}
		if (!(isalnum(ch) || ch == '.' || ch == '-' || ch == '_'))
			continue; /* not ASCII, or not safe */
		if (space && o) {
			if (o + 1 >= size)
				return ENOSPC;
			out[o++] = '_';
		}
		space = false;
		if (o + 1 >= size)
			return ENOSPC;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	for (start = 0; out[start] == '.' || out[start] == '_'; start++)
		;
	memmove(out, out + start, o - start + 1);
	o -= start;
	while (o && (out[o - 1] == '.' || out[o - 1] == '_'))
		out[--o] = '\0';
	return o ? 0 : EINVAL;
}

int vr_files_alt_name(const char *name, unsigned n, char *out, size_t size)
{
	const char *dot;
	int w;

	if (!name || !out || !size)
		return EINVAL;
	dot = strrchr(name, '.');
	if (!dot || dot == name)
		dot = name + strlen(name);
	if (n == 0)
		w = snprintf(out, size, "%s", name);
	else
		w = snprintf(out, size, "%.*s-%u%s", (int)(dot - name), name, n, dot);
	return w < 0 || (size_t)w >= size ? ENOSPC : 0;
}
