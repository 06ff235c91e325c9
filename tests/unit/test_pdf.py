"""The shared PDF layer: marks on every page, literal user text, names in every script,
nothing lost on huge input, metadata without personal data, encryption, atomic writing."""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError
from reportlab.lib.units import mm

from app.errors import ValidationError
from app.export import pdf

MARKS = pdf.PageMarks(house="Zorg- en Veiligheidshuis Haaglanden",
                      recipient="Reclassering Nederland", case_number="ZVH-2026-0042",
                      printed_on=date(2026, 12, 1))
META = pdf.Metadata(title="Overdracht ZVH-2026-0042", subject="Overdracht")

UNICODE_NAMES = ["Şükrü Yılmaz", "Łukasz Wiśniewski", "Nguyễn Thị Minh Khai"]
ARABIC_NAME = "محمد العلي"


def page_texts(path: Path, password: str | None = None) -> list[str]:
    reader = PdfReader(str(path))
    if password is not None:
        reader.decrypt(password)
    return [page.extract_text() or "" for page in reader.pages]


def squash(text: str) -> str:
    """Extracted text without line breaks and spaces (reportlab wraps where it likes), and
    without the hyphens of words it broke over two lines (Dutch hyphenation)."""
    return re.sub(r"\s+", "", re.sub(r"-\n", "", text))


def build(tmp_path: Path, story: list, **kw: object) -> tuple[Path, str]:
    out = tmp_path / "doc.pdf"
    digest = pdf.build_pdf(story, out, MARKS, META, **kw)  # type: ignore[arg-type]
    return out, digest


def test_every_page_has_recipient_case_date_and_numbering(tmp_path: Path) -> None:
    st = pdf.styles()
    story = [pdf.para(f"Alinea {i}: " + "tekst " * 120, st.body) for i in range(25)]
    out, _ = build(tmp_path, story)
    texts = page_texts(out)
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert "VERTROUWELIJK – uitsluitend bestemd voor Reclassering Nederland" in text
        assert "ZVH-2026-0042" in text
        assert "01-12-2026" in text
        assert f"pagina {number} van {len(texts)}" in text


def test_markup_like_text_appears_literally(tmp_path: Path) -> None:
    st = pdf.styles()
    hostile = ["<b>vet</b>", "&amp;", "<br/>", "<font color='red'>x</font>", "a < b && c > d",
               "<para>", "]]>", "&#65;"]
    story = [pdf.para(text, st.body) for text in hostile]
    story.append(pdf.para(("Label: ", ("b", "<i>schuin</i> & co")), st.body))
    story.append(pdf.table([["<b>kop</b>", "&lt;"], ["<br/>", "x & y"]],
                           [40 * mm, pdf.CONTENT_WIDTH - 40 * mm]))
    out, _ = build(tmp_path, story)
    text = "\n".join(page_texts(out))
    for value in hostile + ["<i>schuin</i> & co", "<b>kop</b>", "&lt;", "x & y"]:
        assert value in text


def test_line_breaks_and_control_characters_are_kept_visible(tmp_path: Path) -> None:
    st = pdf.styles()
    out, _ = build(tmp_path, [pdf.para("eerste regel\ntweede regel\x07einde", st.body)])
    lines = page_texts(out)[0].splitlines()
    assert "eerste regel" in lines
    assert any(line.startswith("tweede regel\ufffdeinde") for line in lines)


def test_unicode_names_come_out_intact(tmp_path: Path) -> None:
    st = pdf.styles()
    story = [pdf.para(f"Betrokkene: {name}", st.body) for name in UNICODE_NAMES]
    story.append(pdf.para(f"Betrokkene: {ARABIC_NAME}", st.body))
    out, _ = build(tmp_path, story)
    text = page_texts(out)[0]
    for name in UNICODE_NAMES:
        assert name in text
    # Arabic is shaped (joined letter forms) and laid out right to left; the extracted
    # text holds the presentation forms, which fold back to the letters typed.
    folded = unicodedata.normalize("NFKC", text)
    for word in ARABIC_NAME.split():
        assert word in folded


