"""A very long "word" (a pasted link, a code) is broken anywhere, not hyphenated: reportlab
measures both halves at every break point of a word it hyphenates, so a 16,000-letter word
took two minutes to lay out once Dutch hyphenation was on (found by the PDF fuzz test)."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from app.export import fonts, pdf


def test_normal_words_are_hyphenated_and_long_runs_are_not() -> None:
    points = fonts.hyphenation("nl")
    assert list(points("oordeelsvorming"))            # a Dutch word has break points
    assert list(points("a" * (fonts.MAX_HYPHENATED_WORD + 1))) == []


def test_a_pdf_with_a_very_long_word_is_built_and_keeps_the_word() -> None:
    word = "KanarieLangWoord" + "abcdefghij" * 1600
    story = [pdf.para(word, pdf.styles().body)]
    marks = pdf.PageMarks("Huis", "Ontvanger", "ZVH-2026-0001", date(2026, 12, 7))
    data = pdf.produce(story, marks, pdf.Metadata("t", "s", ("k",)), None)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "KanarieLangWoord" in "".join(text.split())
