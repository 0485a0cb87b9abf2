#!/usr/bin/env bash
# Runs the whole trkx test suite from a fresh checkout: bootstrap (idempotent),
# configure and build with the `ci` preset (warnings as errors), then ctest.
#   scripts/test.sh [extra ctest args]      e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/bootstrap.sh
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$(nproc)"
ctest --preset ci -j "$(nproc)" "$@"
