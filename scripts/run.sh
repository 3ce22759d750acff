#!/usr/bin/env bash
# Sets up, builds and starts Kinglet: the desktop app when it was built, otherwise a
# terminal chat on the demo model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-deps.sh
bash scripts/build.sh
if [ -x build/bin/kinglet ]; then
  exec build/bin/kinglet "$@"
fi
exec build/bin/kinglet-cli chat "$@"
