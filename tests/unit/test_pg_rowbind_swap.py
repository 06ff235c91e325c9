"""The row bound into every sealed value (issue 22, point 2: "the table, column and row id
bound in as associated data").

A server administrator with write access who swaps two rows' sealed values of one column
(two subjects' BSNs or surnames, two cases' referral reasons, two cases' search rows) gets
nothing past the workstation: the program refuses to read them and names the table, column
and record, never the value; ``verify`` on the server names every swapped record; a house
moved with ``casuskamer migrate`` is sealed with the row bound in too. The blind indexes
keep working ("already known" finds both cases before the swap).

On the session's throwaway PostgreSQL (``tests/pg_server.py``), skipped with the reason
where no PostgreSQL 15+ binaries are installed. Fails on e9db4e2, which bound the table and
column only: there the swapped values were read as if they belonged to the other row.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from app.errors import VaultDamaged
from app.services import cases as case_service
from app.services import intake
from app.vault.server_admin import verify_server
from app.vault.vault import OpenVault
from tests.unit.test_pg_sealed_store import Canaries, _referral
from tests.unit.test_pg_services import DIRECTOR, DIRECTOR_PASS, House

#: What the superuser runs: the stored values of one column of two rows exchanged.
SWAP = ("UPDATE {table} t SET {column} = o.{column} FROM {table} o "
        "WHERE t.{key} = %(a)s AND o.{key} = %(b)s OR t.{key} = %(b)s AND o.{key} = %(a)s")


def _swap(pg_server: Any, house: House, table: str, column: str, a: int, b: int,
          key: str = "id") -> None:
    database = house.vault.profile.database  # type: ignore[attr-defined]
    with pg_server.admin(database) as admin:
        changed = admin.execute(SWAP.format(table=table, column=column, key=key),
                                {"a": a, "b": b}).rowcount
    assert changed == 2


def _two_cases(director: OpenVault) -> tuple[Canaries, Canaries, list[str], list[int],
                                             list[int]]:
    """Two cases, each with its own canaries: (canaries, numbers, case ids, main subject
    ids)."""
    first, second = Canaries(), Canaries()
    numbers = [intake.register_referral(director, _referral(director, c))
               for c in (first, second)]
    with director.read() as conn:
        case_ids = [case_service.case_id_for(conn, n) for n in numbers]
        subject_ids = [case_service.load_case(conn, i).subjects[0].id for i in case_ids]
    return first, second, numbers, case_ids, [int(s) for s in subject_ids if s is not None]


def _refusal(director: OpenVault, case_id: int) -> str:
    with pytest.raises(VaultDamaged) as refused, director.read() as conn:
        case_service.load_case(conn, case_id)
    return str(refused.value)


def test_two_subjects_bsns_swapped_on_the_server_are_refused_naming_each_record(
        server_house: House, pg_server: Any) -> None:
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    first, second, _numbers, case_ids, subject_ids = _two_cases(director)
    # before the swap the blind indexes find each case by its BSN
    assert len(intake.already_known(director, bsn=first.bsn)) == 1
    assert len(intake.already_known(director, bsn=second.bsn)) == 1
    _swap(pg_server, server_house, "subjects", "bsn", *subject_ids)
    for case_id, subject_id in zip(case_ids, subject_ids, strict=True):
        message = _refusal(director, case_id)
        assert "subjects.bsn" in message
        assert re.search(rf"\b{subject_id}\b", message), message
        assert len(message.splitlines()) == 1
        for c in (first, second):
            assert c.bsn not in message and c.surname not in message


def test_two_subjects_surnames_swapped_are_refused(server_house: House,
                                                   pg_server: Any) -> None:
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    first, second, _numbers, case_ids, subject_ids = _two_cases(director)
    _swap(pg_server, server_house, "subjects", "surname", *subject_ids)
    message = _refusal(director, case_ids[0])
    assert "subjects.surname" in message and str(subject_ids[0]) in message
    assert first.surname not in message and second.surname not in message


def test_two_cases_reasons_swapped_are_refused(server_house: House, pg_server: Any) -> None:
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    first, second, _numbers, case_ids, _subjects = _two_cases(director)
    _swap(pg_server, server_house, "cases", "reason", *case_ids)
    message = _refusal(director, case_ids[1])
    assert "cases.reason" in message and str(case_ids[1]) in message
    assert first.reason not in message and second.reason not in message


def test_the_case_list_refuses_swapped_search_rows(server_house: House,
                                                   pg_server: Any) -> None:
    """The Cases table reads ``case_search`` straight through the cursor: a main subject's
    name swapped between two cases' search rows is refused there too, not shown beside the
    wrong case number."""
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    first, second, numbers, case_ids, _subjects = _two_cases(director)
    listed = case_service.list_cases(director)
    assert set(numbers) <= {r.number for r in listed}
    _swap(pg_server, server_house, "case_search", "main_subject", *case_ids, key="case_id")
    with pytest.raises(VaultDamaged) as refused:
        case_service.list_cases(director)
    message = str(refused.value)
    assert "case_search.main_subject" in message
    assert str(case_ids[0]) in message or str(case_ids[1]) in message
    assert first.surname not in message and second.surname not in message


def test_verify_on_the_server_names_every_swapped_record(server_house: House,
                                                         pg_server: Any) -> None:
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    _first, _second, _numbers, case_ids, subject_ids = _two_cases(director)
    assert verify_server(director).problems == []
    _swap(pg_server, server_house, "subjects", "bsn", *subject_ids)
    _swap(pg_server, server_house, "cases", "question", *case_ids)
    problems = verify_server(director).problems
    named = sorted(re.sub(r":.*", "", p) for p in problems)
    assert named == sorted([f"subjects.bsn #{subject_ids[0]}", f"subjects.bsn #{subject_ids[1]}",
                            f"cases.question #{case_ids[0]}", f"cases.question #{case_ids[1]}"])


def test_a_value_copied_to_another_row_with_its_index_is_refused(
        server_house: House, pg_server: Any) -> None:
    """Copying (not swapping) one subject's whole stored BSN, blind index and all, over
    another's: "already known" would find the wrong person by it; reading it is refused."""
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    first, _second, _numbers, case_ids, subject_ids = _two_cases(director)
    database = server_house.vault.profile.database  # type: ignore[attr-defined]
    with pg_server.admin(database) as admin:
        admin.execute("UPDATE subjects SET bsn = (SELECT bsn FROM subjects WHERE id = %(a)s) "
                      "WHERE id = %(b)s", {"a": subject_ids[0], "b": subject_ids[1]})
    message = _refusal(director, case_ids[1])
    assert "subjects.bsn" in message and str(subject_ids[1]) in message
    assert first.bsn not in message
    # the first subject's own row still opens
    with director.read() as conn:
        assert case_service.load_case(conn, case_ids[0]).subjects[0].bsn == first.bsn


