# Shared by the gate action's steps (sourced, not run). Each step gets its inputs as environment
# variables; these helpers turn them into CLI flags, so an empty optional input passes no flag at all
# and the CLI's own default applies.

# Appends `flag value` to the array `args` when value is not empty.
add_value() {
  if [ -n "${2:-}" ]; then
    args+=("$1" "$2")
  fi
}

# Appends `flag` to `args` when value is "true"; "false" or empty add nothing; anything else is a
# usage error (exit 2), named after the action input it came from.
add_switch() {
  case "${2:-}" in
    true) args+=("$1") ;;
    false | '') ;;
    *)
      echo "::error title=Greenlight gate::input $3 must be \"true\" or \"false\", got \"$2\""
      exit 2
      ;;
  esac
}

# Fails (exit 2) when a value the step cannot work without is missing.
require() {
  if [ -z "${2:-}" ]; then
    echo "::error title=Greenlight gate::$1 is missing"
    exit 2
  fi
}

# The first 12 characters of the commit, or nothing outside a workflow run.
short_sha() {
  local sha="${GITHUB_SHA:-}"
  printf '%s' "${sha:0:12}"
}
