#!/usr/bin/env bash
# Runs the API at http://localhost:5080. With no ConnectionStrings__Marketplace it starts the
# private PostgreSQL cluster (scripts/postgres.sh) and uses its 'marketplace' database.
# Pending migrations are applied at start-up.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${ConnectionStrings__Marketplace:-}" ]; then
  source scripts/postgres.sh
  dbname="${MARKETPLACE_DB_NAME:-marketplace}"
  if ! "$MARKETPLACE_PG_BIN/psql" "host=127.0.0.1 port=$MARKETPLACE_PG_SERVER_PORT user=postgres dbname=postgres" -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$dbname'" | grep -q 1; then
    "$MARKETPLACE_PG_BIN/psql" "host=127.0.0.1 port=$MARKETPLACE_PG_SERVER_PORT user=postgres dbname=postgres" -qc "CREATE DATABASE \"$dbname\"" >/dev/null
  fi
  export ConnectionStrings__Marketplace="$MARKETPLACE_PG_BASE;Database=$dbname"
fi

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export Marketplace__Database__MigrateOnStartup="${Marketplace__Database__MigrateOnStartup:-true}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
exec dotnet run --project Marketplace.Api -c Release --urls "${ASPNETCORE_URLS:-http://localhost:5080}"
