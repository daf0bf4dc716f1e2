#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Prints the PostgreSQL form of the project's SQLite schema files
(packaging/sql/*.sql stay the one source of truth): the cluster's shared
database (packaging/cluster-db.sh) is made from this output, and
tests/integration/test_cluster.py applies it to a real PostgreSQL.

Only what those files use is translated: PRAGMA lines go, INTEGER PRIMARY
KEY AUTOINCREMENT becomes BIGSERIAL, the other INTEGER PRIMARY KEY columns
SERIAL, BLOB becomes BYTEA, INSERT OR IGNORE becomes INSERT ... ON
CONFLICT DO NOTHING. Every statement stays idempotent.

Usage: sqlite-to-postgres.py FILE.sql...   (default: every packaging/sql/*.sql)
"""

import glob
import os
import re
import sys

RULES = [
    (re.compile(r"^\s*PRAGMA\b[^;]*;\s*$", re.M | re.I), ""),
    (re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b", re.I), "BIGSERIAL PRIMARY KEY"),
    (re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\b", re.I), "SERIAL PRIMARY KEY"),
    (re.compile(r"\bBLOB\b", re.I), "BYTEA"),
]
INSERT_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b([^;]*);", re.I | re.S)


def translate(sql):
    # comments go (they describe the SQLite file)
    sql = "\n".join(line for line in sql.split("\n") if not line.lstrip().startswith("--"))
    for pattern, repl in RULES:
        sql = pattern.sub(repl, sql)
    sql = INSERT_OR_IGNORE.sub(lambda m: "INSERT INTO" + m.group(1) + " ON CONFLICT DO NOTHING;", sql)
    # what would still be SQLite-only
    for word in ("AUTOINCREMENT", "PRAGMA", "OR IGNORE", "OR REPLACE"):
        if re.search(r"\b" + word + r"\b", sql, re.I):
            raise SystemExit(f"sqlite-to-postgres: cannot translate {word}")
    return sql


def main(paths):
    if not paths:
        here = os.path.dirname(os.path.abspath(__file__))
        paths = sorted(glob.glob(os.path.join(here, "*.sql")))
    for path in paths:
        with open(path) as f:
            sys.stdout.write(f"-- from {os.path.basename(path)}\n" + translate(f.read()) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
