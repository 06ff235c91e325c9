"""Nothing readable on the house server (issue 22, point 2).

Every personal value is encrypted on the workstation before it is sent; the server's
superuser, reading every table, every index, the write-ahead log and the server's log, finds
no name, BSN, address or case text. A value moved on the server to another column does not
decrypt, and the user is told which table and column, in one line. The "already known" check
(BSN; surname plus birth date) and the external reference's check still find a case on the
server, through the blind indexes. The vault file (SQLCipher) keeps its plain values.

The PostgreSQL cases use the session's throwaway server (``tests/pg_server.py``) and are
skipped, with the reason, where no PostgreSQL 15+ binaries are installed.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.domain.cases import Subject, SubjectRole
from app.domain.intake import Referral
from app.domain.life_domains import LifeDomain
from app.domain.protocols import Protocol
from app.errors import VaultDamaged
from app.services import cases as case_service
from app.services import intake
from app.services import meetings as meeting_service
from app.services import parties as party_service
from app.domain.meetings import AgendaDraft, DecisionType, DraftItem, ItemKind
from app.vault.vault import OpenVault
from tests.unit.test_pg_services import (ADMIN, ADMIN_PASS, DIRECTOR, DIRECTOR_PASS, House,
                                         _sqlcipher_house)


def _valid_bsn() -> str:
    """A random nine-digit number that passes the eleven-test."""
    while True:
        digits = [secrets.randbelow(10) for _ in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last < 10 and digits[0] != 0:
            return "".join(map(str, digits)) + str(last)


class Canaries:
    """Values that occur nowhere else on the server (a random part in each)."""

    def __init__(self) -> None:
        tag = secrets.token_hex(4)
        self.surname = f"Kanarievogel{tag}"
        self.given = f"Pietertje{tag}"
        self.bsn = _valid_bsn()
        self.address = f"Meerdervoortlaan {tag}"
        self.reason = f"Dreigende huisuitzetting {tag}"
        self.housing = f"Woonschuld sinds maart {tag}"
        self.contact = f"Wijkagent Bakkerszoon {tag}"
        # a meeting's place (a home visit: an address) and its chair (a person)
        self.place = f"Huiskamer Lindenhof {tag}"
        self.chair = f"Voorzitter Wilhelmina {tag}"

    def all(self) -> tuple[str, ...]:
        return (self.surname, self.given, self.bsn, self.address, self.reason, self.housing,
                self.contact, self.place, self.chair)


def _referral(vault: OpenVault, c: Canaries, external_ref: str | None = None) -> Referral:
    police = party_service.find_party_by_name(vault, "Politie regionale eenheid Den Haag")
    assert police is not None
    return Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=police.id,
        received=date(2026, 3, 2), reason=c.reason, question="Samen een plan maken",
        subjects=(Subject(c.given, c.surname, date(1981, 6, 17), SubjectRole.MAIN_SUBJECT,
                          c.bsn, c.address),),
        life_domains={LifeDomain.HOUSING: c.housing}, referring_contact=c.contact,
        external_ref=external_ref)


def _meeting_at(director: OpenVault, number: str, c: Canaries) -> int:
    """The case routed to a meeting held at the canary place with the canary chair."""
    from tests.unit.handout_cases import party_ids, route_to_meeting, tomorrow_at_ten

    invited = [party_ids(director)["Politie regionale eenheid Den Haag"]]
    route_to_meeting(director, number, invited)
    with director.read() as conn:
        case_id = case_service.case_id_for(conn, number)
    return meeting_service.plan_meeting(director, AgendaDraft(
        starts_at=tomorrow_at_ten(), place=c.place, chair=c.chair,
        items=[DraftItem(case_id, number, "", ItemKind.FIRST, 30, "Beeld vormen", ["wonen"],
                         [DecisionType.IMAGE_FORMING], {p: "Toelichting" for p in invited})]))


def _data_files(pg_server: Any, database: str) -> list[Path]:
    """Every file of the database (tables, indexes, TOAST) and the write-ahead log."""
    data = Path(pg_server.log_file).parent / "data"
    with pg_server.admin(database) as admin:
        oid = admin.execute("SELECT oid FROM pg_database WHERE datname = %s",
                            (database,)).fetchone()[0]
    return [p for p in [*(data / "base" / str(oid)).iterdir(), *(data / "pg_wal").iterdir()]
            if p.is_file()]


def test_the_servers_superuser_finds_no_person_in_tables_indexes_wal_or_log(
        server_house: House, pg_server: Any) -> None:
    """Done means (issue 22): a superuser reading every table through SQLAlchemy without the
    data key, every index and the write-ahead log on disk, and the server's log, finds none
    of the canary names, BSN, address or texts. A control value the superuser writes itself
    in the clear is found, so the scan does read what the server stores."""
    import sqlalchemy as sa

    c = Canaries()
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    number = intake.register_referral(director, _referral(director, c, f"REF-{c.bsn}"))
    meeting_id = _meeting_at(director, number, c)
    # read back through the workstation: the values come back whole
    with director.read() as conn:
        case = case_service.load_case(conn, case_service.case_id_for(conn, number))
    assert case.subjects[0].surname == c.surname and case.subjects[0].bsn == c.bsn
    assert case.subjects[0].birth_date == date(1981, 6, 17)
    meeting = meeting_service.get_meeting(director, meeting_id)
    assert (meeting.place, meeting.chair) == (c.place, c.chair)
    director.lock()

    database = server_house.vault.profile.database  # type: ignore[attr-defined]
    control = f"controlewaarde{secrets.token_hex(4)}"
    engine = sa.create_engine(pg_server.sqlalchemy_url(pg_server.superuser,
                                                       pg_server.superuser_password, database))
    found: list[str] = []
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO meta(key, value) VALUES ('control', :v)"),
                         {"v": control})
        with engine.connect() as conn:
            for table in sa.inspect(conn).get_table_names():
                rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
                text = " ".join(repr(tuple(row)) for row in rows).lower()
                found += [f"{table}: {v}" for v in c.all() if v.lower() in text]
            conn.execute(sa.text("CHECKPOINT"))  # every page and the log on disk
    finally:
        engine.dispose()
    stored = b"".join(p.read_bytes() for p in _data_files(pg_server, database)).lower()
    assert control.encode() in stored  # the scan reads what the server keeps
    found += [f"on disk: {v}" for v in c.all() if v.lower().encode() in stored]
    log = Path(pg_server.log_file).read_text(encoding="utf-8", errors="replace").lower()
    found += [f"server log: {v}" for v in c.all() if v.lower() in log]
    assert found == []


def test_a_value_moved_to_another_column_does_not_decrypt(server_house: House,
                                                          pg_server: Any) -> None:
    """A server administrator who copies one sealed value over another column gets no
    readable value past the workstation: opening the case is refused in one line that names
    the table and column (never the value)."""
    c = Canaries()
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    number = intake.register_referral(director, _referral(director, c))
    database = server_house.vault.profile.database  # type: ignore[attr-defined]
    with pg_server.admin(database) as admin:
        admin.execute("UPDATE cases SET question = reason WHERE number = %s", (number,))
    with pytest.raises(VaultDamaged) as refused, director.read() as conn:
        case_service.load_case(conn, case_service.case_id_for(conn, number))
    message = str(refused.value)
    assert "cases.question" in message and len(message.splitlines()) == 1
    assert c.reason not in message


def test_a_value_changed_on_the_server_does_not_decrypt(server_house: House,
                                                        pg_server: Any) -> None:
    """One flipped byte in a subject's stored surname: refused, naming subjects.surname."""
    c = Canaries()
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    number = intake.register_referral(director, _referral(director, c))
    database = server_house.vault.profile.database  # type: ignore[attr-defined]
    with pg_server.admin(database) as admin:
        admin.execute("UPDATE subjects SET surname = set_byte(surname, 20, "
                      "get_byte(surname, 20) # 1)")
    with pytest.raises(VaultDamaged, match="subjects.surname"), director.read() as conn:
        case_service.load_case(conn, case_service.case_id_for(conn, number))


