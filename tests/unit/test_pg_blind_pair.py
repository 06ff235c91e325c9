"""One blind index over a subject's surname and birth date on the house server (issue 22,
point 2: "exact look-ups the program needs (BSN, surname plus birth date for 'already
known') use keyed blind indexes").

The server's administrator, reading the subjects table, sees which subjects share a surname
*and* a birth date (the look-up needs that), not which share a surname, a full name or a
birth date on its own: in front of the sealed folded surname stands one HMAC over the pair,
and the full name and the birth date carry no index. "Already known" and the
subject-access search find a family by surname and birth date through it; ``verify``
checks it against the values it was made from; a house whose subjects were stored with the
per-column indexes (before migration 0018) is upgraded and finds its families again after
the first process director's unlock, which computes the indexes the migration owner could
not (it holds no data key).

On the session's throwaway PostgreSQL (``tests/pg_server.py``), skipped with the reason
where no PostgreSQL 15+ binaries are installed. On 45f1d89 (one index per column) the
structure tests fail: two subjects of one surname with different birth dates had equal
first 32 bytes of their surname key, and the birth date and full name their own index.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from app.domain.cases import Subject, SubjectRole, fold_for_search
from app.domain.intake import Referral
from app.domain.life_domains import LifeDomain
from app.domain.protocols import Protocol
from app.services import cases as case_service
from app.services import intake, session
from app.services import parties as party_service
from app.services.subject_access import find_subject
from app.store.field_crypto import NONCE_BYTES, TAG_BYTES, FieldCipher
from app.vault.server_admin import upgrade_house, verify_server
from app.vault.vault import OpenVault
from tests.unit.test_pg_services import DIRECTOR, DIRECTOR_PASS, House

#: Bytes a sealed value takes besides its text (version, nonce, tag).
SEALED_EXTRA = 1 + NONCE_BYTES + TAG_BYTES
#: Two people of one family name, born on different days, and one of another family born on
#: the first one's day; the last has no BSN, so only the name look-up finds them.
PEOPLE = (("Johanna", "De Wit-Öztürk", date(1979, 4, 3), "111222333"),
          ("Karel", "de wit-ozturk", date(1983, 11, 21), "123456782"),
          ("Fatima", "El Amrani", date(1979, 4, 3), None))


def _referral(vault: OpenVault, given: str, surname: str, born: date,
              bsn: str | None) -> Referral:
    police = party_service.find_party_by_name(vault, "Politie regionale eenheid Den Haag")
    assert police is not None
    return Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=police.id,
        received=date(2026, 3, 2), reason="Zorgen over de woonsituatie",
        question="Samen een plan maken",
        subjects=(Subject(given, surname, born, SubjectRole.MAIN_SUBJECT, bsn, None),),
        life_domains={LifeDomain.HOUSING: "Dreigende huisuitzetting"})


def _three_families(director: OpenVault) -> list[str]:
    return [intake.register_referral(director, _referral(director, *p)) for p in PEOPLE]


def _database(house: House) -> str:
    return str(house.vault.profile.database)  # type: ignore[attr-defined]


def _stored_subjects(pg_server: Any, database: str) -> list[tuple[int, bytes, bytes, bytes]]:
    """``(id, surname_key, name_key, birth_date)`` as the server stores them, read by its
    superuser (no data key), in id order."""
    with pg_server.admin(database) as admin:
        return [(int(i), bytes(s), bytes(n), bytes(b)) for i, s, n, b in admin.execute(
            "SELECT id, surname_key, name_key, birth_date FROM subjects ORDER BY id")]


def _found(director: OpenVault, surname: str, born: date) -> list[str]:
    return [r.number for r in intake.already_known(director, surname=surname, birth_date=born)]


def test_already_known_finds_a_family_by_surname_and_birth_date_on_the_server(
        server_house: House) -> None:
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    first, second, third = _three_families(director)
    # the surname as typed (case, accents, spacing) and the birth date, together
    assert _found(director, "de wit-ozturk", date(1979, 4, 3)) == [first]
    assert _found(director, "DE  WIT-ÖZTÜRK", date(1983, 11, 21)) == [second]
    assert _found(director, "El Amrani", date(1979, 4, 3)) == [third]
    # neither the surname nor the birth date alone finds anybody
    assert _found(director, "De Wit-Öztürk", date(1990, 1, 1)) == []
    assert _found(director, "Jansen", date(1979, 4, 3)) == []
    # the subject-access search finds the person by the same pair, by the full name too
    assert find_subject(director, surname="El Amrani", birth_date=date(1979, 4, 3)).case_numbers \
        == (third,)
    assert find_subject(director, surname="de wit-ozturk", birth_date=date(1983, 11, 21),
                        given_names="karel").case_numbers == (second,)


def test_the_server_holds_no_index_of_a_surname_name_or_birth_date_alone(
        server_house: House, pg_server: Any) -> None:
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    _three_families(director)
    (_, s1, n1, b1), (_, s2, n2, b2), (_, s3, n3, b3) = _stored_subjects(
        pg_server, _database(server_house))
    # one surname, two birth dates: different index values (per surname they were equal)
    assert s1[:32] != s2[:32]
    # one birth date, two surnames: different index values too
    assert s1[:32] != s3[:32]
    # the birth date and the full name are only their sealed value: no 32 bytes in front
    # of it (an ISO day is ten characters)
    for birth in (b1, b2, b3):
        assert len(birth) == SEALED_EXTRA + len("1979-04-03")
    for stored, (given, surname, _born, _bsn) in zip((n1, n2, n3), PEOPLE, strict=True):
        folded = fold_for_search(f"{given} {surname}")
        assert len(stored) == SEALED_EXTRA + len(folded.encode("utf-8"))
    # and the server has no index on anything but the pair's first 32 bytes of them
    with pg_server.admin(_database(server_house)) as admin:
        definitions = [d for (d,) in admin.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'subjects'")]
    # (an index on a whole sealed value orders random nonces: it shows nothing)
    on_index = [d for d in definitions if "substring" in d.lower()]
    assert len(on_index) == 2, definitions  # the BSN's and the pair's
    columns = {d.lower().split("substring(")[1].split(" ")[0] for d in on_index}
    assert columns == {"bsn", "surname_key"}


def test_the_index_is_one_hmac_over_both_under_its_own_key(server_house: House,
                                                           pg_server: Any) -> None:
    """The index in front of the surname key is the HMAC of ``<folded surname>|<ISO day>``
    under the pair's own key, which is neither the surname's nor the birth date's."""
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    _three_families(director)
    cipher = FieldCipher(director.data_key)
    stored = _stored_subjects(pg_server, _database(server_house))
    for (_, surname_key, _, _), (_, surname, born, _) in zip(stored, PEOPLE, strict=True):
        folded = fold_for_search(surname)
        assert surname_key[:32] == cipher.surname_birth_index(folded, born)
        assert surname_key[:32] == cipher.blind_index(
            "surname_birth", f"{folded}|{born.isoformat()}")
        assert surname_key[:32] != cipher.blind_index("subjects_surname_key", folded)
        assert surname_key[:32] != cipher.blind_index("subjects_birth_date", born.isoformat())


