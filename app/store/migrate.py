"""Schema migrations through Alembic, run on the vault's own keyed connection at unlock.

Migrations only go forward. ``upgrade(conn)`` brings a vault of any earlier revision to the
newest; ``current_revision(conn)`` says where a vault stands.

Alembic (and its ORM, about 11 MB and a read of every migration script) is imported only
when a migration is due or a revision is asked for: an unlock of a vault already at the
newest revision (almost every unlock) reads the one stored revision and compares it with the
newest script's number (:func:`newest_revision`: the scripts are numbered, ``0017_...``, and
each one's ``revision`` is its number; ``tests/unit/test_migrations.py`` holds Alembic's own
head to that).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_NUMBERED = re.compile(r"^(\d{4})_\w+\.py$")


@cache
def newest_revision() -> str:
    """The newest migration's revision, from the scripts' file names (no Alembic)."""
    numbers = [m.group(1) for p in (MIGRATIONS / "versions").iterdir()
               if (m := _NUMBERED.match(p.name))]
    return max(numbers)


def stored_revision(connection: Connection) -> str | None:
    """The revision the database says it is at (None: no migration has run), read without
    Alembic and without a failing statement (a failed one would end a server transaction)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def all_revisions() -> list[str]:
    """Every revision, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection, target: str = "head") -> None:
    if target == "head" and stored_revision(connection) == newest_revision():
        return  # already there: nothing to import, read or run
    from alembic import command

    command.upgrade(alembic_config(connection), target)
