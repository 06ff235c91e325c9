"""Smoke test of the built program (run by ``make package``, not by ``make test``).

    python packaging/smoke.py dist/casuskamer

0. The folder holds none of the Qt parts the program does not use (Qt Quick/QML, the virtual
   keyboard, QtPdf, Qt translations other than Dutch and English: the spec's QT_UNUSED),
   and on Windows and macOS the windowed ``casuskamerw`` beside the console ``casuskamer``.
1. ``casuskamer --version`` answers with the version.
2. ``casuskamer demo --vault D`` makes a small demo vault with the built program itself
   (so the migrations, seed data and SQLCipher inside the folder are used).
3. ``casuskamer gui --vault D`` starts offscreen with ``CASUSKAMER_SMOKE_EXIT=unlock``: the
   program quits as soon as its unlock screen is shown and prints how long that took; this
   script also measures the wall time from starting the process.

Nothing runs from the source tree: PYTHONPATH is cleared and the working folder is a
temporary one, so a missing file in the build fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSPHRASE = "smoke test demo kluis casuskamer"


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


#: what must not be in the built folder (file names on Linux, Windows and macOS)
UNUSED_QT = re.compile(r"(^|/)(lib)?Qt6?(Qml|Quick|VirtualKeyboard|Pdf)[^/]*$"
                       r"|/Qt6?(Qml|Quick|VirtualKeyboard|Pdf)[^/]*\.framework/"
                       r"|qtvirtualkeyboardplugin|/imageformats/(lib)?qpdf")
OTHER_QT_LANGUAGE = re.compile(r"/translations/[a-z_]+_(?!nl\.qm$|en\.qm$)[a-zA-Z_]+\.qm$")


def unused_parts(folder: Path) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        name = "/" + path.relative_to(folder).as_posix()
        if UNUSED_QT.search(name) or OTHER_QT_LANGUAGE.search(name):
            found.append(name)
    return sorted(found)


def run(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float) -> tuple[str, float]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(f"FAILED ({done.returncode}): {' '.join(cmd)}\n{done.stdout}\n"
                         f"{done.stderr}\n")
        raise SystemExit(1)
    return done.stdout + done.stderr, took


def main(argv: list[str]) -> int:
    build = Path(argv[1] if len(argv) > 1 else "dist/casuskamer").resolve()
    exe = build / ("casuskamer.exe" if sys.platform == "win32" else "casuskamer")
    if not exe.exists():
        print(f"no built program at {exe}", file=sys.stderr)
        return 1
    from app import __version__  # the version the build must report

    unused = unused_parts(build)
    if unused:
        print("Qt parts the program does not use are in the build:\n  " + "\n  ".join(
            unused[:20]), file=sys.stderr)
        return 1
    if sys.platform in ("win32", "darwin"):
        windowed = build / ("casuskamerw.exe" if sys.platform == "win32" else "casuskamerw")
        if not windowed.exists():
            print(f"no windowed program at {windowed}", file=sys.stderr)
            return 1
    print("no unused Qt parts in the build")

    with tempfile.TemporaryDirectory(prefix="casuskamer-smoke-") as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_"))}
        # Every standard folder into the sandbox: the smoke test never touches the real ones.
        for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
                     "XDG_STATE_HOME", "APPDATA", "LOCALAPPDATA"):
            (work / name.lower()).mkdir()
            env[name] = str(work / name.lower())
        env["CASUSKAMER_PASSPHRASE"] = PASSPHRASE
        env["QT_QPA_PLATFORM"] = "offscreen"

        out, took = run([str(exe), "--version"], env, work, 60)
        if __version__ not in out:
            print(f"--version said {out!r}, expected {__version__}", file=sys.stderr)
            return 1
        print(f"--version: {out.strip()} ({took:.2f} s)")

        vault = work / "demo-vault"
        out, took = run([str(exe), "demo", "--vault", str(vault), "--cases", "12"], env,
                        work, 600)
        if not (vault / "casuskamer.db").exists():
            print(f"demo made no vault:\n{out}", file=sys.stderr)
            return 1
        print(f"demo vault made by the built program in {took:.1f} s")

        out, _took = run([str(exe), "verify", "--vault", str(vault)], env, work, 300)
        print("verify: the demo vault is sound")

        env_gui = dict(env, CASUSKAMER_SMOKE_EXIT="unlock")
        env_gui.pop("CASUSKAMER_PASSPHRASE")
        timings = []
        for _attempt in range(3):  # the first start warms the disk cache; report all
            out, took = run([str(exe), "gui", "--vault", str(vault), "--lang", "nl"], env_gui,
                            work, 120)
            shown = re.search(r"unlock screen shown after ([0-9.]+) s", out)
            if not shown:
                print(f"the unlock screen was not shown:\n{out}", file=sys.stderr)
                return 1
            timings.append((took, float(shown.group(1))))
        for n, (wall, inside) in enumerate(timings, 1):
            print(f"gui start {n}: unlock screen after {wall:.2f} s from process start "
                  f"({inside:.2f} s inside Python)")

    size = folder_size(build)
    print(f"built folder {build}: {size / 1024 / 1024:.0f} MiB")
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
