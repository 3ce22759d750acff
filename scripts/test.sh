#!/usr/bin/env bash
# Sets up, builds and runs every test: the full build with ctest, then the engine and
# its tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$jobs"

# Package round trip (build the .deb, install it, run it, remove it). It changes the
# system's packages, so it runs in CI or when asked for with KINGLET_PACKAGE_TEST=1.
if [ -n "${CI:-}" ] || [ "${KINGLET_PACKAGE_TEST:-}" = 1 ]; then
  bash packaging/ci-package.sh build
else
  echo "test.sh: package round trip skipped (set KINGLET_PACKAGE_TEST=1 to run it)"
fi

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKINGLET_SANITIZE=ON \
      -DKINGLET_ENGINE_ONLY=ON -DKINGLET_BUILD_APP=OFF
cmake --build build-asan -j "$jobs"
# The engine under the sanitizers on the CPU backend; the tests that open a Vulkan device
# (label "vulkan") separately without leak checking, because Mesa's software driver
# (lavapipe) leaks on unload by itself.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 KINGLET_BACKEND=cpu \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE vulkan
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -L vulkan
