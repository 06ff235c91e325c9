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


def styles(base_size: float = 10.0) -> dict[str, ParagraphStyle]:
    """The house paragraph styles: body, small, title, heading, label."""
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=base_size,
                          leading=base_size * 1.4, spaceAfter=base_size * 0.6)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=base_size * 0.8,
                                leading=base_size * 1.1, textColor=HexColor("#444444")),
        "title": ParagraphStyle("title", parent=body, fontName=FONT_BOLD,
                                fontSize=base_size * 1.5, leading=base_size * 1.9,
                                spaceAfter=base_size * 0.9),
        "heading": ParagraphStyle("heading", parent=body, fontName=FONT_BOLD,
                                  fontSize=base_size * 1.1, leading=base_size * 1.5,
                                  spaceBefore=base_size * 0.6, spaceAfter=base_size * 0.4),
        "label": ParagraphStyle("label", parent=body, fontName=FONT_BOLD, spaceAfter=0),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=base_size * 1.6,
                                 bulletFontName=FONT,
                                 bulletIndent=base_size * 0.4),
    }


class HouseCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """A reportlab canvas whose initial font is DejaVu Sans instead of Helvetica."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        register_fonts()
        # Document templates pass ``initialFontName=None`` explicitly: replace that too.
        if not kwargs.get("initialFontName"):
            kwargs["initialFontName"] = FONT
        super().__init__(*args, **kwargs)


def table_font_commands(size: float = 10.0) -> list[tuple[Any, ...]]:
    """Table style commands that make a Table's own cell font DejaVu (its default is
    Helvetica, which it sets even when every cell holds Paragraphs)."""
    register_fonts()
    return [("FONT", (0, 0), (-1, -1), FONT, size)]
