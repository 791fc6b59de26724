#!/usr/bin/env bash
# The OpenAPI document as a contract (README "OpenAPI and typed clients"): builds the API, takes
# /openapi/v1.json from it running, lints it with Redocly (recommended) and Spectral (spectral:oas)
# with no error and no warning allowed (the one rule switched off is in tooling/openapi/redocly.yaml
# with its reason), generates the typed client (openapi-typescript) and compiles the walk against it
# with tsc --strict. The walk itself runs in the test suite (Platform/TypedClientWalkTests.cs).
# Needs node and npm (>= 20); the tools are pinned in tooling/openapi/package-lock.json (npm ci).
# Set MARKETPLACE_SKIP_OPENAPI=1 to skip it (for quick filtered test runs).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
tooling="$root/tooling/openapi"
out="$tooling/build"

if [ "${MARKETPLACE_SKIP_OPENAPI:-}" = "1" ]; then
  echo "check-openapi: skipped (MARKETPLACE_SKIP_OPENAPI=1)"
  exit 0
fi
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-openapi: FAILED: '$tool' is not installed; the OpenAPI lint and the typed-client walk need Node.js 20+ with npm" >&2
    exit 1
  fi
done
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "check-openapi: FAILED: Node.js $(node --version) is too old; 20 or later is needed" >&2
  exit 1
fi

cd "$tooling"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "check-openapi: npm ci (tooling/openapi)"
  npm ci --no-audit --no-fund --loglevel=error
fi
rm -rf "$out" && mkdir -p "$out"

echo "check-openapi: building the API"
dotnet build "$root/Marketplace.Api/Marketplace.Api.csproj" -c Release -v q -nologo >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }

# the document needs no database: the API starts without one (its background jobs log and retry)
port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
ASPNETCORE_URLS="http://127.0.0.1:$port" \
ASPNETCORE_ENVIRONMENT=Production \
ConnectionStrings__Marketplace="Host=127.0.0.1;Port=1;Username=openapi;Database=openapi;Timeout=1" \
Marketplace__Auth__SigningKey="openapi-document-only-signing-key-0123456789" \
Marketplace__DataDirectory="$out/data" \
  dotnet "$root/Marketplace.Api/bin/Release/net10.0/Marketplace.Api.dll" >"$out/api.log" 2>&1 &
api=$!
trap 'kill "$api" 2>/dev/null || true' EXIT
node -e '
  const [url, file] = process.argv.slice(1);
  const deadline = Date.now() + 60000;
  (async function poll() {
    try {
      const r = await fetch(url);
      if (r.ok) { require("fs").writeFileSync(file, await r.text()); return; }
    } catch {}
    if (Date.now() > deadline) { console.error("check-openapi: FAILED: the API did not serve " + url + " within 60 s (see tooling/openapi/build/api.log)"); process.exit(1); }
    setTimeout(poll, 250);
  })();' "http://127.0.0.1:$port/openapi/v1.json" "$out/openapi.json"
kill "$api" 2>/dev/null || true
wait "$api" 2>/dev/null || true
trap - EXIT

echo "check-openapi: redocly lint (recommended)"
redocly_report="$(npx --no-install redocly lint "$out/openapi.json" --config redocly.yaml --format=json 2>/dev/null || true)"
printf '%s' "$redocly_report" > "$out/redocly.json"
counts="$(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const p of r.problems) console.error(`  ${p.severity} ${p.ruleId}: ${p.message} (${(p.location[0]||{}).pointer||""})`);
  console.log(`${r.totals.errors} ${r.totals.warnings}`);' "$out/redocly.json")" || { echo "check-openapi: FAILED: redocly gave no report" >&2; exit 1; }
read -r errors warnings <<<"$counts"
echo "check-openapi: redocly: $errors errors, $warnings warnings"
[ "$errors" -eq 0 ] && [ "$warnings" -eq 0 ] || { echo "check-openapi: FAILED: redocly found problems (listed above)" >&2; exit 1; }

echo "check-openapi: spectral lint (spectral:oas)"
npx --no-install spectral lint "$out/openapi.json" --ruleset .spectral.yaml --fail-severity=warn --format=text \
  || { echo "check-openapi: FAILED: spectral found problems (listed above)" >&2; exit 1; }

echo "check-openapi: typed client (openapi-typescript) and the walk (tsc --strict)"
npx --no-install openapi-typescript "$out/openapi.json" --output "$out/schema.d.ts" >/dev/null
npx --no-install tsc -p tsconfig.json
echo "check-openapi: ok"
