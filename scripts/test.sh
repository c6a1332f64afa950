#!/usr/bin/env bash
# Fresh machine -> dependencies, build, the whole test suite (CTest/GoogleTest).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
# The server's end-to-end test drives it with the official OpenAI npm client
# (tests/server/package-lock.json).
if command -v npm > /dev/null && [ ! -d tests/server/node_modules/openai ]; then
  npm ci --prefix tests/server --no-audit --no-fund
fi
ctest --test-dir build --output-on-failure -j "$(nproc)"
