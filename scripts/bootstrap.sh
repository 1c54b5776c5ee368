#!/usr/bin/env bash
# Installs what the repository needs on a fresh machine that has only node and npm: the pinned pnpm, then
# the workspace dependencies (which include a real Node 22 binary used by every pnpm script).
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(node -p 'require("./package.json").packageManager.split("@")[1]')
have=$(pnpm --version 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  echo "› installing pnpm $want"
  if ! npm install --global --no-fund --no-audit "pnpm@$want" >/dev/null 2>&1; then
    # No permission for a global install: use a user prefix instead.
    npm install --global --prefix "$HOME/.local" --no-fund --no-audit "pnpm@$want" >/dev/null
    export PATH="$HOME/.local/bin:$PATH"
  fi
fi
echo "› pnpm $(pnpm --version), installing dependencies"
if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile --reporter=append-only
else
  pnpm install --reporter=append-only
fi
