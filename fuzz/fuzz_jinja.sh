#!/usr/bin/env bash
# Builds the Jinja engine's libFuzzer harness with ASan+UBSan straight from
# src/chat/jinja (not part of the CMake build) and runs it.
#
#   fuzz/fuzz_jinja.sh [RUNS] [extra libFuzzer flags...]
#
# RUNS defaults to 200000 (-runs); the run also stops after 10 minutes. Seeds are
# the chat templates of ../shared/chat/templates (each alone and followed by the
# variables of a reference record) plus a dictionary of Jinja syntax. Output goes
# to $FUZZ_OUT (default build-fuzz-jinja/): seeds/, corpus/ and crash-* artifacts.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-$root/build-fuzz-jinja}
runs=${1:-200000}
shift $(( $# > 0 ? 1 : 0 ))
cxx=${CXX:-clang++-14}
shared=${EDGELM_SHARED_DIR:-$root/../shared}

mkdir -p "$out/seeds" "$out/corpus"
if [[ -d "$shared/chat/templates" ]]; then
  echo "== writing seeds"
  python3 - "$shared/chat" "$out/seeds" <<'PY'
import json, pathlib, sys
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
records = [json.loads(l) for l in (src / "rendered" / "google-gemma-4-31B-it.public.jsonl").read_text().split("\n") if l]
for i, t in enumerate(sorted((src / "templates").glob("*.jinja"))):
    text = t.read_bytes()
    (dst / f"template-{i}").write_bytes(text)
    r = records[(7 * i) % len(records)]
    variables = {"messages": r["messages"], "tools": r["tools"], **r["kwargs"], "bos_token": "<bos>"}
    (dst / f"template-{i}-vars").write_bytes(text + b"\n\x00\n" + json.dumps(variables).encode())
PY
fi
cat > "$out/jinja.dict" <<'DICT'
"{{"
"}}"
"{%"
"%}"
"{#"
"#}"
"{%-"
"-%}"
"{{-"
"-}}"
"{% if "
"{% elif "
"{% else %}"
"{% endif %}"
"{% for "
" in "
"{% endfor %}"
"{% set "
"{% endset %}"
"{% macro "
"{% endmacro %}"
"{% call "
"{% endcall %}"
"{% filter "
"{% endfilter %}"
"{% raw %}"
"{% endraw %}"
"{% break %}"
"{% continue %}"
"namespace("
"range("
"loop."
"caller()"
"|tojson"
"|dictsort"
"|items"
"|map("
"|selectattr("
"|join("
"|default("
" is defined"
" is mapping"
" not in "
" and "
" or "
" if "
" else "
"raise_exception("
"strftime_now("
"**"
"//"
"~"
DICT

echo "== building fuzzer (ASan + UBSan)"
"$cxx" -std=c++20 -g -O1 -fno-omit-frame-pointer -I"$root/src" -I"$root/include" \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  "$root"/src/chat/jinja/*.cpp "$root/fuzz/fuzz_jinja.cpp" -licuuc -o "$out/fuzz_jinja"

echo "== fuzzing for $runs inputs"
"$out/fuzz_jinja" -runs="$runs" -max_total_time=600 -max_len=65536 -timeout=10 -malloc_limit_mb=512 \
  -rss_limit_mb=2048 -dict="$out/jinja.dict" -print_final_stats=1 -artifact_prefix="$out/" "$@" \
  "$out/corpus" "$out/seeds"
