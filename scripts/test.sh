#!/usr/bin/env bash
# Fresh machine -> dependencies, build, the whole test suite (CTest/GoogleTest).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
