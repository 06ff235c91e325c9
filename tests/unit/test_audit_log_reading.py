"""The audit log for the privacy officer (issue 17, point 5): read, filter and page it, export
it as CSV or JSON from the service and the command line, and log searches without the text.

Found by the review: "there is no way to read or export the audit log"; "the case search box
is never audited". Each test below failed before (no service, no command) and passes now.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from app.cli import main
from app.domain.roles import Role
from app.errors import PermissionDenied, ValidationError
from app.services import accounts as account_service
from app.services import audit_log
from app.store.tables import audit_log as audit_table
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault
from tests.pg_engine import vault_args
from tests.conftest import ADMIN_PASSPHRASE

DIRECTOR, DIRECTOR_PASS = "regisseur", "regie voeren over de casus"


def _rows(vault: OpenVault) -> list[dict[str, object]]:
    with vault.read() as conn:
        return [dict(r._mapping) for r in conn.execute(audit_table.select()
                                                        .order_by(audit_table.c.id))]


@pytest.fixture
def logged(admin_vault: OpenVault) -> OpenVault:
    """A vault with rows on two cases, a meeting naming one of them, a subject and a
    refusal, written as the services write them."""
    v = admin_vault
    v.log_now("case.view", "case", "ZVH-2026-0001")
    v.log_now("export.handout", "case", "ZVH-2026-0001", detail={"party_id": 3})
    v.log_now("export.plan", "case", "ZVH-2026-0002")
    v.log_now("meeting.room_load", "meeting", 7, detail={"cases": ["ZVH-2026-0001"]})
    v.log_now("subject.copy", "subject", 41, detail={"field": "bsn"})
    v.log_now("denied", "case", "ZVH-2026-0002", "denied", {"permission": "case_work"})
    return v


def test_filters_find_exactly_the_rows_asked_for(logged: OpenVault) -> None:
    def actions(**kw: object) -> list[str]:
        rows = audit_log.read_page(logged, audit_log.AuditFilter(**kw), log_it=False)
        return [r.action for r in rows]

    assert actions(case="zvh-2026-0001") == ["meeting.room_load", "export.handout",
                                             "case.view"]
    assert actions(action="export") == ["export.plan", "export.handout"]
    assert actions(action="export.plan") == ["export.plan"]
    assert actions(subject_id=41) == ["subject.copy"]
    assert actions(result="denied") == ["denied"]
    assert "case.view" in actions(account="beheerder")
    assert actions(account="niemand") == []
    today = date.today()
    assert "case.view" in actions(since=today, until=today)
    assert actions(until=date(2000, 1, 1)) == []
    with pytest.raises(ValidationError):
        audit_log.read_page(logged, audit_log.AuditFilter(since=today,
                                                          until=date(2000, 1, 1)))


def test_rows_carry_the_nen_7513_fields(logged: OpenVault) -> None:
    row = audit_log.read_page(logged, audit_log.AuditFilter(action="case.view"),
                              log_it=False)[0]
    assert row.actor == "beheerder" and row.role == "admin"
    assert row.origin and row.at.year >= 2026
    assert (row.object_type, row.object_id, row.result) == ("case", "ZVH-2026-0001", "ok")
    assert len(row.hash) == 64


def test_pages_follow_each_other_without_gaps_or_repeats(admin_vault: OpenVault) -> None:
    for n in range(1234):
        admin_vault.log_now("case.view", "case", f"ZVH-2026-{n:04d}")
    flt = audit_log.AuditFilter(action="case.view")
    seen: list[int] = []
    page = audit_log.read_page(admin_vault, flt, limit=500)
    while page:
        seen += [r.id for r in page]
        page = audit_log.read_page(admin_vault, flt, before_id=page[-1].id, limit=500)
    assert len(seen) == 1234 == len(set(seen))
    assert seen == sorted(seen, reverse=True)
    assert audit_log.count(admin_vault, flt) == 1234


def test_reading_and_exporting_the_log_are_logged(logged: OpenVault) -> None:
    audit_log.read_page(logged, audit_log.AuditFilter(case="ZVH-2026-0002"))
    text = "".join(audit_log.export(logged, audit_log.AuditFilter(), "csv"))
    rows = _rows(logged)
    reads = [r for r in rows if r["action"] == "audit.read"]
    assert json.loads(str(reads[-1]["detail"])) == {"case": "ZVH-2026-0002"}
    assert [r["action"] for r in rows].count("audit.export") == 1
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == list(audit_log.EXPORT_FIELDS)
    assert {r[5] for r in table[1:]} >= {"case.view", "export.plan", "subject.copy"}


def test_only_the_administrator_reads_the_log(logged: OpenVault) -> None:
    account_service.add_account(logged, DIRECTOR, Role.PROCESS_DIRECTOR, DIRECTOR_PASS,
                                kdf=KdfParams())
    # the house's own vault (the folder, or the server's profile): as the director logs in
    director = logged.vault.unlock(DIRECTOR, DIRECTOR_PASS, exclusive=False)
    try:
        with pytest.raises(PermissionDenied):
            audit_log.read_page(director, audit_log.AuditFilter())
        with pytest.raises(PermissionDenied):
            list(audit_log.export(director, audit_log.AuditFilter(), "json"))
    finally:
        director.lock(audit_it=False)
    denied = [r for r in _rows(logged) if r["actor"] == DIRECTOR and r["result"] == "denied"]
    assert len(denied) == 2


def test_a_search_is_logged_by_a_keyed_hash_never_by_its_text(logged: OpenVault) -> None:
    audit_log.log_search(logged, "cases", "  Boomkleverhof ", 3)
    audit_log.log_search(logged, "cases", "", 0)            # no search, no row
    rows = [r for r in _rows(logged) if r["action"] == "search"]
    assert len(rows) == 1
    detail = json.loads(str(rows[0]["detail"]))
    assert detail["hits"] == 3 and len(detail["query_hmac"]) == 64
    assert "oomklever" not in json.dumps(rows[0]).lower()
    # the privacy officer finds it by typing the same name, however spelled
    found = audit_log.read_page(logged, audit_log.AuditFilter(searched_for="boomkleverhof"),
                                log_it=False)
    assert [r.action for r in found] == ["search"]
    assert audit_log.read_page(logged, audit_log.AuditFilter(searched_for="Jansen"),
                               log_it=False) == []
    # and the filter itself is logged without the term
    audit_log.read_page(logged, audit_log.AuditFilter(searched_for="Boomkleverhof"))
    assert "oomklever" not in json.dumps(_rows(logged)).lower()


def test_the_command_line_exports_json_and_csv(
        logged: OpenVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    where = vault_args(logged)
    logged.lock(audit_it=False)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    assert main(["audit", *where, "--case", "ZVH-2026-0002",
                 "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["action"] for r in rows] == ["export.plan", "denied"]
    assert set(rows[0]) == set(audit_log.EXPORT_FIELDS)
    out = tmp_path / "log.csv"
    assert main(["audit", *where, "--action", "export", "--since",
                 date.today().isoformat(), "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and lines[0].startswith("id,at,actor,role,origin,action")
    assert main(["audit", *where, "--since", "gisteren"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "gisteren" in err and "Traceback" not in err


def test_the_command_line_ends_quietly_when_its_reader_stops(logged: OpenVault) -> None:
    """``casuskamer audit ... | head -1``: no "Broken pipe" complaint, exit 0."""
    for n in range(3000):
        logged.log_now("case.view", "case", f"ZVH-2026-{n:04d}")
    where = vault_args(logged)
    logged.lock(audit_it=False)
    environ = {**os.environ, "CASUSKAMER_PASSPHRASE": ADMIN_PASSPHRASE}
    audit = subprocess.Popen([sys.executable, "-m", "ui.launcher", "audit", *where],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ)
    assert audit.stdout is not None and audit.stderr is not None
    first = audit.stdout.readline()
    audit.stdout.close()
    with audit.stderr:
        err = audit.stderr.read().decode()
    assert audit.wait(timeout=120) == 0, err
    assert first.startswith(b"id,at,actor")
    assert "Broken pipe" not in err and "Traceback" not in err
