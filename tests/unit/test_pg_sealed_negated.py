"""A negated comparison on a sealed column without a blind index (found by review, issue
22): on the house server a value compared with is sealed for no row and never equals the
stored bytes, so ``column != ""`` was true for EVERY row, and the closure's removal overview
listed subjects whose address was empty (its count never reached zero). The store now reads
such a column and decides on the workstation, and the server refuses to compile the negated
comparison at all (on the vault file it is still the plain comparison).

On the session's throwaway PostgreSQL (``tests/pg_server.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.services import cases as case_service
from app.services import intake
from app.store import subjects as subject_rows
from app.store.case_tables import subjects
from app.vault.keyslots import KdfParams
from app.vault.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.unit.test_pg_sealed_store import Canaries, _referral
from tests.unit.test_pg_services import DIRECTOR, DIRECTOR_PASS, House


def test_an_empty_address_is_not_listed_as_held_on_the_server(server_house: House) -> None:
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    with_address, without = Canaries(), Canaries()
    without.address = ""
    numbers = [intake.register_referral(director, _referral(director, c))
               for c in (with_address, without)]
    with director.read() as conn:
        ids = [case_service.case_id_for(conn, n) for n in numbers]
        held = [subject_rows.holding(conn, i, "address") for i in ids]
    assert len(held[0]) == 1      # the address that is there
    assert held[1] == []          # an empty one is nothing to remove


def test_the_server_refuses_a_negated_comparison_on_a_sealed_column(
        server_house: House) -> None:
    director = server_house.unlock(DIRECTOR, DIRECTOR_PASS)
    with pytest.raises(TypeError, match="subjects.address"), director.read() as conn:
        conn.execute(select(subjects.c.id).where(subjects.c.address != ""))


def test_the_vault_file_still_compares(tmp_path: Path) -> None:
    opened = Vault.create(tmp_path / "kluis", ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    try:
        with opened.read() as conn:
            assert conn.execute(select(subjects.c.id)
                                .where(subjects.c.address != "")).all() == []
    finally:
        opened.lock(audit_it=False)
