/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The XMPP COMPONENT process: one XEP-0114 connection to Prosody. */
#ifndef SYLK_XMPP_COMPONENT_H
#define SYLK_XMPP_COMPONENT_H

/* From child_init(PROC_MAIN): forks the process. 0 or -1. */
int xmpp_component_start(void);
/* From mod_init: binds htable when link_table is set (cluster_hostport
 * must be too). 0 or -1. */
int xmpp_link_table_init(void);
/* The key of link_table the linked node writes its cluster_hostport to;
 * renewed every XMPP_LINK_REFRESH_S seconds while the link is up. */
#define XMPP_LINK_KEY "component"
#define XMPP_LINK_REFRESH_S 10

#endif
