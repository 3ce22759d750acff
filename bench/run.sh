#!/usr/bin/env bash
# Speed benchmark: measures the machine's memory read bandwidth, makes random-weight
# models with the exact shapes of Qwen2.5-0.5B and Llama-3.2-1B (kinglet-cli synth),
# runs `kinglet-cli bench` on each for every SIMD level, and prints one table.
#   [KINGLET_CLI=build-x/bin/kinglet-cli] [KINGLET_BENCH_MODELS=dir] bench/run.sh [--threads N] [--levels "avx512 avx2 scalar"] [--types "Q4_K_M Q8_0 Q4_0"]
#                [--presets "qwen2.5-0.5b llama-3.2-1b"] [-p 512] [-n 128] [-r 3] [--backend cpu|vulkan]
# With --backend vulkan the SIMD levels do not apply (one row per model) and the bandwidth
# column is left out: the machine's memory bandwidth says nothing about the GPU's.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=${KINGLET_CLI:-build/bin/kinglet-cli}
threads=2; levels="avx512 avx2 scalar"; types="Q4_K_M Q8_0 Q4_0"; presets="qwen2.5-0.5b llama-3.2-1b"
pp=512; tg=128; reps=3; backend=cpu
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --levels) levels=$2; shift 2 ;;
    --types) types=$2; shift 2 ;;
    --presets) presets=$2; shift 2 ;;
    -p) pp=$2; shift 2 ;;
    -n) tg=$2; shift 2 ;;
    -r) reps=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 1 ;;
  esac
done
[ -x "$cli" ] || { echo "build first: bash scripts/build.sh" >&2; exit 1; }
vocab=${KINGLET_SHARED_DIR:-../shared}/tokenizer
models=${KINGLET_BENCH_MODELS:-build/bench-models}
mkdir -p "$models"

bw=0
if [ "$backend" = cpu ]; then
  # Memory read bandwidth with $threads threads: bench/membw.cpp, built here (C++ compiler).
  "${CXX:-c++}" -O2 -march=native -pthread -o "$models/membw" bench/membw.cpp
  bw=$("$models/membw" "$threads")
  echo "memory read bandwidth (approx., $threads threads): $bw GB/s"
else
  levels=default
fi
printf "| model | type | backend | pp%s tok/s | tg%s tok/s | tg x size / bandwidth | peak RSS MiB |\n" "$pp" "$tg"
echo "|---|---|---|---|---|---|---|"
for preset in $presets; do
  for type in $types; do
    f="$models/$preset-$type.gguf"
    [ -f "$f" ] || "$cli" synth --preset "$preset" --type "$type" --vocab-dir "$vocab" -o "$f" 2>/dev/null
    for level in $levels; do
      cpu_env=(); [ "$level" = default ] || cpu_env=(KINGLET_CPU="$level")
      out=$( { /usr/bin/time -f "%M" env "${cpu_env[@]}" "$cli" bench -m "$f" -p "$pp" -n "$tg" -r "$reps" \
               --threads "$threads" --backend "$backend" --json; } 2>&1 )
      json=$(echo "$out" | grep '^{')
      rss_kb=$(echo "$out" | grep -E '^[0-9]+$' | tail -1)
      python3 - "$preset" "$type" "$level" "$bw" "$rss_kb" "$json" <<'PY'
import json, sys
preset, type_, level, bw, rss, js = sys.argv[1:7]
j = json.loads(js)
frac = f'{100 * j["tg_tps"] * j["model_bytes"] / (float(bw) * 1e9):.0f}%' if float(bw) > 0 else "-"
print(f"| {preset} | {type_} | {j['backend']} | {j['pp_tps']:.1f} | {j['tg_tps']:.1f} | {frac} | {int(rss)/1024:.0f} |")
PY
    done
  done
done
