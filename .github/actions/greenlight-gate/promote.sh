#!/usr/bin/env bash
# Makes the run the agent's active baseline. The API promotes only on a clean compare of the current
# baseline and this run (the gate step just stored one), or when the agent has no baseline yet. Exit 1
# when the promotion is blocked, which fails the job, with one exception: a gate that tolerated some
# regressed cases (max-regressions above 0) passed a run that the promotion, which tolerates none,
# refuses; the job then keeps its passing gate, warns, and the active baseline stays as it was.
set -euo pipefail
# shellcheck source=common.sh
source "${GITHUB_ACTION_PATH:?}/common.sh"

require 'input agent-id' "${AGENT_ID:-}"
require 'the candidate run id (from the run step)' "${CANDIDATE_RUN_ID:-}"

args=(promote --agent "$AGENT_ID" --candidate "$CANDIDATE_RUN_ID")
add_value --name "${BASELINE_NAME:-}"
add_switch --require-significance "${REQUIRE_SIGNIFICANCE:-}" require-significance
add_value --non-inferiority-margin "${NON_INFERIORITY_MARGIN:-}"

status=0
greenlight "${args[@]}" || status=$?
# The CLI wrote the refusal's reason to the step's outputs.
reason="$(sed -n 's/^blocked_reason=//p' "${GITHUB_OUTPUT:?}" | tail -n 1)"
if [ "$status" -eq 1 ] && [ "$reason" = regressions_found ] && [ "${REQUIRE_SIGNIFICANCE:-false}" != true ] && [ "${MAX_REGRESSIONS:-0}" != 0 ]; then
  echo "::warning title=Greenlight gate::not promoted: the run has regressed cases, which max-regressions tolerates but a promotion never does; the active baseline stays"
  exit 0
fi
exit "$status"
