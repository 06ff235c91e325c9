"""The PyInstaller spec builds on Windows and macOS as well (issue 21, point 5): an .ico and an
.icns made from the SVG in the repository, a Windows version resource made from
pyproject.toml's version, a windowed desktop program beside the console command line, the
unused Qt parts left out, and a silent-install script for a managed roll-out.

The build itself runs on each platform in CI (.github/workflows/ci.yml, `make package`); here
the parts that can be checked on Linux are."""

from __future__ import annotations

import ast
import re
import struct
import sys
import tomllib
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC = (PACKAGING / "casuskamer.spec").read_text(encoding="utf-8")
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "version"]


def test_the_windows_icon_holds_every_size_windows_asks_for():
    with Image.open(PACKAGING / "casuskamer.ico") as ico:
        assert ico.format == "ICO"
        sizes = {w for w, _h in ico.info["sizes"]}
    assert {16, 24, 32, 48, 256} <= sizes  # Explorer, taskbar, Start menu, large icons


def test_the_macos_icon_holds_the_retina_sizes():
    data = (PACKAGING / "casuskamer.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    kinds, at = set(), 8
    while at < len(data):
        kinds.add(data[at:at + 4])
        at += struct.unpack(">I", data[at + 4:at + 8])[0]
    assert {b"icp4", b"icp5", b"ic07", b"ic08", b"ic09", b"ic10"} <= kinds
    with Image.open(PACKAGING / "casuskamer.icns") as icns:
        assert icns.size == (1024, 1024)


def test_the_icons_are_drawn_from_the_repositorys_svg():
    """The same picture: the 256-pixel icon's colours are the SVG's tile and house."""
    svg = (ROOT / "resources" / "icons" / "casuskamer.svg").read_text(encoding="utf-8")
    tile = re.search(r'<rect [^>]*fill="#([0-9a-f]{6})"', svg).group(1)
    with Image.open(PACKAGING / "casuskamer.ico") as ico:
        ico.size = (256, 256)
        rgba = ico.convert("RGBA")
    expected = tuple(int(tile[i:i + 2], 16) for i in (0, 2, 4))
    assert rgba.getpixel((30, 128))[:3] == expected  # the tile, left of the house
    assert rgba.getpixel((128, 180))[:3] == (255, 255, 255)  # the house
    assert rgba.getpixel((1, 1))[3] == 0  # rounded corner: transparent


def _evaluate_version_file(text: str) -> dict:
    """PyInstaller's version file is one Python expression of its classes: evaluate it with
    stand-ins that keep the arguments."""

    def keep(kind):
        return lambda *args, **kwargs: {"kind": kind, "args": args, **kwargs}

    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable",
             "StringStruct", "VarFileInfo", "VarStruct")
    tree = ast.parse(text, mode="eval")
    return eval(compile(tree, "version_info", "eval"), {n: keep(n) for n in names})


def test_the_windows_version_resource_carries_pyprojects_version(tmp_path):
    sys.path.insert(0, str(PACKAGING))
    try:
        import version_info
    finally:
        sys.path.remove(str(PACKAGING))
    path = version_info.write(tmp_path / "version_info.txt")
    info = _evaluate_version_file(path.read_text(encoding="utf-8"))
    numbers = tuple(int(n) for n in VERSION.split("."))
    expected = (numbers + (0, 0, 0, 0))[:4]
    assert info["ffi"]["filevers"] == expected and info["ffi"]["prodvers"] == expected
    table = info["kids"][0]["args"][0][0]["args"][1]
    strings = {s["args"][0]: s["args"][1] for s in table}
    assert strings["ProductVersion"] == VERSION
    assert strings["ProductName"] == "Casuskamer"
    assert strings["OriginalFilename"] == "casuskamer.exe"


def _exe_blocks(spec: str) -> list[str]:
    return re.findall(r"EXE\(  # noqa: F821\n(.*?)\n\s*\)\n", spec, re.S)


def test_the_spec_makes_a_windowed_program_with_icon_and_version():
    blocks = _exe_blocks(SPEC)
    windowed = [b for b in blocks if re.search(r"console=False", b)]
    console = [b for b in blocks if re.search(r"console=True", b)]
    assert windowed, "no executable without a console window"
    assert console, "the command line needs a console executable"
    for block in blocks:
        assert "icon=icon" in block and "version=version" in block
    assert "casuskamer.ico" in SPEC and "casuskamer.icns" in SPEC
    assert "version_info.write" in SPEC


@pytest.mark.parametrize("name", [
    "PySide6/Qt/lib/libQt6Quick.so.6", "PySide6/Qt6Qml.dll",
    "PySide6/Qt/lib/QtQml.framework/Versions/A/QtQml", "PySide6/Qt6VirtualKeyboard.dll",
    "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
    "PySide6/Qt/lib/libQt6Pdf.so.6", "PySide6/plugins/imageformats/qpdf.dll",
    "PySide6/Qt/translations/qtbase_de.qm", "PySide6/translations/qt_zh_CN.qm",
    "PySide6/Qt/qml/QtQuick/Controls/libqtquickcontrols2plugin.so",
])
def test_the_spec_leaves_out_what_the_program_does_not_use(name):
    assert not _spec_keeps(name)


@pytest.mark.parametrize("name", [
    "PySide6/Qt/lib/libQt6Widgets.so.6", "PySide6/Qt6Charts.dll", "PySide6/Qt6Network.dll",
    "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/plugins/platforms/qwindows.dll",
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib", "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    "PySide6/Qt/plugins/imageformats/libqsvg.so", "PySide6/Qt/translations/qtbase_nl.qm",
    "pyphen/dictionaries/hyph_nl_NL.dic",
])
def test_the_spec_keeps_what_the_program_needs(name):
    assert _spec_keeps(name)


def _spec_keeps(name: str) -> bool:
    block = SPEC[SPEC.index("QT_UNUSED = re.compile("):SPEC.index("a.binaries = [")]
    namespace: dict = {"re": re}
    exec(block, namespace)  # the spec's own patterns and filter
    return bool(namespace["_kept"]((name, "", "BINARY")))


def test_a_silent_install_script_for_windows():
    iss = (PACKAGING / "windows" / "casuskamer.iss").read_text(encoding="utf-8")
    assert "PrivilegesRequired=admin" in iss  # per machine, Program Files
    assert re.search(r"Source:\s*\"[^\"]*dist\\casuskamer\\\*\"", iss)
    assert "casuskamerw.exe" in iss  # the Start menu starts the windowed program
    readme = (PACKAGING / "README.md").read_text(encoding="utf-8")
    assert "/VERYSILENT" in readme and "windows/casuskamer.iss" in readme
    assert "settings.ini" in readme and "locked" in readme
