#!/usr/bin/env bash
# Tests what ships: packs the five published packages, installs the tarballs into a scratch project outside the
# workspace (pnpm, from the local store; effect and the AWS SDK resolved as a user gets them), then with plain
# `node` (Node 22, no custom conditions, so the built `dist/` runs):
#   1. runs one workflow through the packed testing harness (scripts/test-packed/workflow.mjs);
#   2. bundles the bench's hello-world handler with esbuild and invokes the bundle in a fresh process against the
#      packed loopback endpoint (scripts/test-packed/run-bundle.mjs);
#   3. runs the packed `durable-lambda` executable.
# Usage: bash scripts/test-packed.sh [--keep]   (--keep leaves the scratch project in place and prints its path)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
node_bin="$repo/node_modules/.bin/node"
[ -x "$node_bin" ] || node_bin=node
work=$(mktemp -d "${TMPDIR:-/tmp}/durable-lambda-packed.XXXXXX")
if [ "${1:-}" = "--keep" ]; then echo "scratch project: $work/app"; else trap 'rm -rf "$work"' EXIT; fi
fail() {
  echo "✗ test-packed: $*" >&2
  exit 1
}
phase() { echo "› test-packed: $* (${SECONDS}s)"; }

phase "building the published packages"
pnpm exec turbo run build --output-logs=errors-only --filter='./packages/*' >/dev/null || fail "turbo run build failed"

phase "packing"
mkdir -p "$work/app"
names=()
for dir in packages/*/; do
  [ "$(node -p "require('./${dir}package.json').private === true")" = "true" ] && continue
  name=$(node -p "require('./${dir}package.json').name")
  names+=("$name")
  mkdir -p "$work/tarballs/${name#@durable-lambda/}"
  (cd "$dir" && pnpm pack --pack-destination "$work/tarballs/${name#@durable-lambda/}" >"$work/tarballs/${name#@durable-lambda/}.log" 2>&1) &
done
wait || true
overrides=()
for name in "${names[@]}"; do
  tarball=$(ls "$work/tarballs/${name#@durable-lambda/}"/*.tgz 2>/dev/null | head -1)
  [ -n "$tarball" ] || {
    cat "$work/tarballs/${name#@durable-lambda/}.log" >&2
    fail "pnpm pack failed for $name"
  }
  overrides+=("$name=file:$tarball")
done
[ "${#overrides[@]}" -eq 5 ] || fail "expected 5 published packages, packed ${#overrides[@]}"

# The scratch project: the five tarballs (overrides make their inter-dependencies resolve to the tarballs too),
# effect, the optional AWS SDK peer and the OpenTelemetry API at the versions the workspace uses, and esbuild.
versions=$(node -e '
  const fs = require("fs")
  const ws = fs.readFileSync("pnpm-workspace.yaml", "utf8")
  const effect = /^\s+effect:\s*(\S+)/m.exec(ws)[1]
  const aws = require("./packages/backend-aws/package.json").dependencies["@aws-sdk/client-lambda"]
  const esbuild = require("./bench/package.json").devDependencies.esbuild
  const otel = require("./packages/otel/package.json").devDependencies["@opentelemetry/api"]
  console.log(JSON.stringify({ effect, "@aws-sdk/client-lambda": aws, esbuild, "@opentelemetry/api": otel }))
')
node -e '
  const [overrides, versions] = [process.argv[1].split("\n"), JSON.parse(process.argv[2])]
  const files = Object.fromEntries(overrides.map((o) => [o.slice(0, o.indexOf("=")), o.slice(o.indexOf("=") + 1)]))
  const pkg = {
    name: "packed-consumer",
    private: true,
    type: "module",
    dependencies: { ...files, ...versions },
    pnpm: { overrides: files, onlyBuiltDependencies: ["esbuild"] }
  }
  require("fs").writeFileSync(process.argv[3], JSON.stringify(pkg, null, 2))
' "$(printf '%s\n' "${overrides[@]}")" "$versions" "$work/app/package.json"
cp scripts/test-packed/workflow.mjs scripts/test-packed/run-bundle.mjs "$work/app/"
cp bench/src/coldstart/hello-ours.ts "$work/app/hello.ts"

phase "installing the tarballs into $work/app"
store=$(pnpm store path)
(cd "$work/app" && pnpm install --ignore-workspace --prefer-offline --store-dir "$store" --reporter=append-only \
  >"$work/install.log" 2>&1) || {
  cat "$work/install.log" >&2
  fail "installing the tarballs failed"
}

cd "$work/app"
phase "workflow through the packed testing harness"
"$node_bin" workflow.mjs || fail "the workflow through the packed harness failed (scripts/test-packed/workflow.mjs)"
phase "esbuild bundle of the hello-world handler"
"$node_bin" run-bundle.mjs hello.ts || fail "the bundled hello-world handler failed (scripts/test-packed/run-bundle.mjs)"
phase "the packed durable-lambda executable"
out=$(PATH="$(dirname "$node_bin"):$PATH" ./node_modules/.bin/durable-lambda --help 2>&1) &&
  echo "$out" | grep -q "usage: durable-lambda dev" || fail "node_modules/.bin/durable-lambda --help printed no usage:
$out"
phase "ok"