def test_the_blind_indexes_still_find_by_surname_and_birth_date(server_house: House) -> None:
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    first, second, numbers, _ids, _subjects = _two_cases(director)
    for c, number in ((first, numbers[0]), (second, numbers[1])):
        found = intake.already_known(director, surname=c.surname, birth_date=date(1981, 6, 17))
        assert [k.number for k in found] == [number]


def test_a_composite_keyed_row_and_an_update_of_several_rows(server_house: House,
                                                              pg_server: Any) -> None:
    """The criteria answers are keyed by case and criterion: each motivation is sealed for
    its own (case, criterion). Closure's emptying of several motivations in one UPDATE
    writes each row its own sealed value (all open afterwards); two criteria's motivations
    swapped on the server are refused, naming the case and the criterion."""
    from datetime import datetime

    from app.domain.criteria import Criterion
    from app.store import cases as case_rows

    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    _first, _second, _numbers, case_ids, _subjects = _two_cases(director)
    case_id = case_ids[0]
    kinds = [Criterion.SERIOUS_SAFETY_PROBLEM.value, Criterion.SYSTEM_IMPACT.value,
             Criterion.MULTI_PROBLEM.value]
    with director.begin() as conn:
        case_rows.replace_criteria(conn, case_id, [
            {"case_id": case_id, "criterion": k, "answer": True, "motivation": f"Omdat {k}",
             "answered_at": datetime(2026, 3, 2, 10), "answered_by": DIRECTOR} for k in kinds])
    with director.begin() as conn:
        case_rows.clear_motivations(conn, case_id, kinds[:2])
    with director.read() as conn:
        assert dict(case_rows.criteria_motivations(conn, case_id)) == {
            kinds[0]: "", kinds[1]: "", kinds[2]: f"Omdat {kinds[2]}"}
    assert verify_server(director).problems == []
    database = server_house.vault.profile.database  # type: ignore[attr-defined]
    with pg_server.admin(database) as admin:
        admin.execute(
            "UPDATE criteria_answers t SET motivation = o.motivation FROM criteria_answers o "
            "WHERE t.case_id = %(c)s AND o.case_id = %(c)s AND ("
            "t.criterion = %(a)s AND o.criterion = %(b)s OR "
            "t.criterion = %(b)s AND o.criterion = %(a)s)",
            {"c": case_id, "a": kinds[1], "b": kinds[2]})
    with pytest.raises(VaultDamaged) as refused, director.read() as conn:
        case_rows.criteria_motivations(conn, case_id)
    message = str(refused.value)
    assert "criteria_answers.motivation" in message and f"{case_id}:" in message
    assert f"Omdat {kinds[2]}" not in message


def test_the_follow_up_refuses_action_texts_swapped_between_rows(server_house: House,
                                                                   pg_server: Any) -> None:
    """The follow-up reads the open actions straight through the cursor too: two actions'
    descriptions swapped on the server are refused there, naming the action's record."""
    from datetime import datetime

    from app.store import followup as followup_rows
    from app.store.plan_tables import plan_actions, plans

    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    _first, _second, _numbers, case_ids, _subjects = _two_cases(director)
    with director.read() as conn:
        state = case_service.load_case(conn, case_ids[0]).state.value
    action_ids = []
    with director.begin() as conn:
        for n, case_id in enumerate(case_ids):
            plan_id = conn.execute(plans.insert().values(
                case_id=case_id, version=1, updated_at=datetime(2026, 3, 2, 10),
                updated_by=DIRECTOR)).inserted_primary_key[0]
            action_ids.append(conn.execute(plan_actions.insert().values(
                plan_id=plan_id, key="a1", position=0, party_id=1,
                description=f"Schuldhulp aanvragen {n}", owner="Wijkteam", status="open")
            ).inserted_primary_key[0])
    with director.read() as conn:
        rows = followup_rows.open_action_rows(conn, ["open"], [state])
    assert sorted(r[5] for r in rows if r[0] in case_ids) == [
        "Schuldhulp aanvragen 0", "Schuldhulp aanvragen 1"]
    _swap(pg_server, server_house, "plan_actions", "description", *action_ids)
    with pytest.raises(VaultDamaged) as refused, director.read() as conn:
        followup_rows.open_action_rows(conn, ["open"], [state])
    message = str(refused.value)
    assert "plan_actions.description" in message
    assert re.search(rf"\b({action_ids[0]}|{action_ids[1]})\b", message), message
    assert "Schuldhulp" not in message
