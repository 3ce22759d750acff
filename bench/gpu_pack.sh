#!/usr/bin/env bash
# Packs what a GPU session runs on the lent device machine (a bare machine with a GPU and
# nothing outside it reachable) into .gpu/, which git ignores through .git/info/exclude:
#   .gpu/pack.tar.xz  kinglet-cli and the Vulkan tests from build/, the shared libraries they
#                     load (not glibc's), and ../shared (models, references, vocabularies);
#   .gpu/debs/        the Vulkan loader (libvulkan1) and what the NVIDIA driver loads with it.
# Then one device call runs everything (bench/gpu_check.sh), e.g. with the device tool:
#   run(command="bash bench/gpu_check.sh", carry=[".gpu"], timeout_s=540)
# The tool carries at most 64 MiB: the pack is xz-compressed and checked against that.
# GPU_PACK_BASE_REV=REV also builds REV's kinglet-cli (engine only, in .gpu-base/, once per REV)
# and packs it as kinglet-cli-base, for gpu_check's `base` step: this build against that one.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${KINGLET_SHARED_DIR:-../shared}
bins=(kinglet-cli test_vulkan test_vulkan_attention test_vulkan_matvec test_vulkan_split_k test_vulkan_types)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/k/bin" "$stage/k/lib" .gpu/debs
for b in "${bins[@]}"; do cp "build/bin/$b" "$stage/k/bin/"; done
if [ -n "${GPU_PACK_BASE_REV:-}" ]; then
  rev=$(git rev-parse --verify "$GPU_PACK_BASE_REV^{commit}")
  if [ "$(cat .gpu-base/rev 2>/dev/null)" != "$rev" ]; then
    rm -rf .gpu-base && mkdir -p .gpu-base/src
    git archive "$rev" | tar -x -C .gpu-base/src
    cmake -S .gpu-base/src -B .gpu-base/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKINGLET_ENGINE_ONLY=ON \
      -DKINGLET_BUILD_TESTS=OFF >/dev/null
    cmake --build .gpu-base/build --target kinglet-cli -j "$(nproc)"
    echo "$rev" > .gpu-base/rev
  fi
  cp .gpu-base/build/bin/kinglet-cli "$stage/k/bin/kinglet-cli-base"
fi
# Every library the programs load, except the C library's own (the machine has those).
for b in "${bins[@]}"; do ldd "build/bin/$b"; done | awk '$3 ~ /^\// {print $3}' | sort -u |
  grep -vE '/(libc|libm|libdl|libpthread|librt|libresolv|ld-linux[^/]*)\.so' |
  while read -r lib; do cp -L "$lib" "$stage/k/lib/"; done
# ../shared without the F32/F16 models other than tiny-llama's (test_vulkan_types quantizes
# tiny-llama-f32; the others would not fit the 64 MiB): their references are skipped there.
mkdir -p "$stage/k/shared/models"
for d in README.md reference templates tokenizer; do cp -r "$shared/$d" "$stage/k/shared/"; done
for f in "$shared"/models/*; do
  case "$(basename "$f")" in
    tiny-llama-*) ;;
    *-f32.gguf|*-f16.gguf) continue ;;
  esac
  cp "$f" "$stage/k/shared/models/"
done
tar -C "$stage" -cf - k | xz -T0 -6 > .gpu/pack.tar.xz
# The loader and its GL/EGL companions, as Debian packages for dpkg -x (no apt on the machine).
rm -f .gpu/debs/*.deb
(cd .gpu/debs && apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1)
for d in /.gpu/ /.gpu-base/; do grep -qx "$d" .git/info/exclude 2>/dev/null || echo "$d" >> .git/info/exclude; done
bytes=$(du -cb .gpu | tail -1 | cut -f1)
echo "gpu_pack: .gpu holds $((bytes >> 20)) MiB (the device tool carries 64 MiB at most)"
[ "$bytes" -lt $((64 << 20)) ] || { echo "gpu_pack: too big to carry" >&2; exit 1; }
