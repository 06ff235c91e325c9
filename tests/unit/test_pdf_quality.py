"""PDFs that read well and validate (issue 18, point 8), for every kind the program makes:
every font embedded, headings kept with what follows, Dutch hyphenation in narrow columns,
a watermark that never enters the text, Arabic-script names extracted as typed, Bijlage 1
with "pagina x van y", a language and level signature lines, AES-256 files with a matching
header. Covenant art. 9.2/17 (confidential handouts marked for their recipient) and the
accession form of art. 20.4 (Bijlage 1)."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from app.domain.meetings import initials
from app.domain.parties import Party
from app.export import bijlage1, handout, pdf
from app.sharing import handout as sharing_handout
from tests.unit import test_pdf_kinds as kinds

PASSWORD = "geheim-wachtwoord-42"


def reader(data: bytes, password: str | None = None) -> PdfReader:
    r = PdfReader(io.BytesIO(data))
    if r.is_encrypted:
        assert password is not None and r.decrypt(password)
    return r


def texts(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in reader(data).pages]


def flat(text: str) -> str:
    """Extracted text as compared: no white space, no hyphen a line break put in."""
    return re.sub(r"\s+", "", re.sub(r"-\n", "", text))


def _fonts(resources: Any) -> list[Any]:
    found: list[Any] = []
    if resources is None:
        return found
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        found.append(font.get_object())
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        found += _fonts(xobject.get("/Resources"))
    return found


def unembedded(data: bytes) -> set[str]:
    """The fonts a PDF references without embedding their program (PDF/A forbids it)."""
    missing: set[str] = set()
    for page in reader(data).pages:
        for font in _fonts(page.get("/Resources")):
            descriptors = [font.get("/FontDescriptor")] + [
                d.get_object().get("/FontDescriptor")
                for d in font.get("/DescendantFonts", [])]
            descriptors = [d.get_object() for d in descriptors if d is not None]
            if font.get("/Subtype") == "/Type3":
                continue
            if not any(k in d for d in descriptors for k in ("/FontFile", "/FontFile2",
                                                              "/FontFile3")):
                missing.add(str(font.get("/BaseFont")))
    return missing


@pytest.mark.parametrize("kind", list(kinds.KINDS))
def test_every_kind_embeds_every_font(kind: str) -> None:
    """No PDF references a font it does not embed (five kinds referenced Helvetica)."""
    assert unembedded(kinds.KINDS[kind]()) == set()


#: what each kind was given that its text must give back (names in every script)
PUT_IN = {
    "handout": ["Şükrü Yılmaz", "Łukasz Wiśniewski", "Nguyễn Thị Minh Khai", "محمد العلي",
                kinds.ITEM_TEXT, kinds.ACTION_TEXT],
    "plan": ["Şükrü Yılmaz", "Łukasz Wiśniewski", "Nguyễn Thị Minh Khai", "محمد العلي",
             kinds.ACTION_TEXT],
    "agenda": ["Ş. Y.", "Ł. W.", "N.T. M.", "Nguyễn Thị Minh Khai", "Oordeelsvormend",
               "Stadhuis Den Haag"],
    "subject_access": ["محمد العلي", "Şükrü Yılmaz", kinds.ITEM_TEXT],
    "bijlage1": ["Stichting Nguyễn Thị Minh Khai & Şükrü Yılmaz", "Łukasz Wiśniewski",
                 "Den Haag"],
    "annual_report": ["Jaarverslag 2026", "Zorg- en Veiligheidshuis Haaglanden"],
}


@pytest.mark.parametrize("kind", list(kinds.KINDS))
def test_every_kind_gives_back_the_text_put_in(kind: str) -> None:
    """Extracted text holds every name as typed: Latin with diacritics, Vietnamese, and
    Arabic in its letters (not presentation forms) and in logical order, without NFKC."""
    text = "\n".join(texts(kinds.KINDS[kind]()))
    for value in PUT_IN[kind]:
        assert flat(value) in flat(text), (kind, value)
    assert not re.search("[\ufb50-\ufdff\ufe70-\ufefc]", text), "presentation forms"


def test_arabic_initials_leave_out_the_article_and_come_out_in_order() -> None:
    """محمد العلي is "م. ع." on an agenda, not "م. ا." (alef of the article al-), and the
    agenda's text gives the two initials in the order typed."""
    assert initials("محمد", "العلي") == "م. ع."
    assert initials("Jan Pieter", "de Vries") == "J.P. de V."
    text = flat("\n".join(texts(kinds.make_agenda())))
    assert "ZVH-2026-0043" in text
    after = text.split("ZVH-2026-0043", 1)[1]
    letters = [ch for ch in after[:8] if "\u0600" <= ch <= "\u06ff"]
    assert letters == ["م", "ع"]


def test_arabic_name_in_a_latin_line_extracts_as_typed() -> None:
    st = pdf.styles()
    data = pdf.produce([pdf.para(["Casuscoördinator: ", ("b", "محمد العلي"),
                                  " (Reclassering Nederland)"], st.body)],
                       pdf.PageMarks("Huis", "Gemeente", "ZVH-2026-0042", date(2026, 12, 1)),
                       pdf.Metadata("t", "s"))
    text = texts(data)[0]
    assert "محمد العلي" in text
    assert "Casuscoördinator:" in text and "Reclassering Nederland" in text


