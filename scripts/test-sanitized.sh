#!/usr/bin/env bash
# The hostile-input side of the test suite a second time, built with
# AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/): loaders and
# model files, GGUF, Jinja templates, grammars and schemas, tool calls,
# tokenizers, session state files, the server's request handling (bodies
# fuzzed, clients that hang up), the hub client's downloads and listings, the
# evaluation scorers (Python-call parser, regexes, agent sandbox). Any
# sanitizer report fails the run.
#
#   scripts/test-sanitized.sh        (after scripts/install-deps.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(test_gguf test_models test_chat_template test_grammar test_grammar_toolcalls test_toolcalls test_sampler
         test_tokenizer test_memory test_api test_server test_hub test_ifeval test_bfcl test_agent test_suites)
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Release -DEDGELM_SANITIZE=ON -DEDGELM_BENCH=OFF -DEDGELM_NODE_TESTS=OFF \
  -DEDGELM_TEST_MODULES="gguf;tokenizer;sample;chat;models;memory;api;server;hub;eval" > /dev/null
cmake --build build-asan -j "$(nproc)" --target "${targets[@]}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The golden logit comparisons in every mode repeat what the plain run checks
# and take most of the time under the sanitizers; one mode per model is kept.
ctest --test-dir build-asan --output-on-failure -j "$(nproc)"
