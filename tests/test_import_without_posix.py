"""The simulated half of the Windows proof (issue 21, point 6).

In a child Python, the POSIX-only modules (``fcntl``, ``termios``, ``pwd``, ``grp``,
``resource``) are hidden from the program's own code by a meta-path finder (and an import
hook for the ones the interpreter already loaded): an import of one of them from a module of
``app/`` or ``ui/`` raises ``ImportError``, as on Windows. Every module of ``app/`` and
``ui/`` must import there; then the vault is created, unlocked, backed up, locked and
unlocked again with ``app.platform`` set to Windows, so that the Windows branches of
``app.fs`` (no chmod, no folder fsync, the lstat check before opening the lock file),
``app.paths`` and ``app.vault.network`` run.

What cannot run here: portalocker decides by ``os.name`` when it is imported, so the lock
itself is ``flock`` in this child (its Windows branch, ``msvcrt.locking``, needs Windows); so
are ``GetDriveTypeW``, pywin32 and the event log. The CI definition runs the suite on a
Windows host for those.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCKED = ("fcntl", "termios", "pwd", "grp", "resource")

CHILD = r'''
import builtins, importlib, importlib.abc, json, os, pkgutil, sys, traceback
from pathlib import Path

BLOCKED = set(json.loads(sys.argv[1]))
ROOT = Path(sys.argv[2])
OURS = ("app", "ui")
refused = []


def ours(module_name):
    return module_name is not None and module_name.split(".")[0] in OURS


def importing_module():
    """The module whose code asked for the import (import machinery frames skipped)."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        filename = frame.f_code.co_filename
        if not (filename.startswith("<frozen") or "importlib" in filename
                or name == __name__):
            return name
        frame = frame.f_back
    return None


class HidePosix(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED and ours(importing_module()):
            refused.append(fullname)
            raise ImportError(f"No module named {fullname!r} (hidden: not on Windows)")
        return None


sys.meta_path.insert(0, HidePosix())
real_import = builtins.__import__


def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    # a module already loaded (by the interpreter or a library) skips the finders
    if level == 0 and name.split(".")[0] in BLOCKED and ours((globals or {}).get("__name__")):
        refused.append(name)
        raise ImportError(f"No module named {name!r} (hidden: not on Windows)")
    return real_import(name, globals, locals, fromlist, level)


builtins.__import__ = guarded_import

failures = {}
names = []
for package in OURS:
    for info in pkgutil.walk_packages([str(ROOT / package)], prefix=package + "."):
        if not info.name.endswith("migrations.env"):  # alembic's script, run only by alembic
            names.append(info.name)
for name in [*OURS, *sorted(names)]:
    try:
        importlib.import_module(name)
    except BaseException as exc:  # noqa: BLE001
        failures[name] = f"{type(exc).__name__}: {exc}"

from app.platform import simulated
from app.vault.keyslots import KdfParams
from app.vault.maintenance import backup, read_backup, verify
from app.vault.vault import Vault
from app import fs, paths

steps = []
work = Path(sys.argv[3])
with simulated("windows"):
    folder = work / "Şükrü Yılmaz" / "kluis"
    opened = Vault.create(folder, "beheerder", "correct paard batterij nietje",
                          kdf=KdfParams())
    steps.append("create")
    opened.lock()
    steps.append("lock")
    opened = Vault(folder).unlock("beheerder", "correct paard batterij nietje")
    steps.append("unlock")
    digest = backup(opened, work / "reservekopie.zip")
    manifest, _slots, _db = read_backup(work / "reservekopie.zip")
    steps.append("backup" if manifest["vault_id"] == opened.vault_id and digest else "bad")
    opened.lock()
    again = Vault(folder).unlock("beheerder", "correct paard batterij nietje")
    again.lock()
    steps.append("unlock again")
    windows_home = str(paths.folders("windows").vault)

print(json.dumps({"failures": failures, "refused": sorted(set(refused)), "steps": steps,
                  "modules": len(names), "windows_vault": windows_home}))
'''


def test_every_module_imports_and_the_vault_runs_without_posix_only_modules(
        tmp_path: Path) -> None:
    env = {"QT_QPA_PLATFORM": "offscreen", "CASUSKAMER_KDF_SECONDS": "0",
           "LOCALAPPDATA": "C:\\Users\\Şükrü Yılmaz\\AppData\\Local"}
    import os

    env = {**os.environ, **env}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(BLOCKED), str(ROOT), str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["failures"] == {}, report["failures"]
    assert report["refused"] == []  # none of our modules even asked for one
    assert report["modules"] > 100  # every module of app/ and ui/, not a handful
    assert report["steps"] == ["create", "lock", "unlock", "backup", "unlock again"]
    assert report["windows_vault"] == \
        "C:\\Users\\Şükrü Yılmaz\\AppData\\Local\\Casuskamer\\vault"


def test_the_hiding_works(tmp_path: Path) -> None:
    """The control: code of ours that imports fcntl fails in the child, whether fcntl is
    loaded yet (the meta-path finder) or already (the import hook), while a library may."""
    code = CHILD.split("failures = {}")[0] + (
        "seen = []\n"
        "sys.modules.pop('fcntl', None)\n"
        "for round in ('fresh', 'loaded'):\n"
        "    try:\n"
        "        exec('import fcntl', {'__name__': 'app.probe'})\n"
        "    except ImportError:\n"
        "        seen.append(round + ' hidden')\n"
        "    else:\n"
        "        seen.append(round + ' visible')\n"
        "    exec('import fcntl', {'__name__': 'somelibrary'})\n"
        "print(' '.join(seen))\n")
    result = subprocess.run([sys.executable, "-c", code, json.dumps(BLOCKED), str(ROOT),
                             str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                            timeout=120)
    assert result.stdout.strip() == "fresh hidden loaded hidden", result.stderr[-2000:]
