#!/usr/bin/env bash
# Makes the run the agent's active baseline. The API promotes only on a clean compare of the current
# baseline and this run (the gate step just stored one), or when the agent has no baseline yet. Exit 1
# when the promotion is blocked, which fails the job.
set -euo pipefail
# shellcheck source=common.sh
source "${GITHUB_ACTION_PATH:?}/common.sh"

require 'input agent-id' "${AGENT_ID:-}"
require 'the candidate run id (from the run step)' "${CANDIDATE_RUN_ID:-}"

args=(promote --agent "$AGENT_ID" --candidate "$CANDIDATE_RUN_ID")
add_value --name "${BASELINE_NAME:-}"
add_switch --require-significance "${REQUIRE_SIGNIFICANCE:-}" require-significance
add_value --non-inferiority-margin "${NON_INFERIORITY_MARGIN:-}"

greenlight "${args[@]}"
