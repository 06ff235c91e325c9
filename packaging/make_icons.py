"""Make the Windows and macOS program icons from the one drawing in the repository,
``resources/icons/casuskamer.svg``:

    .venv/bin/python packaging/make_icons.py        (or: make icons)

writes ``packaging/casuskamer.ico`` (16 to 256 pixels, for the Windows exe, its shortcuts and
the installer) and ``packaging/casuskamer.icns`` (16 to 1024 pixels, for the macOS app). Both
are committed, so a build machine needs nothing but the spec; run this again after changing
the SVG. Qt draws the SVG (QtSvg, already part of the program); both formats hold PNG
images, written here with ``struct`` (no image library needed).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "casuskamer.svg"
ICO = ROOT / "packaging" / "casuskamer.ico"
ICNS = ROOT / "packaging" / "casuskamer.icns"

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: the PNG-holding icns types and their sizes (icp4..ic10)
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
              (b"ic09", 512), (b"ic10", 1024))


def render_png(size: int) -> bytes:
    """The SVG drawn at ``size`` x ``size`` pixels, as PNG bytes (transparent corners)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        render_png.app = QGuiApplication([])  # type: ignore[attr-defined]  # kept alive
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An .ico file holding PNG images (Windows Vista and later read those)."""
    sizes = sorted(images)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        png = images[size]
        dim = 0 if size >= 256 else size  # 0 means 256 in the directory entry
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def icns_bytes(images: dict[bytes, bytes]) -> bytes:
    """An .icns file holding PNG images."""
    body = b"".join(kind + struct.pack(">I", 8 + len(png)) + png
                    for kind, png in images.items())
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    pngs = {size: render_png(size) for size in sorted({*ICO_SIZES, *(s for _k, s in ICNS_TYPES)})}
    ICO.write_bytes(ico_bytes({size: pngs[size] for size in ICO_SIZES}))
    ICNS.write_bytes(icns_bytes({kind: pngs[size] for kind, size in ICNS_TYPES}))
    for path in (ICO, ICNS):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
