#!/usr/bin/env bash
# The API against the raw-driver floor, interleaved, with the ratio of each read (README.md beside
# this file). Builds both in Release, uses the private PostgreSQL cluster (scripts/postgres.sh)
# unless ConnectionStrings__Marketplace is set, and passes every argument on to the driver.
#
#   benchmarks/RawFloor/run.sh                       every scenario, 6 rounds of 3 s, a fresh database
#   benchmarks/RawFloor/run.sh --database rawfloor   load that database once, reuse it on later runs
#   benchmarks/RawFloor/run.sh --only slug --rounds 16 --target before=/tmp/base/Marketplace.Api.dll
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
if [[ -z "${ConnectionStrings__Marketplace:-}" ]]; then
  ConnectionStrings__Marketplace="$(scripts/postgres.sh)"
  export ConnectionStrings__Marketplace
fi
dotnet build -c Release --nologo -v quiet Marketplace.Api >/dev/null
dotnet build -c Release --nologo -v quiet benchmarks/RawFloor >/dev/null
# the connection settings the README recommends for production (README: connection settings)
exec dotnet benchmarks/RawFloor/bin/Release/net10.0/RawFloor.dll \
  --rounds 6 --seconds 3 --warmup 8 --connection "Max Auto Prepare=64;No Reset On Close=true" "$@"
