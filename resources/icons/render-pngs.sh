#!/usr/bin/env bash
# Renders the PNG sizes of the app icon from the SVG (run once after editing the SVG;
# the PNGs are committed so the build needs no renderer). Needs rsvg-convert (librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")"
id=io.github.kinglet.Kinglet
for s in 16 32 48 64 128 256; do
  mkdir -p "${s}x${s}"
  rsvg-convert -w "$s" -h "$s" "$id.svg" -o "${s}x${s}/$id.png"
done
