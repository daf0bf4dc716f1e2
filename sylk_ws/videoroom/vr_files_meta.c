/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a late joiner is told of a shared file: see vr_files_meta.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sylk_ws/videoroom/vr_files_meta.h"

static bool add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return false;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return false;
	}
	return true;
}

static bool add_str(struct json_object *o, const char *key, const char *s)
{
	return add(o, key, json_object_new_string(s));
}

/* in SylkServer's order; the uploader is filled once it is in @p o */
static int build(struct json_object *o, const struct sylkrtc_shared_file *f, int64_t shared_ns)
{
	const char *display = f->uploader.display_name ? f->uploader.display_name : "";
	struct json_object *up = NULL;

	if (!add_str(o, "filename", f->filename) ||
	    !add(o, "filesize", json_object_new_int64(f->filesize)) ||
	    !add(o, "uploader", (up = json_object_new_object())) ||
	    !add_str(up, "uri", f->uploader.uri) || !add_str(up, "display_name", display) ||
	    !add_str(o, "session", f->session) ||
	    !add(o, "shared_ns", json_object_new_int64(shared_ns)))
		return ENOMEM;
	return 0;
}

int vr_files_meta_encode(char **jsonp, const struct sylkrtc_shared_file *f, int64_t shared_ns)
{
	struct json_object *o = NULL;
	const char *text;
	size_t len;
	int err;

	if (!jsonp)
		return EINVAL;
	*jsonp = NULL;
	if (!f || !f->filename || !f->session || !f->uploader.uri)
		return EINVAL;
	if (!(o = json_object_new_object())) {
		err = ENOMEM;
		goto out;
	}
	if ((err = build(o, f, shared_ns)))
		goto out;
	text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	if (!text) {
		err = ENOMEM;
		goto out;
	}
	if (len > VR_FILES_META_MAX) {
		err = EMSGSIZE;
		goto out;
	}
	if (!(*jsonp = strdup(text)))
		err = ENOMEM;
out:
	json_object_put(o);
	return err;
}

/* a string member, copied; NULL when absent or not a string */
static int copy_str(char **out, struct json_object *o, const char *key)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return 0;
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : ENOMEM;
}

static int fill(struct vr_files_meta *m, struct json_object *o, int64_t fallback_ns)
{
	struct json_object *up = NULL, *v;
	int err;

	m->shared_ns = json_object_object_get_ex(o, "shared_ns", &v) ? json_object_get_int64(v) :
								       fallback_ns;
	m->filesize = json_object_object_get_ex(o, "filesize", &v) ? json_object_get_int64(v) : 0;
	json_object_object_get_ex(o, "uploader", &up);
	if ((err = copy_str(&m->filename, o, "filename")) ||
	    (err = copy_str(&m->session, o, "session")))
		return err;
	if (!up)
		return 0;
	if ((err = copy_str(&m->uri, up, "uri")) ||
	    (err = copy_str(&m->display_name, up, "display_name")))
		return err;
	if (m->display_name && !*m->display_name) {
		free(m->display_name);
		m->display_name = NULL;
	}
	return 0;
}

int vr_files_meta_decode(struct vr_files_meta **mp, const char *json, size_t len,
			 int64_t fallback_ns)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	struct vr_files_meta *m = NULL;
	int err;

	if (!mp)
		return EINVAL;
	*mp = NULL;
	if (!json || len > VR_FILES_META_MAX)
		return EINVAL;
	if (!(tok = json_tokener_new())) {
		err = ENOMEM;
		goto out;
	}
	if (!(o = json_tokener_parse_ex(tok, json, (int)len))) {
		err = EBADMSG;
		goto out;
	}
	if (!(m = calloc(1, sizeof(*m)))) {
		err = ENOMEM;
		goto out;
	}
	if ((err = fill(m, o, fallback_ns)))
		goto out;
	*mp = m;
	m = NULL;
out:
	vr_files_meta_free(m);
	json_object_put(o);
	json_tokener_free(tok);
	return err;
}

void vr_files_meta_free(struct vr_files_meta *m)
{
	if (!m)
		return;
	free(m->filename);
	free(m->session);
	free(m->uri);
	free(m->display_name);
	free(m);
}

static int by_time(const void *a, const void *b)
{
	const struct vr_files_meta *x = *(const struct vr_files_meta *const *)a;
	const struct vr_files_meta *y = *(const struct vr_files_meta *const *)b;

	return x->shared_ns < y->shared_ns ? -1 : x->shared_ns > y->shared_ns;
}

void vr_files_meta_sort(struct vr_files_meta **list, size_t n)
{
	if (list && n > 1)
		qsort(list, n, sizeof(*list), by_time);
}

int vr_files_meta_file(const struct vr_files_meta *m, struct sylkrtc_shared_file *f)
{
	if (!m || !f)
		return EINVAL;
	if (!m->filename || !m->session || !m->uri)
		return ENOENT;
	f->filename = m->filename;
	f->filesize = m->filesize;
	f->uploader.uri = m->uri;
	f->uploader.display_name = m->display_name;
	f->session = m->session;
	return 0;
}
