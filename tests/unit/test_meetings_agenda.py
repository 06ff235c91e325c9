"""The agenda PDF per party: only the cases the party may have (the sharing policy), each by
number and the subject's initials only; the ``casuskamer export agenda`` command writes it
and refuses a party that is entitled to nothing."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.services.agenda import AgendaRefused, export_agenda
from app.services import meetings as svc
from app.vault.vault import OpenVault
from tests.pg_engine import vault_arg
from tests.conftest import ROLE_PASSPHRASE
from tests.unit.meeting_fixtures import (GGZ, OM, POLICE, as_process_director, draft_for,
                                         party_ids, routed_case)


def pdf_text(path: Path) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes()))
                    .pages)
    text = re.sub(r"(?<=\w)-\n(?=\w)", "", text)   # words hyphenated at a line's end
    return " ".join(text.split())       # table cells wrap: compare words, not lines


@pytest.fixture
def planned(admin_vault: OpenVault) -> tuple[OpenVault, dict[str, int], int, list[str]]:
    pd = as_process_director(admin_vault)
    ids = party_ids(pd)
    first = routed_case(pd, "Jan Pieter", "de Vries", invitees=[ids[POLICE], ids[GGZ]])
    second = routed_case(pd, "Fatma", "Yıldız", invitees=[ids[GGZ]])
    draft = draft_for([first, second], [ids[GGZ]])
    draft.items[0].invited[ids[POLICE]] = "Politiebeeld toelichten"
    meeting_id = svc.plan_meeting(pd, draft)
    return pd, ids, meeting_id, [first[1], second[1]]


def test_agenda_lists_only_the_party_items_by_number_and_initials(
        planned: tuple[OpenVault, dict[str, int], int, list[str]], tmp_path: Path) -> None:
    pd, ids, meeting_id, numbers = planned
    out = tmp_path / "agenda-politie.pdf"
    digest = export_agenda(pd, meeting_id, ids[POLICE], out)
    text = pdf_text(out)
    assert numbers[0] in text and "J.P. de V." in text
    assert "Politiebeeld toelichten" in text
    assert numbers[1] not in text
    assert "Vries" not in text and "Jan Pieter" not in text and "Yıldız" not in text
    assert len(digest) == 64
    both = pdf_text(_export(pd, meeting_id, ids[GGZ], tmp_path / "ggz.pdf"))
    assert numbers[0] in both and numbers[1] in both and "F. Y." in both
    with pytest.raises(AgendaRefused):
        export_agenda(pd, meeting_id, ids[OM], tmp_path / "om.pdf")
    assert not (tmp_path / "om.pdf").exists()


def _export(vault: OpenVault, meeting_id: int, party_id: int, out: Path) -> Path:
    export_agenda(vault, meeting_id, party_id, out)
    return out


def test_export_agenda_command(planned: tuple[OpenVault, dict[str, int], int, list[str]],
                               vault_dir: Path, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    pd, _ids, meeting_id, numbers = planned
    pd.lock(audit_it=False)  # the director's session, which holds the folder
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ROLE_PASSPHRASE)  # the account unlock_as made
    out = tmp_path / "agenda.pdf"
    code = main(["export", "agenda", "--vault", vault_arg(pd), "--account", "regisseur",
                 "--meeting", str(meeting_id), "--party", "politie", "--out", str(out)])
    assert code == 0, capsys.readouterr()
    assert numbers[0] in pdf_text(out) and numbers[1] not in pdf_text(out)
    code = main(["export", "agenda", "--vault", vault_arg(pd), "--account", "regisseur",
                 "--meeting", str(meeting_id), "--party", "om", "--out",
                 str(tmp_path / "om.pdf")])
    assert code == 2
    assert not (tmp_path / "om.pdf").exists()
