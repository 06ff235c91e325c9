"""The faster paths of issue 23 give what the plain way gives (behaviour, not timing):

- the Cases list builds a row object only for the rows a view shows (a table showing a
  screenful of a long list builds about a screenful), and its search keys and referring
  parties, read without building rows, are those of every listed case;
- the follow-up list (one statement now) gives every open action of an open case with its
  note count, soonest due first (no date last), then case number and party;
- the audit chain, walked a batch of rows at a time, still finds a changed row in a later
  batch, and the hash is SHA-256 over the JSON of the previous hash and the row's fields.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.services import cases as case_service
from app.services import followup
from app.store import audit
from app.store.db import connect_raw
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.unit.demo_house import make_demo_house, unlocked

DIRECTOR, PASSPHRASE = "regisseur", "snelle lijsten zonder omwegen graag"
TODAY = date.today()


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_house(tmp_path_factory.mktemp("perf") / "kluis", cases=300,
                           seed=5, today=TODAY, director=DIRECTOR, passphrase=PASSPHRASE)


@pytest.fixture
def director(demo_folder: Path) -> Iterator[OpenVault]:
    with unlocked(demo_folder, DIRECTOR, PASSPHRASE) as opened:
        yield opened


def test_a_view_of_the_case_list_builds_only_the_rows_it_shows(director: OpenVault,
                                                                qtbot: object) -> None:
    from PySide6.QtWidgets import QApplication, QTableView

    from ui.cases.case_table import CaseFilterProxy, CaseTableModel

    built: list[int] = []
    real = case_service.CaseRow._make

    def counting(values: object) -> case_service.CaseRow:
        built.append(1)
        return real(values)  # type: ignore[arg-type]

    case_service.CaseRow._make = counting  # type: ignore[method-assign, assignment]
    try:
        rows = case_service.list_cases(director)
        assert len(rows) > 100
        model = CaseTableModel()
        model.set_rows(rows)
        proxy = CaseFilterProxy()
        proxy.setSourceModel(model)
        view = QTableView()
        view.setModel(proxy)
        view.resize(800, 300)  # about ten rows high
        view.show()
        qtbot.waitExposed(view)  # type: ignore[attr-defined]
        QApplication.processEvents()
        view.repaint()
        QApplication.processEvents()
        shown = len(built)
        view.close()
    finally:
        case_service.CaseRow._make = real  # type: ignore[method-assign]
    assert 0 < shown <= 60, f"{shown} rows built for a view about ten rows high"


def test_search_keys_and_parties_are_every_listed_cases(director: OpenVault) -> None:
    rows = case_service.list_cases(director)
    with director.read() as conn:
        expected = dict(conn.exec_driver_sql(
            "SELECT c.number, cs.search_key FROM cases c JOIN case_search cs "
            "ON cs.case_id = c.id WHERE c.state != 'destroyed'").fetchall())
        parties = {r[0] for r in conn.exec_driver_sql(
            "SELECT DISTINCT p.name FROM cases c JOIN parties p ON p.id = "
            "c.referring_party_id WHERE c.state != 'destroyed'").fetchall()}
    from ui.cases.case_table import CaseTableModel

    model = CaseTableModel()
    model.set_rows(rows)
    keys = model.search_keys()
    assert len(keys) == len(expected)
    assert dict(zip((r.number for r in rows), keys)) == expected
    assert model.referring_parties() == parties
    # and the answer compares as the list of its rows does
    assert rows == list(rows) and rows[:3] == [rows[0], rows[1], rows[2]]


def test_open_actions_with_note_counts_in_due_order(director: OpenVault) -> None:
    found = followup.open_actions(director, today=TODAY)
    with director.read() as conn:
        oracle = conn.exec_driver_sql(
            "SELECT c.number, a.key, p.name, a.due, "
            "(SELECT count(*) FROM plan_action_notes n WHERE n.action_id = a.id) "
            "FROM plan_actions a, plans pl, cases c, parties p "
            "WHERE pl.id = a.plan_id AND c.id = pl.case_id AND p.id = a.party_id "
            "AND a.status IN ('open', 'in_progress') "
            "AND c.state IN ('referred', 'intake', 'triage', 'scheduled', 'in_progress')"
        ).fetchall()
    assert oracle, "the demo has open actions"
    assert {(a.case_number, a.action_key): a.notes for a in found} == {
        (number, key): notes for number, key, _party, _due, notes in oracle}
    keys = [(a.due is None, a.due or date.max, a.case_number, a.party) for a in found]
    assert keys == sorted(keys)
    for a in found:
        assert a.overdue == (a.due is not None and a.due < TODAY)
        assert a.days_overdue == ((TODAY - a.due).days if a.overdue and a.due else 0)


def test_the_chain_walk_finds_a_change_in_a_later_batch(admin_vault: OpenVault,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    monkeypatch.setattr(audit, "CHAIN_BATCH", 4)
    for i in range(30):
        admin_vault.log_now("case.open", "case", f"ZVH-2026-{i:04d}")
    with admin_vault.read() as conn:
        assert audit.verify_chain(conn) == []
        row = conn.exec_driver_sql("SELECT * FROM audit_log WHERE id = 22").mappings().one()
    # the rule, written out: SHA-256 over the JSON of the previous hash and the fields
    payload = json.dumps([row["prev_hash"]] + [row[f] for f in audit.HASHED_FIELDS],
                         ensure_ascii=True, separators=(",", ":"))
    assert hashlib.sha256(payload.encode("ascii")).hexdigest() == row["hash"]
    key = admin_vault.data_key
    folder = admin_vault.vault.folder
    admin_vault.lock()
    raw = connect_raw(folder / "casuskamer.db", key)
    raw.execute("DROP TRIGGER audit_log_no_update")
    raw.execute("UPDATE audit_log SET object_id = 'ZVH-2026-9999' WHERE id = 22")
    raw.close()
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        with opened.read() as conn:
            problems = audit.verify_chain(conn)
    finally:
        opened.lock(audit_it=False)
    assert [(p.row_id, p.what) for p in problems] == [
        (22, "row content does not match its hash")]
