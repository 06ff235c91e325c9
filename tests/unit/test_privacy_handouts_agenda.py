"""Issue 16, the agenda PDF per party (covenant 12.2e, 12.2f, 9.2): every case on a party's
agenda is the sharing policy's answer for that party (active, in the case's protocol,
invited to the case's item of this meeting, the case not ended), each case shows only what
the party may see before the meeting, a party entitled to nothing gets no agenda (one line,
logged, nothing written), and the file takes its name only after its disclosure row is
committed. Each test failed on the code before the issue (commit 7ca920e).

The expected answers are written from the covenant's rules, not computed by the policy."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.domain.information import Category
from app.domain.lifecycle import CaseState
from app.domain.parties import EndReason, MembershipPeriod
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.services import cases as case_service
from app.services import meetings as svc
from app.services import meeting_live as live_svc
from app.services import minutes as minutes_svc
from app.services import agenda as agenda_svc
from app.services import parties as party_service
from app.services.agenda import AgendaRefused, export_agenda
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import audit_reader, vault_arg
from tests.conftest import ROLE_PASSPHRASE, unlock_as
from tests.unit.meeting_fixtures import (GGZ, MUNICIPALITY, POLICE, as_process_director,
                                         draft_for, item, party_ids, routed_case)

TODAY = date.today()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder for the agendas (the vault lives beside it in ``tmp_path``)."""
    out = tmp_path / "agendas"
    out.mkdir()
    return out


def pdf_text(path: Path) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes()))
                    .pages)
    return " ".join(text.split())       # table cells wrap: compare words, not lines


def agenda_rows(vault: OpenVault, meeting_id: int) -> list[tuple[str, dict[str, Any]]]:
    with audit_reader(vault) as conn:
        rows = conn.execute(select(audit_log.c.result, audit_log.c.detail)
                            .where(audit_log.c.object_type == "meeting",
                                   audit_log.c.object_id == str(meeting_id),
                                   audit_log.c.action == "meeting.agenda_export")
                            .order_by(audit_log.c.id)).all()
    return [(str(r[0]), json.loads(r[1])) for r in rows]


def as_admin(vault: OpenVault) -> OpenVault:
    return unlock_as(vault, Role.ADMIN)


def _join_radicalisation(vault: OpenVault, ids: dict[str, int]) -> None:
    """The municipality, the police and the care provider also take part in the
    radicalisation protocol (from their start)."""
    vault = as_admin(vault)
    for name in (MUNICIPALITY, POLICE, GGZ):
        party = party_service.get_party(vault, ids[name])
        assert party.active_from is not None
        periods = [MembershipPeriod(m.protocol, m.start, m.end) for m in party.memberships]
        periods.append(MembershipPeriod(Protocol.RADICALISERING, party.active_from))
        party_service.set_memberships(vault, ids[name], periods)


@pytest.fixture
def meeting(admin_vault: OpenVault) -> tuple[OpenVault, dict[str, int], int, list[str]]:
    """Tomorrow's meeting with two cases: A (integrale veiligheid; the police and the care
    provider invited) and B (radicalisering; the care provider invited). Case A holds an
    information item the care provider may see before the meeting."""
    ids = party_ids(admin_vault)
    _join_radicalisation(admin_vault, ids)
    pd = as_process_director(admin_vault)
    first = routed_case(pd, "Jan Pieter", "de Vries", invitees=[ids[POLICE], ids[GGZ]],
                        items=[item(ids[POLICE], "KANARIE politie-informatie", [ids[GGZ]],
                                    category=Category.POLICE)],
                        goal="DOEL-A samen beeld vormen")
    second = routed_case(pd, "Fatma", "Yıldız", invitees=[ids[GGZ]],
                         protocol=Protocol.RADICALISERING, goal="DOEL-B")
    draft = draft_for([first, second], [ids[GGZ]])
    draft.items[0].goal = "DOEL-A samen beeld vormen"
    draft.items[1].goal = "DOEL-B"
    draft.items[0].invited[ids[POLICE]] = "BIJDRAGE-POLITIE politiebeeld"
    draft.items[0].invited[ids[GGZ]] = "BIJDRAGE-GGZ behandelbeeld"
    meeting_id = svc.plan_meeting(pd, draft)
    return pd, ids, meeting_id, [first[1], second[1]]


# -- 12.2e: the party's standing, for every case -------------------------------------------