def _overwrite_index(pg_server: Any, database: str, subject_id: int, index: bytes) -> None:
    with pg_server.admin(database) as admin:
        admin.execute("UPDATE subjects SET surname_key = overlay(surname_key placing %s "
                      "from 1 for 32) WHERE id = %s", (index, subject_id))


def test_verify_names_a_subject_whose_pair_index_was_changed_on_the_server(
        server_house: House, pg_server: Any) -> None:
    """The administrator copies the index of the family's other member (same surname, other
    birth date) over the first one's: the values still open, so only verify shows it, by
    table, column and record; "already known" then misses that person."""
    database = _database(server_house)
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    first, _second, _third = _three_families(director)
    assert verify_server(director).problems == []
    stored = _stored_subjects(pg_server, database)
    _overwrite_index(pg_server, database, stored[0][0], stored[1][1][:32])
    problems = verify_server(director).problems
    assert len(problems) == 1
    assert f"subjects.surname_key #{stored[0][0]}: index" in problems[0]
    for given, surname, _born, bsn in PEOPLE:
        assert surname not in problems[0] and given not in problems[0]
        assert bsn is None or bsn not in problems[0]
    assert _found(director, PEOPLE[0][1], PEOPLE[0][2]) == []
    # the case itself still reads: the sealed values are whole
    assert case_service.get_case(director, first).subjects[0].surname == PEOPLE[0][1]


