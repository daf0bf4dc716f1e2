#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The cluster's shared database: a PostgreSQL of its own (Debian's
# postgresql package, not the system instance) in DATADIR on 127.0.0.1:PORT.
#   cluster-db.sh init DATADIR PORT [DOMAIN]  creates it when DATADIR is
#       empty (initdb, role and database "sylk", the tables of
#       packaging/sql/*.sql through sql/sqlite-to-postgres.py, Kamailio's
#       subscriber table with the demo accounts); prints the DB_URL
#   cluster-db.sh run DATADIR PORT             PostgreSQL in the foreground
#   cluster-db.sh url DATADIR PORT             prints the DB_URL
# As root, PostgreSQL runs as the postgres user (it refuses root); DATADIR
# then belongs to postgres and must be reachable by it (e.g. under /tmp or
# /var/lib/sylk). Demo accounts: DEMO_ACCOUNTS as in setup-runtime.sh.
set -eu

CMD=$1
DATA=$2
PORT=$3
DOMAIN=${4:-sylk.test}
DEMO_ACCOUNTS=${DEMO_ACCOUNTS-alice:alice123 bob:bob123 carol:carol123}
HERE=$(cd "$(dirname "$0")" && pwd)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -x "$PGBIN/postgres" ] || { echo "cluster-db: PostgreSQL not installed (apt-get install postgresql)" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then AS="runuser -u postgres --"; else AS=; fi

url() {
  echo "postgres://sylk:$(cat "$DATA/sylk-db-password")@127.0.0.1:$PORT/sylk"
}

psql_su() {
  $AS "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DATA" -p "$PORT" -U postgres "$@"
}

case $CMD in
run)
  exec $AS "$PGBIN/postgres" -D "$DATA" -p "$PORT" -k "$DATA" -c listen_addresses=127.0.0.1 \
    -c max_connections=300 -c logging_collector=off
  ;;
url)
  url
  ;;
init)
  mkdir -p "$DATA"
  [ -n "$AS" ] && chown postgres: "$DATA"
  chmod 700 "$DATA"
  if [ ! -s "$DATA/PG_VERSION" ]; then
    $AS "$PGBIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
      --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    openssl rand -hex 16 | $AS tee "$DATA/sylk-db-password" >/dev/null
    $AS "$PGBIN/pg_ctl" -D "$DATA" -w -s -o "-p $PORT -k $DATA -c listen_addresses=''" start >/dev/null
    trap '$AS "$PGBIN/pg_ctl" -D "$DATA" -w -s -m fast stop' EXIT
    psql_su -d postgres -c "CREATE ROLE sylk LOGIN PASSWORD '$(cat "$DATA/sylk-db-password")'" \
      -c "CREATE DATABASE sylk OWNER sylk"
    {
      echo "SET ROLE sylk;"
      echo "CREATE TABLE IF NOT EXISTS version (table_name VARCHAR(32) NOT NULL PRIMARY KEY, table_version INTEGER NOT NULL DEFAULT 0);"
      sed 's/^INSERT INTO version .*values (\(.*\));$/INSERT INTO version (table_name, table_version) VALUES (\1) ON CONFLICT DO NOTHING;/I' \
        /usr/share/kamailio/postgres/auth_db-create.sql
      "$HERE/sql/sqlite-to-postgres.py"
      for entry in $DEMO_ACCOUNTS; do
        user=${entry%%:*}; pass=${entry#*:}
        ha1=$(printf '%s' "$user:$DOMAIN:$pass" | openssl dgst -md5 -r | cut -d' ' -f1)
        ha1b=$(printf '%s' "$user@$DOMAIN:$DOMAIN:$pass" | openssl dgst -md5 -r | cut -d' ' -f1)
        echo "INSERT INTO subscriber (username, domain, ha1, ha1b) VALUES ('$user', '$DOMAIN', '$ha1', '$ha1b') ON CONFLICT DO NOTHING;"
        # the default presence policy, as setup-runtime.sh gives it
        uri="/xcap-root/pres-rules/users/sip:$user@$DOMAIN/index"
        doc="<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<cr:ruleset xmlns:cr=\"urn:ietf:params:xml:ns:common-policy\" xmlns:pr=\"urn:ietf:params:xml:ns:pres-rules\"><cr:rule id=\"sylk-default\"><cr:conditions><cr:identity><cr:many domain=\"$DOMAIN\"/></cr:identity></cr:conditions><cr:actions><pr:sub-handling>allow</pr:sub-handling></cr:actions><cr:transformations><pr:provide-all-attributes/></cr:transformations></cr:rule></cr:ruleset>"
        echo "INSERT INTO xcap (username, domain, doc, doc_type, etag, source, doc_uri, port) VALUES ('$user', '$DOMAIN', convert_to('$doc', 'UTF8'), 2, 'sylk-default-$user', 0, '$uri', 0) ON CONFLICT DO NOTHING;"
      done
    } | psql_su -d sylk >/dev/null || { echo "cluster-db: schema failed" >&2; exit 1; }
  fi
  url
  ;;
*)
  echo "usage: cluster-db.sh init|run|url DATADIR PORT [DOMAIN]" >&2
  exit 2
  ;;
esac
