"""One draft store (issue 20, point 4): every kind of draft goes through
``app.services.drafts`` (SQL in ``app.store.drafts``), which audits opening and discarding
with ids only, and closure and destruction clear the drafts of the case.

The minutes being typed and the agenda being prepared were kept with their own SQL and no
audit row at all; the intake kept its own SQL too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.meetings import AgendaDraft
from app.services import drafts as draft_store
from app.services import meeting_live as live_svc
from app.services import meetings as svc
from app.services import minutes as minutes_svc
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader
from tests.unit.meeting_fixtures import (POLICE, TOMORROW_10, as_process_director, draft_for,
                                         party_ids, routed_case)

ROOT = Path(__file__).resolve().parents[2]
TYPED = "Afspraak half getypt door Jansen"


@pytest.fixture
def pd(admin_vault: OpenVault) -> OpenVault:
    return as_process_director(admin_vault)


def draft_audit(vault: OpenVault) -> list[tuple[str, str, dict[str, object]]]:
    with audit_reader(vault) as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.object_type,
                                   audit_log.c.detail)
                            .where(audit_log.c.action.like("draft.%"))
                            .order_by(audit_log.c.id)).all()
    return [(str(a), str(t), json.loads(d)) for a, t, d in rows]


def test_the_minutes_being_typed_are_audited_when_saved_opened_and_discarded(
        pd: OpenVault) -> None:
    ids = party_ids(pd)
    case = routed_case(pd, "Jan", "Jansen", invitees=[ids[POLICE]])
    meeting_id = svc.plan_meeting(pd, draft_for([case], [ids[POLICE]]))
    live_svc.start_meeting(pd, meeting_id)
    before = len(draft_audit(pd))
    minutes_svc.save_live_draft(pd, meeting_id, {"text": TYPED, "item": 1})
    minutes_svc.save_live_draft(pd, meeting_id, {"text": TYPED + "!", "item": 1})
    assert minutes_svc.load_live_draft(pd, meeting_id) == {"text": TYPED + "!", "item": 1}
    minutes_svc.discard_live_draft(pd, meeting_id)
    assert minutes_svc.load_live_draft(pd, meeting_id) is None
    rows = draft_audit(pd)[before:]
    # the first save, the opening and the discard; a re-save every few seconds is not
    assert [a for a, _t, _d in rows] == ["draft.save", "draft.open", "draft.discard"]
    assert all(t == "draft" for _a, t, _d in rows)
    for _a, _t, detail in rows:
        assert detail["kind"] == "meeting_live" and detail["case"] == str(meeting_id)
        assert "Jansen" not in json.dumps(detail)


def test_the_agenda_being_prepared_is_audited_when_opened_and_discarded(
        pd: OpenVault) -> None:
    svc.save_agenda_draft(pd, AgendaDraft(TOMORROW_10, "Zaal 2", "A. de Regisseur", []))
    svc.save_agenda_draft(pd, AgendaDraft(TOMORROW_10, "Zaal 3", "A. de Regisseur", []))
    loaded = svc.load_agenda_draft(pd)
    assert loaded is not None and loaded.place == "Zaal 3"
    svc.discard_agenda_draft(pd)
    assert svc.load_agenda_draft(pd) is None
    actions = [a for a, _t, _d in draft_audit(pd)]
    assert actions == ["draft.save", "draft.save", "draft.open", "draft.discard"]


def test_every_kind_is_one_of_the_store_s_kinds() -> None:
    from app.domain.intake import DRAFT_KIND as INTAKE
    from app.domain.triage import DRAFT_KIND as TRIAGE
    from app.services.closure import CLOSURE_DRAFT_KIND
    from app.services.plan import PLAN_DRAFT_KIND

    used = {INTAKE, TRIAGE, PLAN_DRAFT_KIND, CLOSURE_DRAFT_KIND, svc.AGENDA_DRAFT,
            minutes_svc.LIVE_DRAFT}
    assert used == {"intake", "triage", "plan", "closure", "agenda_wizard", "meeting_live"}
    assert used == set(draft_store.KINDS)


def test_only_the_draft_store_touches_the_drafts_table() -> None:
    """No service, vault or interface module but the draft store reads or writes the drafts
    table or its SQL module."""
    pattern = re.compile(r"\bdrafts\.c\.|from app\.store\.tables import[^\n]*\bdrafts\b"
                         r"|from app\.store import[^\n]*\bdrafts\b|app\.store\.drafts"
                         r"|insert\(drafts\)|delete\(drafts\)")
    offenders = []
    for folder in ("app/services", "app/vault", "app/cli", "ui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "app/services/drafts.py":
                continue
            if pattern.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