def test_already_known_finds_a_colleagues_case_on_the_server(server_house: House) -> None:
    """The exact look-ups of intake work on sealed values: the BSN, and the surname (case
    and accents ignored, as the covenant's check asks) with the birth date; another BSN or
    another birth date finds nothing."""
    c = Canaries()
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    number = intake.register_referral(director, _referral(director, c, f"REF-{c.bsn}"))
    by_bsn = intake.already_known(director, bsn=c.bsn)
    assert [k.number for k in by_bsn] == [number]
    by_name = intake.already_known(director, surname=c.surname.upper(),
                                   birth_date=date(1981, 6, 17))
    assert [k.number for k in by_name] == [number]
    assert intake.already_known(director, surname=c.surname,
                                birth_date=date(1981, 6, 18)) == []
    other = _valid_bsn()
    if other != c.bsn:
        assert intake.already_known(director, bsn=other) == []


def test_an_external_reference_registered_twice_is_refused_on_the_server(
        server_house: House) -> None:
    """The external reference is sealed too; the check that it is new still finds it."""
    from app.errors import ValidationError

    c = Canaries()
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    intake.register_referral(director, _referral(director, c, f"REF-{c.bsn}"))
    with pytest.raises(ValidationError):
        intake.register_referral(director, _referral(director, Canaries(), f"REF-{c.bsn}"))


