#!/usr/bin/env bash
# Packs every published package (after `turbo run build`) and checks the tarballs the way a consumer sees
# them: publint (package.json, exports, files) and @arethetypeswrong/cli (types resolve for every condition).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
status=0
for dir in packages/*/; do
  name=$(node -p "require('./${dir}package.json').name")
  private=$(node -p "require('./${dir}package.json').private === true")
  [ "$private" = "true" ] && continue
  (cd "$dir" && pnpm pack --pack-destination "$out" >/dev/null)
  tarball=$(ls -t "$out"/*.tgz | head -1)
  echo "› $name ($(basename "$tarball"))"
  pnpm exec publint run --strict "$tarball" || status=1
  # ESM only by design: the CommonJS "require" resolutions are expected to be absent.
  pnpm exec attw "$tarball" --profile esm-only --format table-flipped || status=1
done
rm -rf "$out"
exit $status
