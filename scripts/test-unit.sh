#!/usr/bin/env bash
# The unit tests in two phases: the parallel files, then the SERIAL ones (vitest.config.ts) one at a time.
# The serial phase runs even when the parallel one failed, so one run shows every failure; the exit
# status is non-zero when either phase failed. Extra arguments (file filters) go to both vitest runs;
# a filter that matches files of only one phase leaves the other with none, which is no failure.
set -u
npx vitest run --passWithNoTests "$@"
parallel=$?
HYNET_TESTS=serial npx vitest run --passWithNoTests "$@"
serial=$?
if [ "$parallel" -ne 0 ] || [ "$serial" -ne 0 ]; then
  echo "test:unit: parallel phase exit $parallel, serial phase exit $serial" >&2
  exit 1
fi
