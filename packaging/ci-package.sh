#!/usr/bin/env bash
# Package round trip for CI: from an existing, built CMake build folder (default: build),
#  1. installs into a temporary prefix and runs kinglet-cli from there (relocatable install);
#  2. builds the Debian package with cpack;
#  3. installs it with apt-get, runs kinglet-cli --version, kinglet-cli generate on the
#     packaged demo model and kinglet --smoke-test (offscreen) when the app is packaged,
#     validates the installed desktop entry, AppStream metainfo and man page;
#  4. removes the package and checks that nothing of it is left.
# Exits non-zero on the first failure (the package is removed on the way out anyway).
#
#   bash packaging/ci-package.sh [BUILD_DIR]
# Needs: root or sudo, apt-get, cpack, dpkg-shlibdeps (dpkg-dev), desktop-file-validate
# (desktop-file-utils), appstreamcli (appstream); scripts/setup-deps.sh installs them.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
build=${1:-build}
[[ "$build" = /* ]] || build="$root/$build"
app_id=io.github.kinglet.Kinglet
pkg=kinglet

say() { printf '\n== ci-package: %s\n' "$*"; }
fail() { printf 'ci-package: FAIL: %s\n' "$*" >&2; exit 1; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
apt_env=(env DEBIAN_FRONTEND=noninteractive)

for tool in cmake cpack dpkg-deb dpkg-shlibdeps apt-get desktop-file-validate appstreamcli; do
  command -v "$tool" >/dev/null || fail "$tool is missing (run scripts/setup-deps.sh)"
done
[ -f "$build/CPackConfig.cmake" ] || fail "$build is not a configured build folder (no CPackConfig.cmake)"
[ -x "$build/bin/kinglet-cli" ] || fail "$build/bin/kinglet-cli is not built"

version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[ -n "$version" ] || fail "no CPACK_PACKAGE_VERSION in $build/CPackConfig.cmake"

tmp=$(mktemp -d)
installed=0
cleanup() {
  local rc=$?
  if [ "$installed" = 1 ]; then
    echo "ci-package: removing $pkg after a failure"
    "${sudo_cmd[@]}" "${apt_env[@]}" apt-get remove -y -qq "$pkg" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

# ---- 1. relocatable install tree ---------------------------------------------------------
say "cmake --install into a temporary prefix"
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
out=$("$tmp/prefix/bin/kinglet-cli" --version) || fail "installed kinglet-cli --version"
[ "$out" = "kinglet-cli $version" ] || fail "installed kinglet-cli --version printed '$out', not 'kinglet-cli $version'"
if [ -f "$tmp/prefix/share/kinglet/models/stories260K.gguf" ]; then
  # No -m: the CLI must find the demo model next to itself, not in the build tree.
  out=$(cd "$tmp" && "$tmp/prefix/bin/kinglet-cli" generate -p "Once" -n 8 --temp 0 2>/dev/null) \
    || fail "kinglet-cli generate with the demo model of the temporary prefix"
  [ -n "${out//[[:space:]]/}" ] || fail "kinglet-cli generate printed nothing"
  echo "relocated kinglet-cli wrote:$out"
fi
if [ -x "$tmp/prefix/bin/kinglet" ]; then
  # The app too must find the demo model next to itself: its smoke test then has it answer.
  out=$(cd "$tmp" && QT_QPA_PLATFORM=offscreen timeout 300 "$tmp/prefix/bin/kinglet" --smoke-test 2>&1) \
    || { echo "$out"; fail "kinglet --smoke-test from the temporary prefix"; }
  echo "$out" | grep '^smoke test:' || true
  if [ -f "$tmp/prefix/share/kinglet/models/stories260K.gguf" ]; then
    [[ "$out" == *answered* ]] || fail "the relocated kinglet did not answer with the demo model of its prefix"
  fi
fi

# ---- 2. the Debian package ------------------------------------------------------------
say "cpack -G DEB in $build"
rm -f "$build/${pkg}"_*.deb
(cd "$build" && cpack -G DEB) >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; fail "cpack"; }
debs=("$build/${pkg}"_*.deb)
if [ ! -f "${debs[0]}" ] || [ ${#debs[@]} -ne 1 ]; then fail "expected one ${pkg}_*.deb in $build"; fi
deb=${debs[0]}
echo "built $deb"
dpkg-deb -f "$deb"
[ "$(dpkg-deb -f "$deb" Package)" = "$pkg" ] || fail "package name is not $pkg"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "package version is not $version"
dpkg-deb -f "$deb" Depends | grep -q 'libc6' || fail "Depends has no libc6: shlibdeps did not run"
dpkg-deb -c "$deb" >"$tmp/contents"
grep -q '\./usr/bin/kinglet-cli$' "$tmp/contents" || fail "the package has no /usr/bin/kinglet-cli"
grep -q '\./usr/share/man/man1/kinglet-cli\.1' "$tmp/contents" || fail "the package has no kinglet-cli man page"
if [ -n "${CI:-}" ]; then
  grep -q '\./usr/share/kinglet/models/stories260K\.gguf$' "$tmp/contents" \
    || fail "CI is set but the package has no demo model (is ../shared/models there?)"
fi

# ---- 3. install, run, validate ----------------------------------------------------------
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
  say "removing a previously installed $pkg"
  "${sudo_cmd[@]}" "${apt_env[@]}" apt-get remove -y -qq "$pkg"
fi
say "apt-get install $deb"
installed=1
# apt-get wants a path with a slash to take it as a file.
"${sudo_cmd[@]}" "${apt_env[@]}" apt-get install -y -qq --no-install-recommends "$deb" \
  || fail "apt-get install $deb"
hash -r

say "kinglet-cli --version"
[ "$(command -v kinglet-cli)" = /usr/bin/kinglet-cli ] || fail "kinglet-cli is not /usr/bin/kinglet-cli"
out=$(kinglet-cli --version) || fail "kinglet-cli --version"
echo "$out"
[ "$out" = "kinglet-cli $version" ] || fail "kinglet-cli --version printed '$out', not 'kinglet-cli $version'"

model=/usr/share/kinglet/models/stories260K.gguf
if [ -f "$model" ]; then
  say "kinglet-cli generate with the packaged demo model"
  out=$(kinglet-cli generate -m "$model" -p "Once" -n 8) || fail "kinglet-cli generate -m $model"
  [ -n "${out//[[:space:]]/}" ] || fail "kinglet-cli generate printed nothing"
  echo "generated:$out"
  out=$(cd / && kinglet-cli generate -p "Once" -n 8 2>/dev/null) || fail "kinglet-cli generate without -m (demo model lookup)"
  [ -n "${out//[[:space:]]/}" ] || fail "kinglet-cli generate without -m printed nothing"
else
  echo "ci-package: the package has no demo model; generate skipped"
fi

if [ -x /usr/bin/kinglet ]; then
  say "kinglet --version and --smoke-test (offscreen)"
  out=$(QT_QPA_PLATFORM=offscreen kinglet --version 2>/dev/null) || fail "kinglet --version"
  echo "$out"
  [[ "$out" == *"$version"* ]] || fail "kinglet --version printed '$out', without $version"
  (cd / && QT_QPA_PLATFORM=offscreen timeout 300 kinglet --smoke-test) || fail "kinglet --smoke-test"

  say "desktop entry, metainfo and icons"
  desktop=/usr/share/applications/$app_id.desktop
  metainfo=/usr/share/metainfo/$app_id.metainfo.xml
  [ -f "$desktop" ] || fail "$desktop is not installed"
  [ -f "$metainfo" ] || fail "$metainfo is not installed"
  desktop-file-validate "$desktop" || fail "desktop-file-validate $desktop"
  appstreamcli validate --no-net "$metainfo" || fail "appstreamcli validate $metainfo"
  for icon in scalable/apps/$app_id.svg 16x16/apps/$app_id.png 32x32/apps/$app_id.png 48x48/apps/$app_id.png \
              64x64/apps/$app_id.png 128x128/apps/$app_id.png 256x256/apps/$app_id.png; do
    [ -f "/usr/share/icons/hicolor/$icon" ] || fail "icon $icon is not installed"
  done
else
  echo "ci-package: no /usr/bin/kinglet in the package (app not built); app checks skipped,"
  echo "            validating the desktop entry and metainfo sources instead"
  desktop-file-validate packaging/linux/$app_id.desktop || fail "desktop-file-validate"
  appstreamcli validate --no-net packaging/linux/$app_id.metainfo.xml || fail "appstreamcli validate"
fi

if command -v man >/dev/null; then
  say "man page"
  warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z \
             /usr/share/man/man1/kinglet-cli.1* 2>&1 >/dev/null) || fail "man kinglet-cli"
  [ -z "$warnings" ] || { echo "$warnings"; fail "the man page has groff warnings"; }
fi

# ---- 4. remove ------------------------------------------------------------------------
say "apt-get remove $pkg"
"${sudo_cmd[@]}" "${apt_env[@]}" apt-get remove -y -qq "$pkg" || fail "apt-get remove $pkg"
installed=0
hash -r
for path in /usr/bin/kinglet-cli /usr/bin/kinglet /usr/share/kinglet /usr/share/applications/$app_id.desktop \
            /usr/share/metainfo/$app_id.metainfo.xml /usr/share/icons/hicolor/scalable/apps/$app_id.svg \
            /usr/share/man/man1/kinglet-cli.1; do
  [ ! -e "$path" ] || fail "$path is still there after apt-get remove"
done
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
  fail "$pkg is still installed"
fi

say "OK: $deb installs, runs, validates and removes cleanly"