def test_arabic_is_shaped_with_harfbuzz() -> None:
    """Without shaping reportlab draws isolated letters; uharfbuzz must be installed."""
    import uharfbuzz  # noqa: F401  (a declared dependency)

    st = pdf.styles()
    paragraph = pdf.para(ARABIC_NAME, st.body)
    assert paragraph.style.shaping == 1
    assert pdf.para("Şükrü", st.body).style.shaping == 0


def test_a_byte_order_mark_is_not_taken_for_arabic() -> None:
    """U+FEFF sits just after the Arabic presentation forms; a pasted BOM must not send a
    Latin name down the path meant for Arabic script, while those forms themselves still go."""
    assert not pdf.needs_shaping("\ufeffJansen")
    assert pdf.needs_shaping("\ufefbJansen")  # ARABIC LIGATURE LAM WITH ALEF, isolated form


def test_latin_words_in_a_shaped_paragraph_keep_their_letters(tmp_path: Path) -> None:
    """No "st"/"fi" ligature glyphs: a search in the PDF for a Dutch word still finds it.
    Lam-alef is still drawn joined (a required ligature) and reads back as the two letters
    typed."""
    out, _ = build(tmp_path, [pdf.para(f"Tekst financiën effect {ARABIC_NAME} لا",
                                       pdf.styles().body)])
    text = page_texts(out)[0]
    assert "Tekst financiën effect" in text
    assert "لا" in text and not set(text) & {"\ufefb", "\ufefc"}


def test_font_is_embedded(tmp_path: Path) -> None:
    out, _ = build(tmp_path, [pdf.para("Łukasz", pdf.styles().body)])
    reader = PdfReader(str(out))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(f.get_object()["/BaseFont"]) for f in fonts.values()}
    assert any("DejaVuSans" in n for n in names)
    for f in fonts.values():
        descendant = f.get_object()
        descriptor = descendant.get("/FontDescriptor")
        if descriptor is not None:
            assert "/FontFile2" in descriptor.get_object()


def test_huge_input_builds_and_nothing_is_cut(tmp_path: Path) -> None:
    st = pdf.styles()
    long_word = "Q" * 500
    words = ("huisbezoek schuldhulpverlening Şükrü afspraak " * 1200)[:50_000]
    cell_text = ("celtekst " * 5000).strip()
    story = [pdf.para(long_word, st.body), pdf.para(words, st.body),
             pdf.table([["Kop", "Tekst"], ["één", cell_text], [long_word, "kort"]],
                       [30 * mm, pdf.CONTENT_WIDTH - 30 * mm])]
    out, _ = build(tmp_path, story)
    texts = page_texts(out)
    assert len(texts) > 10
    # the marks are drawn last on each page; without them a word hyphenated at a page's
    # foot joins its end on the next page
    joined = squash("\n".join(t.rsplit("\nVERTROUWELIJK", 1)[0] for t in texts))
    assert joined.count("Q") == 1000
    assert joined.count("huisbezoek") == words.count("huisbezoek")
    assert joined.count("celtekst") == 5000
    assert "kort" in joined


def test_metadata_names_the_house_and_nothing_personal(tmp_path: Path) -> None:
    out, _ = build(tmp_path, [pdf.para("Şükrü Yılmaz", pdf.styles().body)])
    meta = PdfReader(str(out)).metadata
    assert meta is not None
    assert meta.author == "Zorg- en Veiligheidshuis Haaglanden"
    assert meta.title == "Overdracht ZVH-2026-0042"
    for value in (meta.title, meta.subject, meta.get("/Keywords", "")):
        assert "Şükrü" not in str(value)


