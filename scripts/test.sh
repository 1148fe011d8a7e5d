#!/usr/bin/env bash
# The whole suite in one run. Pacing is asserted on what the queue decided (the slots it plans,
# the spacing it kept), not on wall-clock rates, so it runs beside the other files.
# With arguments, runs just those files.
set -euo pipefail
if [ "$#" -gt 0 ]; then exec npx vitest run "$@"; fi
exec npx vitest run
