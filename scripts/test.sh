#!/usr/bin/env bash
# The suite in two runs: every behaviour file (two at a time), then the pacing file on its own.
# Pacing is asserted against the wall clock (each sender within ±10% of its rate, no burst in
# any one second), which only means something when no other suite is starving the CPU.
# With arguments, runs just those files.
set -euo pipefail
if [ "$#" -gt 0 ]; then exec npx vitest run "$@"; fi
npx vitest run --exclude test/pacing.test.ts
npx vitest run test/pacing.test.ts