def test_the_vault_file_keeps_its_plain_values(tmp_path: Path) -> None:
    """On SQLCipher nothing changes: the file is encrypted as a whole, the values inside are
    the values (sealing is for the server only)."""
    from sqlalchemy import text

    house = _sqlcipher_house(tmp_path / "kluis")
    director = house.unlock(DIRECTOR, DIRECTOR_PASS)
    try:
        c = Canaries()
        intake.register_referral(director, _referral(director, c))
        with director.read() as conn:
            row = conn.execute(text("SELECT surname, bsn, birth_date, address FROM subjects "
                                    "WHERE bsn = :b"), {"b": c.bsn}).one()
            kinds = {r[1]: r[2] for r in conn.execute(text(
                "PRAGMA table_info(subjects)")).all()}
    finally:
        director.lock(audit_it=False)
    assert tuple(row) == (c.surname, c.bsn, "1981-06-17", c.address)
    assert kinds["bsn"] == "VARCHAR(9)" and kinds["birth_date"] == "DATE"


def test_the_migration_seals_every_personal_column() -> None:
    """0014's list (a migration imports no live code) is every column the tables declare
    personal, with a subject's birth date, the party register's contact persons and
    representative, and who attended a meeting; and exactly the columns sealed."""
    import importlib

    import app.store.schema as schema
    from app.store.personal import personal_columns
    from app.store.sealed import sealed_columns

    sealed_by_0014 = importlib.import_module(
        "app.store.migrations.versions.0014_sealed_on_server").SEALED
    sealed_by_0017 = importlib.import_module(
        "app.store.migrations.versions.0017_meeting_place_chair_sealed").SEALED
    listed = {f"{t}.{col}" for lists in (sealed_by_0014, sealed_by_0017)
              for t, cols in lists.items() for col in cols}
    declared = {f"{t.name}.{col}" for t in schema.metadata.sorted_tables
                for col in personal_columns(t)}
    assert declared <= listed
    assert listed - declared == {"subjects.birth_date", "party_contacts.name",
                                 "party_contacts.function", "party_contacts.phone",
                                 "party_contacts.email", "parties.representative",
                                 "attendees.name", "attendees.function",
                                 "meetings.place", "meetings.place_key", "meetings.chair"}
    assert listed == {f"{t}.{col}" for t, col in sealed_columns(schema.metadata.sorted_tables)}



def test_the_case_search_finds_sealed_names_on_the_server(server_house: House) -> None:
    """The Cases table's search box on the server: the search keys are sealed (the server
    cannot look inside them), so the workstation matches the opened keys; the same cases are
    found as in a vault file: by surname, by BSN, by two words, none for an unknown name, and
    the newest ``limit`` only."""
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    first, second = Canaries(), Canaries()
    n1 = intake.register_referral(director, _referral(director, first))
    n2 = intake.register_referral(director, _referral(director, second))
    n3 = intake.register_referral(director, _referral(director, second))

    def found(search: str, limit: int | None = None) -> list[str]:
        return sorted(case_service.list_cases(director, search=search,
                                              limit=limit).numbers())

    assert found(first.surname) == [n1]
    assert found(second.bsn) == sorted([n2, n3])
    assert found(f"{first.given} {first.surname}") == [n1]
    assert found(f"{first.given} {second.surname}") == []
    assert found("Nergensbekend") == []
    assert found(second.surname, limit=1) == [n3]
    shown = {r.number: r.main_subject for r in case_service.list_cases(director)}
    assert shown[n1].startswith(first.surname)


