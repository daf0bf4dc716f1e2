/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The XMPP COMPONENT process: one XEP-0114 connection to Prosody. */
#ifndef SYLK_XMPP_COMPONENT_H
#define SYLK_XMPP_COMPONENT_H

/* From child_init(PROC_MAIN): forks the process. 0 or -1. */
int xmpp_component_start(void);

#endif
