#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Creates what a server instance needs at run time, in STATE_DIR:
#   sylk.sqlite      subscriber table with the demo accounts (HA1 only), and
#                    the messaging tables (sql/sylk-messaging.sql)
#   tls/server.pem   self-signed test certificate and key (never committed)
# Usage: setup-runtime.sh STATE_DIR SIP_DOMAIN
# Idempotent: existing files are kept.
# Everything is created for its owner only (umask 077): the database holds
# the accounts' HA1 hashes, which are as good as passwords to this server.
set -eu
umask 077

STATE_DIR=$1
DOMAIN=${2:-sylk.test}
# DEMO_ACCOUNTS="" makes none, TEST_CERT=0 no certificate (the packaged
# sylk-kamailio-setup makes either only when asked)
DEMO_ACCOUNTS=${DEMO_ACCOUNTS-alice:alice123 bob:bob123 carol:carol123}
TEST_CERT=${TEST_CERT:-1}

mkdir -p "$STATE_DIR/tls"
DB="$STATE_DIR/sylk.sqlite"

if [ ! -s "$DB" ]; then
  tmp="$DB.tmp.$$"
  {
    # auth_db refuses a table whose registered version differs from its own.
    echo "CREATE TABLE version (table_name VARCHAR(32) NOT NULL PRIMARY KEY, table_version INTEGER NOT NULL DEFAULT 0);"
    echo "INSERT INTO version VALUES ('subscriber', 7);"
    echo "CREATE TABLE subscriber (
      id INTEGER PRIMARY KEY NOT NULL,
      username VARCHAR(64) NOT NULL DEFAULT '',
      domain VARCHAR(64) NOT NULL DEFAULT '',
      password VARCHAR(64) NOT NULL DEFAULT '',
      ha1 VARCHAR(128) NOT NULL DEFAULT '',
      ha1b VARCHAR(128) NOT NULL DEFAULT '',
      CONSTRAINT subscriber_account_idx UNIQUE (username, domain));"
    for entry in $DEMO_ACCOUNTS; do
      user=${entry%%:*}; pass=${entry#*:}
      ha1=$(printf '%s' "$user:$DOMAIN:$pass" | openssl dgst -md5 -r | cut -d' ' -f1)
      ha1b=$(printf '%s' "$user@$DOMAIN:$DOMAIN:$pass" | openssl dgst -md5 -r | cut -d' ' -f1)
      echo "INSERT INTO subscriber (username, domain, ha1, ha1b) VALUES ('$user', '$DOMAIN', '$ha1', '$ha1b');"
    done
  } | sqlite3 "$tmp"
  mv "$tmp" "$DB"
  echo "setup: database${DEMO_ACCOUNTS:+ with demo accounts} created in $DB"
fi
# the messaging tables: idempotent, so older databases gain them too
sqlite3 "$DB" < "$(dirname "$0")/sql/sylk-messaging.sql" >/dev/null
# columns added since (SQLite has no ADD COLUMN IF NOT EXISTS)
if ! sqlite3 "$DB" "SELECT metadata FROM sylk_messages LIMIT 0" >/dev/null 2>&1; then
  sqlite3 "$DB" "ALTER TABLE sylk_messages ADD COLUMN metadata TEXT NOT NULL DEFAULT ''"
  echo "setup: sylk_messages gained the column metadata in $DB"
fi
# presence, presence_xml and xcap_server (contacts and presence, issue 17)
sqlite3 "$DB" < "$(dirname "$0")/sql/sylk-presence.sql" >/dev/null
# WAL: readers never block a writer. Debian's db_sqlite sets no busy
# timeout, so with the default rollback journal a presence write (PUBLISH,
# a new watcher) failed at once ("database is locked", 500) whenever another
# process was reading; the mode is kept in the file
sqlite3 "$DB" "PRAGMA journal_mode=WAL;" >/dev/null
# the default presence policy of the demo accounts: a pres-rules document
# with only the rule the gateway ends every such document with (users of
# the domain may watch; sylk_ws/contacts/addressbook.h AB_DEFAULT_RULE)
for entry in $DEMO_ACCOUNTS; do
  user=${entry%%:*}
  uri="/xcap-root/pres-rules/users/sip:$user@$DOMAIN/index"
  doc="<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<cr:ruleset xmlns:cr=\"urn:ietf:params:xml:ns:common-policy\" xmlns:pr=\"urn:ietf:params:xml:ns:pres-rules\"><cr:rule id=\"sylk-default\"><cr:conditions><cr:identity><cr:many domain=\"$DOMAIN\"/></cr:identity></cr:conditions><cr:actions><pr:sub-handling>allow</pr:sub-handling></cr:actions><cr:transformations><pr:provide-all-attributes/></cr:transformations></cr:rule></cr:ruleset>"
  sqlite3 "$DB" "INSERT OR IGNORE INTO xcap (username, domain, doc, doc_type, etag, source, doc_uri, port)
    VALUES ('$user', '$DOMAIN', CAST('$doc' AS BLOB), 2, 'sylk-default-$user', 0, '$uri', 0);" >/dev/null
done
# databases made before this rule was kept were world-readable
chmod 600 "$DB"
mkdir -p "$STATE_DIR/conference" "$STATE_DIR/filetransfer"
# the prompt playback@<domain> plays (issue 19); rtpengine reads it
/usr/bin/python3 "$(dirname "$0")/playback-prompt.py" "$STATE_DIR/prompts/playback.wav"
chmod 755 "$STATE_DIR/prompts"

if [ "$TEST_CERT" = 1 ] && { [ ! -s "$STATE_DIR/tls/server.pem" ] || [ ! -s "$STATE_DIR/tls/server.key" ]; }; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 \
    -keyout "$STATE_DIR/tls/server.key" -out "$STATE_DIR/tls/server.pem" \
    -subj "/CN=$DOMAIN" \
    -addext "subjectAltName=DNS:$DOMAIN,DNS:localhost,IP:127.0.0.1,IP:::1" 2>/dev/null
  chmod 600 "$STATE_DIR/tls/server.key"
  echo "setup: self-signed test certificate in $STATE_DIR/tls/server.pem"
fi
