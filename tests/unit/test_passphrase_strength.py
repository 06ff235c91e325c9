"""Passphrase strength (issue 25, point 7): the passphrases the review found accepted are
refused with a Dutch reason, by the rule and on every way a passphrase is chosen (a new
vault, a new account, a change); the demo vault alone still takes the README's demo
passphrase, and is marked as a demo."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.domain.passphrase import check_passphrase
from app.domain.roles import Role
from app.errors import ValidationError
from app.services import accounts
from app.services.demo import build_demo_vault
from app.store.tables import meta
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE

DEMO = "demo-kluis-casuskamer"  # the README's


@pytest.mark.parametrize(("passphrase", "account"), [
    ("Zomer2026!!!", "procesregisseur"),
    ("qwertyuiop12", "procesregisseur"),
    ("Casuskamer01", "procesregisseur"),
    ("beheerder123456", "beheerder"),
    (DEMO, "beheerder"),
    ("Demo-Kluis-Casuskamer", "beheerder"),
    ("Winter2025!!!", "manager"),
    ("wachtwoord2026!", "manager"),
    ("Welkom12345678", "manager"),
    ("Amsterdam-2026!", "manager"),
    ("procesregisseur2026", "ic.jansen"),
    ("ic.jansen.ic.jansen", "ic.jansen"),
    ("asdfghjkl;'1234", "manager"),
    ("Gemeente Den Haag", "manager"),
    ("Kees de Boer", "manager"),
])
def test_the_guessable_ones_are_refused_in_dutch(passphrase: str, account: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_passphrase(passphrase, account)
    assert refused.value.field == "passphrase"
    text = str(refused.value)
    assert "wachtwoordzin" in text.lower() or "wachtzin" in text.lower(), text
    assert passphrase.lower() not in text.lower(), "the reason does not echo the passphrase"


def test_the_reason_says_why() -> None:
    with pytest.raises(ValidationError, match="Nederlands woord"):
        check_passphrase("Zomer2026!!!", "procesregisseur")
    with pytest.raises(ValidationError, match="toetsenbord|veelgebruikt"):
        check_passphrase("qwertyuiop12", "procesregisseur")
    with pytest.raises(ValidationError, match="account|rol|programma"):
        check_passphrase("Casuskamer01", "procesregisseur")
    with pytest.raises(ValidationError, match="account"):
        check_passphrase("beheerder123456", "beheerder")


@pytest.mark.parametrize("passphrase", [
    ADMIN_PASSPHRASE,
    "paarse olifant danst op de dijk",
    "Tuinkabouter Vioolkist Zeppelin 87",
    "mosselen kwispelen bij de vuurtoren",
])
def test_unusual_words_pass(passphrase: str) -> None:
    check_passphrase(passphrase, "beheerder")


def test_a_long_passphrase_is_judged_without_failing() -> None:
    check_passphrase("rivier " + "x7Q!kz" * 40, "beheerder")


def test_init_refuses_the_demo_passphrase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", DEMO)
    monkeypatch.setenv("CASUSKAMER_KDF_SECONDS", "0")
    assert main(["init", "--vault", str(tmp_path / "v")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "v" / "keyslots.json").exists()


def test_adding_an_account_and_changing_refuse_them(admin_vault: OpenVault) -> None:
    for weak in (DEMO, "Casuskamer01", "Zomer2026!!!"):
        with pytest.raises(ValidationError):
            accounts.add_account(admin_vault, "regie", Role.PROCESS_DIRECTOR, weak,
                                 kdf=KdfParams())
    with pytest.raises(ValidationError):
        accounts.add_account(admin_vault, "beheerder2", Role.ADMIN, "beheerder2123456",
                             kdf=KdfParams())
    with pytest.raises(ValidationError):
        accounts.change_passphrase(admin_vault, ADMIN_PASSPHRASE, DEMO, kdf=KdfParams())
    with pytest.raises(ValidationError):
        accounts.change_passphrase(admin_vault, ADMIN_PASSPHRASE, "beheerder123456",
                                   kdf=KdfParams())
    assert [a.name for a in accounts.list_accounts(admin_vault)] == [ADMIN]


def test_the_demo_vault_takes_the_demo_passphrase_and_is_marked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASUSKAMER_KDF_SECONDS", "0")
    folder = tmp_path / "demo"
    build_demo_vault(folder, DEMO, cases=0)
    opened = Vault(folder).unlock("procesregisseur", DEMO)
    try:
        with opened.read() as conn:
            mark = conn.execute(select(meta.c.value).where(meta.c.key == "demo")).scalar()
        assert mark == "1"
    finally:
        opened.lock(audit_it=False)
    real = Vault.create(tmp_path / "echt", ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    try:
        with real.read() as conn:
            assert conn.execute(select(meta.c.value).where(meta.c.key == "demo")).first() \
                is None
    finally:
        real.lock(audit_it=False)
