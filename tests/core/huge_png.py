"""A PNG of huge dimensions that takes a few kilobytes on disk: a black 1-bit image.

Pillow refuses to open an image of more than twice `Image.MAX_IMAGE_PIXELS` pixels (a
decompression bomb). The file is written chunk by chunk, so making it never holds the
image in memory.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_huge_png(path: Path, width: int = 15000, height: int = 15000) -> Path:
    """A `width` x `height` black grayscale PNG of 1 bit per pixel."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, grayscale
    row = bytes(1 + (width + 7) // 8)  # filter byte 0, then the row's pixels, all 0
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
                     + chunk(b"IEND", b""))  # fmt: skip
    return path
