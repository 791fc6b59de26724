#!/usr/bin/env bash
# The private PostgreSQL cluster that scripts/run.sh and scripts/test.sh use when no
# ConnectionStrings__Marketplace is given: created on first use, loopback only.
#
#   scripts/postgres.sh [start]       start it if needed; print the connection string (database postgres)
#   scripts/postgres.sh url [db]      the same, for database <db>
#   scripts/postgres.sh stop          stop it (if this clone's cluster runs)
#   scripts/postgres.sh status        say whether it runs, and on which port
#   source scripts/postgres.sh        start it and export MARKETPLACE_PG_* into the calling shell;
#                                     the caller's shell options (set -e ...) are left as they were
#
#   MARKETPLACE_PG_PORT        TCP port on 127.0.0.1, honoured on every start (a running cluster on
#                              another port is restarted on this one). Unset: the port the cluster
#                              already runs on, else the first free one from MARKETPLACE_PG_FIRST_PORT
#                              (default 55432), so two clones of the repository can run side by side.
#   MARKETPLACE_PG_DATA        data folder (default <repo>/.data/postgres, git-ignored)
#
# Exit codes: 0 ok, 3 PostgreSQL missing, not startable, or its port taken by another program.
# Exports (when sourced, or printed as shell code by --exports): MARKETPLACE_PG_BIN, _SERVER_PORT,
# _ADMIN (Npgsql connection string of database postgres), _BASE (the same without Database),
# _STARTED (1 when this call started the cluster, so the caller may stop it afterwards).

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  # Sourced: do the work in a child bash (its set -e and exit cannot reach the caller's shell),
  # then take over only the variables it prints.
  __marketplace_pg_exports="$(bash "${BASH_SOURCE[0]}" --exports)" || return $?
  eval "$__marketplace_pg_exports"
  unset __marketplace_pg_exports
  return 0
fi

set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pg_data="${MARKETPLACE_PG_DATA:-$repo_root/.data/postgres}"
requested_port="${MARKETPLACE_PG_PORT:-}"
first_port="${MARKETPLACE_PG_FIRST_PORT:-55432}"
command="${1:-start}"

fail() { echo "error: $*" >&2; exit 3; }

pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do
  [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && pg_bin="$dir"
done
if [ -z "$pg_bin" ] && command -v initdb >/dev/null 2>&1; then
  pg_bin="$(dirname "$(command -v initdb)")"
fi
[ -n "$pg_bin" ] || fail "PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin or on PATH.
       Install them (Debian: apt-get install postgresql) or set ConnectionStrings__Marketplace to an existing server."

# The RUM extension (relevance over every match, an opt-in index: Marketplace.Migrations/RumIndex.cs) is a package of its own. Installed
# here when missing, as root through apt-get and pinned, so a fresh machine gets it from the test
# and run commands; present, this is one file test. Without root or apt-get the cluster starts
# anyway and browse falls back to ranking the newest matches (README: Search).
#   MARKETPLACE_RUM_VERSION   Debian version to install (default below, for PostgreSQL 15 on bookworm);
#                             "skip" to never install it
rum_version="${MARKETPLACE_RUM_VERSION:-1.3.13-1+deb12u1}"
pg_major="$(basename "$(dirname "$pg_bin")")"
if [ "$rum_version" != "skip" ] && [ ! -e "/usr/share/postgresql/$pg_major/extension/rum.control" ] \
   && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing postgresql-$pg_major-rum=$rum_version (the RUM index for relevance search)..." >&2
  install_rum() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "postgresql-$pg_major-rum=$rum_version" >/dev/null 2>&1; }
  if ! install_rum && ! { apt-get update -qq >/dev/null 2>&1 && install_rum; }; then
    echo "note: could not install postgresql-$pg_major-rum=$rum_version; relevance search ranks the newest matches only" >&2
  fi
fi

# PostgreSQL refuses to run as root: as root, the cluster belongs to the 'postgres' OS user.
as_owner() { "$@"; }
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || fail "running as root but there is no 'postgres' OS user to own the private cluster."
  as_owner() { runuser -u postgres -- "$@"; }
  # the postgres user must be able to reach the data folder; a home folder closed to others
  # (mode 700) cannot hold it, so fall back to a folder of its own under /var/tmp
  mkdir -p "$(dirname "$pg_data")"
  if ! runuser -u postgres -- test -x "$(dirname "$pg_data")" 2>/dev/null; then
    pg_data="/var/tmp/marketplace-postgres-$(printf '%s' "$repo_root" | md5sum | cut -c1-8)"
    echo "note: $repo_root is not reachable by the postgres user; cluster data goes to $pg_data" >&2
  fi
