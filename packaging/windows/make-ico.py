#!/usr/bin/env python3
"""Writes packaging/windows/kinglet.ico from the committed icon PNGs (PNG-compressed ICO
entries, read by Windows Vista and later). Standard library only."""
import struct
import sys
from pathlib import Path

root = Path(__file__).resolve().parents[2]
app_id = "io.github.kinglet.Kinglet"
sizes = [16, 32, 48, 64, 128, 256]
images = [(s, (root / "resources/icons" / f"{s}x{s}" / f"{app_id}.png").read_bytes()) for s in sizes]
out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("kinglet.ico")
header = struct.pack("<HHH", 0, 1, len(images))
offset = len(header) + 16 * len(images)
entries, data = b"", b""
for size, png in images:
    dim = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
    entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset + len(data))
    data += png
out.write_bytes(header + entries + data)
