#!/usr/bin/env bash
# Quick start: install, build, find or start Postgres and Redis, migrate, start api + worker,
# bootstrap a demo org and key. `bash scripts/quickstart.sh stop` stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "Node.js 20 or newer is required (none found on PATH)." >&2
  exit 1
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "Node.js 20 or newer is required (found $(node -v))." >&2
  exit 1
fi

if [ "${1:-start}" = "stop" ]; then
  if [ -f dist/scripts/quickstart.js ]; then exec node dist/scripts/quickstart.js stop; fi
  echo "nothing to stop (not built)"; exit 0
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
echo "==> building"
npm run -s build
exec node dist/scripts/quickstart.js start
