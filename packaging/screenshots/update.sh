#!/usr/bin/env bash
# Regenerates the screenshots the AppStream metainfo shows (chat.png and
# welcome.png) from the real app, offscreen, at 1000x700: the welcome test grabs its
# window and, with KINGLET_SCREENSHOT_DIR set, writes them here. Needs ../shared (the
# demo model) and a build with the app.
#
#   bash packaging/screenshots/update.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
cmake --build "$build" --target test_app_welcome
QT_QPA_PLATFORM=offscreen KINGLET_SCREENSHOT_DIR="$PWD/packaging/screenshots" \
  "$build/bin/test_app_welcome" -silent
ls -l packaging/screenshots/*.png
