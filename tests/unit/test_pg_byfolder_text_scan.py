"""``casuskamer verify`` lists the stored texts that hold an invisible or control character
(issue 25, point 3: "verify lists the record" for a process director to correct), on the
house server too (issue 22: "verify works on the server").

The scan read the vault file's own catalogue (``sqlite_master``, ``rowid``, ``group_concat``):
on the server it failed outright, and the server's verify did not list such texts at all.
There the texts are sealed, so each is opened on the workstation and judged there, of the
columns the role may read. Written from the rule (a name refuses every format character, a
prose text the bidi overrides) on one case with a name and an item written past the checks,
as data from before the rule is; the expected records are the ones written. Fails on HEAD
45f1d89 on the server (the scan's SQL is SQLite's; the server's verify printed no list)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.cli import main
from app.domain.information import Category
from app.domain.roles import Role
from app.store.case_tables import information_items, subjects
from app.vault.text_scan import text_findings
from app.vault.vault import OpenVault
from tests.conftest import ROLE_ACCOUNTS, ROLE_PASSPHRASE, unlock_as
from tests.pg_engine import vault_arg
from tests.unit.pg_centre_fixtures import admin  # noqa: F401  (fixture: both engines)
from tests.unit.retention_fixtures import make_case

ZWSP, RLO = "\u200b", "\u202e"
ITEM = "Melding van de wijkagent"


def _stored_before_the_rule(director: OpenVault) -> tuple[str, int, int]:
    """A case whose main subject's surname holds a zero-width space and whose item holds a
    right-to-left override, written by the rows' ids past the rule (as before issue 25);
    beside it a clean case. Returns (case number, subject id, item id)."""
    made = make_case(director, surname="Jansen", items=[("politie", Category.POLICE, ITEM)])
    make_case(director, surname="Pietersen", given="Anna", bsn="123456782")
    with director.read() as conn:  # compared here: on the server the texts are sealed
        [subject_id] = [r.id for r in conn.execute(
            select(subjects.c.id, subjects.c.surname).where(subjects.c.case_id == made.id))
            if r.surname == "Jansen"]
        [item_id] = [r.id for r in conn.execute(
            select(information_items.c.id, information_items.c.text)) if r.text == ITEM]
    with director.begin() as conn:
        conn.execute(subjects.update().where(subjects.c.id == subject_id)
                     .values(surname=f"Jan{ZWSP}sen"))
        conn.execute(information_items.update().where(information_items.c.id == item_id)
                     .values(text=f"Melding {RLO}tnegakjiw{RLO} van de wijkagent"))
    return made.number, subject_id, item_id


def test_the_scan_names_each_record_and_its_case_never_the_text(admin: OpenVault  # noqa: F811
                                                                ) -> None:
    director = unlock_as(admin, Role.PROCESS_DIRECTOR)
    number, subject_id, item_id = _stored_before_the_rule(director)
    found = text_findings(director)
    assert [(f.table, f.column, f.record, f.case_number) for f in found] == [
        ("subjects", "surname", subject_id, number),
        ("information_items", "text", item_id, number)]


def test_verify_on_the_command_line_lists_them_for_the_process_director(
        admin: OpenVault, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    """``verify`` as the process director (on the server the role that reads the case
    tables): the two records with their case, none of the texts; still sound (a text to
    correct is no fault of the house)."""
    director = unlock_as(admin, Role.PROCESS_DIRECTOR)
    number, subject_id, item_id = _stored_before_the_rule(director)
    where = vault_arg(admin)
    director.lock(audit_it=False)
    admin.lock(audit_it=False)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ROLE_PASSPHRASE)
    capsys.readouterr()
    code = main(["verify", "--vault", where, "--account", ROLE_ACCOUNTS[Role.PROCESS_DIRECTOR],
                 "--lang", "en"])
    out: Any = capsys.readouterr().out
    assert code == 0, out
    assert f"subjects.surname #{subject_id} ({number})" in out
    assert f"information_items.text #{item_id} ({number})" in out
    assert "2 stored texts hold an invisible or control character" in out
    for secret in ("Jan", "tnegakjiw", "wijkagent", "Pietersen"):
        assert secret not in out
