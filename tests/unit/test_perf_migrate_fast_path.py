"""An unlock of a vault already at the newest schema runs no migration machinery (issue 23:
memory and the first start): Alembic, its ORM and a read of every migration script are
loaded only when a migration is due. The newest revision is read from the scripts' numbered
file names, which must agree with Alembic's own head."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.store import migrate
from app.vault.keyslots import KdfParams
from app.vault.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]

_UNLOCK = """
import json, sys
from pathlib import Path
from app.vault.vault import Vault
opened = Vault(Path(sys.argv[1])).unlock(sys.argv[2], sys.argv[3])
with opened.read() as conn:
    from app.store import migrate
    stored = migrate.stored_revision(conn)
opened.lock(audit_it=False)
print(json.dumps({"alembic": sorted(m for m in sys.modules if m.split(".")[0] == "alembic"),
                  "stored": stored}))
"""


def test_the_newest_script_is_alembics_head() -> None:
    assert migrate.newest_revision() == migrate.head_revision()


def test_an_unlock_at_the_newest_revision_loads_no_alembic(tmp_path: Path) -> None:
    folder = tmp_path / "kluis"
    Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams()).lock(audit_it=False)
    done = subprocess.run([sys.executable, "-c", _UNLOCK, str(folder), ADMIN,
                           ADMIN_PASSPHRASE], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["stored"] == migrate.newest_revision()
    assert seen["alembic"] == []


def test_a_database_behind_is_still_brought_to_the_newest() -> None:
    from sqlalchemy import create_engine

    revisions = migrate.all_revisions()
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        assert migrate.stored_revision(conn) is None
        migrate.upgrade(conn, revisions[-2])  # as an older program left it
        assert migrate.stored_revision(conn) == revisions[-2]
        migrate.upgrade(conn)
        assert migrate.stored_revision(conn) == revisions[-1] == migrate.newest_revision()
    engine.dispose()


_WINDOW_AND_UNLOCK = """
import json, sys
from pathlib import Path
import ui.main_window
from app.vault.vault import Vault
Vault(Path(sys.argv[1])).unlock(sys.argv[2], sys.argv[3]).lock(audit_it=False)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "zxcvbn")))
"""


def test_the_window_and_an_unlock_load_no_passphrase_dictionaries(tmp_path: Path) -> None:
    """zxcvbn and its dictionaries (about 13 MB) come with the first passphrase checked,
    not with the program's window or an unlock (which checks none)."""
    folder = tmp_path / "kluis"
    Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams()).lock(audit_it=False)
    done = subprocess.run([sys.executable, "-c", _WINDOW_AND_UNLOCK, str(folder), ADMIN,
                           ADMIN_PASSPHRASE], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    from app.domain.passphrase import estimate

    assert estimate("kort")["score"] == 0  # and a check still loads and uses them
