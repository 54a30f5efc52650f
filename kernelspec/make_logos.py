"""Draws the kernel's logos (kernelspec/logo-32x32.png, logo-64x64.png) with the standard
library only: a rounded teal tile with three "stream" bars of growing length, the last one
highlighted like a live row. Run: python3 kernelspec/make_logos.py"""
import struct
import zlib
from pathlib import Path

TEAL = (0, 114, 138, 255)
WHITE = (255, 255, 255, 255)
AMBER = (255, 193, 7, 255)
CLEAR = (0, 0, 0, 0)


def pixel(x, y, n):
    r = n * 0.18  # corner radius
    cx = min(max(x + 0.5, r), n - r)
    cy = min(max(y + 0.5, r), n - r)
    if (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 > r * r:
        return CLEAR
    bar_h = n * 0.12
    for i, (length, colour) in enumerate([(0.45, WHITE), (0.6, WHITE), (0.75, AMBER)]):
        top = n * (0.22 + i * 0.2)
        if top <= y < top + bar_h and n * 0.14 <= x < n * (0.14 + length):
            return colour
    return TEAL


def png(n):
    rows = b"".join(b"\x00" + bytes(c for x in range(n) for c in pixel(x, y, n)) for y in range(n))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", n, n, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    here = Path(__file__).parent
    for n in (32, 64):
        (here / f"logo-{n}x{n}.png").write_bytes(png(n))
