"""Destroyed means gone from the file: canaries written into a case are found by our own
page decryptor before destruction and nowhere (database pages or WAL) after it.

The decryptor follows SQLCipher 4's defaults for a raw key: 4096-byte pages, each ending in
80 reserved bytes (16-byte IV, then the HMAC-SHA512); AES-256-CBC with the raw key itself as
the AES key; page 1 is encrypted from byte 16 on (the first 16 bytes are the salt). WAL
frames are a 24-byte header followed by one page encrypted the same way, after the WAL's
32-byte header.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import func, select

from app.domain.cases import Subject, SubjectRole
from app.domain.closure import (ClosureDecision, CoordinatorAgreement, CriterionCheck, Outcome,
                                Removal)
from app.domain.information import Category
from app.domain.life_domains import LifeDomain
from app.domain.plan import ActionStatus
from app.services import closure as closure_service
from app.services import plan as plan_service
from app.services import retention as retention_service
from app.store.case_tables import cases
from app.store.retention_tables import case_tombstones
from app.vault.vault import OpenVault

from tests.unit.retention_fixtures import director_vault, make_case, party_id  # noqa: F401

PAGE = 4096
RESERVE = 80
SALT = 16
WAL_HEADER = 32
FRAME_HEADER = 24


def _decrypt_page(key: bytes, page: bytes, first: bool) -> bytes:
    iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
    start = SALT if first else 0
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(page[start:PAGE - RESERVE]) + decryptor.finalize()


def decrypted_database(path: Path, key: bytes) -> list[bytes]:
    data = path.read_bytes()
    assert len(data) % PAGE == 0
    return [_decrypt_page(key, data[i:i + PAGE], i == 0) for i in range(0, len(data), PAGE)]


def decrypted_wal(path: Path, key: bytes) -> list[bytes]:
    if not path.exists():
        return []
    data = path.read_bytes()
    pages = []
    offset = WAL_HEADER
    while offset + FRAME_HEADER + PAGE <= len(data):
        page_number = int.from_bytes(data[offset:offset + 4], "big")
        page = data[offset + FRAME_HEADER:offset + FRAME_HEADER + PAGE]
        pages.append(_decrypt_page(key, page, page_number == 1))
        offset += FRAME_HEADER + PAGE
    return pages


def found(pages: list[bytes], canary: str) -> bool:
    needle = canary.encode("utf-8")
    return any(needle in page for page in pages)


CANARIES = {
    "surname": "Kanarievogelaar",
    "given": "Zwaantje-Canary",
    "partner": "Partnerkanarie",
    "bsn": "918273645",
    "address": "Canarylaan 77 Kanariedorp",
    "item": "CANARY-ITEM politie meldt overlast 4711",
    "item2": "CANARY-ITEM-GGZ behandeling 0815",
    "domain": "CANARY-DOMAIN schulden bij de woningcorporatie",
    "note": "CANARY-NOTE voortgang besproken met moeder",
    "coordinator": "Coördinator Kanariepiet",
    "action": "CANARY-ACTION huisbezoek afleggen",
}


def test_destruction_leaves_no_canary_in_any_page_or_the_wal(
        director_vault: OpenVault) -> None:  # noqa: F811
    vault = director_vault
    made = make_case(
        vault, surname=CANARIES["surname"], given=CANARIES["given"], bsn=CANARIES["bsn"],
        address=CANARIES["address"],
        life_domains={LifeDomain.FINANCES: CANARIES["domain"]},
        items=[("politie", Category.POLICE, CANARIES["item"]),
               ("parnassia-groep", Category.SPECIAL, CANARIES["item2"])],
        extra_subjects=[Subject("Jan", CANARIES["partner"], date(1979, 1, 2),
                                SubjectRole.PARTNER)],
        coordinator=(CANARIES["coordinator"], "gemeente-den-haag"),
        actions=[("gemeente-den-haag", CANARIES["action"], date(2025, 6, 1),
                  ActionStatus.IN_PROGRESS)])
    plan_service.add_progress_note(vault, made.number, made.action_keys[0], CANARIES["note"])
    # A neighbour case that is not due: its data must survive the purge.
    keep = make_case(vault, surname="Blijftstaan", bsn="123123123")
    key = vault.data_key
    db = vault.vault.db_path
    wal = db.with_name(db.name + "-wal")

    # The decryptor works: fresh writes are found in the WAL, and after a checkpoint in the
    # database pages. (A test that cannot fail proves nothing.)
    assert found(decrypted_wal(wal, key), CANARIES["note"])
    retention_service.compact(vault)
    pages = decrypted_database(db, key)
    for name, canary in CANARIES.items():
        assert found(pages, canary), f"decryptor did not find the {name} canary"
    assert not found(pages, "not-written-anywhere-0xC0FFEE")

    context = closure_service.closure_context(vault, made.number, today=date(2025, 9, 1))
    decision = ClosureDecision(
        criteria=tuple(CriterionCheck(c.criterion, True, "") for c in context.criteria),
        agreement=CoordinatorAgreement(CANARIES["coordinator"],
                                       party_id(vault, "gemeente-den-haag"), date(2025, 9, 1)),
        outcome=Outcome.GOALS_REACHED, extra_removals=frozenset({Removal.PLAN_DETAILS}))
    shown = closure_service.preview(vault, made.number, decision.extra_removals)
    closure_service.close_case(vault, made.number, decision, shown, today=date(2025, 9, 1))

    destroyed = retention_service.purge_due(vault, today=date(2027, 9, 1))
    assert destroyed == [made.number]

    assert wal.stat().st_size == 0, "the WAL must be empty after the checkpoint"
    pages = decrypted_database(db, key)
    left = [name for name, canary in CANARIES.items() if found(pages, canary)]
    assert left == [], f"still in the file after destruction: {left}"
    # The neighbour that was not due is untouched, and found by the same decryptor.
    assert found(pages, "Blijftstaan") and found(pages, "123123123")
    with vault.read() as conn:
        row = conn.execute(select(cases).where(cases.c.id == made.id)).mappings().one()
        assert row["state"] == "destroyed" and row["reason"] is None
        assert row["number"] == made.number and row["protocol"] == "integrale_veiligheid"
        assert conn.execute(select(func.count()).select_from(case_tombstones)).scalar() == 1
        assert conn.execute(select(cases.c.state).where(cases.c.id == keep.id)
                            ).scalar() == "in_progress"
