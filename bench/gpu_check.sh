#!/usr/bin/env bash
# One device call of a GPU session (pack first with bench/gpu_pack.sh): unpacks .gpu/, makes
# the NVIDIA driver's Vulkan ICD visible, and then, each step under its own time limit so that
# one hang cannot eat the call:
#   1. kinglet-cli devices;
#   2. the Vulkan tests on the GPU (its shaders differ from lavapipe's: tensor cores, 32-wide
#      subgroups, split-K on the tensor-core kernel);
#   3. a profile (GPU time per shader) of the 0.5B Q4_K_M shape;
#   4. A/B speed runs (bench/ab.sh, A = defaults, on both shapes in Q4_K_M and Q8_0) of the
#      switches whose defaults wait on a GPU measurement:
#      - session 16's three, together (B = as before: blocking waits for each token, token ids
#        and positions read over PCIe from host memory, barriers that always name the transfer
#        stage): KINGLET_VK_FENCE_SPIN=0, KINGLET_VK_INPUTS_IN_HOST_MEMORY=1 and
#        KINGLET_VK_FULL_BARRIERS=1; each is a step of its own as well;
#      - KINGLET_VK_MATVEC_GENERIC=1 (session 17; B = as before: every decode dispatch on one
#        pipeline holding the code of all the fused modes and of up to 4 tokens; A = a pipeline
#        per set of modes, and for one token in a decode step, so that a plain product carries
#        no rotation or pairing code, nor the registers of 4 tokens' sums; 1.5x for decode on lavapipe);
#      - KINGLET_VK_MATVEC_ROWS=8,GROUP=2 (rows a subgroup sums together, reading their
#        activations once, a group a subgroup; 1.7x on lavapipe).
#   5. with a baseline in the pack (GPU_PACK_BASE_REV), this build against it (step `base`).
# Steps that are not defaults (to fit 540 s): `depth` (generation at depths 0 and 2048, then a
# profile at 2048; session 14 measured it), `clocks`, and any `ab:` switch, e.g.
# KINGLET_VK_NO_FUSION=1 (session 14 found generation 4-9 % slower than session 8's on Q8_0 and
# on the 1B shape), KINGLET_VK_MATVEC_GROUP=2 alone (4 rows a workgroup: two subgroups a group,
# meeting in shared memory) or ROWS=16,GROUP=4. Settled on an H200 in session 14:
# KINGLET_VK_SPLIT_K=1, KINGLET_MAX_BATCH=256 or 1024, KINGLET_VK_MATVEC_ROWS=8 or 16 (all slower),
# KINGLET_VK_MATVEC_WIDE=2048 and KINGLET_VK_NO_PROMPT_ATTENTION=1 (noise level).
# Everything goes to stdout and to $OUT/gpu_check.log (the device tool returns $OUT).
# Arguments choose steps: devices, tests, profile, depth, clocks (SM clock and load while generating),
# ab:K=V or ab:K=V,K2=V2 (any switches), base; default: all of the above but depth and clocks.
# GPU_CHECK_REPS (3: the depth and base steps), GPU_CHECK_AB_REPS (2: the switch A/Bs),
# GPU_CHECK_AB_ARGS (bench/ab.sh arguments of the switch A/Bs, e.g. "--presets qwen2.5-0.5b
# --types Q4_K_M" for one shape), GPU_CHECK_BASE_ARGS (the base step's; by default both shapes in
# Q4_K_M and Q8_0: the figures issue 6 asks for) and GPU_CHECK_TEST_TIMEOUT (150 s a Vulkan test)
# size it. The default steps: about 8 minutes on an H200, estimated from session 14's step times (the
# tests 100 s; a run of ab.sh on the four shapes about 25 s a shape at 3 reps, most of it loading
# the model, so about 80 s for an A/B at 2 reps and 110 s for the base step).
#   bash bench/gpu_check.sh devices ab:KINGLET_VK_SPLIT_K=1
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
out=${OUT:-/tmp/gpu_check}
mkdir -p "$out"
log="$out/gpu_check.log"
exec > >(tee -a "$log") 2>&1
k=/tmp/k
reps=${GPU_CHECK_REPS:-3}