def test_a_partys_contact_persons_come_by_name_on_the_server(server_house: House) -> None:
    """Contact persons are sealed on the server (professionals' personal data), where the
    database can only order their ciphertext: the register still lists them by name."""
    from app.domain.parties import Contact

    admin = server_house.unlock(ADMIN, ADMIN_PASS)
    police = party_service.find_party_by_name(admin, "Politie regionale eenheid Den Haag")
    assert police is not None
    names = ["Zeeman", "Aalders", "Mulder", "Bakker", "Visser", "De Jong", "Jansen", "Kok"]
    for name in names:
        party_service.save_contact(admin, Contact(police.id, name, phone="070 123 4567"))
    listed = [c.name for c in party_service.contacts(admin, police.id)]
    assert listed == sorted(names)


def test_verify_names_the_record_of_every_value_that_does_not_open(server_house: House,
                                                                   pg_server: Any) -> None:
    """For ``verify`` on the server (issue 22, point 5: decryptability of every value, the
    blind indexes): an untouched house has no finding; a value changed on the server is
    named by table, column and record, and a blind index that does not fit its value (a BSN's
    index copied from another subject: "already known" would find the wrong person) too;
    never the value."""
    import app.store.schema as schema
    from app.store.sealed import unreadable_values

    first, second = Canaries(), Canaries()
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    n1 = intake.register_referral(director, _referral(director, first))
    intake.register_referral(director, _referral(director, second))
    with director.read() as conn:
        assert unreadable_values(conn, schema.metadata.sorted_tables) == []
        case_id = case_service.case_id_for(conn, n1)
        subject_id = case_service.load_case(conn, case_id).subjects[0].id
    database = server_house.vault.profile.database  # type: ignore[attr-defined]
    with pg_server.admin(database) as admin:
        admin.execute("UPDATE life_domain_problems SET description = set_byte(description, "
                      "20, get_byte(description, 20) # 1) WHERE case_id = %s", (case_id,))
        admin.execute("UPDATE subjects SET bsn = overlay(bsn placing (SELECT substring(o.bsn "
                      "from 1 for 32) FROM subjects o WHERE o.id != %s LIMIT 1) from 1 for 32) "
                      "WHERE id = %s", (subject_id, subject_id))
        problem_id = admin.execute("SELECT id FROM life_domain_problems WHERE case_id = %s",
                                   (case_id,)).fetchone()[0]
    with director.read() as conn:
        found = [str(u) for u in unreadable_values(conn, schema.metadata.sorted_tables)]
    assert sorted(found) == sorted([f"life_domain_problems.description #{problem_id}: value",
                                    f"subjects.bsn #{subject_id}: index"])


def test_0014_refuses_a_server_that_holds_unencrypted_values(pg_server: Any) -> None:
    """A server database filled by a test version (personal values stored in the clear) is
    not upgraded: the values are neither kept readable nor thrown away; nothing changes."""
    import sqlalchemy as sa

    from app.store import migrate

    database = pg_server.new_database("unsealed")
    engine = sa.create_engine(pg_server.sqlalchemy_url(pg_server.superuser,
                                                       pg_server.superuser_password, database))
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn, "0013")
            conn.exec_driver_sql(
                "INSERT INTO cases(id, number, number_year, number_seq, protocol, state, "
                "received, created_at, created_by, updated_at, reason) VALUES (1, "
                "'ZVH-2026-0001', 2026, 1, 'generic', 'intake', '2026-01-05', "
                "'2026-01-05 10:00', 'a', '2026-01-05 10:00', 'Zorgen over de woning')")
        with pytest.raises(Exception, match="unencrypted"), engine.begin() as conn:
            migrate.upgrade(conn)
        with engine.connect() as conn:
            assert migrate.current_revision(conn) == "0013"
            assert conn.exec_driver_sql("SELECT reason FROM cases").scalar_one() \
                == "Zorgen over de woning"
    finally:
        engine.dispose()
