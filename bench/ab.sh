#!/usr/bin/env bash
# A/B speed comparison in one run: two kinglet-cli binaries (or one binary under two
# environments) benchmarked on the same synthetic models, interleaved run by run so that
# a machine's drift (clocks, other load) hits both alike; prints each side's median and
# the ratio B/A. For GPU sessions: one prepared call answers "is this change faster?".
#   bench/ab.sh --a CLI_A --b CLI_B [--env-a "K=V ..."] [--env-b "K=V ..."] [--backend cpu|vulkan]
#               [--types "Q4_K_M Q8_0"] [--presets "qwen2.5-0.5b llama-3.2-1b"] [-p 512] [-n 128] [-d 0] [-r 5]
#   (-d: generation timed with that many tokens already in the context)
# Example: bench/ab.sh --a build/bin/kinglet-cli --b build/bin/kinglet-cli --env-b KINGLET_VK_NO_SUBGROUPS=1 --backend vulkan
set -euo pipefail
cd "$(dirname "$0")/.."
a=""; b=""; env_a=""; env_b=""; backend=cpu; types="Q4_K_M Q8_0"; presets="qwen2.5-0.5b llama-3.2-1b"
pp=512; tg=128; depth=0; reps=5
while [ $# -gt 0 ]; do
  case "$1" in
    --a) a=$2; shift 2 ;;
    --b) b=$2; shift 2 ;;
    --env-a) env_a=$2; shift 2 ;;
    --env-b) env_b=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    --types) types=$2; shift 2 ;;
    --presets) presets=$2; shift 2 ;;
    -p) pp=$2; shift 2 ;;
    -n) tg=$2; shift 2 ;;
    -d) depth=$2; shift 2 ;;
    -r) reps=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 1 ;;
  esac
done
[ -x "$a" ] && [ -x "$b" ] || { echo "give two executables: --a CLI --b CLI" >&2; exit 1; }
vocab=${KINGLET_SHARED_DIR:-../shared}/tokenizer
models=${KINGLET_BENCH_MODELS:-build/bench-models}
mkdir -p "$models"

# One bench run (-r 1): prints "pp tg" in tok/s.
run() {  # run CLI "ENV" FILE
  local out
  local at=()  # -d only when asked for: older builds (a baseline) do not know it
  [ "$depth" -gt 0 ] && at=(-d "$depth")
  out=$(env $2 "$1" bench -m "$3" -p "$pp" -n "$tg" "${at[@]}" -r 1 --backend "$backend" --json 2>/dev/null | grep '^{')
  python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(j["pp_tps"], j["tg_tps"])' "$out"
}

printf "| model | type | A pp | B pp | B/A pp | A tg | B tg | B/A tg |\n|---|---|---|---|---|---|---|---|\n"
for preset in $presets; do
  for type in $types; do
    f="$models/$preset-$type.gguf"
    [ -f "$f" ] || "$a" synth --preset "$preset" --type "$type" --vocab-dir "$vocab" -o "$f" >/dev/null 2>&1
    run "$a" "$env_a" "$f" >/dev/null  # warm-up: page cache, shader caches, clocks
    results=""
    for _ in $(seq "$reps"); do
      results+="A $(run "$a" "$env_a" "$f")"$'\n'
      results+="B $(run "$b" "$env_b" "$f")"$'\n'
    done
    python3 - "$preset" "$type" "$results" <<'PY'
import statistics, sys
preset, type_, text = sys.argv[1:4]
runs = {"A": [], "B": []}
for line in text.strip().splitlines():
    side, pp, tg = line.split()
    runs[side].append((float(pp), float(tg)))
med = {s: [statistics.median(x[i] for x in r) for i in (0, 1)] for s, r in runs.items()}
(app, atg), (bpp, btg) = med["A"], med["B"]
ratio = lambda b, a: f"{b / a:.3f}" if a > 0 else "-"  # -p 0 or -n 0: nothing measured
print(f"| {preset} | {type_} | {app:.1f} | {bpp:.1f} | {ratio(bpp, app)} | {atg:.1f} | {btg:.1f} | {ratio(btg, atg)} |")
PY
  done
done
