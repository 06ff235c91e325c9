"""``casuskamer cases show`` audits what the user opened (known defect): the case, its plan
and the meetings the case is on, all on the case's number; not a ``meeting.open`` row for
every meeting that has any case on its agenda (shown or not) and a ``meeting.list`` row, as
on HEAD 4caafe6, where opening one case logged the opening of other cases' meetings."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.store.tables import audit_log
from app.vault.vault import Vault
from tests.unit.cli_demo_vault import DIRECTOR, PASSPHRASE, DemoVault, demo, run

__all__ = ["demo"]


def _rows_after(demo: DemoVault, after: int) -> list[tuple[str, str, str, dict[str, object]]]:
    opened = Vault(demo.folder).unlock(DIRECTOR, PASSPHRASE)
    try:
        with opened.read() as conn:
            rows = conn.execute(select(audit_log.c.action, audit_log.c.object_type,
                                       audit_log.c.object_id, audit_log.c.detail)
                                .where(audit_log.c.id > after)
                                .order_by(audit_log.c.id)).all()
    finally:
        opened.lock()
    return [(str(r[0]), str(r[1]), str(r[2]), json.loads(r[3] or "{}")) for r in rows]


def _last_id(demo: DemoVault) -> int:
    opened = Vault(demo.folder).unlock(DIRECTOR, PASSPHRASE)
    try:
        with opened.read() as conn:
            return int(conn.execute(select(func.max(audit_log.c.id))).scalar() or 0)
    finally:
        opened.lock()


def test_cases_show_logs_the_case_not_every_meeting(demo: DemoVault,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    before = _last_id(demo)
    code, out, err = run(["cases", "show", demo.scheduled, "--vault", str(demo.folder),
                          "--account", DIRECTOR, "--json"], capsys)
    assert code == 0, err
    shown = json.loads(out)
    meetings_shown = [m["id"] for m in shown["meetings"]]
    assert demo.meeting_id in meetings_shown
    rows = [r for r in _rows_after(demo, before)
            if r[0] not in ("vault.unlock", "vault.lock", "unlock", "lock")
            and not r[0].startswith(("vault.", "session.", "retention.", "purge"))]
    actions = [r[0] for r in rows]
    assert not [a for a in actions if a.startswith("meeting.")], actions
    # every row is about the case shown, each once
    assert {(r[1], r[2]) for r in rows} == {("case", demo.scheduled)}, rows
    assert sorted(actions) == sorted(set(actions)), actions
    assert {"case.view", "case.meetings"} <= set(actions), actions
    [agenda] = [r for r in rows if r[0] == "case.meetings"]
    assert agenda[3]["meetings"] == meetings_shown
