#!/usr/bin/env bash
# Runs the evaluation of the agent on the golden set and waits for it to end. Exit 1 when the run
# failed or was cancelled; the CLI writes run_id, run_status and pass_rate to the step's outputs and the
# run's summary to the job summary.
set -euo pipefail
# shellcheck source=common.sh
source "${GITHUB_ACTION_PATH:?}/common.sh"

require 'input agent-id' "${AGENT_ID:-}"
require 'the golden set id (from the upload step)' "${GOLDEN_SET_ID:-}"

name="${RUN_NAME:-}"
if [ -z "$name" ] && [ -n "${GITHUB_WORKFLOW:-}" ]; then
  name="${GITHUB_WORKFLOW} #${GITHUB_RUN_NUMBER:-0} (${GITHUB_EVENT_NAME:-manual}, $(short_sha))"
fi

args=(run --agent "$AGENT_ID" --golden-set "$GOLDEN_SET_ID")
add_value --name "$name"
add_value --trials "${TRIALS:-}"
add_value --wait-timeout "${WAIT_TIMEOUT_MINUTES:-}"

greenlight "${args[@]}"
