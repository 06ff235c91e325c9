"""The one wizard protocol (issue 20, point 6): a step's fields, its check returning refusals
(field + message) and its next step, which may depend on the draft; and the six wizards'
steps expressed through it, with the refusals the covenant's rules ask for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from app.domain import accession, closure, first_run, intake, meetings, triage
from app.domain.protocols import Protocol
from app.domain.wizard import FieldError, Flow, Step, no_refusals


@dataclass
class Pet:
    kind: str = ""
    name: str = ""


def _kind(draft: Pet, _ctx: None) -> list[FieldError]:
    return [] if draft.kind else [FieldError("kind", "choose a kind")]


def _name(draft: Pet, _ctx: None) -> list[FieldError]:
    return [] if draft.name else [FieldError("name", "give a name")]


FLOW: Flow[Pet, None] = Flow("pets", [
    Step("kind", "Kind", "Which animal", _kind, ("kind",),
         next=lambda pet: "fish_tank" if pet.kind == "fish" else "name"),
    Step("name", "Name", "What it is called", _name, ("name",)),
    Step("fish_tank", "Tank", "Fish need no name", no_refusals, ()),
])


def test_a_step_refuses_naming_its_field_and_allows_when_complete() -> None:
    assert FLOW.refusals("kind", Pet(), None) == [FieldError("kind", "choose a kind")]
    assert FLOW.refusals("kind", Pet(kind="cat"), None) == []
    assert FLOW.step("name").fields == ("name",)


def test_the_next_step_may_depend_on_the_draft() -> None:
    assert FLOW.next_step("kind", Pet(kind="cat")) == "name"
    assert FLOW.next_step("kind", Pet(kind="fish")) == "fish_tank"
    assert FLOW.path(Pet(kind="fish")) == ["kind", "fish_tank"]
    assert FLOW.path(Pet(kind="cat")) == ["kind", "name", "fish_tank"]
    # without a step's own rule, the order of the flow
    assert FLOW.next_step("name", Pet()) == "fish_tank"
    assert FLOW.next_step("fish_tank", Pet()) is None
    assert FLOW.previous_step("name") == "kind"


def test_all_refusals_follow_the_drafts_path() -> None:
    assert FLOW.all_refusals(Pet(kind="fish"), None) == []
    assert FLOW.all_refusals(Pet(kind="cat"), None) == [FieldError("name", "give a name")]


def test_a_flow_refuses_unknown_and_repeated_steps() -> None:
    with pytest.raises(ValueError):
        FLOW.step("nope")
    with pytest.raises(ValueError):
        Flow("twice", [Step("a", "A", "", no_refusals), Step("a", "A", "", no_refusals)])
    bad = Flow("bad", [Step("a", "A", "", no_refusals, next=lambda _d: "elsewhere")])
    with pytest.raises(ValueError):
        bad.next_step("a", object())


def test_each_wizard_has_its_steps_in_the_protocol_in_the_pages_order() -> None:
    assert list(intake.FLOW.ids()) == ["protocol", "referring_party", "subjects", "problems",
                                       "criteria", "question", "partners", "summary"]
    assert list(triage.FLOW.ids()) == ["parties", "answers", "review", "routing", "summary"]
    assert list(meetings.FLOW.ids()) == ["meeting", "cases", "order", "details",
                                         "invitations", "review"]
    assert list(closure.FLOW.ids()) == ["criteria", "decision", "outcome", "preview",
                                        "confirm"]
    # the first run branches after its first page: a vault here, or the house server
    assert list(first_run.FLOW.ids()) == ["folder", "account", "server"]
    assert list(accession.FLOW.ids()) == ["details", "decision", "signature"]


def test_intake_protocol_step_refuses_no_protocol_on_the_protocol_field() -> None:
    ctx = intake.IntakeContext(today=date(2026, 3, 1))
    found = intake.FLOW.refusals("protocol", intake.IntakeDraft(), ctx)
    assert [f.field for f in found] == ["protocol"]
    chosen = intake.IntakeDraft(protocol="radicalisering")
    assert intake.FLOW.refusals("protocol", chosen, ctx) == []


def test_triage_asks_at_least_one_party() -> None:
    ctx = triage.TriageCheck((), {}, Protocol.RADICALISERING, date(2026, 3, 1))
    found = triage.FLOW.refusals("parties", triage.TriageDraft("2026-0001"), ctx)
    assert [f.field for f in found] == ["parties"]


def test_agenda_meeting_step_refuses_a_meeting_without_a_time_as_a_list() -> None:
    found = meetings.FLOW.refusals("meeting", meetings.AgendaDraft(), None)
    assert [f.field for f in found] == ["starts_at"]
    # the old raising function refuses the same, as a ValidationError on that field
    with pytest.raises(Exception) as raised:
        meetings.check_step(meetings.WizardStep.MEETING, meetings.AgendaDraft())
    assert getattr(raised.value, "field", None) == "starts_at"


def test_closure_decision_step_names_every_missing_answer() -> None:
    ctx = closure.ClosureCheck(date(2026, 3, 1), frozenset({4}))
    found = closure.FLOW.refusals("decision", closure.ClosureDecision(), ctx)
    assert [f.field for f in found] == ["agreement.name", "agreement.party", "agreement.date"]
    later = closure.ClosureDecision(agreement=closure.CoordinatorAgreement(
        "Jansen", 5, date(2026, 3, 2)))
    assert [f.field for f in closure.FLOW.refusals("decision", later, ctx)] == [
        "agreement.party", "agreement.date"]


def test_first_run_refuses_an_empty_folder_one_with_a_vault_and_a_bad_account() -> None:
    facts = first_run.FolderFacts()
    assert [f.field for f in first_run.FLOW.refusals(
        "folder", first_run.SetupDraft(folder="  "), facts)] == ["folder"]
    assert [f.field for f in first_run.FLOW.refusals(
        "folder", first_run.SetupDraft(folder="/x"), first_run.FolderFacts(holds_vault=True))
    ] == ["folder"]
    assert first_run.FLOW.refusals("folder", first_run.SetupDraft(folder="/x"), facts) == []
    assert [f.field for f in first_run.FLOW.refusals(
        "account", first_run.SetupDraft(account="Beheerder met spatie"), facts)] == ["account"]
    assert first_run.FLOW.refusals("account", first_run.SetupDraft(account="beheerder"),
                                   facts) == []


def test_accession_needs_a_name_and_the_decisions_dates() -> None:
    assert [f.field for f in accession.FLOW.refusals(
        "details", accession.AccessionDraft(), None)] == ["name"]
    assert [f.field for f in accession.FLOW.refusals(
        "decision", accession.AccessionDraft(name="X", requested_on=date(2026, 1, 5),
                                             agreed=True), None)] == [
        "steering_group_agreed_on"]
    assert accession.FLOW.refusals("decision", accession.AccessionDraft(
        name="X", requested_on=date(2026, 1, 5)), None) == []
