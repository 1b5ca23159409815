# Sourced by .ci/run and scripts/test: `step CMD…` runs CMD and says how long it took, so the
# log shows where CI's 20-minute budget goes. STEP_PREFIX names the caller.
step() {
  local t0=$SECONDS
  "$@"
  echo "${STEP_PREFIX:-step}: $* took $((SECONDS - t0)) s (total $SECONDS s)" >&2
}
