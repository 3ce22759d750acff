#!/usr/bin/env bash
# Builds the fuzz targets (clang, AddressSanitizer, UndefinedBehaviorSanitizer, libFuzzer)
# in build-fuzz/ and runs each for a while, starting from seeds made of ../shared's models,
# templates and some text. Usage: tests/fuzz/run.sh [seconds per target, default 60].
# A finding is written as crash-*/timeout-*/oom-* in build-fuzz/findings/; replay one with
#   build-fuzz/bin/fuzz_<target> FILE
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
jobs=$(nproc 2>/dev/null || echo 2)
shared=$(cd "${KINGLET_SHARED_DIR:-../shared}" && pwd)

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKINGLET_FUZZ=ON \
  -DKINGLET_ENGINE_ONLY=ON -DKINGLET_BUILD_APP=OFF -DKINGLET_BUILD_TESTS=OFF -DKINGLET_SHARED_DIR="$shared" >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzz_gguf_model fuzz_chat_template fuzz_tokenizer

seeds=build-fuzz/seeds
mkdir -p "$seeds"/{gguf_model,chat_template,tokenizer} build-fuzz/findings
# Model seeds: byte 0 picks the base file, byte 1 the kind of edits (see fuzz_gguf_model.cpp).
for i in $(seq 0 9); do
  for kind in 0 1; do printf "\\x$(printf %02x "$i")\\x0$kind" > "$seeds/gguf_model/base-$i-$kind"; done
done
# Template seeds: the shared templates, behind one options byte.
python3 - "$shared/templates" "$seeds/chat_template" <<'PY'
import json, pathlib, sys
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for i, f in enumerate(sorted(src.glob("*.json"))):
    tmpl = json.loads(f.read_text()).get("template")
    if isinstance(tmpl, str):
        (dst / f.stem).write_bytes(bytes([i * 37 % 64]) + tmpl.encode())
PY
# Tokenizer seeds: byte 0 picks the vocabulary (see fuzz_tokenizer.cpp), then text: llama.cpp's
# tokenizer test inputs in ../shared/tokenizer, each for the real vocabularies (5-9).
python3 - "$shared/tokenizer" "$seeds/tokenizer" <<'PY'
import pathlib, sys
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
n = 0
for f in sorted(src.glob("*.inp")):
    for case in f.read_bytes().split(b"\n__ggml_vocab_test__\n")[:-1]:
        for vocab in range(5, 10):
            (dst / f"inp-{n}").write_bytes(bytes([vocab]) + case)
            n += 1
PY

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
run() {  # target, extra flags...
  local target=$1; shift
  mkdir -p "build-fuzz/corpus/$target"
  echo "== $target ($seconds s)"
  "build-fuzz/bin/fuzz_$target" "build-fuzz/corpus/$target" "$seeds/$target" -max_total_time="$seconds" \
    -timeout=20 -rss_limit_mb=4096 -artifact_prefix="build-fuzz/findings/$target-" -print_final_stats=1 "$@"
}
run gguf_model -max_len=512
run chat_template -max_len=32768 -dict=tests/fuzz/jinja.dict
run tokenizer -max_len=1024