def test_a_new_data_key_keeps_the_pair_index(server_house: House, pg_server: Any) -> None:
    from app.vault import server_rekey
    from tests.unit.test_pg_services import ADMIN, ADMIN_PASS

    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    numbers = _three_families(director)
    director.lock(audit_it=False)
    admin = server_house.unlock(ADMIN, ADMIN_PASS)
    server_rekey.change_data_key(admin, pg_server.superuser, pg_server.superuser_password)
    admin.lock(audit_it=False)
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    assert _found(director, PEOPLE[2][1], PEOPLE[2][2]) == [numbers[2]]
    assert verify_server(director).problems == []


# -- a house stored with the per-column indexes (before 0018) --------------------------------

#: What 0014 made, which 0018 replaces by the pair's index.
OLD_INDEXES = {"surname_key": "ix_subjects_surname_key_blind",
               "name_key": "ix_subjects_name_key_blind",
               "birth_date": "ix_subjects_birth_date_blind"}


def _as_before_0018(pg_server: Any, house: House, director: OpenVault) -> None:
    """Store the house's subjects as revision 0017 left them: each of the surname key, the
    full name and the birth date with its own column's index (HMAC of the value under the
    key of ``subjects_<column>``) in front of its sealed value, the three per-column indexes,
    no pair index, the schema at 0017."""
    from sqlalchemy import select

    from app.store.case_tables import subjects

    cipher = FieldCipher(director.data_key)
    with director.read() as conn:
        plain = {int(r["id"]): r for r in conn.execute(select(subjects)).mappings()}
    database = _database(house)
    with pg_server.admin(database) as admin:
        for subject_id, surname_key, name_key, birth in _stored_subjects(pg_server, database):
            row = plain[subject_id]
            admin.execute(
                "UPDATE subjects SET surname_key = %s, name_key = %s, birth_date = %s "
                "WHERE id = %s",
                (cipher.blind_index("subjects_surname_key", row["surname_key"])
                 + surname_key[32:],
                 cipher.blind_index("subjects_name_key", row["name_key"]) + name_key,
                 cipher.blind_index("subjects_birth_date", row["birth_date"].isoformat())
                 + birth, subject_id))
        admin.execute("DROP INDEX ix_subjects_surname_birth_blind")
        for column, name in OLD_INDEXES.items():
            admin.execute(f"CREATE INDEX {name} ON subjects "
                          f"(substring({column} from 1 for 32))")
        # what later revisions added goes too, so that the upgrade from 0017 runs them again
        admin.execute("ALTER TABLE triage_queries DROP COLUMN row_version, "
                      "DROP COLUMN changed_by, DROP COLUMN changed_at")  # 0019
        admin.execute("UPDATE alembic_version SET version_num = '0017'")


