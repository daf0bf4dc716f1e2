/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/videoroom/vr_chat (room chat shared with the SIP
 * conference) and vr_files (file sharing paths and names). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/videoroom/vr_chat.h"
#include "sylk_ws/videoroom/vr_files.h"

static void test_room_names(void)
{
	char out[128];

	CHECK_INT(vr_chat_conference_uri("party@videoconference.sylk.test", out, sizeof(out)), 0);
	CHECK_STR(out, "sip:party@conference.sylk.test");
	CHECK_INT(vr_chat_conference_uri("sip:party@videoconference.sylk.test", out, sizeof(out)),
		  0);
	CHECK_STR(out, "sip:party@conference.sylk.test");
	CHECK_INT(vr_chat_conference_uri("sip:Room@VideoConference.x.org", out, sizeof(out)), 0);
	CHECK_STR(out, "sip:Room@conference.x.org");
	CHECK_INT(vr_chat_conference_uri("party@sylk.test", out, sizeof(out)), EINVAL);
	CHECK_INT(vr_chat_conference_uri("party", out, sizeof(out)), EINVAL);
	CHECK_INT(vr_chat_conference_uri("room@conference.sylk.test", out, sizeof(out)), EINVAL);
	CHECK_INT(vr_chat_conference_uri("@videoconference.sylk.test", out, sizeof(out)), EINVAL);
	CHECK_INT(vr_chat_conference_uri("room@videoconference.", out, sizeof(out)), EINVAL);
	/* videoconference only as the first label of the host */
	CHECK_INT(vr_chat_conference_uri("room@my.videoconference.x.org", out, sizeof(out)),
		  EINVAL);
	CHECK_INT(vr_chat_conference_uri("party@videoconference.sylk.test", out, 10), ENOSPC);
	CHECK_INT(vr_chat_conference_uri(NULL, out, sizeof(out)), EINVAL);
	CHECK_INT(vr_chat_video_uri("sip:party@conference.sylk.test", out, sizeof(out)), 0);
	CHECK_STR(out, "party@videoconference.sylk.test");
	CHECK_INT(vr_chat_video_uri("party@videoconference.sylk.test", out, sizeof(out)), EINVAL);
	CHECK_INT(vr_chat_video_uri("sip:party@sylk.test", out, sizeof(out)), EINVAL);
	/* conference only as the first label, as the other way round */
	CHECK_INT(vr_chat_video_uri("sip:party@my.conference.x.org", out, sizeof(out)), EINVAL);
	CHECK_INT(vr_chat_video_uri("sip:party@conference.", out, sizeof(out)), EINVAL);
	CHECK_INT(vr_chat_sip_uri("alice@sylk.test", out, sizeof(out)), 0);
	CHECK_STR(out, "sip:alice@sylk.test");
	CHECK_INT(vr_chat_sip_uri("sips:alice@sylk.test", out, sizeof(out)), 0);
	CHECK_STR(out, "sip:alice@sylk.test");
}

static void test_message_round_trip(void)
{
	struct vr_chat_in *in = NULL;
	char *cpim = NULL;
	size_t len = 0;

	CHECK_INT(vr_chat_cpim_message(&cpim, &len, "alice@sylk.test", "Alice",
				       "sip:party@conference.sylk.test", "m1", "text/plain",
				       "hello room"),
		  0);
	CHECK(strstr(cpim, "From: \"Alice\" <sip:alice@sylk.test>") ||
	      strstr(cpim, "From: Alice <sip:alice@sylk.test>"));
	CHECK(strstr(cpim, "To: <sip:party@conference.sylk.test>") != NULL);
	CHECK(strstr(cpim, "imdn.Message-ID: m1") != NULL);
	CHECK_INT(vr_chat_parse(&in, cpim, len), 0);
	CHECK_INT(in->kind, VR_CHAT_MESSAGE);
	CHECK(!in->status);
	CHECK_STR(in->sender_uri, "sip:alice@sylk.test");
	CHECK_STR(in->sender_display, "Alice");
	CHECK_STR(in->content_type, "text/plain");
	CHECK_STR(in->content, "hello room");
	CHECK(in->timestamp && strlen(in->timestamp) >= 20);
	vr_chat_in_free(in);
	free(cpim);
	/* a control character in the display name cannot be written */
	CHECK(vr_chat_cpim_message(&cpim, &len, "alice@sylk.test", "A\r\nTo: x", "sip:r@c", NULL,
				   "text/plain", "x") != 0);
}

