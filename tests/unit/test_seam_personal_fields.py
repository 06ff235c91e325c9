"""One list of personal fields per table, declared next to the table (issue 20, point 4).

Closure, destruction, the demo generator and the leak tests read the same declaration; a text
column of a case's table that is declared neither personal nor not personal fails here, so a
new column cannot slip past closure.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Text

import app.store.schema  # noqa: F401  (every area's tables)
from app.store import personal
from app.store.tables import metadata


def _case_tables() -> list[Table]:
    return personal.case_tables(metadata)


def test_every_text_column_of_a_case_table_is_declared_either_way() -> None:
    assert personal.undecided_columns(_case_tables()) == []


def test_a_new_undeclared_column_is_found() -> None:
    fake = MetaData()
    Table("cases", fake, Column("id", Integer, primary_key=True), Column("number", String(20)))
    notes = Table("case_notes", fake, Column("id", Integer, primary_key=True),
                  Column("case_id", Integer, ForeignKey("cases.id")),
                  Column("text", Text), Column("kind", String(8)))
    Table("drafts", fake, Column("id", Integer, primary_key=True))
    personal.declare(notes, not_personal=("kind",))
    assert "case_notes" in {t.name for t in personal.case_tables(fake)}
    assert personal.undecided_columns(personal.case_tables(fake)) == [
        "cases.number", "case_notes.text"]


def test_a_declaration_naming_no_column_or_one_twice_is_refused() -> None:
    table = Table("t", MetaData(), Column("a", Text), Column("b", Text))
    with pytest.raises(KeyError):
        personal.declare(table, personal=("c",))
    with pytest.raises(ValueError):
        personal.declare(table, personal=("a",), not_personal=("a",))


@pytest.mark.parametrize("field", [
    # the family: names, BSN, address, and every free text about them
    "subjects.given_names", "subjects.surname", "subjects.bsn", "subjects.address",
    "case_search.main_subject", "case_search.search_key",
    "cases.reason", "cases.question", "cases.referring_contact", "cases.decline_reason",
    "cases.decline_advice", "cases.external_ref",
    "life_domain_problems.description", "criteria_answers.motivation",
    "information_items.text", "information_items.use_restriction",
    "routing_decisions.goal", "routing_decisions.themes", "routing_decisions.reason",
    "agenda_items.goal", "invitations.contribution", "minutes_entries.text",
    "case_minutes.body", "plans.closure_criteria", "plan_goals.description",
    "plan_actions.description", "plan_action_notes.text", "plan_versions.snapshot",
    "drafts.payload", "case_invitees.contact_name", "case_invitees.phone",
    "case_invitees.email", "subject_informing.ground_text",
])
def test_the_family_s_data_is_declared_personal(field: str) -> None:
    assert field in personal.personal_fields(_case_tables())


@pytest.mark.parametrize("field", [
    # what the tombstone keeps for the figures, and codes
    "cases.number", "cases.protocol", "cases.state", "cases.referring_party_type",
    "cases.outcome", "case_tombstones.number", "case_tombstones.final_state",
    "subjects.role", "drafts.title",
])
def test_the_tombstone_and_codes_are_not_personal(field: str) -> None:
    table, column = field.split(".")
    assert personal.is_personal(metadata.tables[table].c[column]) is False


def test_destruction_and_the_demo_empty_the_same_declared_fields() -> None:
    from app.services import retention, synthetic

    expected = {"referring_contact", "reason", "question", "external_ref", "decline_reason",
                "decline_advice"}
    assert set(retention.PERSONAL_CASE_FIELDS) == expected
    assert tuple(synthetic._PERSONAL_CASE_FIELDS) == tuple(retention.PERSONAL_CASE_FIELDS)


def test_closure_has_a_rule_for_every_personal_field() -> None:
    from app.services import closure

    assert closure.undecided_personal_fields() == []
    for field in personal.personal_fields(_case_tables()):
        assert closure.CASE_TEXT_FIELDS[field] != closure.KEPT_NOT_PERSONAL, field


def test_the_canary_session_covers_every_personal_field_or_says_why_not() -> None:
    """A new personal column gets a canary in the session (or a stated reason why the
    session cannot reach it), so the leak tests look for it."""
    from tests.reliability.canary_session import (C, PERSONAL_FIELD_CANARIES,
                                                  PERSONAL_FIELDS_NOT_IN_SESSION)

    declared = set(personal.personal_fields(_case_tables()))
    covered = set(PERSONAL_FIELD_CANARIES)
    excused = set(PERSONAL_FIELDS_NOT_IN_SESSION)
    assert not covered & excused
    assert sorted(declared - covered - excused) == []
    assert sorted((covered | excused) - declared) == []
    assert all(n in C for numbers in PERSONAL_FIELD_CANARIES.values() for n in numbers)
