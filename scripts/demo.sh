#!/usr/bin/env bash
# Fresh machine -> dependencies, build, then the shipped real model
# (assets/stories260K.gguf, see assets/README.md) tells a story.
#   ./scripts/demo.sh            the story (a few seconds after the build)
#   ./scripts/demo.sh --speed    also a full-size Llama-3.2-1B-shaped model (random weights, Q4_0):
#                                synthesized once into models/, then generation speed on this machine
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
edgelm=./build/src/cli/edgelm
model=assets/stories260K.gguf

echo "== $model"
# sed reads all of its input, so the pipe never closes early (no SIGPIPE under pipefail).
"$edgelm" inspect "$model" | sed -n '1,12p'
echo "== edgelm run -m $model -p \"Once upon a time\" -n 200 --temp 0"
"$edgelm" run -m "$model" -p "Once upon a time" -n 200 --temp 0 -t "$(nproc)"

if [ "${1:-}" = "--speed" ]; then
  mkdir -p models
  big=models/llama-1b-q4_0.gguf
  [ -f "$big" ] || "$edgelm" synth --arch llama --preset 1b --type q4_0 --seed 1 -o "$big"
  echo "== $big (random weights: the text is noise, the speed is real)"
  "$edgelm" run -m "$big" -p "Once upon a time" -n 64 --seed 42 -t "$(nproc)"
fi
