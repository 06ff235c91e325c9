"""Issue 16, handouts (covenant 12.2e, 12.2f, 9.2): a handout only for an open case on a
meeting's agenda, only to a party invited to the case's current meeting, and before that
meeting has started only what the suppliers agreed may be seen before it. Each test failed
on the code before the issue (commit 7ca920e).

The expected answers are written from the covenant's rules, not computed by the policy."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.cli import main
from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.information import Category
from app.domain.intake import IntakeOutcome
from app.errors import ValidationError
from app.sharing.handout import HandoutRefused
from app.services import handouts, intake
from app.services import cases as case_service
from app.services import meetings as meeting_service
from app.services import meeting_live as live_service
from app.services import minutes as minutes_service
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.pg_engine import vault_arg
from tests.pg_engine import audit_reader
from tests.conftest import ROLE_PASSPHRASE
from tests.unit.handout_cases import (as_process_director, item, make_case, on_agenda,
                                     party_ids, plan_meeting, tomorrow_at_ten)

POLICE = "Politie regionale eenheid Den Haag"
PROBATION = "Reclassering Nederland"
CITY = "Den Haag"
CARE = "Parnassia Groep"


def text_of(path: Path) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)


def handout_rows(vault: OpenVault, number: str) -> list[tuple[str, dict[str, object]]]:
    with audit_reader(vault) as conn:
        rows = conn.execute(select(audit_log.c.result, audit_log.c.detail)
                            .where(audit_log.c.object_id == number,
                                   audit_log.c.action == "export.handout")
                            .order_by(audit_log.c.id)).all()
    return [(str(r[0]), json.loads(r[1])) for r in rows]


@pytest.fixture
def vault(admin_vault: OpenVault) -> OpenVault:
    return as_process_director(admin_vault)


def _case_with_items(vault: OpenVault) -> tuple[str, dict[str, int]]:
    ids = party_ids(vault)
    number = make_case(vault, items=[
        item(ids[POLICE], "NIETVOORAF melding politie", [ids[PROBATION]],
             category=Category.POLICE, pre_meeting=False),
        item(ids[CITY], "WELVOORAF huurachterstand", [ids[PROBATION]], pre_meeting=True),
        item(ids[PROBATION], "EIGEN toezichtsrapport", [], pre_meeting=False),
    ])
    return number, ids


# -- 12.2f: before the meeting, only the pre-meeting view ----------------------------------

def test_12_2f_a_handout_the_day_before_the_meeting_holds_no_item_without_the_suppliers_consent(
        vault: OpenVault, tmp_path: Path) -> None:
    """Covenant 12.2f: participants may see information before the meeting only when the
    party that supplied it agreed. The day before, probation's handout holds the city's item
    (agreed) and its own, not the police's (shared with it, but not for before the
    meeting); the PDF says it was made before the case meeting."""
    number, ids = _case_with_items(vault)
    meeting_id = on_agenda(vault, number, [ids[POLICE], ids[PROBATION], ids[CITY]])
    before = tmp_path / "voor.pdf"
    result = handouts.export_handout(vault, number, ids[PROBATION], before)
    text = text_of(before)
    assert "WELVOORAF" in text and "EIGEN" in text
    assert "NIETVOORAF" not in text
    assert "vóór het casusoverleg" in text
    assert result.meeting_started is False
    assert handout_rows(vault, number)[-1][1]["meeting_started"] is False

    # From the start of the meeting on (its live mode begun): what was shared with it.
    live_service.start_meeting(vault, meeting_id)
    after = tmp_path / "na.pdf"
    handouts.export_handout(vault, number, ids[PROBATION], after)
    text = text_of(after)
    assert "NIETVOORAF" in text and "WELVOORAF" in text and "EIGEN" in text
    assert "na het casusoverleg" in text and "vóór het casusoverleg" not in text


def test_12_2f_the_planned_start_passed_counts_as_started(vault: OpenVault,
                                                         tmp_path: Path) -> None:
    """A meeting never opened in the program still took place at its time: from its planned
    start on, the handout holds what was shared (and says so)."""
    number, ids = _case_with_items(vault)
    on_agenda(vault, number, [ids[POLICE], ids[PROBATION]])
    out = tmp_path / "h.pdf"
    handouts.export_handout(vault, number, ids[PROBATION], out,
                            now=tomorrow_at_ten() + timedelta(minutes=5))
    assert "NIETVOORAF" in text_of(out) and "na het casusoverleg" in text_of(out)
    handouts.export_handout(vault, number, ids[PROBATION], out,
                            now=tomorrow_at_ten() - timedelta(minutes=5))
    assert "NIETVOORAF" not in text_of(out) and "vóór het casusoverleg" in text_of(out)


def test_12_2f_the_batch_follows_the_meeting_start_too(vault: OpenVault,
                                                       tmp_path: Path) -> None:
    number, ids = _case_with_items(vault)
    on_agenda(vault, number, [ids[POLICE], ids[PROBATION]])
    batch = handouts.export_handouts_for_invited(vault, number, tmp_path)
    assert sorted(r.party_id for r in batch.exported) == sorted([ids[POLICE], ids[PROBATION]])
    probation = next(r.path for r in batch.exported if r.party_id == ids[PROBATION])
    assert "NIETVOORAF" not in text_of(probation)
    police = next(r.path for r in batch.exported if r.party_id == ids[POLICE])
    assert "NIETVOORAF" in text_of(police)          # the source always has its own items


# -- 12.2e, 9.2: nobody before the agenda, nothing of a case that ended ---------------------

def test_12_2e_9_2_no_handout_with_names_and_birth_dates_before_the_case_is_on_an_agenda(
        vault: OpenVault, tmp_path: Path) -> None:
    """Covenant 12.2e: only parties that may lawfully attend the case meeting, and 9.2: the
    meeting is not public. Before the case is on an agenda nobody is invited, so no party
    active in the protocol gets a PDF with the subjects' names and birth dates; the refusal
    names the reason and is logged, and nothing is written."""
    number, ids = _case_with_items(vault)
    tmp_path = tmp_path / "uit"
    tmp_path.mkdir()
    out = tmp_path / "h.pdf"
    for party in (CITY, POLICE, PROBATION):            # the referrer and two suppliers
        with pytest.raises(HandoutRefused) as refused:
            handouts.export_handout(vault, number, ids[party], out)
        assert "niet op de agenda" in str(refused.value)
        assert not out.exists()
    assert [r for r, _d in handout_rows(vault, number)] == ["denied"] * 3
    assert {d["reason"] for _r, d in handout_rows(vault, number)} == {"not_on_agenda"}
    # Nobody is listed as a recipient, and the batch refuses the case as a whole.
    found = handouts.outlook(vault, number)
    assert not found.on_agenda and found.recipients == ()
    assert handouts.recipients(vault, number) == []
    with pytest.raises(ValidationError):
        handouts.export_handouts_for_invited(vault, number, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_12_2e_9_2_no_handout_for_a_case_declined_at_intake(vault: OpenVault,
                                                             tmp_path: Path) -> None:
    number, ids = _case_with_items(vault)
    intake.decide_intake(vault, number, IntakeOutcome.DECLINE,
                         [CriterionAnswer(c, False, "nee") for c in Criterion],
                         decline_reason="Niet complex", decline_advice="Via de wijkteams")
    out = tmp_path / "h.pdf"
    with pytest.raises(HandoutRefused) as refused:
        handouts.export_handout(vault, number, ids[CITY], out)
    assert not out.exists()
    assert "De casus is afgewezen" in str(refused.value)
    assert handout_rows(vault, number)[-1][0] == "denied"


def test_12_2e_only_invitees_of_the_current_meeting_and_the_case_still_open(
        vault: OpenVault, tmp_path: Path) -> None:
    """On the agenda: the invitees get a handout, a party active in the protocol but not
    invited does not; once the case is closed, nobody does."""
    number, ids = _case_with_items(vault)
    on_agenda(vault, number, [ids[PROBATION]])
    with pytest.raises(HandoutRefused) as refused:
        handouts.export_handout(vault, number, ids[CITY], tmp_path / "city.pdf")
    assert "niet uitgenodigd" in str(refused.value)
    handouts.export_handout(vault, number, ids[PROBATION], tmp_path / "ok.pdf")
    with vault.begin() as conn:          # the case ended (the closure itself is elsewhere)
        from app.domain.lifecycle import CaseState
        case_service.set_state(conn, case_service.case_id_for(conn, number),
                               CaseState.CLOSED, tomorrow_at_ten())
    with pytest.raises(HandoutRefused) as refused:
        handouts.export_handout(vault, number, ids[PROBATION], tmp_path / "closed.pdf")
    assert not (tmp_path / "closed.pdf").exists() and not (tmp_path / "city.pdf").exists()
    assert [r.allowed for r in handouts.recipients(vault, number)] == [False]


# -- --meeting names only the current meeting ------------------------------------------------

def _held_then_followed_up(vault: OpenVault, number: str, first: list[int],
                           second: list[int]) -> tuple[int, int]:
    """The case discussed in a meeting (held and ended), then on a follow-up meeting."""
    meeting_id = on_agenda(vault, number, first)
    live_service.start_meeting(vault, meeting_id)
    [agenda_item] = meeting_service.get_meeting(vault, meeting_id).items
    live_service.start_item(vault, agenda_item.id)
    minutes_service.finish_item(vault, agenda_item.id)
    minutes_service.end_meeting(vault, meeting_id)
    follow_up = plan_meeting(vault, number, second,
                             starts_at=tomorrow_at_ten() + timedelta(days=7))
    return meeting_id, follow_up


def test_12_2e_a_party_invited_to_an_older_meeting_gets_no_current_handout(
        vault: OpenVault, tmp_path: Path) -> None:
    """Covenant 12.2e: the invitees of the case's *current* meeting may attend it, not those
    of an earlier one. ``meeting_id`` naming the older meeting is refused (and logged), and
    without it the older invitee is not invited: nothing of the case, not its subjects and
    not its plan, reaches it."""
    number, ids = _case_with_items(vault)
    older, current = _held_then_followed_up(vault, number, [ids[CARE], ids[PROBATION]],
                                            [ids[PROBATION]])
    out = tmp_path / "h.pdf"
    with pytest.raises(ValidationError) as refused:
        handouts.export_handout(vault, number, ids[CARE], out, meeting_id=older)
    assert f"Overleg {older} is niet het huidige casusoverleg" in str(refused.value)
    assert not out.exists()
    result, detail = handout_rows(vault, number)[-1]
    assert result == "denied" and detail["reason"] == "not_current_meeting"
    with pytest.raises(HandoutRefused) as not_invited:
        handouts.export_handout(vault, number, ids[CARE], out)
    assert not_invited.value.reason.value == "not_invited" and not out.exists()
    with pytest.raises(HandoutRefused):
        handouts.export_handout(vault, number, ids[CARE], out, meeting_id=current)
    # The current meeting's invitee gets it, for the current meeting.
    handouts.export_handout(vault, number, ids[PROBATION], out, meeting_id=current)
    assert handout_rows(vault, number)[-1][1]["meeting_id"] == current


# -- the command line: one line, exit 2 --------------------------------------------------------

@pytest.fixture
def locked(vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str,
                                                                        dict[str, int], int]:
    number, ids = _case_with_items(vault)
    older, _current = _held_then_followed_up(vault, number, [ids[CARE], ids[PROBATION]],
                                             [ids[PROBATION]])
    folder = vault_arg(vault)  # the folder, or the house server's profile
    vault.lock(audit_it=False)  # the director's session, which holds the folder
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ROLE_PASSPHRASE)  # the account unlock_as made
    return folder, number, ids, older


def test_the_command_line_refuses_with_one_line_and_exit_2(
        locked: tuple[Path, str, dict[str, int], int], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder, number, _ids, older = locked
    base = ["export", "handout", "--vault", str(folder), "--account", "regisseur",
            "--case", number]
    out = tmp_path / "h.pdf"
    capsys.readouterr()
    # A party not invited to the current meeting.
    assert main(base + ["--party", CARE, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and CARE in lines[0] and "niet uitgenodigd" in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""
    # --meeting naming the older meeting.
    assert main(base + ["--party", CARE, "--out", str(out), "--meeting", str(older)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "niet het huidige casusoverleg" in lines[0]
    assert not out.exists()
    # The current invitee: written, and the output says which handout it is.
    assert main(base + ["--party", PROBATION, "--out", str(out)]) == 0
    assert "vóór het casusoverleg" in capsys.readouterr().out


def test_the_batch_command_for_a_case_on_no_agenda_says_why_in_one_line(
        vault: OpenVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    number, _ids = _case_with_items(vault)
    folder = vault_arg(vault)  # the folder, or the house server's profile
    vault.lock(audit_it=False)  # the director's session, which holds the folder
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ROLE_PASSPHRASE)  # the account unlock_as made
    capsys.readouterr()
    out_dir = tmp_path / "uit"
    out_dir.mkdir()
    assert main(["export", "handouts", "--vault", str(folder), "--account", "regisseur",
                 "--case", number, "--out-dir", str(out_dir)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and number in lines[0]
    assert list(out_dir.iterdir()) == []

