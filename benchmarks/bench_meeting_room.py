"""The meeting-room screen: time to switch to another agenda item (recomputing the
meeting-room screen and the director's screen), and to recompute after someone leaves, for
cases with 50 information items each, against the sharing policy called directly on the
same items (the floor: our layer adds the marks, the presence and the summary).

Every timed call starts with the room's cache of sharing marks emptied (a cold cache: the
first switch to an item computes them). ``run() -> dict`` gives the figures;
``rows(n, smoke)`` feeds ``python -m benchmarks``.
Budget: a switch well under 50 ms.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("CASUSKAMER_KDF_SECONDS", "0")

from benchmarks.harness import Row, median_seconds

ITEMS_PER_CASE = 50
CASES = 3
BUDGET_MS = 50.0


def _setup(folder: Path, items_per_case: int, n_cases: int) -> tuple[Any, int]:
    from sqlalchemy import insert, select

    from app.domain.cases import Subject, SubjectRole
    from app.domain.information import Category, SharingTerms
    from app.domain.intake import InformationInput, Referral
    from app.domain.lifecycle import CaseState
    from app.domain.meetings import AgendaDraft, DecisionType, DraftItem, ItemKind
    from app.domain.protocols import Protocol
    from app.domain.roles import Role
    from app.services import cases as case_service
    from app.services import intake
    from app.services import meetings as svc
    from app.services import meeting_live as live_svc
    from app.store.party_tables import parties
    from app.store.triage_tables import routing_decisions, routing_invitees
    from app.vault.keyslots import KdfParams
    from app.vault.vault import Actor, Vault
    from app.services import session

    vault = Vault.create(folder, "beheerder", "benchmark-kluis-casuskamer", kdf=KdfParams())
    session.after_unlock(vault, created=True)  # its seed data
    vault.actor = Actor("regisseur", Role.PROCESS_DIRECTOR)
    with vault.read() as conn:
        party_ids = [int(r[0]) for r in conn.execute(select(parties.c.id)
                                                     .order_by(parties.c.id))][:8]
    draft_items = []
    for c in range(n_cases):
        info = tuple(InformationInput(
            party_ids[i % len(party_ids)], date(2026, 11, 3), Category.GENERAL,
            f"Informatie {c}-{i}",
            SharingTerms(frozenset(party_ids[: (i % len(party_ids))]), False, i % 5 != 0))
            for i in range(items_per_case))
        number = intake.register_referral(vault, Referral(
            Protocol.INTEGRALE_VEILIGHEID, party_ids[0], date(2026, 11, 2), "Zorgen",
            "Aanpak", (Subject("Bench", f"Mark {c}", date(1980, 1, 1),
                               SubjectRole.MAIN_SUBJECT),), information=info))
        with vault.begin() as conn:
            case_id = case_service.case_id_for(conn, number)
            case_service.set_state(conn, case_id, CaseState.TRIAGE, datetime.now())
            conn.execute(insert(routing_decisions).values(
                case_id=case_id, route="to_meeting", goal="Doel", themes=json.dumps(["wonen"]),
                decision_types=json.dumps(["judging"]), elsewhere_party_id=None,
                elsewhere_chain="", reason="", decided_on=date.today(),
                decided_at=datetime.now(), decided_by="regisseur"))
            conn.execute(insert(routing_invitees), [{"case_id": case_id, "party_id": p}
                                                    for p in party_ids])
        draft_items.append(DraftItem(case_id, number, "", ItemKind.FIRST, 20, "Doel",
                                     ["wonen"], [DecisionType.JUDGING],
                                     {p: "" for p in party_ids}))
    start = (datetime.now() + timedelta(days=1)).replace(hour=10, minute=0, second=0,
                                                         microsecond=0)
    meeting_id = svc.plan_meeting(vault, AgendaDraft(start, "Zaal 1", "Voorzitter",
                                                     draft_items))
    live_svc.start_meeting(vault, meeting_id)
    for i, party in enumerate(party_ids[:5]):
        person = live_svc.add_attendee(vault, meeting_id, f"Deelnemer {i}", party, "f")
        live_svc.accept_confidentiality(vault, person)
    return vault, meeting_id


def run(items_per_case: int = ITEMS_PER_CASE, n_cases: int = CASES,
        repeat: int = 25) -> dict[str, float]:
    """Median milliseconds: switch (room + director screen), recompute after a departure,
    and the policy alone on the same items."""
    from dataclasses import replace

    from app.services import meeting_room
    from app.sharing.policy import MeetingRoom, Setting, decide

    with tempfile.TemporaryDirectory(prefix="casuskamer-bench-") as tmp:
        vault, meeting_id = _setup(Path(tmp) / "kluis", items_per_case, n_cases)
        try:
            room = meeting_room.load_room(vault, meeting_id)
            item_ids = [i.id for i in room.meeting.items]
            state = {"at": 0}

            def switch() -> None:
                state["at"] = (state["at"] + 1) % len(item_ids)
                item_id = item_ids[state["at"]]
                meeting_room.room_view(room, item_id)
                meeting_room.director_view(room, item_id)

            leaving = room.attendees

            def departure() -> None:
                gone = [replace(leaving[0], left_at=datetime.now())] + list(leaving[1:])
                changed = room.with_attendees(gone)
                meeting_room.room_view(changed, item_ids[0])
                meeting_room.director_view(changed, item_ids[0])

            first = room.meeting.items[0]
            present = meeting_room.present_parties(room.attendees, first)
            case = room.context(first)
            infos = room.cases[first.case_id].items

            def policy_only() -> None:
                viewer = MeetingRoom(present)
                for info in infos:
                    decide(info, viewer, Setting.MEETING_SCREEN, case, room.standings)

            def cold() -> None:
                room.marks.clear()  # each timed switch computes its marks, as the first does

            return {
                "items_per_case": float(items_per_case),
                "switch_ms": median_seconds(switch, repeat, before=cold) * 1000,
                "departure_ms": median_seconds(departure, repeat, before=cold) * 1000,
                "policy_only_ms": median_seconds(policy_only, repeat) * 1000,
            }
        finally:
            vault.lock(audit_it=False)


def rows(n: int, smoke: bool) -> list[Row]:
    figures = run(10 if smoke else ITEMS_PER_CASE, 2 if smoke else CASES,
                  repeat=3 if smoke else 25)
    size = f"{int(figures['items_per_case'])} items/case"
    return [
        Row("meeting room: switch agenda item", size, figures["switch_ms"],
            figures["policy_only_ms"], "ms", f"<= {BUDGET_MS:.0f} ms",
            None if smoke else figures["switch_ms"] <= BUDGET_MS,
            "room + director screen vs the policy alone"),
        Row("meeting room: someone leaves", size, figures["departure_ms"],
            figures["policy_only_ms"], "ms", f"<= {BUDGET_MS:.0f} ms",
            None if smoke else figures["departure_ms"] <= BUDGET_MS),
    ]


if __name__ == "__main__":
    print(run())
