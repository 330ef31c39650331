#!/usr/bin/env bash
# Compares the run with the baseline and decides. Exit 0 pass (also no_baseline when allowed), 1
# regressed, 2 error: a non-zero exit fails the job, and the promotion after it does not run. The CLI
# writes the verdict, the compare and both run ids to the step's outputs and the evidence (rates,
# deltas, reasons, regressed cases) to the job summary.
set -euo pipefail
# shellcheck source=common.sh
source "${GITHUB_ACTION_PATH:?}/common.sh"

require 'input agent-id' "${AGENT_ID:-}"
require 'the candidate run id (from the run step)' "${CANDIDATE_RUN_ID:-}"

args=(gate --agent "$AGENT_ID" --candidate "$CANDIDATE_RUN_ID")
add_value --baseline "${BASELINE:-}"
add_value --alpha "${ALPHA:-}"
add_switch --require-significance "${REQUIRE_SIGNIFICANCE:-}" require-significance
add_value --max-regressions "${MAX_REGRESSIONS:-}"
add_value --non-inferiority-margin "${NON_INFERIORITY_MARGIN:-}"
add_value --min-pass-rate "${MIN_PASS_RATE:-}"
add_value --max-pass-rate-drop "${MAX_PASS_RATE_DROP:-}"
add_switch --allow-missing-baseline "${ALLOW_MISSING_BASELINE:-}" allow-missing-baseline
add_value --min-paired-cases "${MIN_PAIRED_CASES:-}"

status=0
greenlight "${args[@]}" || status=$?
if [ "$status" -eq 1 ]; then
  echo "::error title=Greenlight gate::the candidate run regressed against the baseline (the job summary lists the evidence)"
fi
exit "$status"
