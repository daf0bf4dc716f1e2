-- SPDX-License-Identifier: GPL-2.0-or-later
-- Tables of the sylkRTC gateway's messaging (issue 15), SQLite dialect.
-- packaging/setup-runtime.sh applies this on every start: each statement
-- is idempotent, so an existing database gains new tables and keeps its rows.
-- For MySQL/PostgreSQL create the same columns (INTEGER PRIMARY KEY
-- AUTOINCREMENT becomes BIGINT AUTO_INCREMENT / BIGSERIAL).

-- WAL: readers (sync, history) never wait for a writer
PRAGMA journal_mode = WAL;

-- One account's journal: its messages and the changes other devices must
-- replay (application/sylk-message-remove, -conversation-read,
-- -conversation-remove, message/imdn), in the order of id.
CREATE TABLE IF NOT EXISTS sylk_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account VARCHAR(255) NOT NULL,
  contact VARCHAR(255) NOT NULL,
  direction VARCHAR(16) NOT NULL DEFAULT '',
  message_id VARCHAR(255) NOT NULL,
  content_type VARCHAR(255) NOT NULL,
  content TEXT NOT NULL,
  msg_timestamp VARCHAR(64) NOT NULL,
  state VARCHAR(16) NOT NULL DEFAULT '',
  disposition VARCHAR(64) NOT NULL DEFAULT '',
  created INTEGER NOT NULL,
  -- the sender's opaque application data (JSON by convention; the CPIM
  -- agp.Metadata header), '' for none
  metadata TEXT NOT NULL DEFAULT '',
  CONSTRAINT sylk_messages_once UNIQUE (account, message_id));
CREATE INDEX IF NOT EXISTS sylk_messages_journal ON sylk_messages (account, id);
CREATE INDEX IF NOT EXISTS sylk_messages_created ON sylk_messages (created);
-- One index for a conversation's rows (mark read, remove) and for the cap
-- on what others may store in an account (max_stored_messages), which
-- counts the account's incoming rows from the index alone, without reading
-- a row of the table. One b-tree instead of two: every row written costs
-- a page of each (docs/DECISIONS.md).
CREATE INDEX IF NOT EXISTS sylk_messages_conversation
  ON sylk_messages (account, contact, direction);
-- the two it replaces, in databases made before
DROP INDEX IF EXISTS sylk_messages_contact;
DROP INDEX IF EXISTS sylk_messages_direction;

-- The latest text/pgp-public-key each account sent.
CREATE TABLE IF NOT EXISTS sylk_public_keys (
  account VARCHAR(255) PRIMARY KEY NOT NULL,
  public_key TEXT NOT NULL,
  created INTEGER NOT NULL);

-- History API tokens (application/sylk-api-token).
CREATE TABLE IF NOT EXISTS sylk_api_tokens (
  token VARCHAR(64) PRIMARY KEY NOT NULL,
  account VARCHAR(255) NOT NULL,
  expires INTEGER NOT NULL);

-- Push device tokens (account-devicetoken), one per app and device.
CREATE TABLE IF NOT EXISTS sylk_push_tokens (
  account VARCHAR(255) NOT NULL,
  app VARCHAR(255) NOT NULL,
  device VARCHAR(255) NOT NULL,
  token VARCHAR(1024) NOT NULL,
  platform VARCHAR(32) NOT NULL,
  silent INTEGER NOT NULL DEFAULT 0,
  user_agent VARCHAR(255) NOT NULL DEFAULT '',
  created INTEGER NOT NULL,
  PRIMARY KEY (account, app, device));
