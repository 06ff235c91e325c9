"""The fonts every PDF of the program uses: DejaVu Sans (regular and bold), bundled in
``resources/fonts`` with its licence, because reportlab's built-in Helvetica cannot show all
the characters Dutch names and addresses hold (ë, ï, é, ĳ, Polish and Turkish letters).

Call ``register_fonts()`` before building a document (it is cheap after the first time) and
use ``FONT`` / ``FONT_BOLD`` or the paragraph styles from ``styles()``; build with
``doc.build(story, canvasmaker=HouseCanvas)`` so that not even the page's initial font is
Helvetica. There is no italic
face: ``<i>`` falls back to the regular face rather than to Helvetica.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from app.resources import resource_path

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the bundled fonts with reportlab (once per process)."""
    global _registered
    with _lock:
        if _registered:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts", "DejaVuSans.ttf"))))
        pdfmetrics.registerFont(TTFont(FONT_BOLD,
                                       str(resource_path("fonts", "DejaVuSans-Bold.ttf"))))
        # So that <b> inside a Paragraph picks the bold face of the same family.
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT,
                                      boldItalic=FONT_BOLD)
        _registered = True


#: pyphen's dictionary per language of the program (Dutch is the default)
_HYPHENATION = {"nl": "nl_NL", "en": "en_GB"}


#: Longer "words" are no words (a pasted link, a code, a row of letters): reportlab tries
#: every break point of a word it hyphenates and measures both halves, so a 16,000-letter
#: word took two minutes to lay out. Those are broken anywhere instead (splitLongWords).
MAX_HYPHENATED_WORD = 40


@cache
def _hyphenator(dictionary: str) -> Callable[[str], Iterator[tuple[str, str]]]:
    import pyphen  # a declared dependency; reportlab asks it for break points

    iterate = pyphen.Pyphen(lang=dictionary).iterate

    def break_points(word: str) -> Iterator[tuple[str, str]]:
        if len(word) > MAX_HYPHENATED_WORD:
            return iter(())
        return iterate(word)  # type: ignore[no-any-return]

    return break_points


def hyphenation(language: str | None = None) -> Callable[[str], Iterator[tuple[str, str]]]:
    """Where a word may be broken over two lines (with a hyphen), as reportlab's
    ``hyphenationLang`` takes it: "Oordeels-vormend", never "Oordeelsvorm / end". Reportlab
    only asks it about words of letters alone (a number or a code is never hyphenated)."""
    from app.i18n import current_language

    language = language or current_language()
    return _hyphenator(_HYPHENATION.get(language, "nl_NL"))


def styles(base_size: float = 10.0) -> dict[str, ParagraphStyle]:
    """The house paragraph styles: body, small, title, heading, label. Headings keep with
    what follows; every style hyphenates in the program's language."""
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=base_size,
                          leading=base_size * 1.4, spaceAfter=base_size * 0.6,
                          hyphenationLang=hyphenation())
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=base_size * 0.8,
                                leading=base_size * 1.1, textColor=HexColor("#444444")),
        "title": ParagraphStyle("title", parent=body, fontName=FONT_BOLD,
                                fontSize=base_size * 1.5, leading=base_size * 1.9,
                                spaceAfter=base_size * 0.9),
        "heading": ParagraphStyle("heading", parent=body, fontName=FONT_BOLD,
                                  fontSize=base_size * 1.1, leading=base_size * 1.5,
                                  spaceBefore=base_size * 0.6, spaceAfter=base_size * 0.4,
                                  keepWithNext=1),
        "label": ParagraphStyle("label", parent=body, fontName=FONT_BOLD, spaceAfter=0,
                                keepWithNext=1),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=base_size * 1.6,
                                 bulletFontName=FONT,
                                 bulletIndent=base_size * 0.4),
    }


#: reportlab's standard fonts (never embedded) and the bundled face drawn in their place
_STANDARD = {"Helvetica": FONT, "Helvetica-Bold": FONT_BOLD, "Helvetica-Oblique": FONT,
             "Helvetica-BoldOblique": FONT_BOLD, "Times-Roman": FONT, "Times-Bold": FONT_BOLD,
             "Courier": FONT, "Courier-Bold": FONT_BOLD}


class HouseCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """A reportlab canvas whose initial font is DejaVu Sans instead of Helvetica, and that
    draws DejaVu wherever reportlab would fall back to one of its standard fonts (a chart's
    initial state, a table's default cell font): those are never embedded, and a PDF that
    references a font it does not embed passes no PDF/A check."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        register_fonts()
        # Document templates pass ``initialFontName=None`` explicitly: replace that too.
        if not kwargs.get("initialFontName"):
            kwargs["initialFontName"] = FONT
        super().__init__(*args, **kwargs)

    def setFont(self, psfontname: str, size: float, leading: float | None = None) -> None:  # noqa: N802
        super().setFont(_STANDARD.get(psfontname, psfontname), size, leading)


def table_font_commands(size: float = 10.0) -> list[tuple[Any, ...]]:
    """Table style commands that make a Table's own cell font DejaVu (its default is
    Helvetica, which it sets even when every cell holds Paragraphs)."""
    register_fonts()
    return [("FONT", (0, 0), (-1, -1), FONT, size)]
