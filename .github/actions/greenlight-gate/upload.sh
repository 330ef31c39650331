#!/usr/bin/env bash
# Gives the run its golden set. With reuse on, the CLI records the file's SHA-256 in the description of
# each set it uploads and reuses the agent's set with the same content, so runs of an unchanged file share
# their cases and the compare pairs them case by case; a changed file is uploaded as a new set.
# Outputs (written by the CLI): golden_set_id, case_count, golden_set_reused, golden_set_sha256.
set -euo pipefail
source "${GITHUB_ACTION_PATH:?}/common.sh"

require 'input agent-id' "${AGENT_ID:-}"
require 'input golden-set-file' "${GOLDEN_SET_FILE:-}"
if [ ! -f "$GOLDEN_SET_FILE" ]; then
  echo "::error title=Greenlight gate::golden set file not found: $GOLDEN_SET_FILE (in $(pwd))"
  exit 2
fi

name="${GOLDEN_SET_NAME:-}"
if [ -z "$name" ] && [ -n "${GITHUB_REPOSITORY:-}" ]; then
  name="${GITHUB_REPOSITORY}@$(short_sha)"
fi
origin="${GITHUB_REPOSITORY:-local}@$(short_sha)"

args=(upload "$GOLDEN_SET_FILE" --agent "$AGENT_ID" --description "Uploaded by the Greenlight gate action from ${origin%@}")
add_value --name "$name"
add_switch --reuse-unchanged "${REUSE_GOLDEN_SET:-true}" reuse-golden-set

greenlight "${args[@]}"
