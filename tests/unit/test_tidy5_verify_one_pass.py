"""``verify`` on the house server opens each sealed value once (brief P8, point 2).

verify checks that every sealed value opens and fits its blind index, and lists the stored
texts that hold an invisible or control character (2f529db). Both read the same sealed
columns; the scan for invisible characters opened every text a second time, over the
network, where the value check had just opened it. Now one pass does both.

Written from that rule on two cases, one with a surname and an item written past the rule
for invisible characters (as data from before the rule is): every sealed value verify
opens is opened once (the cipher's decryption counted by table, column and row), and the
findings are the two records written, with their case number, as before; a value changed on
the server is still named, and the texts are then not listed (a note says so); a party's
text that is not sealed (read beside the pass) and one that is (judged in it) are both
listed."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select, update

from app.domain.roles import Role
from app.store.case_tables import subjects
from app.store.field_crypto import FieldCipher
from app.vault.server_admin import verify_server
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.pg_centre_fixtures import admin  # noqa: F401  (fixture: here on the server)
from tests.unit.test_pg_byfolder_text_scan import ZWSP, _stored_before_the_rule

pytestmark = pytest.mark.parametrize("admin", ["server"], indirect=True)


@pytest.fixture
def director(admin: OpenVault) -> OpenVault:  # noqa: F811
    return unlock_as(admin, Role.PROCESS_DIRECTOR)


def test_verify_opens_each_sealed_value_once_and_lists_the_same_texts(
        director: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    number, subject_id, item_id = _stored_before_the_rule(director)
    opened: Counter[tuple[str, str, str]] = Counter()
    decrypt = FieldCipher.decrypt_text

    def counting(self: FieldCipher, table: str, column: str, row_id: int | str,
                 stored: bytes) -> str:
        opened[(table, column, str(row_id))] += 1
        return decrypt(self, table, column, row_id, stored)

    monkeypatch.setattr(FieldCipher, "decrypt_text", counting)
    report = verify_server(director)
    assert report.sound, report.problems
    assert [(f.table, f.column, f.record, f.case_number) for f in report.texts] == [
        ("subjects", "surname", subject_id, number),
        ("information_items", "text", item_id, number)]
    # the case tables' texts were opened, each once
    assert opened[("subjects", "surname", str(subject_id))] == 1
    assert opened[("information_items", "text", str(item_id))] == 1
    assert ("cases", "reason", str(_case_id(director, number))) in opened
    twice = {place: n for place, n in opened.items() if n > 1}
    assert not twice


def _case_id(director: OpenVault, number: str) -> int:
    from app.store.case_tables import cases

    with director.read() as conn:
        return int(conn.execute(select(cases.c.id).where(cases.c.number == number))
                   .scalar_one())


def test_a_value_that_does_not_open_is_named_and_the_texts_wait(director: OpenVault) -> None:
    _number, subject_id, _item_id = _stored_before_the_rule(director)
    with director.begin() as conn:  # another subject's sealed address moved onto this one
        other = conn.execute(select(subjects.c.id).where(subjects.c.id != subject_id)
                             .limit(1)).scalar_one()
        conn.execute(update(subjects).where(subjects.c.id == other)
                     .values(address="Dorpsstraat 1"))
        conn.exec_driver_sql(
            "UPDATE subjects SET address = (SELECT address FROM subjects "
            f"WHERE id = {int(other)}) WHERE id = {int(subject_id)}")
    report = verify_server(director)
    assert any(p.startswith(f"subjects.address #{subject_id}") for p in report.problems), \
        report.problems
    assert report.texts == []
    assert any("onzichtbare tekens" in note for note in report.notes), report.notes


def test_a_party_text_sealed_or_not_is_listed_by_the_administrators_verify(
        admin: OpenVault) -> None:  # noqa: F811
    """The parties' name and address are not sealed (the covenant's parties are public
    bodies), their representative is: the first two are read beside the one pass, the
    third is judged as the pass opens it; both listed, by record, without a case."""
    from app.store.party_tables import parties

    with admin.read() as conn:
        party = int(conn.execute(select(parties.c.id).order_by(parties.c.id).limit(1))
                    .scalar_one())
    with admin.begin() as conn:
        conn.execute(update(parties).where(parties.c.id == party)
                     .values(name=f"Gemeente{ZWSP} Den Haag",
                             representative=f"J.{ZWSP} de Wit"))
    report = verify_server(admin)
    assert report.sound, report.problems
    assert [(f.table, f.column, f.record, f.case_number) for f in report.texts] == [
        ("parties", "name", party, None), ("parties", "representative", party, None)]