if [ ! -x "$k/bin/kinglet-cli" ]; then
  mkdir -p "$k"
  tar -xJf .gpu/pack.tar.xz -C /tmp || { echo "gpu_check: no .gpu/pack.tar.xz (run bench/gpu_pack.sh, carry .gpu)"; exit 1; }
  for f in .gpu/debs/*.deb; do dpkg -x "$f" / ; done
  ldconfig 2>/dev/null || true
fi
export LD_LIBRARY_PATH="$k/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The tests look for ../shared where the build found it (/work/shared here).
if [ ! -d /work/shared/models ]; then mkdir -p /work && ln -sfn "$k/shared" /work/shared; fi
icd=$(ls /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
        /etc/vulkan/icd.d/nvidia_icd.json 2>/dev/null | head -1)
[ -n "$icd" ] && export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
export KINGLET_SHARED_DIR="$k/shared" KINGLET_BENCH_MODELS=/tmp/bm QT_QPA_PLATFORM=offscreen
mkdir -p /tmp/bm

# The 0.5B shape in type $1 (random weights), made once.
synth() {
  local m=/tmp/bm/qwen2.5-0.5b-$1.gguf
  [ -f "$m" ] || "$k/bin/kinglet-cli" synth --preset qwen2.5-0.5b --type "$1" --vocab-dir "$k/shared/tokenizer" -o "$m" >/dev/null
  echo "$m"
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(devices tests profile
                                 ab:KINGLET_VK_FENCE_SPIN=0,KINGLET_VK_INPUTS_IN_HOST_MEMORY=1,KINGLET_VK_FULL_BARRIERS=1
                                 ab:KINGLET_VK_MATVEC_GENERIC=1 ab:KINGLET_VK_MATVEC_ROWS=8,KINGLET_VK_MATVEC_GROUP=2 base)
step_start=$(date +%s)
for step in "${steps[@]}"; do
  echo "== $step ($(( $(date +%s) - step_start )) s in)"
  case "$step" in
    devices)
      nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv 2>/dev/null
      "$k/bin/kinglet-cli" devices ;;
    tests)
      for t in test_vulkan_split_k test_vulkan_attention test_vulkan test_vulkan_types test_vulkan_matvec; do
        timeout "${GPU_CHECK_TEST_TIMEOUT:-150}" "$k/bin/$t" > "$out/$t.txt" 2>&1
        echo "$t: rc $? ($(grep -E '^Totals' "$out/$t.txt"))"
        grep -E '^FAIL|max rel diff' "$out/$t.txt" | head -20
      done ;;
    profile)  # GPU time per shader and the host's gap between decode steps: one 512-token prompt
              # and 128 generated tokens, 0.5B Q4_K_M
      KINGLET_VK_PROFILE=1 timeout 120 "$k/bin/kinglet-cli" bench -m "$(synth Q4_K_M)" -p 512 -n 128 -r 1 --backend vulkan ;;
    depth)  # generation at depths 0 and 2048 (0.5B Q4_K_M), then a profile at 2048
      for d in 0 2048; do
        timeout 100 "$k/bin/kinglet-cli" bench -m "$(synth Q4_K_M)" -p 0 -n 128 -d "$d" -r "$reps" --backend vulkan
      done
      KINGLET_VK_PROFILE=1 timeout 100 "$k/bin/kinglet-cli" bench -m "$(synth Q4_K_M)" -p 0 -n 32 -d 2048 -r 1 --backend vulkan ;;
    clocks)  # the SM clock and load while generating: are short decode kernels run at full clocks?
      nvidia-smi --query-gpu=clocks.sm,clocks.mem,utilization.gpu,power.draw --format=csv,noheader,nounits -lms 100 \
        > "$out/clocks.csv" 2>/dev/null &
      smi=$!
      timeout 60 "$k/bin/kinglet-cli" bench -m "$(synth Q4_K_M)" -p 0 -n 512 -r 3 --backend vulkan
      kill "$smi" 2>/dev/null
      python3 - "$out/clocks.csv" <<'PY'
import statistics, sys
rows = [[float(v) for v in line.split(",")] for line in open(sys.argv[1]) if line.count(",") == 3 and "N/A" not in line]
busy = [r for r in rows if r[2] >= 50] or rows
for i, name in enumerate(["SM MHz", "memory MHz", "load %", "power W"]):
    v = sorted(r[i] for r in busy)
    print(f"{name}: min {v[0]:.0f}, median {statistics.median(v):.0f}, max {v[-1]:.0f} ({len(v)} samples, load >= 50 %)")
PY
      ;;
    ab:*)  # ab:K=V or ab:K=V,K2=V2 (several switches at once)
      timeout 200 bash "$repo/bench/ab.sh" --a "$k/bin/kinglet-cli" --b "$k/bin/kinglet-cli" --env-b "$(tr , ' ' <<< "${step#ab:}")" \
        --backend vulkan -r "${GPU_CHECK_AB_REPS:-2}" ${GPU_CHECK_AB_ARGS:-} ;;
    base)  # A = the packed baseline build, B = this one
      if [ -x "$k/bin/kinglet-cli-base" ]; then
        timeout 200 bash "$repo/bench/ab.sh" --a "$k/bin/kinglet-cli-base" --b "$k/bin/kinglet-cli" \
          --backend vulkan -r "$reps" ${GPU_CHECK_BASE_ARGS:-}
      else
        echo "no baseline packed (GPU_PACK_BASE_REV=REV bash bench/gpu_pack.sh)"
      fi ;;
    *) echo "unknown step $step" ;;
  esac
done
echo "== done ($(( $(date +%s) - step_start )) s)"
