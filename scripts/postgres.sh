#!/usr/bin/env bash
# Starts (creating on first use) the private PostgreSQL cluster used by scripts/run.sh and
# scripts/test.sh when no ConnectionStrings__Marketplace is given. Sourced, not executed:
# on success it exports MARKETPLACE_PG_URL-style pieces the caller turns into a connection string.
#   MARKETPLACE_PG_PORT  TCP port on 127.0.0.1 (default 55432)
#   MARKETPLACE_PG_DATA  data folder (default <repo>/.data/postgres, git-ignored)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pg_port="${MARKETPLACE_PG_PORT:-55432}"
pg_data="${MARKETPLACE_PG_DATA:-$repo_root/.data/postgres}"

pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do
  [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && pg_bin="$dir"
done
if [ -z "$pg_bin" ] && command -v initdb >/dev/null 2>&1; then
  pg_bin="$(dirname "$(command -v initdb)")"
fi
if [ -z "$pg_bin" ]; then
  echo "error: PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin or on PATH." >&2
  echo "       Install them (Debian: apt-get install postgresql) or set ConnectionStrings__Marketplace to an existing server." >&2
  exit 3
fi

# PostgreSQL refuses to run as root: as root, the cluster belongs to the 'postgres' OS user.
as_owner() { "$@"; }
if [ "$(id -u)" = "0" ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "error: running as root but there is no 'postgres' OS user to own the private cluster." >&2
    exit 3
  fi
  as_owner() { runuser -u postgres -- "$@"; }
  # the postgres user must be able to reach the data folder; a home folder closed to others
  # (mode 700) cannot hold it, so fall back to a folder of its own under /var/tmp
  mkdir -p "$(dirname "$pg_data")"
  if ! runuser -u postgres -- test -x "$(dirname "$pg_data")" 2>/dev/null; then
    pg_data="/var/tmp/marketplace-postgres-$(printf '%s' "$repo_root" | md5sum | cut -c1-8)"
    echo "note: $repo_root is not reachable by the postgres user; cluster data goes to $pg_data" >&2
  fi
fi

if [ ! -s "$pg_data/PG_VERSION" ]; then
  echo "Creating a private PostgreSQL cluster in $pg_data (port $pg_port)..." >&2
  mkdir -p "$pg_data"
  [ "$(id -u)" = "0" ] && chown postgres: "$pg_data"
  chmod 700 "$pg_data"
  as_owner "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >> "$pg_data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = ''
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi

if ! as_owner "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
  as_owner "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 start >/dev/null || {
    echo "error: PostgreSQL did not start; see $pg_data/server.log" >&2
    tail -n 20 "$pg_data/server.log" >&2 || true
    exit 3
  }
fi

export MARKETPLACE_PG_BIN="$pg_bin"
export MARKETPLACE_PG_ADMIN="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
export MARKETPLACE_PG_BASE="Host=127.0.0.1;Port=$pg_port;Username=postgres"