def test_12_2e_a_party_that_withdrew_today_gets_no_agenda(meeting, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """Covenant 12.2e (only parties that may lawfully attend) and 21.3 (a withdrawn party
    takes no part): the police withdrew today, so its agenda holds no case: refused with the
    reason, logged as denied, and no file."""
    vault, ids, meeting_id, numbers = meeting
    party_service.end_participation(as_admin(vault), ids[POLICE], TODAY, EndReason.WITHDRAWAL)
    out = folder / "politie.pdf"
    with pytest.raises(AgendaRefused) as refused:
        export_agenda(vault, meeting_id, ids[POLICE], out)
    assert refused.value.reason.value == "withdrawn"
    assert str(refused.value).startswith(f"Geen agenda voor {POLICE}:")
    assert "uitgetreden" in str(refused.value) and "\n" not in str(refused.value)
    assert not out.exists() and list(folder.iterdir()) == []
    [(result, detail)] = agenda_rows(vault, meeting_id)
    assert result == "denied" and detail == {"party": ids[POLICE], "reason": "withdrawn"}
    assert numbers[0] not in json.dumps(detail)
    # The service that lists a party's agenda asks the same question.
    _meeting, items = agenda_svc.party_agenda(vault, meeting_id, ids[POLICE])
    assert items == []


def test_12_2e_a_party_that_left_the_case_protocol_gets_no_line_for_that_case(
        meeting, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """The care provider left the integrale-veiligheid protocol yesterday and stays in the
    radicalisation protocol: its agenda lists case B, not case A (number, initials and goal
    of case A absent)."""
    vault, ids, meeting_id, numbers = meeting
    admin = as_admin(vault)
    party = party_service.get_party(admin, ids[GGZ])
    periods = [MembershipPeriod(m.protocol, m.start,
                                TODAY - timedelta(days=1)
                                if m.protocol is Protocol.INTEGRALE_VEILIGHEID else m.end)
               for m in party.memberships]
    party_service.set_memberships(admin, ids[GGZ], periods)
    out = folder / "ggz.pdf"
    export_agenda(vault, meeting_id, ids[GGZ], out)
    text = pdf_text(out)
    assert numbers[1] in text and "F. Y." in text and "DOEL-B" in text
    assert numbers[0] not in text and "J.P. de V." not in text and "DOEL-A" not in text
    [(result, detail)] = agenda_rows(vault, meeting_id)
    assert result == "ok" and detail["cases"] == [numbers[1]]


def test_12_2e_9_2_no_line_for_a_case_that_ended(meeting, folder: Path) -> None:  # type: ignore[no-untyped-def]
    vault, ids, meeting_id, numbers = meeting
    with vault.begin() as conn:              # case B closed (the closure itself is elsewhere)
        case_service.set_state(conn, case_service.case_id_for(conn, numbers[1]),
                               CaseState.CLOSED, svc.now())
    out = folder / "ggz.pdf"
    export_agenda(vault, meeting_id, ids[GGZ], out)
    text = pdf_text(out)
    assert numbers[0] in text and numbers[1] not in text


def test_12_2e_a_party_invited_to_no_case_gets_no_agenda(meeting, folder: Path) -> None:  # type: ignore[no-untyped-def]
    vault, ids, meeting_id, _numbers = meeting
    with pytest.raises(AgendaRefused) as refused:
        export_agenda(vault, meeting_id, ids[MUNICIPALITY], folder / "gemeente.pdf")
    assert refused.value.reason.value == "not_invited"
    assert "niet uitgenodigd" in str(refused.value)
    assert list(folder.iterdir()) == []
    assert agenda_rows(vault, meeting_id)[-1][0] == "denied"


# -- 12.2f: each case shows only what the party may see before the meeting -----------------

def test_12_2f_each_case_shows_only_the_pre_meeting_view(meeting, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """Number, the subjects' initials, goal, themes, decision types and the party's own
    contribution; no names, no information item (not even one shared with it), no other
    party's contribution."""
    vault, ids, meeting_id, numbers = meeting
    out = folder / "ggz.pdf"
    export_agenda(vault, meeting_id, ids[GGZ], out)
    text = pdf_text(out)
    assert numbers[0] in text and "J.P. de V." in text and "DOEL-A" in text
    assert "Thema's: wonen" in text and "Beeldvormen" in text     # themes, decision types
    assert "BIJDRAGE-GGZ" in text
    assert "BIJDRAGE-POLITIE" not in text
    assert "KANARIE" not in text
    assert "Jan Pieter" not in text and "Vries" not in text.replace("de V.", "")
    assert "Yıldız" not in text and "Fatma" not in text
    meta = PdfReader(str(out)).metadata
    assert meta is not None and numbers[0] not in (meta.title or "") + (meta.subject or "")


# -- the file takes its name only after its disclosure row -------------------------------------

def test_an_agenda_whose_disclosure_row_cannot_be_written_leaves_no_file(
        meeting, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Not recorded means not handed out: when the audit row fails, no file has the
    agenda's name and no part file is left behind."""
    vault, ids, meeting_id, _numbers = meeting
    real_log = vault.log

    def failing_log(conn: Any, action: str, *args: Any, **kwargs: Any) -> int:
        if action == "meeting.agenda_export":
            raise RuntimeError("schijf vol")
        return real_log(conn, action, *args, **kwargs)

    monkeypatch.setattr(vault, "log", failing_log)
    out = folder / "ggz.pdf"
    with pytest.raises(RuntimeError):
        export_agenda(vault, meeting_id, ids[GGZ], out)
    assert list(folder.iterdir()) == []
    monkeypatch.undo()
    assert agenda_rows(vault, meeting_id) == []
    digest = export_agenda(vault, meeting_id, ids[GGZ], out)
    [(result, detail)] = agenda_rows(vault, meeting_id)
    assert result == "ok" and detail["sha256"] == digest and out.exists()


# -- the command line ----------------------------------------------------------------------------

def test_the_agenda_command_refuses_a_withdrawn_party_with_one_line(
        meeting, vault_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    vault, ids, meeting_id, _numbers = meeting
    party_service.end_participation(as_admin(vault), ids[POLICE], TODAY, EndReason.WITHDRAWAL)
    vault.lock(audit_it=False)  # the process director's session, which holds the folder
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ROLE_PASSPHRASE)  # the account unlock_as made
    out = tmp_path / "agenda.pdf"
    capsys.readouterr()
    code = main(["export", "agenda", "--vault", vault_arg(vault), "--account", "regisseur",
                 "--meeting", str(meeting_id), "--party", "politie", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Geen agenda voor" in lines[0] and "uitgetreden" in lines[0]
    assert captured.out == "" and not out.exists()


def test_12_2e_an_older_meetings_agenda_does_not_bring_back_a_party_dropped_from_the_case(
        meeting, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """Covenant 12.2e and 9.2 (found in review): case A was discussed, then put on a
    follow-up meeting to which the police are no longer invited. The agenda of the first
    meeting must not hand the police case A's goal and themes again: only the agenda of the
    case's current meeting (the latest it is on) names it."""
    vault, ids, meeting_id, numbers = meeting
    live_svc.start_meeting(vault, meeting_id)
    for agenda_item in svc.get_meeting(vault, meeting_id).items:
        live_svc.start_item(vault, agenda_item.id)
        minutes_svc.finish_item(vault, agenda_item.id)
    minutes_svc.end_meeting(vault, meeting_id)
    case_a = next(i for i in svc.get_meeting(vault, meeting_id).items
                  if i.case_number == numbers[0])
    follow_up = draft_for([(case_a.case_id, numbers[0])], [ids[GGZ]],
                          starts_at=datetime.combine(TODAY + timedelta(days=14), time(10)))
    follow_up.items[0].goal = "DOEL-A2 vervolg"
    later = svc.plan_meeting(vault, follow_up)

    with pytest.raises(AgendaRefused) as refused:
        export_agenda(vault, meeting_id, ids[POLICE], folder / "politie-oud.pdf")
    assert refused.value.reason.value == "not_current_meeting"
    assert list(folder.iterdir()) == []
    assert agenda_rows(vault, meeting_id)[-1][0] == "denied"
    # the care provider's old agenda keeps case B only; its current one names case A
    export_agenda(vault, meeting_id, ids[GGZ], folder / "ggz-oud.pdf")
    old = pdf_text(folder / "ggz-oud.pdf")
    assert numbers[1] in old and numbers[0] not in old and "DOEL-A" not in old
    export_agenda(vault, later, ids[GGZ], folder / "ggz-nieuw.pdf")
    assert numbers[0] in pdf_text(folder / "ggz-nieuw.pdf")
