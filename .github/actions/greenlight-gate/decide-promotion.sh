#!/usr/bin/env bash
# Decides whether this job promotes its run to the agent's active baseline (after a passing gate).
# "auto" promotes only on a push to the repository's default branch: pull requests and scheduled or
# manual evaluations compare, and what lands on the default branch becomes the new baseline.
set -euo pipefail

mode="${PROMOTE_MODE:-auto}"
case "$mode" in
  true)
    promote=true
    why='the promote input is "true"'
    ;;
  false)
    promote=false
    why='the promote input is "false"'
    ;;
  auto)
    if [ "${GITHUB_EVENT_NAME:-}" = push ] && [ -n "${DEFAULT_BRANCH:-}" ] && [ "${GITHUB_REF:-}" = "refs/heads/$DEFAULT_BRANCH" ]; then
      promote=true
      why="a push to the default branch ($DEFAULT_BRANCH)"
    else
      promote=false
      why="not a push to the default branch (event ${GITHUB_EVENT_NAME:-none}, ref ${GITHUB_REF:-none})"
    fi
    ;;
  *)
    echo "::error title=Greenlight gate::input promote must be \"auto\", \"true\" or \"false\", got \"$mode\""
    exit 2
    ;;
esac

echo "promote=$promote" >>"${GITHUB_OUTPUT:?}"
if [ "$promote" = true ]; then
  echo "A passing gate promotes the run: $why."
else
  echo "The run is not promoted: $why."
fi