def test_sha256_is_of_the_file_written(tmp_path: Path) -> None:
    out, digest = build(tmp_path, [pdf.para("x", pdf.styles().body)])
    assert digest == hashlib.sha256(out.read_bytes()).hexdigest()
    assert (out.stat().st_mode & 0o777) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_encrypted_pdf_needs_the_password(tmp_path: Path) -> None:
    password = pdf.generate_password()
    out, digest = build(tmp_path, [pdf.para("Łukasz Wiśniewski", pdf.styles().body)],
                        password=password)
    assert digest == hashlib.sha256(out.read_bytes()).hexdigest()
    raw = out.read_bytes()
    assert b"/AESV3" in raw or b"/V 5" in raw          # AES-256 (PDF 2.0 / ext. level 3)
    reader = PdfReader(io.BytesIO(raw))
    assert reader.is_encrypted
    with pytest.raises(FileNotDecryptedError):
        reader.pages[0].extract_text()
    assert PdfReader(io.BytesIO(raw)).decrypt("verkeerd wachtwoord") == 0
    assert "Łukasz Wiśniewski" in page_texts(out, password)[0]


def test_generated_passwords_are_long_and_differ() -> None:
    first, second = pdf.generate_password(), pdf.generate_password()
    assert first != second
    assert len(first.replace("-", "")) == 20
    with pytest.raises(ValidationError):
        pdf.check_password("kort")


def test_a_failed_build_leaves_the_old_file(tmp_path: Path) -> None:
    out, _ = build(tmp_path, [pdf.para("oud", pdf.styles().body)])
    before = out.read_bytes()
    with pytest.raises(ValidationError):
        pdf.build_pdf([pdf.para("nieuw", pdf.styles().body)], out, MARKS, META, password="x")
    assert out.read_bytes() == before


@pytest.mark.parametrize("recipient", ["Stichting " + "Zeer Lange Naam " * 14, "جمعية الرعاية"])
def test_long_or_arabic_recipient_still_marks_every_page(tmp_path: Path, recipient: str) -> None:
    marks = pdf.PageMarks(MARKS.house, recipient, MARKS.case_number, MARKS.printed_on)
    out = tmp_path / "r.pdf"
    story = [pdf.para("tekst " * 900, pdf.styles().body)]
    pdf.build_pdf(story, out, marks, META)
    texts = page_texts(out)
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        folded = unicodedata.normalize("NFKC", text)
        assert "VERTROUWELIJK – uitsluitend bestemd voor" in folded
        assert f"pagina {number} van {len(texts)}" in folded
        if len(recipient) > 100:
            # Shortened only with a visible mark.
            assert "Stichting Zeer Lange Naam" in folded and "..." in folded  # NFKC of …
        else:
            assert all(word in folded for word in recipient.split())


def test_the_next_export_removes_part_files_a_killed_program_left(tmp_path: Path) -> None:
    """A part file is named after the machine and pid that write it; once that process is
    gone the file was never handed out, so the next write into the folder deletes it.
    Running processes' files (this one, pid 1), another machine's recent one (a shared
    folder) and other files are left alone; any part file a day old goes."""
    import subprocess
    import sys
    import time

    host = pdf._host()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".casuskamer-{host}-{dead.pid}-abc123.part"
    mine = tmp_path / f".casuskamer-{host}-{os.getpid()}-def456.part"
    running = tmp_path / f".casuskamer-{host}-1-ghi789.part"
    elsewhere = tmp_path / f".casuskamer-andere_werkplek-{dead.pid}-jkl012.part"
    forgotten = tmp_path / ".casuskamer-andere_werkplek-77-mno345.part"
    other = tmp_path / "notities.part"
    for path in (stale, mine, running, elsewhere, forgotten, other):
        path.write_bytes(b"%PDF-1.4 half")
    day_old = time.time() - pdf.STALE_PART_SECONDS - 60
    os.utime(forgotten, (day_old, day_old))
    pdf.write_atomically(tmp_path / "overdracht.pdf", b"%PDF-1.4 whole")
    assert not stale.exists() and not forgotten.exists()
    assert mine.exists() and running.exists() and elsewhere.exists() and other.exists()
    assert (tmp_path / "overdracht.pdf").read_bytes() == b"%PDF-1.4 whole"
    assert sorted(tmp_path.glob(".casuskamer-*.part")) == sorted([mine, running, elsewhere]), \
        "the new file's own part was renamed away"
