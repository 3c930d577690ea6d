#!/usr/bin/env bash
# `npm test`: the tap suite (arguments pass through, e.g. one file), then one short list of what it skipped and
# why, so a green run says what it did not cover and which command adds it. Exits with tap's status.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf .tap/test-results   # tap writes each file's raw TAP here; the summary reads this run's only
./node_modules/.bin/tap "$@"
status=$?
node scripts/skip-summary.mjs .tap/test-results
exit "$status"
