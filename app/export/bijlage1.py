"""Bijlage 1 of the covenant: the accession form a new partner signs (art. 20.4), filled in
with the organisation's name, seat, address and representative from the party register.

The body is the covenant's own Dutch wording, not a translation: the form is a legal text
that is signed as written, so it is not in the message catalogues. Fields the register does
not know yet are left as dotted lines to be filled in by hand.
"""

from __future__ import annotations

import hashlib
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.domain.parties import Party
from app.export.fonts import FONT, HouseCanvas, styles, table_font_commands
from app.export.pdf import write_atomically

HOUSE_NAME = "Zorg- en Veiligheidshuis Haaglanden"
BLANK = "…………………………"
FRAME_PADDING = 6  # points; reportlab's default padding of a page frame


def _field(value: str) -> str:
    return f"<b>{escape(value)}</b>" if value.strip() else BLANK


def _date_nl(value: date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def bijlage1_pdf(party: Party, *, place: str = "", house_name: str = HOUSE_NAME) -> bytes:
    """The filled-in form as PDF bytes."""
    st = styles(10.5)
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=22 * mm,
        bottomMargin=22 * mm, title=f"Bijlage 1 – {party.name}",
        author=house_name, subject="Toetredingsformulier nieuwe partner tot Convenant",
        creator="Casuskamer", lang="nl-NL")  # the covenant's Dutch wording
    story: list[Any] = [
        Paragraph(escape(f"Convenant {house_name}"), st["small"]),
        Paragraph("Bijlage 1: Toetredingsformulier nieuwe partner tot Convenant", st["title"]),
        Paragraph(
            f"{_field(party.name)}, statutair gevestigd te {_field(party.seat)} en "
            f"kantoorhoudend aan {_field(party.address)}, hierbij rechtsgeldig "
            f"vertegenwoordigd door {_field(party.representative)},", st["body"]),
        Paragraph("overwegende dat:", st["heading"]),
        Paragraph(
            "deelname aan het Convenant gelet op de publieke en/of maatschappelijke taak die "
            "zichzelf in het kader van integrale veiligheid en complexe casuïstiek toedicht en "
            "gelet op de verantwoordelijkheid en/of bevoegdheid van ondergetekende een "
            "bijdrage levert aan de doelstelling zoals geformuleerd in Artikel 2 van het "
            "Convenant;", st["bullet"], bulletText="–"),
        Paragraph("de Stuurgroep positief heeft besloten op toetreding van ondergetekende aan "
                  "het Convenant;", st["bullet"], bulletText="–"),
        Paragraph("verklaart daartoe het volgende:", st["heading"]),
        Paragraph(
            "ondergetekende onderschrijft de in het Convenant geformuleerde doelstellingen, "
            "verplicht zich de bepalingen in het Convenant te zullen naleven en verklaart zich "
            "in dit kader gerechtigheid tot het uitwisselen van informatie met Partijen.",
            st["bullet"], bulletText="–"),
        Spacer(1, 6 * mm),
        Paragraph(f"Aldus ondertekend te {_field(place)}, op datum {BLANK}", st["body"]),
        Spacer(1, 8 * mm),
    ]
    signature_line = "_" * 34
    left = [Paragraph("Naam organisatie:", st["label"]),
            Paragraph(escape(party.name), st["body"]),
            Paragraph("Naam bevoegde functionaris:", st["label"]),
            Paragraph(escape(party.representative) or BLANK, st["body"])]
    right = [Paragraph(escape(f"Namens {house_name}:"), st["label"]),
             Paragraph("voorzitter van de Stuurgroep", st["body"]),
             Paragraph("Naam:", st["label"]), Paragraph(BLANK, st["body"])]

    def signature() -> list[Any]:
        return [Spacer(1, 16 * mm), Paragraph(signature_line, st["body"]),
                Paragraph("handtekening", st["small"])]

    # The frame pads its content by 6 pt on each side: the table must fit inside that.
    half = (doc.width - 2 * FRAME_PADDING) / 2
    # The names and the signatures are rows of their own, so the two signature lines stand
    # at the same height however long either side's names are.
    table = Table([[left, right], [signature(), signature()]], colWidths=[half, half],
                  hAlign="LEFT")
    table.setStyle(TableStyle(table_font_commands() + [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (0, -1), 8 * mm),
    ]))
    story.append(KeepTogether([table]))

    register_lines = []
    if party.accession_requested_on:
        register_lines.append(f"verzoek tot toetreding ontvangen op "
                              f"{_date_nl(party.accession_requested_on)}")
    if party.steering_group_agreed_on:
        register_lines.append(f"akkoord Stuurgroep op {_date_nl(party.steering_group_agreed_on)}")
    if register_lines:
        story += [Spacer(1, 10 * mm),
                  Paragraph("Uit het partijenregister: " + "; ".join(register_lines) + ".",
                            st["small"])]

    def footer(canvas: Any, page: int, pages: int) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(HexColor("#666666"))
        canvas.drawString(25 * mm + FRAME_PADDING, 12 * mm,
                          f"Bijlage 1 bij het Convenant {house_name} (artikel 20.4)")
        canvas.drawRightString(A4[0] - 25 * mm - FRAME_PADDING, 12 * mm,
                               f"pagina {page} van {pages}")
        canvas.restoreState()

    class FooterCanvas(HouseCanvas):
        """Keeps the pages until the end, when "pagina x van y" knows its y."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                footer(self, number, len(self._pages))
                HouseCanvas.showPage(self)
            HouseCanvas.save(self)

    doc.build(story, canvasmaker=FooterCanvas)
    return buffer.getvalue()


def write_bijlage1(path: Path, party: Party, *, place: str = "",
                   house_name: str = HOUSE_NAME) -> str:
    """Write the form to ``path`` (atomically, owner-only); return its SHA-256."""
    data = bijlage1_pdf(party, place=place, house_name=house_name)
    write_atomically(Path(path), data)
    return hashlib.sha256(data).hexdigest()