fi

is_running() { [ -s "$pg_data/PG_VERSION" ] && as_owner "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; }
# line 4 of postmaster.pid is the port the running server listens on
running_port() { sed -n 4p "$pg_data/postmaster.pid" 2>/dev/null; }
# something (anything) accepts connections on 127.0.0.1:<port>
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "$command" in
  stop)
    if is_running; then
      as_owner "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null
      echo "stopped the private cluster in $pg_data" >&2
    fi
    exit 0 ;;
  status)
    if is_running; then echo "running in $pg_data on port $(running_port)"; else echo "not running ($pg_data)"; fi
    exit 0 ;;
  start|url|--exports) ;;
  *) echo "usage: scripts/postgres.sh [start | url [database] | stop | status]" >&2; exit 1 ;;
esac

started=0
port=""
if is_running; then
  port="$(running_port)"
  if [ -n "$requested_port" ] && [ "$requested_port" != "$port" ]; then
    echo "note: the private cluster runs on port $port; restarting it on MARKETPLACE_PG_PORT=$requested_port" >&2
    as_owner "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null
    port=""
  fi
fi

port_in_use() {
  fail "port $1 on 127.0.0.1 is already in use by another program (another clone's private cluster,
       or a local PostgreSQL). Stop it, or set MARKETPLACE_PG_PORT to a free port."
}

if [ -z "$port" ]; then
  # an explicit port that is taken fails before anything is created
  if [ -n "$requested_port" ] && port_taken "$requested_port"; then
    port_in_use "$requested_port"
  fi
  if [ ! -s "$pg_data/PG_VERSION" ]; then
    echo "Creating a private PostgreSQL cluster in $pg_data..." >&2
    mkdir -p "$pg_data"
    [ "$(id -u)" = "0" ] && chown postgres: "$pg_data"
    chmod 700 "$pg_data"
    as_owner "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    # no port here: it is given on every start (pg_ctl -o -p), so MARKETPLACE_PG_PORT always counts
    cat >> "$pg_data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi

  # An explicit port is used or refused; without one, the next free port is taken, and taken
  # again if another clone grabs the same one between the check and the start.
  candidate="${requested_port:-$first_port}"
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if port_taken "$candidate"; then
      [ -z "$requested_port" ] || port_in_use "$candidate"
      candidate=$((candidate + 1))
      continue
    fi
    if as_owner "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -o "-p $candidate" -w -t 60 start >/dev/null; then
      port="$candidate"; started=1
      break
    fi
    if tail -n 20 "$pg_data/server.log" 2>/dev/null | grep -q "could not create any TCP/IP sockets\|Address already in use"; then
      [ -z "$requested_port" ] || fail "port $candidate on 127.0.0.1 was taken by another program while PostgreSQL started;
       set MARKETPLACE_PG_PORT to a free port."
      candidate=$((candidate + 1))
      continue
    fi
    echo "error: PostgreSQL did not start; see $pg_data/server.log" >&2
    tail -n 20 "$pg_data/server.log" >&2 || true
    exit 3
  done
  [ -n "$port" ] || fail "no free port found from $first_port to $candidate; set MARKETPLACE_PG_PORT to a free port."
  if [ -z "$requested_port" ] && [ "$port" != "$first_port" ]; then
    echo "note: port $first_port is taken (another clone's cluster?); the private cluster listens on $port" >&2
  fi
fi

base="Host=127.0.0.1;Port=$port;Username=postgres"
case "$command" in
  --exports)
    printf 'export MARKETPLACE_PG_BIN=%q MARKETPLACE_PG_SERVER_PORT=%q MARKETPLACE_PG_STARTED=%q\n' "$pg_bin" "$port" "$started"
    printf 'export MARKETPLACE_PG_BASE=%q MARKETPLACE_PG_ADMIN=%q\n' "$base" "$base;Database=postgres" ;;
  url)
    echo "$base;Database=${2:-postgres}" ;;
  *)
    echo "$base;Database=postgres" ;;
esac
