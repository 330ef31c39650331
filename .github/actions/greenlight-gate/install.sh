#!/usr/bin/env bash
# Puts the `greenlight` command on the job's PATH. The action is part of the Greenlight repository, so
# the CLI is built from the checkout the action came in: dependencies are installed only when the
# checkout has none yet, and the build runs only when the CLI is not built yet.
set -euo pipefail

root="$(cd "${GITHUB_ACTION_PATH:?}/../../.." && pwd)"
cd "$root"

if [ ! -d node_modules ]; then
  echo "Installing the Greenlight CLI's dependencies in $root"
  npm ci --no-audit --no-fund
fi
if [ ! -f dist/apps/cli/src/main.js ]; then
  echo "Building the Greenlight CLI in $root"
  npm run -s cli:build
fi

echo "$root/apps/cli/bin" >>"${GITHUB_PATH:?}"
echo "greenlight: $root/apps/cli/bin/greenlight"
