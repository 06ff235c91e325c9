"""Fuzzing the referral importer: generated files (mutations of good ones and hostile
values) are either imported or refused with a field path; never an unhandled exception,
never over 2 s, and a refused file leaves no case data behind."""

from __future__ import annotations

import copy
import json
import time
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import ValidationError
from app.services import parties as party_service
from app.services import referral_import, synthetic
from app.vault.vault import OpenVault
from app.services import session
from tests.reliability.conftest import Counts

TODAY = date(2026, 11, 29)
BASE = synthetic.generate_referrals(3, seed=11, today=TODAY)

HOSTILE_TEXT = st.one_of(
    st.text(max_size=50),
    st.sampled_from(["<b>vet</b>", "&amp;", "<br/>", "\u202eevil\u202c", "\x00\x01\x1b[31m",
                     "ﻣﺤﻤﺪ بن سلمان", "Nguyễn Thị Minh Khai", "' OR 1=1 --", "%s%s%n",
                     "x" * 5000, "\ud7ff", "../../etc/passwd", "{0.__class__}"]),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=300),
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | HOSTILE_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(HOSTILE_TEXT, children,
                                                                       max_size=3),
    max_leaves=6,
)
PATHS = [
    ("format",), ("referrals",), ("referrals", 0), ("referrals", 0, "external_ref"),
    ("referrals", 0, "referring_party"), ("referrals", 0, "protocol"),
    ("referrals", 0, "received"), ("referrals", 0, "reason"), ("referrals", 0, "question"),
    ("referrals", 0, "life_domains"), ("referrals", 0, "subjects"),
    ("referrals", 0, "subjects", 0), ("referrals", 0, "subjects", 0, "bsn"),
    ("referrals", 0, "subjects", 0, "birth_date"), ("referrals", 0, "subjects", 0, "surname"),
    ("referrals", 0, "subjects", 0, "role"), ("referrals", 1, "information"),
    ("referrals", 1, "information", 0, "shared_with"),
    ("referrals", 1, "information", 0, "category"), ("referrals", 2, "life_domains", "housing"),
]


@st.composite
def mutated_files(draw: st.DrawFn) -> Any:
    doc: Any = {"format": referral_import.FORMAT, "referrals": copy.deepcopy(BASE)}
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS))
        target = doc
        try:
            for key in path[:-1]:
                target = target[key]
            action = draw(st.sampled_from(["replace", "delete", "hostile"]))
            if action == "delete" and isinstance(target, dict):
                target.pop(path[-1], None)
            elif action == "hostile":
                target[path[-1]] = draw(HOSTILE_TEXT)
            else:
                target[path[-1]] = draw(JSONISH)
        except (KeyError, IndexError, TypeError):
            continue
    if draw(st.integers(0, 20)) == 0:
        doc = draw(JSONISH)
    return doc


@pytest.fixture(scope="module")
def register_names(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, int], Any]:
    from app.vault.keyslots import KdfParams
    from app.vault.vault import Vault
    from tests.conftest import ADMIN, ADMIN_PASSPHRASE

    opened = Vault.create(tmp_path_factory.mktemp("fuzz") / "v", ADMIN, ADMIN_PASSPHRASE,
                          kdf=KdfParams())
    session.after_unlock(opened, created=True)  # its seed data
    try:
        # read inside a transaction: the register as the parser needs it, whatever the
        # role (reading it through the vault is for the roles that register referrals)
        with opened.read() as conn:
            names = referral_import.party_names(conn)
            standings = party_service.standings(conn)
    finally:
        opened.lock(audit_it=False)
    return names, standings


@pytest.mark.timeout(1800)  # the full run (100,000 inputs) takes about 300 s here
def test_parser_never_fails_unhandled(register_names: tuple[dict[str, int], Any], full: bool,
                                      counts: Counts) -> None:
    names, standings = register_names
    slowest = [0.0]

    @settings(max_examples=100_000 if full else 1_500, deadline=2000, database=None,
              suppress_health_check=list(HealthCheck))
    @given(mutated_files())
    def check(doc: Any) -> None:
        text = json.dumps(doc, allow_nan=True)  # it must survive a round trip as a file does
        data = json.loads(text)
        start = time.perf_counter()
        try:
            referral_import.parse_referrals(data, parties_by_name=names, standings=standings,
                                            today=TODAY)
            counts.add("fuzz: importer inputs accepted")
        except ValidationError as exc:
            assert exc.field, "a refusal names the field"
            counts.add("fuzz: importer inputs refused with a field")
        slowest[0] = max(slowest[0], time.perf_counter() - start)
        counts.add("fuzz: importer inputs tried")

    check()
    counts.add("fuzz: importer inputs over 2 s", int(slowest[0] > 2.0))
    assert slowest[0] < 2.0


def test_refused_files_leave_the_vault_without_case_data(admin_vault: OpenVault, full: bool,
                                                         counts: Counts) -> None:
    from app.domain.roles import Role
    from app.services import accounts
    from app.vault.keyslots import KdfParams
    from app.vault.vault import Vault

    accounts.add_account(admin_vault, "regie", Role.PROCESS_DIRECTOR, "regisseur fuzz zin",
                         kdf=KdfParams())
    folder = admin_vault.vault.folder
    admin_vault.lock()
    director = Vault(folder).unlock("regie", "regisseur fuzz zin")
    try:
        _import_many(director, full, counts)
    finally:
        director.lock()


def _import_many(vault: OpenVault, full: bool, counts: Counts) -> None:
    def case_data() -> tuple[int, ...]:
        with vault.read() as conn:
            return tuple(conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
                         for t in ("cases", "subjects", "information_items", "drafts"))

    @settings(max_examples=1_000 if full else 60, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(mutated_files())
    def check(doc: Any) -> None:
        counts.add("fuzz: imports into a vault tried")
        try:
            # through a file, as the command line and the import dialog do
            source.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
            referral_import.import_referrals(vault, source, today=TODAY)
        except ValidationError:
            assert case_data() == tuple(state), "a refused file left case data behind"
            counts.add("fuzz: imports refused, vault unchanged")
            return
        # an accepted file: it added cases; later examples compare with the new state
        now = case_data()
        assert now[0] > state[0]
        state[:] = now
        counts.add("fuzz: imports accepted")

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "aanmeldingen.json"
        state = list(case_data())
        check()
