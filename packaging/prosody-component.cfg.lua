-- SPDX-License-Identifier: GPL-2.0-or-later
-- The SIP<->XMPP gateway (Kamailio module sylk_xmpp) as Prosody components.
-- Installed as /etc/sylk-kamailio/prosody-component.cfg.lua; to use it:
--   1. put the same random secret in this file and in the file Kamailio
--      reads (XMPP_SECRET_FILE, default /var/lib/sylk/xmpp/component.secret,
--      owner-only), e.g.  openssl rand -hex 24
--   2. Include "/etc/sylk-kamailio/prosody-component.cfg.lua" from
--      /etc/prosody/prosody.cfg.lua (after your VirtualHosts), with your SIP
--      domain in place of sylk.test
--   3. start Kamailio with -A WITH_XMPP (and XMPP_MUC_DOMAIN for rooms)
-- Prosody then routes the SIP domain to the gateway: XMPP users (local or,
-- with s2s, remote) reach the SIP users, and the SIP users reach them.

component_ports = { 5347 }
component_interfaces = { "127.0.0.1" }

Component "sylk.test"
    component_secret = "CHANGE-ME"

-- the conference focus's rooms as XMPP multi-user chats (XMPP_MUC_DOMAIN)
Component "conference.sylk.test"
    component_secret = "CHANGE-ME"