def test_the_watermark_does_not_enter_the_text() -> None:
    """The recipient's name is on every page twice: in the banner (text) and the watermark
    (drawn as outlines). Extraction finds it once per page: the watermark's letters never
    mix into the body."""
    st = pdf.styles()
    marks = pdf.PageMarks("Huis", "Zwaluwstaart Zorg", "ZVH-2026-0042", date(2026, 12, 1))
    story = [pdf.para("tekst " * 2500, st.body)]
    pages = texts(pdf.produce(story, marks, pdf.Metadata("t", "s")))
    assert len(pages) >= 2
    for text in pages:
        assert text.count("Zwaluwstaart") == 1, text
    # an Arabic recipient too (it was shaped text before)
    marks = pdf.PageMarks("Huis", "جمعية الرعاية", "ZVH-2026-0042", date(2026, 12, 1))
    text = texts(pdf.produce([pdf.para("tekst", st.body)], marks, pdf.Metadata("t", "s")))[0]
    assert text.count("الرعاية") == 1


def test_information_heading_and_introduction_stay_with_the_first_item() -> None:
    """"Informatie gedeeld met ..." and its introduction never stand alone at a page's foot:
    they are on the page of the first item."""
    pages = texts(kinds.make_handout())
    heading = [i for i, t in enumerate(pages) if "Informatie gedeeld met" in t]
    intro = [i for i, t in enumerate(pages) if "Gebruik elk onderdeel" in t]
    item = [i for i, t in enumerate(pages) if "Bron:" in t]
    assert heading == intro == item[:1], (heading, intro, item)


def test_headings_keep_with_next() -> None:
    st = pdf.styles()
    assert st.heading.keepWithNext and st.subheading.keepWithNext and st.intro.keepWithNext


def test_dutch_words_are_hyphenated_in_a_narrow_column() -> None:
    """"Oordeelsvormend" in a column too narrow for it breaks as "Oordeels-vormend" (at a
    syllable, with a hyphen), not "Oordeelsvorm / end"; a code with digits is not
    hyphenated."""
    table = pdf.table([["Besluiten", "Code"], ["Oordeelsvormend", "Qx0000001a007Zq"]],
                      [18 * mm, pdf.CONTENT_WIDTH - 18 * mm])
    text = texts(pdf.produce([table], pdf.PageMarks("Huis", "Partij", "ZVH-2026-0042",
                                                    date(2026, 12, 1)),
                             pdf.Metadata("t", "s")))[0]
    lines = [line.strip() for line in text.splitlines()]
    assert "Oordeels-" in lines or "Oor-" in lines or "Oordeelsvor-" in lines, lines
    assert "Oordeelsvorm" not in lines
    assert "Qx0000001a007Zq" in text


def _words_at(data: bytes, word: str) -> list[float]:
    heights: list[float] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, _size: Any) -> None:
        if word in text:
            heights.append(round(cm[5] + tm[5], 1))

    reader(data).pages[0].extract_text(visitor_text=visit)
    return heights


def test_bijlage1_numbers_its_pages_has_a_language_and_level_signature_lines() -> None:
    """Art. 20.4's accession form: "pagina 1 van 1", /Lang nl-NL, and the two signature
    lines at the same height even when one side's names take more lines."""
    party = kinds.the_party()
    long_named = Party(**{**party.__dict__, "name": "Stichting " + "Lange Naam " * 5,
                          "representative": "Łukasz Wiśniewski, directeur-bestuurder"})
    for data in (bijlage1.bijlage1_pdf(party), bijlage1.bijlage1_pdf(long_named)):
        pages = texts(data)
        assert len(pages) == 1 and "pagina 1 van 1" in pages[0]
        assert reader(data).trailer["/Root"]["/Lang"] == "nl-NL"
        signatures = _words_at(data, "handtekening")
        assert len(signatures) == 2 and signatures[0] == signatures[1], signatures


def test_documents_name_their_language() -> None:
    root = reader(kinds.make_handout()).trailer["/Root"]
    assert root["/Lang"] == "nl-NL"


@pytest.mark.parametrize("kind", [k for k in kinds.KINDS if k != "bijlage1"])
def test_aes256_files_carry_a_matching_header(kind: str) -> None:
    """AES-256 (revision 6) is PDF 2.0's: the header says so, not %PDF-1.3."""
    data = kinds.KINDS[kind](PASSWORD)
    assert data.startswith(b"%PDF-2.0")
    encrypt = reader(data, PASSWORD).trailer["/Encrypt"]
    assert encrypt["/V"] == 5 and encrypt["/R"] == 6


def test_an_empty_handout_section_keeps_its_heading() -> None:
    facts = kinds.handout_facts(items=0)
    text = "\n".join(texts(handout.render_handout(sharing_handout.compose(facts, 1))))
    assert "Informatie gedeeld met" in text
