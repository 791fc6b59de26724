#!/usr/bin/env bash
# Runs the whole test suite. With no ConnectionStrings__Marketplace it starts the private
# PostgreSQL cluster (scripts/postgres.sh); the tests create a fresh database per run on it.
# Last line: "N passed, N failed[, N skipped]"; exit code non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ -z "${ConnectionStrings__Marketplace:-}" ]; then
  source scripts/postgres.sh || exit $?
  set +e
  export ConnectionStrings__Marketplace="$MARKETPLACE_PG_ADMIN"
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

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