static void test_composing_and_status(void)
{
	static const char status[] = "From: <sip:party@conference.sylk.test>\r\n"
				     "To: <sip:party@conference.sylk.test>\r\n"
				     "NS: agp <urn:ag-projects:xml:ns:cpim>\r\n"
				     "agp.Message-Type: status\r\n"
				     "DateTime: 2026-12-06T10:00:00Z\r\n\r\n"
				     "Content-Type: text/plain\r\n\r\nbob joined";
	struct vr_chat_in *in = NULL;
	char *cpim = NULL;
	size_t len = 0;

	CHECK_INT(vr_chat_cpim_composing(&cpim, &len, "bob@sylk.test", NULL,
					 "sip:party@conference.sylk.test", true, 60),
		  0);
	CHECK_INT(vr_chat_parse(&in, cpim, len), 0);
	CHECK_INT(in->kind, VR_CHAT_COMPOSING);
	CHECK(in->active);
	CHECK_INT(in->refresh, 60);
	CHECK(in->sender_display == NULL);
	vr_chat_in_free(in);
	free(cpim);
	CHECK_INT(vr_chat_parse(&in, status, strlen(status)), 0);
	CHECK(in->status);
	CHECK_STR(in->timestamp, "2026-12-06T10:00:00Z");
	CHECK_STR(in->content, "bob joined");
	vr_chat_in_free(in);
	CHECK_INT(vr_chat_parse(&in, "not cpim", 8), EBADMSG);
	CHECK(in == NULL);
}

static void test_paths(void)
{
	struct vr_files_path p;

	CHECK_INT(vr_files_parse_path("/webrtcgateway/filesharing/Party@VideoConference.sylk.test/"
				      "s1/my%20file.txt",
				      &p),
		  0);
	CHECK_STR(p.room, "party@videoconference.sylk.test");
	CHECK_STR(p.session, "s1");
	CHECK_STR(p.filename, "my_file.txt");
	CHECK_INT(vr_files_parse_path("/webrtcgateway/filesharing/r/s/..%2F..%2Fetc%2Fpasswd", &p),
		  0);
	CHECK_STR(p.filename, "etc_passwd");
	CHECK_INT(vr_files_parse_path("/webrtcgateway/filetransfer/a/b/c/d", &p), ENOENT);
	CHECK_INT(vr_files_parse_path("/webrtcgateway/filesharing/r/s", &p), EINVAL);
	CHECK_INT(vr_files_parse_path("/webrtcgateway/filesharing/r/s/a/b", &p), EINVAL);
	CHECK_INT(vr_files_parse_path("/webrtcgateway/filesharing/r//f", &p), EINVAL);
	CHECK_INT(vr_files_parse_path("/webrtcgateway/filesharing/r/s/%0a", &p), EINVAL);
	CHECK_INT(vr_files_parse_path("/webrtcgateway/filesharing/r/s/%zz", &p), EINVAL);
	CHECK_INT(vr_files_parse_path("/webrtcgateway/filesharing/r/s/%2", &p), EINVAL);
	CHECK_INT(vr_files_parse_path("/webrtcgateway/filesharing/r/s/%E2%82%AC", &p), EINVAL);
	CHECK_INT(vr_files_parse_path("/webrtcgateway/filesharing/r/s/...", &p), EINVAL);
}

static void test_names(void)
{
	char out[64];

	CHECK_INT(vr_files_safe_name("My cool movie.mov", out, sizeof(out)), 0);
	CHECK_STR(out, "My_cool_movie.mov");
	CHECK_INT(vr_files_safe_name("../../../etc/passwd", out, sizeof(out)), 0);
	CHECK_STR(out, "etc_passwd");
	CHECK_INT(vr_files_safe_name(".hidden", out, sizeof(out)), 0);
	CHECK_STR(out, "hidden");
	CHECK_INT(vr_files_safe_name("a\"b<c>.txt", out, sizeof(out)), 0);
	CHECK_STR(out, "abc.txt");
	CHECK_INT(vr_files_safe_name("__", out, sizeof(out)), EINVAL);
	CHECK_INT(vr_files_safe_name("abcdef", out, 4), ENOSPC);
	CHECK_INT(vr_files_alt_name("a.txt", 0, out, sizeof(out)), 0);
	CHECK_STR(out, "a.txt");
	CHECK_INT(vr_files_alt_name("a.txt", 2, out, sizeof(out)), 0);
	CHECK_STR(out, "a-2.txt");
	CHECK_INT(vr_files_alt_name("archive", 1, out, sizeof(out)), 0);
	CHECK_STR(out, "archive-1");
	CHECK_INT(vr_files_alt_name("a.txt", 1, out, 5), ENOSPC);
}

int main(void)
{
	RUN(test_room_names);
	RUN(test_message_round_trip);
	RUN(test_composing_and_status);
	RUN(test_paths);
	RUN(test_names);
	return check_summary();
}
