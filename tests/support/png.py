"""Just enough PNG for screenshot checks, stdlib only: decode, count colours, crop."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # grey, RGB, grey+alpha, RGBA (8 bit, no palette)


@dataclass
class Image:
    width: int
    height: int
    rows: list[list[tuple[int, int, int]]]  # RGB, alpha dropped

    def pixels(self, box: tuple[int, int, int, int] | None = None) -> list[tuple[int, int, int]]:
        x0, y0, x1, y1 = box or (0, 0, self.width, self.height)
        return [px for row in self.rows[y0:y1] for px in row[x0:x1]]

    def background(self) -> tuple[int, int, int]:
        """The most common colour: the bar's own background."""
        counts: dict[tuple[int, int, int], int] = {}
        for px in self.pixels():
            counts[px] = counts.get(px, 0) + 1
        return max(counts, key=counts.__getitem__)

    def ink_box(self, tolerance: int = 24) -> tuple[int, int, int, int] | None:
        """Bounding box of everything that is not background."""
        bg = self.background()
        xs, ys = [], []
        for y, row in enumerate(self.rows):
            for x, px in enumerate(row):
                if distance(px, bg) > tolerance:
                    xs.append(x)
                    ys.append(y)
        return (min(xs), min(ys), max(xs) + 1, max(ys) + 1) if xs else None


def distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]), abs(a[2] - b[2]))


def near(pixels: list[tuple[int, int, int]], color: str, tolerance: int = 40) -> int:
    """How many pixels are within ``tolerance`` of ``#rrggbb``."""
    target = (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))
    return sum(1 for px in pixels if distance(px, target) <= tolerance)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def decode(path: Path) -> Image:
    data = path.read_bytes()
    if not data.startswith(_SIGNATURE):
        raise ValueError(f"{path} is not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    if header is None:
        raise ValueError(f"{path} has no IHDR")
    width, height, depth, color_type, _, _, interlace = header
    if depth != 8 or color_type not in _CHANNELS or interlace:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {color_type}, interlace {interlace})")
    bpp = _CHANNELS[color_type]
    raw, stride = zlib.decompress(idat), width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = prev[i], prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (0, left, up, (left + up) // 2, _paeth(left, up, corner))[kind]) & 0xFF
        prev = line
        if bpp >= 3:
            rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        else:
            rows.append([(line[x],) * 3 for x in range(0, stride, bpp)])
    return Image(width, height, rows)  # type: ignore[arg-type]


def encode(image: Image, path: Path, box: tuple[int, int, int, int] | None = None) -> None:
    """Write ``box`` of the image as an 8-bit RGB PNG (the committed, cropped screenshots)."""
    x0, y0, x1, y1 = box or (0, 0, image.width, image.height)
    raw = b"".join(b"\x00" + bytes(c for px in row[x0:x1] for c in px) for row in image.rows[y0:y1])

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", x1 - x0, y1 - y0, 8, 2, 0, 0, 0)
    path.write_bytes(_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
