#!/usr/bin/env bash
# Runs the whole test suite. With no ConnectionStrings__Marketplace it starts the private
# PostgreSQL cluster (scripts/postgres.sh) and, if this run started it, stops it at the end, so
# a second clone's run finds the machine as it was; the tests create a fresh database per run.
# With ConnectionStrings__Marketplace set it uses that server and starts or stops nothing.
# Also validates docker-compose.yml when a Docker Compose CLI is present.
# Last line: "N passed, N failed[, N skipped]"; exit code non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ -z "${ConnectionStrings__Marketplace:-}" ]; then
  source scripts/postgres.sh || exit $?
  if [ "$MARKETPLACE_PG_STARTED" = "1" ]; then
    trap './scripts/postgres.sh stop >/dev/null 2>&1' EXIT
  fi
  export ConnectionStrings__Marketplace="$MARKETPLACE_PG_ADMIN"
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# docker-compose.yml: checked by the Compose CLI itself (no daemon needed), counted as one test
compose_failed=0
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  compose=()
  echo "docker-compose.yml: not validated (no 'docker compose' or 'docker-compose' CLI here; Debian: apt-get install docker-compose)"
fi
if [ "${#compose[@]}" -gt 0 ]; then
  # every profile, and the .env.example values, as a user with a copied .env would run it
  if SIGNING_KEY="compose-config-validation-only" "${compose[@]}" --env-file .env.example --profile payments --profile observability -f docker-compose.yml config -q; then
    echo "docker-compose.yml: valid (${compose[*]} config)"
  else
    echo "docker-compose.yml: INVALID (${compose[*]} config, above)"
    compose_failed=1
  fi
fi

scripts/check-openapi.sh; openapi_status=$? # lint + typed client, before the tests: the walk test runs what it compiled
results="$(mktemp -d)"
dotnet test Marketplace.sln -c Release --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  p=$(printf '%s' "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')
  f=$(printf '%s' "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  n=$(printf '%s' "$counters" | sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done
rm -rf "$results"
failed=$((failed + compose_failed))
[ "$openapi_status" -eq 0 ] || { echo "scripts/check-openapi.sh failed (see above)" >&2; failed=$((failed + 1)); }

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # the build or the test host failed before any test could report
  failed=1
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "no test ran" >&2
  status=1; failed=1
fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
