/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libraries' strerror: see error.h. */
#define _GNU_SOURCE /* strerrordesc_np */
#include <errno.h>
#include <string.h>

#include "sylk_ws/base/error.h"

const char *sylk_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case EINVAL: return "invalid argument";
	case EBADMSG: return "malformed message";
	case EPROTO: return "protocol error";
	case EILSEQ: return "invalid UTF-8";
	case EMSGSIZE: return "message too long";
	case EAGAIN: return "incomplete, more input needed";
	case ENODATA: return "missing element";
	case ENOMSG: return "not the message expected";
	case ENOMEM: return "out of memory";
	case ERANGE: return "value out of range";
	case EOVERFLOW: return "value too large";
	case ENOENT: return "not found";
	case EEXIST: return "already exists";
	case ENOSPC: return "no space left";
	case EFBIG: return "too large";
	case EPERM: return "not permitted";
	case EACCES: return "access denied";
	case ENOTSUP: return "not supported";
	case ETIMEDOUT: return "timed out";
	case ECANCELED: return "cancelled";
	case EBUSY: return "busy";
	case ENOBUFS: return "no buffer space";
	case EALREADY: return "already in progress";
	default: {
		/* a system call's errno (a file, a socket): glibc's English
		 * text, which is a constant too */
		const char *s = err > 0 ? strerrordesc_np(err) : NULL;

		return s ? s : "unknown error";
	}
	}
}
