#!/usr/bin/env bash
# Fresh machine -> dependencies, build, a synthesized Llama-3.2-1B-shaped model
# (random weights, Q4_0), and a generation with speeds printed to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
mkdir -p models
model=models/llama-1b-q4_0.gguf
[ -f "$model" ] || ./build/src/cli/edgelm synth --arch llama --preset 1b --type q4_0 --seed 1 -o "$model"
./build/src/cli/edgelm inspect "$model" | head -20
./build/src/cli/edgelm run -m "$model" -p "Once upon a time" -n 64 --seed 42 -t "$(nproc)"
