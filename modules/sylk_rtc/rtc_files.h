/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 1:1 file transfer over HTTP (issue 15), SylkServer's URLs:
 *
 *   POST /webrtcgateway/filetransfer/<sender>/<receiver>/<id>/<filename>
 *        from an address that has a WebSocket where <sender> is registered
 *        (rtc_account_may_receive()); Content-Length at most max_file_size;
 *        streamed to <file_dir>/<h[0]>/<h>/<hr>/<id>/<filename>, h and hr
 *        base64url(MD5(AOR)) as SylkServer's FileTransferData, mode 0600;
 *        then application/sylk-file-transfer from sender to receiver through
 *        rtc_message_inject() (message_id = <id>).
 *   GET  /webrtcgateway/filetransfer/<h>/<hr>/<id>/<filename>
 *        the stored bytes (the URL in that message).
 *
 * Kamailio's core reads a whole HTTP request into its TCP read buffer
 * (64 KiB) before the script sees it, so bodies cannot go through xhttp:
 * the module runs its own small HTTP/1.1 listener in one process
 * ("SYLKRTC FILE TRANSFER") on file_transfer_port, a poll() loop over
 * non-blocking sockets that streams bodies to disk and files to sockets in
 * 64 KiB steps, so one slow peer never holds up another. */
#ifndef SYLK_RTC_FILES_H
#define SYLK_RTC_FILES_H

/* mod_init: checks the parameters, derives file_transfer_addr/_url and
 * registers the process (nothing when file_transfer_port is 0). */
int rtc_files_init(void);

/* child_init(PROC_MAIN): binds the port and forks the process. */
int rtc_files_start(void);

/* A participant joined the video room @p room: "file-sharing" with the
 * files shared there so far (in sharing order; for a persistent room also
 * those of earlier meetings), as SylkServer's Videoroom.add(). Nothing
 * when there are none. Reads the room's folder: call without the store
 * lock. */
void rtc_files_room_joined(int conn_id, const char *room, const char *session);

#endif
