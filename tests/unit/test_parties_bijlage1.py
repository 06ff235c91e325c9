"""Bijlage 1 (accession form) as PDF: the organisation's details are in it, in a font that
carries Dutch and other accented letters, and printing it is logged."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from app.domain.parties import PartyDetails, PartyDomain, PartyType
from app.export.bijlage1 import bijlage1_pdf
from app.services import parties as ps
from app.store.tables import audit_log
from app.vault.vault import OpenVault

DETAILS = PartyDetails(
    name="Stichting Ĳsselmonde Zorg & Welzijn", party_type=PartyType.SOCIAL_HOUSING_SUPPORT,
    domain=PartyDomain.CARE, seat="Zoetermeer", address="Europaweg 12, 2711 AH Zoetermeer",
    representative="drs. A.B. Çelik-de Vries, bestuurder")


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_bijlage1_holds_the_organisations_details(admin_vault: OpenVault,
                                                  tmp_path: Path) -> None:
    party_id = ps.record_accession(admin_vault, DETAILS, requested_on=date(2025, 3, 1),
                                   steering_group_agreed_on=date(2025, 4, 15))
    target = tmp_path / "bijlage1.pdf"
    digest = ps.export_bijlage1(admin_vault, party_id, target, place="Den Haag")

    assert digest == hashlib.sha256(target.read_bytes()).hexdigest()
    assert target.stat().st_mode & 0o077 == 0
    text = pdf_text(target)
    assert "Bijlage 1: Toetredingsformulier nieuwe partner tot Convenant" in text
    assert "Stichting Ĳsselmonde Zorg & Welzijn, statutair gevestigd te Zoetermeer" in text
    assert "kantoorhoudend aan Europaweg 12, 2711 AH Zoetermeer" in text
    assert "vertegenwoordigd door drs. A.B. Çelik-de Vries, bestuurder" in text
    assert "Aldus ondertekend te Den Haag" in text
    assert "akkoord Stuurgroep op 15-04-2025" in text
    fonts = {str(font) for page in PdfReader(target).pages
             for font in page["/Resources"]["/Font"].values()
             for font in [font.get_object()["/BaseFont"]]}
    assert fonts and all("DejaVuSans" in f for f in fonts)

    with admin_vault.read() as conn:
        row = conn.execute(select(audit_log).where(
            audit_log.c.action == "party.export_bijlage1")).mappings().one()
    assert row["object_id"] == str(party_id)
    assert json.loads(row["detail"]) == {"sha256": digest}
    assert ps.history(admin_vault, party_id)[-1].kind == "bijlage1_exported"


def test_unknown_fields_are_left_blank_to_fill_in_by_hand(admin_vault: OpenVault) -> None:
    barka = ps.find_party_by_name(admin_vault, "Stichting Barka")
    assert barka is not None and barka.seat == ""
    data = bijlage1_pdf(barka)
    assert data.startswith(b"%PDF")
    text = " ".join(PdfReader(BytesIO(data)).pages[0].extract_text().split())
    assert "Stichting Barka, statutair gevestigd te …" in text
