#!/usr/bin/env bash
# A streaming read replica of a PostgreSQL cluster on this machine (by default the private cluster
# of scripts/postgres.sh): pg_basebackup -R from the primary, then a hot standby started with
# pg_ctl on its own port, loopback only. For trying ConnectionStrings__MarketplaceReadOnly locally
# and for the replica tests; a production replica is the database team's (README: read replicas).
#
#   scripts/postgres-replica.sh [start]    create it on first use, start it if needed; print its
#                                          connection string (database postgres)
#   scripts/postgres-replica.sh url [db]   the same, for database <db>
#   scripts/postgres-replica.sh stop       stop it (its data stays: start resumes streaming)
#   scripts/postgres-replica.sh remove     stop it and delete its data folder
#   scripts/postgres-replica.sh status     say whether it runs, and on which port
#
#   MARKETPLACE_PG_PRIMARY_PORT   port of the primary on 127.0.0.1 (unset: the private cluster of
#                                 scripts/postgres.sh, started if needed). The primary must accept
#                                 replication connections from 127.0.0.1 for user postgres (the
#                                 private cluster does: initdb's defaults, wal_level=replica).
#   MARKETPLACE_PG_REPLICA_PORT   the replica's port (unset: the one it runs on, else the first free
#                                 one from 55532)
#   MARKETPLACE_PG_REPLICA_DATA   its data folder (default <repo>/.data/postgres-replica, git-ignored)
#
# Exit codes: 0 ok, 3 PostgreSQL missing, the primary unreachable, or the replica not startable.

set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
replica_data="${MARKETPLACE_PG_REPLICA_DATA:-$repo_root/.data/postgres-replica}"
requested_port="${MARKETPLACE_PG_REPLICA_PORT:-}"
command="${1:-start}"

fail() { echo "error: $*" >&2; exit 3; }

pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do
  [ -x "$dir/pg_basebackup" ] && [ -x "$dir/pg_ctl" ] && pg_bin="$dir"
done
if [ -z "$pg_bin" ] && command -v pg_basebackup >/dev/null 2>&1; then
  pg_bin="$(dirname "$(command -v pg_basebackup)")"
fi
[ -n "$pg_bin" ] || fail "PostgreSQL server binaries (pg_basebackup, pg_ctl) were not found under /usr/lib/postgresql/*/bin or on PATH."

# as scripts/postgres.sh: PostgreSQL refuses to run as root, the replica belongs to 'postgres' then
as_owner() { "$@"; }
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || fail "running as root but there is no 'postgres' OS user to own the replica."
  as_owner() { runuser -u postgres -- "$@"; }
  mkdir -p "$(dirname "$replica_data")"
  if ! runuser -u postgres -- test -x "$(dirname "$replica_data")" 2>/dev/null; then
    replica_data="/var/tmp/marketplace-postgres-replica-$(printf '%s' "$replica_data" | md5sum | cut -c1-8)"
    echo "note: the replica's folder is not reachable by the postgres user; its data goes to $replica_data" >&2
  fi
fi

is_running() { [ -s "$replica_data/PG_VERSION" ] && as_owner "$pg_bin/pg_ctl" -D "$replica_data" status >/dev/null 2>&1; }
running_port() { sed -n 4p "$replica_data/postmaster.pid" 2>/dev/null; }
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
stop_replica() {
  if is_running; then
    as_owner "$pg_bin/pg_ctl" -D "$replica_data" -m fast -w stop >/dev/null
    echo "stopped the replica in $replica_data" >&2
  fi
}

case "$command" in
  stop) stop_replica; exit 0 ;;
  remove)
    stop_replica
    rm -rf "$replica_data"
    exit 0 ;;
  status)
    if is_running; then echo "running in $replica_data on port $(running_port)"; else echo "not running ($replica_data)"; fi
    exit 0 ;;
  start|url) ;;
  *) echo "usage: scripts/postgres-replica.sh [start | url [database] | stop | remove | status]" >&2; exit 1 ;;
esac

port=""
if is_running; then
  port="$(running_port)"
  if [ -n "$requested_port" ] && [ "$requested_port" != "$port" ]; then
    stop_replica
    port=""
  fi
fi

if [ -z "$port" ]; then
  if [ ! -s "$replica_data/PG_VERSION" ]; then
    primary_port="${MARKETPLACE_PG_PRIMARY_PORT:-}"
    if [ -z "$primary_port" ]; then
      source "$repo_root/scripts/postgres.sh" || exit $?
      primary_port="$MARKETPLACE_PG_SERVER_PORT"
    fi
    echo "Copying the primary on port $primary_port into a replica in $replica_data..." >&2
    mkdir -p "$replica_data"
    [ "$(id -u)" = "0" ] && chown postgres: "$replica_data"
    chmod 700 "$replica_data"
    # -R writes standby.signal and primary_conninfo; -X stream copies the WAL of the copy itself;
    # -c fast: an immediate checkpoint instead of waiting for the next one
    if ! as_owner "$pg_bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$replica_data" -R -X stream -c fast >&2; then
      rm -rf "$replica_data"
      fail "pg_basebackup from 127.0.0.1:$primary_port failed (is the primary running, and does it allow replication connections?)"
    fi
    cat >> "$replica_data/postgresql.auto.conf" <<CONF
hot_standby = on
hot_standby_feedback = on
CONF
  fi

  candidate="${requested_port:-${MARKETPLACE_PG_REPLICA_FIRST_PORT:-55532}}"
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if port_taken "$candidate"; then
      [ -z "$requested_port" ] || fail "port $candidate on 127.0.0.1 is already in use; set MARKETPLACE_PG_REPLICA_PORT to a free port."
      candidate=$((candidate + 1))
      continue
    fi
    # -w waits until the standby accepts read-only connections
    if as_owner "$pg_bin/pg_ctl" -D "$replica_data" -l "$replica_data/server.log" -o "-p $candidate" -w -t 60 start >/dev/null; then
      port="$candidate"
      break
    fi
    if tail -n 20 "$replica_data/server.log" 2>/dev/null | grep -q "could not create any TCP/IP sockets\|Address already in use"; then
      [ -z "$requested_port" ] || fail "port $candidate was taken by another program while the replica started."
      candidate=$((candidate + 1))
      continue
    fi
    echo "error: the replica did not start; see $replica_data/server.log" >&2
    tail -n 20 "$replica_data/server.log" >&2 || true
    exit 3
  done
  [ -n "$port" ] || fail "no free port found for the replica; set MARKETPLACE_PG_REPLICA_PORT."
fi

case "$command" in
  url) echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=${2:-postgres}" ;;
  *) echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres" ;;
esac
