"""``casuskamer demo --cases 100000`` in a minute (issue 23, point 6): a NEW demo vault (made-up
data under the published demo passphrase) is made in a process without SQLCipher's memory
security, which is one setting for the whole process; adding to a vault that exists keeps
it on, as the program always does. The generator's SQL is in app/store/demo_rows.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from app.store.demo_rows import sql_value
from app.vault.vault import OpenVault

ROOT = Path(__file__).resolve().parents[2]

#: builds a demo vault in a fresh process and prints what SQLCipher's memory security was
#: while the cases were written (a connection of the vault asked from inside the generator)
SCRIPT = """
import sys
from pathlib import Path
from app.services import demo

seen = []
fill = demo._fill

def watching(opened, cases, seed):
    with opened.read() as conn:
        seen.append(conn.exec_driver_sql("PRAGMA cipher_memory_security").scalar())
    return fill(opened, cases, seed)

demo._fill = watching
demo.build_demo_vault(Path(sys.argv[1]), "demo wachtzin voor de test", cases=int(sys.argv[2]),
                      seed=int(sys.argv[3]))
print("memory_security", seen[0])
"""


def _build(folder: Path, cases: int, seed: int) -> str:
    env = {**os.environ, "CASUSKAMER_KDF_SECONDS": "0"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(folder), str(cases), str(seed)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split("memory_security", 1)[1].strip()


def test_a_new_demo_vault_is_made_without_memory_security_an_existing_one_with(
        tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    assert _build(folder, 30, 1) == "0"
    # adding to a vault that exists (it might not be a demo vault): memory security on
    assert _build(folder, 10, 2) == "1"


def test_the_program_keeps_memory_security_on(admin_vault: OpenVault) -> None:
    with admin_vault.read() as conn:
        assert str(conn.exec_driver_sql("PRAGMA cipher_memory_security").scalar()) == "1"


def test_stored_times_are_the_text_sqlalchemy_writes() -> None:
    """The demo's bulk writes store dates and times as SQLAlchemy does
    ("%Y-%m-%d %H:%M:%S.%f"), so the program reads them back."""
    assert sql_value(datetime(2026, 3, 4, 9, 5)) == "2026-03-04 09:05:00.000000"
    assert sql_value(datetime(2026, 3, 4, 9, 5, 7, 12)) == "2026-03-04 09:05:07.000012"
    assert sql_value(date(2026, 3, 4)) == "2026-03-04"
    assert sql_value(True) == 1
