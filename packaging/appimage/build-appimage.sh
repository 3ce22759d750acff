#!/usr/bin/env bash
# Builds Kinglet-<version>-<arch>.AppImage with linuxdeploy and its Qt plugin.
#
#   packaging/appimage/build-appimage.sh [BUILD_DIR]      (default: build-appimage)
#
# Needs linuxdeploy-<arch>.AppImage and linuxdeploy-plugin-qt-<arch>.AppImage
# (https://github.com/linuxdeploy) in PATH or named by $LINUXDEPLOY / $LINUXDEPLOY_PLUGIN_QT,
# and the build dependencies of scripts/setup-deps.sh. Build on the oldest distribution you
# want to support (glibc is not bundled); Debian bookworm gives Qt 6.4 and glibc 2.36.
#
# Layout: AppDir/usr/{bin,lib,plugins,qml,share}. The app and the CLI find the demo model
# through <exe>/../share/kinglet, so the AppDir needs no path patching. libvulkan.so.1 and
# the GPU drivers come from the host (they are on linuxdeploy's exclude list, as they must).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build-appimage}
appdir="$build/AppDir"
arch=$(uname -m)
app_id=io.github.kinglet.Kinglet

linuxdeploy=${LINUXDEPLOY:-$(command -v linuxdeploy-"$arch".AppImage || command -v linuxdeploy || true)}
plugin_qt=${LINUXDEPLOY_PLUGIN_QT:-$(command -v linuxdeploy-plugin-qt-"$arch".AppImage || command -v linuxdeploy-plugin-qt || true)}
[ -n "$linuxdeploy" ] || { echo "build-appimage: linuxdeploy not found (set LINUXDEPLOY)" >&2; exit 1; }
[ -n "$plugin_qt" ] || { echo "build-appimage: linuxdeploy-plugin-qt not found (set LINUXDEPLOY_PLUGIN_QT)" >&2; exit 1; }
# linuxdeploy looks for its plugins in PATH under this name.
mkdir -p "$build/tools"
ln -sf "$(readlink -f "$plugin_qt")" "$build/tools/linuxdeploy-plugin-qt"
export PATH="$root/$build/tools:$PATH"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DKINGLET_BUILD_TESTS=OFF
cmake --build "$build" -j "$(nproc)"
rm -rf "$appdir"
DESTDIR="$root/$appdir" cmake --install "$build"

# linuxdeploy-plugin-qt: deploys the QML modules the UI imports (it scans QML_SOURCES_PATHS),
# the SQLite driver (the app links Qt6Sql) and xcb; Wayland needs the qt6-wayland package on
# the build machine and the platform plugins named here (recent plugin versions then add the
# shell-integration and decoration plugins).
export QML_SOURCES_PATHS="$root/ui"
export EXTRA_PLATFORM_PLUGINS="libqwayland-egl.so;libqwayland-generic.so"
export VERSION
VERSION=$(sed -n 's/^project(Kinglet VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
export OUTPUT="Kinglet-$VERSION-$arch.AppImage"

"$linuxdeploy" --appdir "$appdir" \
  --executable "$appdir/usr/bin/kinglet" \
  --executable "$appdir/usr/bin/kinglet-cli" \
  --desktop-file "$appdir/usr/share/applications/$app_id.desktop" \
  --icon-file "$appdir/usr/share/icons/hicolor/256x256/apps/$app_id.png" \
  --icon-file "$appdir/usr/share/icons/hicolor/scalable/apps/$app_id.svg" \
  --plugin qt \
  --output appimage
echo "build-appimage: wrote $OUTPUT"
