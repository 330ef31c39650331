#!/usr/bin/env bash
# Gives the run its golden set. The file's SHA-256 is recorded in the description of each set the action
# uploads; when the agent already has a set with the same content, that set is reused, so runs of an
# unchanged file share their cases and the compare pairs them case by case. A changed file is uploaded
# as a new set. Outputs: golden_set_id, case_count, golden_set_reused, golden_set_sha256.
set -euo pipefail
# shellcheck source=common.sh
source "${GITHUB_ACTION_PATH:?}/common.sh"

require 'input agent-id' "${AGENT_ID:-}"
require 'input golden-set-file' "${GOLDEN_SET_FILE:-}"
if [ ! -f "$GOLDEN_SET_FILE" ]; then
  echo "::error title=Greenlight gate::golden set file not found: $GOLDEN_SET_FILE (in $(pwd))"
  exit 2
fi

reuse="${REUSE_GOLDEN_SET:-true}"
case "$reuse" in
  true | false) ;;
  *)
    echo "::error title=Greenlight gate::input reuse-golden-set must be \"true\" or \"false\", got \"$reuse\""
    exit 2
    ;;
esac

# Lines `sha256=<hex>`, and `golden_set_id=<id>` plus `case_count=<n>` when a set with that content exists.
lookup_mode='find'
[ "$reuse" = true ] || lookup_mode='hash'
found="$(node "$GITHUB_ACTION_PATH/find-golden-set.mjs" "$lookup_mode" "$GOLDEN_SET_FILE")"
sha256="$(sed -n 's/^sha256=//p' <<<"$found")"
existing="$(sed -n 's/^golden_set_id=//p' <<<"$found")"
cases="$(sed -n 's/^case_count=//p' <<<"$found")"

if [ -n "$existing" ]; then
  echo "Reusing golden set $existing ($cases cases): it was uploaded from the same content (sha256 $sha256)."
  {
    echo "golden_set_id=$existing"
    echo "case_count=$cases"
    echo "golden_set_reused=true"
    echo "golden_set_sha256=$sha256"
  } >>"${GITHUB_OUTPUT:?}"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    # shellcheck disable=SC2016 # the backquotes are Markdown
    printf 'Golden set `%s` reused (%s cases, file `%s` unchanged).\n\n' "$existing" "$cases" "$GOLDEN_SET_FILE" >>"$GITHUB_STEP_SUMMARY"
  fi
  exit 0
fi

name="${GOLDEN_SET_NAME:-}"
if [ -z "$name" ] && [ -n "${GITHUB_REPOSITORY:-}" ]; then
  name="${GITHUB_REPOSITORY}@$(short_sha)"
fi
origin="${GITHUB_REPOSITORY:-local}@$(short_sha)"

args=(upload "$GOLDEN_SET_FILE" --agent "$AGENT_ID")
add_value --name "$name"
args+=(--description "Uploaded by the Greenlight gate action from ${origin%@}; content-sha256=$sha256")

greenlight "${args[@]}"
{
  echo "golden_set_reused=false"
  echo "golden_set_sha256=$sha256"
} >>"${GITHUB_OUTPUT:?}"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  # the CLI has just written the new set's id and case count to this step's outputs
  uploaded="$(sed -n 's/^golden_set_id=//p' "$GITHUB_OUTPUT" | tail -n 1)"
  cases="$(sed -n 's/^case_count=//p' "$GITHUB_OUTPUT" | tail -n 1)"
  # shellcheck disable=SC2016 # the backquotes are Markdown
  printf 'Golden set `%s` uploaded from `%s` (%s cases).\n\n' "$uploaded" "$GOLDEN_SET_FILE" "$cases" >>"$GITHUB_STEP_SUMMARY"
fi
