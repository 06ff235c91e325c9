"""Copy the licence texts of the bundled libraries into ``resources/licenses/``.

Run it after upgrading a dependency (``.venv/bin/python packaging/collect_licenses.py``);
the About box (``ui.help.COMPONENTS``) names these files, and the PyInstaller build ships the
folder. Texts come from the installed packages' own metadata, the LGPL/GPL from the
system's common licences, Python's from the running interpreter. ``SQLCipher.txt`` (the
library inside sqlcipher3, whose wheel carries only its own zlib licence) and
``Qt-NOTICE.txt`` (how the LGPL is met) are written by hand and left alone here.
"""

from __future__ import annotations

import shutil
import sys
from importlib.metadata import distribution
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "resources" / "licenses"

#: target file -> (distribution, licence file inside its dist-info)
FROM_DISTRIBUTIONS = {
    "sqlcipher3.txt": ("sqlcipher3", "LICENSE"),
    "reportlab.txt": ("reportlab", "LICENSE"),
    "pypdf.txt": ("pypdf", "LICENSE"),
    "SQLAlchemy.txt": ("SQLAlchemy", "LICENSE"),
    "alembic.txt": ("alembic", "LICENSE"),
    "Mako.txt": ("Mako", "LICENSE"),
    "MarkupSafe.txt": ("MarkupSafe", "LICENSE.txt"),
    "cryptography.txt": ("cryptography", "LICENSE"),
    "cryptography-APACHE.txt": ("cryptography", "LICENSE.APACHE"),
    "cryptography-BSD.txt": ("cryptography", "LICENSE.BSD"),
    "cffi.txt": ("cffi", "LICENSE"),
    "Babel.txt": ("Babel", "LICENSE"),
    "platformdirs.txt": ("platformdirs", "LICENSE"),
    "uharfbuzz.txt": ("uharfbuzz", "LICENSE"),
    "typing_extensions.txt": ("typing_extensions", "LICENSE"),
}
FROM_SYSTEM = {
    "LGPL-3.0.txt": Path("/usr/share/common-licenses/LGPL-3"),
    "GPL-3.0.txt": Path("/usr/share/common-licenses/GPL-3"),
}


def licence_of(dist_name: str, file_name: str) -> str:
    dist = distribution(dist_name)
    for candidate in (f"licenses/{file_name}", file_name):
        text = dist.read_text(candidate)
        if text:
            return text
    raise FileNotFoundError(f"{dist_name}: no {file_name}")


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    for target, (dist_name, file_name) in FROM_DISTRIBUTIONS.items():
        (TARGET / target).write_text(licence_of(dist_name, file_name), encoding="utf-8")
    for target, source in FROM_SYSTEM.items():
        shutil.copyfile(source, TARGET / target)
    shutil.copyfile(ROOT / "resources" / "fonts" / "LICENSE-DejaVu.txt", TARGET / "DejaVu.txt")
    python_licence = Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}." \
        f"{sys.version_info.minor}" / "LICENSE.txt"
    if python_licence.exists():
        shutil.copyfile(python_licence, TARGET / "Python.txt")
    print(f"licence texts in {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
