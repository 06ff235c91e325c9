"""The Windows version resource of casuskamer.exe (Explorer's Details tab, the installer, the
software inventory of Intune/ConfigMgr), made from pyproject.toml's version at build time:

    python packaging/version_info.py build/version_info.txt

The spec calls :func:`write` on Windows and hands the file to PyInstaller's ``EXE(version=)``
(PyInstaller's own text format, read by ``PyInstaller.utils.win32.versioninfo``).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COMPANY = "Zorg- en Veiligheidshuis"
DESCRIPTION = "Casuskamer - casusregie voor het Zorg- en Veiligheidshuis"
PRODUCT = "Casuskamer"
LICENCE = "EUPL-1.2"


def project_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """Four numbers for the fixed part ("0.1.0rc1" -> (0, 1, 0, 0))."""
    numbers = [int(n) for n in re.findall(r"\d+", version.split("+")[0])[:4]]
    release = re.match(r"^\d+(?:\.\d+)*", version)
    if release:  # only the release segment counts (no 'rc1' as a fourth number)
        numbers = [int(n) for n in release.group(0).split(".")][:4]
    return tuple((numbers + [0, 0, 0, 0])[:4])  # type: ignore[return-value]


def version_file_text(version: str, exe_name: str = "casuskamer.exe") -> str:
    four = version_tuple(version)
    dotted = ".".join(str(n) for n in four)
    strings = [("CompanyName", COMPANY), ("FileDescription", DESCRIPTION),
               ("FileVersion", dotted), ("InternalName", "casuskamer"),
               ("LegalCopyright", f"Licence {LICENCE}"), ("OriginalFilename", exe_name),
               ("ProductName", PRODUCT), ("ProductVersion", version)]
    table = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings)
    # 0x0413: Dutch (Netherlands); 1200: Unicode
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={four},
    prodvers={four},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable(
        '041304B0',
        [
{table}
        ])
    ]),
    VarFileInfo([VarStruct('Translation', [0x0413, 1200])])
  ]
)
"""


def write(target: Path, version: str | None = None, exe_name: str = "casuskamer.exe") -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(version_file_text(version or project_version(), exe_name),
                      encoding="utf-8")
    return target


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/version_info.txt")
    print(write(out))