def test_a_house_upgraded_from_the_per_column_indexes_keeps_finding_its_families(
        server_house: House, pg_server: Any) -> None:
    database = _database(server_house)
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    numbers = _three_families(director)
    _as_before_0018(pg_server, server_house, director)
    director.lock(audit_it=False)

    profile = server_house.vault.profile  # type: ignore[attr-defined]
    upgrade_house(profile, pg_server.superuser, pg_server.superuser_password)
    # the migration owner holds no data key: the pair's index is a placeholder for now, the
    # per-column indexes are gone
    stored = _stored_subjects(pg_server, database)
    assert {s[:32] for _, s, _, _ in stored} == {bytes(32)}
    assert all(len(b) == SEALED_EXTRA + 10 for _, _, _, b in stored)
    with pg_server.admin(database) as admin:
        names = {n for (n,) in admin.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'subjects'")}
    assert not names & set(OLD_INDEXES.values())
    assert "ix_subjects_surname_birth_blind" in names

    # a director's session before its session step: verify names the pending rows, the BSN
    # still finds its case, the name not yet
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    pending = verify_server(director).problems
    assert len(pending) == 3 and all("pending index" in p for p in pending)
    assert [r.number for r in intake.already_known(director, bsn=PEOPLE[0][3])] \
        == [numbers[0]]
    assert _found(director, PEOPLE[2][1], PEOPLE[2][2]) == []

    # the session step of the unlock computes them, audited with the count only
    session.after_unlock(director)
    assert verify_server(director).problems == []
    for number, (given, surname, born, bsn) in zip(numbers, PEOPLE, strict=True):
        assert _found(director, surname, born) == [number]
        subject = case_service.get_case(director, number).subjects[0]
        assert (subject.given_names, subject.surname, subject.birth_date, subject.bsn) \
            == (given, surname, born, bsn)
    with pg_server.admin(database) as admin:
        filled = [json.loads(d) for (d,) in admin.execute(
            "SELECT detail FROM audit_log WHERE action = 'subjects.index_filled'")]
    assert filled == [{"rows": 3}]
    # a later unlock finds nothing left to fill and writes no further row
    session.after_unlock(director)
    with pg_server.admin(database) as admin:
        assert admin.execute("SELECT count(*) FROM audit_log "
                             "WHERE action = 'subjects.index_filled'").fetchone()[0] == 1


def test_a_lone_comparison_on_the_surname_key_is_refused_on_the_server(
        server_house: House) -> None:
    """The surname key is looked up with the birth date only: alone it would silently
    match nothing on the server, so the statement is refused there."""
    from sqlalchemy import select

    from app.store.case_tables import subjects

    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    _three_families(director)
    with pytest.raises(Exception, match="looked up together with birth_date"), \
            director.read() as conn:
        conn.execute(select(subjects.c.id).where(subjects.c.surname_key == "el amrani"))


def test_a_vault_moved_to_the_server_finds_its_families_by_surname_and_birth_date(
        pg_server: Any, tmp_path: Any) -> None:
    """``casuskamer migrate`` seals each subject's pair index on the way (the whole row is
    copied, so the surname key has its birth date): the server's "already known" function
    finds every family by surname and birth date straight after the move."""
    import secrets

    import sqlalchemy as sa

    from app.domain.roles import Role
    from app.store import cases as case_rows
    from app.store import sealed
    from app.store.case_tables import subjects
    from app.store.profile import ServerProfile
    from app.vault.move import migrate_vault
    from app.vault.server import FirstAccount, ServerVault, create_house
    from app.vault.vault import Vault
    from tests.unit.test_pg_services import ADMIN, ADMIN_PASS, _sqlcipher_house

    local = _sqlcipher_house(tmp_path / "kluis")
    director = local.unlock(DIRECTOR, DIRECTOR_PASS)
    numbers = _three_families(director)
    director.lock()
    profile = ServerProfile(host=pg_server.host, port=pg_server.port,
                            database=pg_server.new_database("pair"), ca_file=pg_server.ca_file)
    create_house(profile, pg_server.superuser, pg_server.superuser_password,
                 [FirstAccount(ADMIN, Role.ADMIN, ADMIN_PASS)],
                 prefix=f"ck{secrets.token_hex(3)}")
    migrate_vault(Vault(tmp_path / "kluis"), profile, ADMIN, ADMIN_PASS, pg_server.superuser,
                  pg_server.superuser_password, hand_over=lambda _once: None)
    admin = ServerVault(profile).unlock(ADMIN, ADMIN_PASS, exclusive=False)
    data_key = bytes(admin.data_key)
    admin.lock(audit_it=False)

    engine = sa.create_engine(pg_server.sqlalchemy_url(
        pg_server.superuser, pg_server.superuser_password, profile.database))
    try:
        sealed.attach(engine, data_key)
        with engine.connect() as conn:
            for number, (_given, surname, born, _bsn) in zip(numbers, PEOPLE, strict=True):
                found = case_rows.with_subject(conn, surname_key=fold_for_search(surname),
                                               birth_date=born)
                assert [r[0] for r in found] == [number]
            assert sealed.unreadable_values(conn, [subjects]) == []
    finally:
        engine.dispose()


def test_a_damaged_subject_does_not_stop_the_directors_unlock_after_the_upgrade(
        server_house: House, pg_server: Any) -> None:
    """A subject whose birth date was changed on the server cannot get its pair index: the
    session step fills the others and goes on (one damaged row must not lock every process
    director out); verify names that record, and it stays pending."""
    database = _database(server_house)
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    numbers = _three_families(director)
    _as_before_0018(pg_server, server_house, director)
    director.lock(audit_it=False)
    upgrade_house(server_house.vault.profile,  # type: ignore[attr-defined]
                  pg_server.superuser, pg_server.superuser_password)
    damaged = _stored_subjects(pg_server, database)[0][0]
    with pg_server.admin(database) as admin:  # one byte of the sealed birth date flipped
        admin.execute("UPDATE subjects SET birth_date = overlay(birth_date placing "
                      "'\\xff'::bytea from 20 for 1) WHERE id = %s", (damaged,))
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    session.after_unlock(director)
    for number, (_given, surname, born, _bsn) in list(zip(numbers, PEOPLE, strict=True))[1:]:
        assert _found(director, surname, born) == [number]
    problems = verify_server(director).problems
    assert len(problems) == 1 and f"subjects.birth_date #{damaged}: value" in problems[0], \
        problems
