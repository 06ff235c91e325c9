"""The shared document layer every PDF of the program is built with (reportlab platypus).

What it guarantees, so that no document has to think about it again:

* every page carries "VERTROUWELIJK – uitsluitend bestemd voor <party>" at the top, and the
  case number, the date and "pagina x van y" at the bottom (a two-pass numbered canvas: the
  pages are kept until the end, when the total is known), plus a light diagonal watermark
  with the recipient's name, drawn as outlines (vector paths, not text), so that copying or
  extracting a page's text never mixes its letters into the body;
* no font is referenced without being embedded: the canvas starts in the bundled DejaVu
  Sans (not reportlab's Helvetica) and tables set it for their cells;
* headings stay with what follows them (``keepWithNext``), and so does an introduction
  line (``Styles.intro``); Dutch words are hyphenated at syllable boundaries (pyphen's
  ``nl_NL``) where a word does not fit its line, so narrow columns break "Oordeels-vormend",
  not "Oordeelsvorm / end";
* user text is always escaped (:func:`para`, :func:`cell`): text that looks like markup
  (``<b>``, ``&amp;``, ``<br/>``) appears literally; line breaks are kept; control characters
  are shown as U+FFFD rather than silently dropped;
* nothing is cut without a mark: long words are split over lines (reportlab's
  ``splitLongWords``), long paragraphs flow over pages, and table rows taller than a page
  are split inside the row (``splitInRow``); the one place text is shortened on purpose (a
  recipient name too long for the page header) ends in an ellipsis;
* scripts that need shaping (Arabic, Hebrew, ...) are shaped with HarfBuzz (``uharfbuzz``,
  which reportlab uses when it is installed); shaping is turned on per paragraph, only where
  such characters occur, because it is an order of magnitude slower. Right-to-left words
  are put in display order (a run of them reversed, as the bidi algorithm does for a run
  on one line), and the fonts' ToUnicode maps map Arabic presentation forms back to the
  letters typed, so a reader extracts (copies, searches) the name as it was typed;
* the metadata name the house as author; title, subject and keywords are chosen by the
  caller and must hold no personal data (a case number and the document kind);
* optional AES-256 password protection (pypdf), with the header version AES-256 belongs to
  (%PDF-2.0); the file is written atomically (temporary
  file in the same folder, fsync, rename) and :func:`build_pdf` returns its SHA-256.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import os
import re
import secrets
import socket
import tempfile
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import ttfonts as _ttfonts
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import FILL_NON_ZERO, Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from app import fs
# the password rules are the domain's; named here too for the services that encrypt
from app.domain.document_password import MIN_PASSWORD_LENGTH as MIN_PASSWORD_LENGTH
from app.domain.document_password import check_password as check_password
from app.domain.document_password import generate_password as generate_password
from app.domain.text_rules import strip_for_print
from app.errors import file_write_failed
from app.export import fonts
from app.formatting import format_date
from app.i18n import _
from app.resources import resource_path

PAGE_SIZE = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 20 * mm
#: the width a story's flowables may use
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN_X

#: characters of scripts that need contextual shaping or right-to-left ordering
_COMPLEX_SCRIPT = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u0900-\u0dff\u1000-\u109f]")
#: control characters other than tab and line breaks: shown, not silently dropped
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

WATERMARK_ANGLE = 45.0

# reportlab shapes with kern, liga and dlig by default, which turns Latin "st", "fi", "ff"
# in a shaped paragraph into ligature glyphs: the PDF's text then reads "Tekﬆ", "ﬁnanciën",
# and a search for a name fails. Arabic's required forms (init/medi/fina, rlig for lam-alef)
# are applied by HarfBuzz whatever these say, so only kerning is asked for.
if getattr(_ttfonts, "uharfbuzz", None) is not None:
    _ttfonts.shapeFragWord.__defaults__ = ({"kern": True, "liga": False, "dlig": False}, False)

_reportlab_to_unicode = _ttfonts.makeToUnicodeCMap


def _is_presentation_form(code: int) -> bool:
    return 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFC


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """Reportlab's ToUnicode map, but a shaped Arabic glyph (which the font's cmap knows by
    its presentation form, e.g. U+FEE3 for an initial meem) maps back to the letter(s) typed
    (U+0645; lam-alef to two letters): a reader that copies or extracts the text gets the
    name as it was typed, not look-alike compatibility characters."""
    cmap = _reportlab_to_unicode(fontname, subset)
    if not any(_is_presentation_form(code) for code in subset):
        return str(cmap)
    lines = str(cmap).split("\n")
    first = lines.index(f"{len(subset)} beginbfchar") + 1
    for index, code in enumerate(subset):
        if _is_presentation_form(code):
            typed = unicodedata.normalize("NFKC", chr(code))
            lines[first + index] = f"<{index:02X}> <{typed.encode('utf-16-be').hex().upper()}>"
    return "\n".join(lines)


_ttfonts.makeToUnicodeCMap = _to_unicode_cmap


# -- text ------------------------------------------------------------------------------

def needs_shaping(text: str) -> bool:
    return bool(_COMPLEX_SCRIPT.search(text))

def escape_text(text: str) -> str:
    """User text as paragraph markup that shows it literally (line breaks kept; invisible
    format characters of old data, such as a zero-width space or a bidi override, left out:
    ``app.domain.text_rules.strip_for_print``)."""
    text = _CONTROL.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = strip_for_print(text)
    return escape(text).replace("\t", "    ").replace("\n", "<br/>")

_shaped_styles: dict[int, ParagraphStyle] = {}

def _shaped(style: ParagraphStyle) -> ParagraphStyle:
    """The same style with HarfBuzz shaping on (cached per style object)."""
    shaped = _shaped_styles.get(id(style))
    if shaped is None or shaped.parent is not style:
        # splitLongWords off: reportlab re-shapes the halves of a split shaped word and
        # uharfbuzz refuses its ShapedStr (TypeError); _breakable gives long runs spaces
        shaped = ParagraphStyle(style.name + "-shaped", parent=style, shaping=1,
                                splitLongWords=0, hyphenationLang="")
        _shaped_styles[id(style)] = shaped
    return shaped

def markup(fragments: Sequence[str | tuple[str, str]]) -> str:
    """Join trusted markup and user text: a plain ``str`` is user text (escaped); a tuple
    ``("b", text)`` is user text in bold. Use this to build labelled lines."""
    parts: list[str] = []
    for fragment in fragments:
        if isinstance(fragment, tuple):
            tag, text = fragment
            if tag not in ("b", "i"):
                raise ValueError(f"unsupported tag {tag!r}")
            parts.append(f"<{tag}>{escape_text(text)}</{tag}>")
        else:
            parts.append(escape_text(fragment))
    return "".join(parts)

_STRONG_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_STRONG = re.compile(r"[^\W\d_]")


def _is_rtl_word(word: str) -> bool:
    """Whether a word's first strong (letter) character is right-to-left."""
    first = _STRONG.search(word)
    return first is not None and bool(_STRONG_RTL.match(first.group(0)))


def display_order(text: str) -> str:
    """Right-to-left words in the order they are displayed: each run of them on a line
    reversed, as the Unicode bidi algorithm orders such a run in a left-to-right paragraph
    (HarfBuzz turns each word's own letters). "Casuscoördinator: محمد العلي" is drawn with
    "العلي" at the left, and a reader's text extraction, which reads right-to-left runs back
    to front, gives "محمد العلي" again. A run that wraps over two lines keeps the order of
    one line (reportlab has no bidi of its own without python-bidi)."""
    out_lines = []
    for line in text.split("\n"):
        tokens = re.split(r"(\s+)", line)
        result: list[str] = []
        run: list[str] = []          # an RTL run: words and the spaces between them
        for token in tokens:
            rtl_word = bool(token) and not token.isspace() and _is_rtl_word(token)
            if rtl_word or (token.isspace() and run):
                run.append(token)
            else:
                trailing: list[str] = []
                while run and run[-1].isspace():
                    trailing.insert(0, run.pop())
                result += reversed(run)
                result += trailing
                run = []
                result.append(token)
        trailing = []
        while run and run[-1].isspace():
            trailing.insert(0, run.pop())
        result += reversed(run)
        result += trailing
        out_lines.append("".join(result))
    return "\n".join(out_lines)


#: an unbroken run this long gets a break opportunity in a shaped paragraph
_LONG_RUN = re.compile(r"\S{24}(?=\S)")

def _breakable(text: str) -> str:
    """Reportlab cannot split a shaped word wider than its line (the whole document fails
    with a LayoutError), so a shaped run of 24 characters without a space gets one. Soft
    hyphens go: reportlab hyphenates there and re-shapes the halves, which uharfbuzz refuses
    (TypeError on its ShapedStr)."""
    return _LONG_RUN.sub(lambda m: m.group(0) + " ", text.replace("\u00ad", ""))

def para(text: str | Sequence[str | tuple[str, str]], style: ParagraphStyle) -> Paragraph:
    """A paragraph of user text (escaped). A sequence is joined with :func:`markup`."""
    plain = text if isinstance(text, str) else "".join(
        f[1] if isinstance(f, tuple) else f for f in text)
    if needs_shaping(plain):
        text = _breakable(display_order(text)) if isinstance(text, str) else [
            (f[0], _breakable(display_order(f[1]))) if isinstance(f, tuple)
            else _breakable(display_order(f)) for f in text]
    source = escape_text(text) if isinstance(text, str) else markup(text)
    return Paragraph(source, _shaped(style) if needs_shaping(plain) else style)

# -- styles ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    #: a line that introduces what follows (kept on the page of what it introduces)
    intro: ParagraphStyle
    label: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    #: a cell holding a code (a hash, a number): broken anywhere, never hyphenated
    code: ParagraphStyle
    banner: ParagraphStyle
    footer: ParagraphStyle

_styles: dict[str, Styles] = {}

def styles() -> Styles:
    """The paragraph styles of every document, built on the house styles in ``fonts``
    (one set per language: they hyphenate in it)."""
    from app.i18n import current_language

    language = current_language()
    if language not in _styles:
        base = fonts.styles()
        body = base["body"]
        _styles[language] = Styles(
            body=body,
            small=base["small"],
            title=base["title"],
            # A heading never ends a page: it moves on with what it heads.
            heading=ParagraphStyle("heading-kept", parent=base["heading"], keepWithNext=1),
            subheading=ParagraphStyle("subheading", parent=base["heading"], fontSize=10.5,
                                      leading=14, spaceBefore=4, spaceAfter=2,
                                      keepWithNext=1),
            intro=ParagraphStyle("intro", parent=base["small"], keepWithNext=1),
            label=base["label"],
            cell=ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5,
                                spaceAfter=0),
            cell_head=ParagraphStyle("cell_head", parent=body, fontName=fonts.FONT_BOLD,
                                     fontSize=8.5, leading=10.5, spaceAfter=0),
            code=ParagraphStyle("code", parent=body, fontSize=8.5, leading=10.5,
                                spaceAfter=0, hyphenationLang=""),
            banner=ParagraphStyle("banner", parent=body, fontName=fonts.FONT_BOLD,
                                  fontSize=8.5, leading=10.5, spaceAfter=0,
                                  textColor=colors.HexColor("#8b0000")),
            footer=ParagraphStyle("footer", parent=body, fontSize=7.5, leading=9,
                                  spaceAfter=0, textColor=colors.HexColor("#444444")),
        )
    return _styles[language]

# -- flowables -------------------------------------------------------------------------

def cell(value: str | Flowable, head: bool = False) -> Flowable:
    if isinstance(value, Flowable):
        return value
    st = styles()
    return para(value, st.cell_head if head else st.cell)

def table(rows: Sequence[Sequence[str | Flowable]], widths: Sequence[float],
          header: bool = True) -> Table:
    """A grid of escaped cells. Rows repeat their header on every page and a row taller than
    a page is split inside the row, so no cell text is ever lost."""
    if abs(sum(widths) - CONTENT_WIDTH) > 1 and sum(widths) > CONTENT_WIDTH:
        raise ValueError("table wider than the page")
    data = [[cell(v, head=header and i == 0) for v in row] for i, row in enumerate(rows)]
    commands: list[tuple[Any, ...]] = fonts.table_font_commands(8.5) + [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")))
    return Table(data, colWidths=list(widths), repeatRows=1 if header else 0,
                 splitByRow=1, splitInRow=1, style=TableStyle(commands), hAlign="LEFT")

def spacer(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)

# -- the page --------------------------------------------------------------------------

@dataclass(frozen=True)
class PageMarks:
    """What goes on every page. ``recipient`` is the party name (or e.g. "procesregisseur")."""

    house: str
    recipient: str
    case_number: str
    printed_on: date

@dataclass(frozen=True)
class Metadata:
    """PDF metadata. No personal data: a document kind and a case number at most."""

    title: str
    subject: str
    keywords: tuple[str, ...] = field(default_factory=tuple)

def _fit_one_line(text: str, font: str, size: float, width: float) -> str:
    """``text`` as it fits on one line; shortened with an ellipsis (a visible mark)."""
    if stringWidth(text, font, size) <= width:
        return text
    # The longest prefix that fits beside the ellipsis, found by halving: dropping one
    # character at a time measured a long name thousands of times on every page (minutes
    # for one handout; issue 23, point 8, found by the PDF fuzz's slowest).
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle] + "\u2026", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "\u2026"

def _banner_text(recipient: str) -> str:
    return _("CONFIDENTIAL \u2013 intended only for {party}").format(party=recipient)

class _OutlinePen:
    """A fontTools-style pen (what HarfBuzz draws a glyph with) that adds the outline to a
    reportlab path, scaled from font units and moved to the glyph's place."""

    def __init__(self, path: Any, scale: float) -> None:
        self.path, self.scale = path, scale
        self.dx = self.dy = 0.0
        self._current = (0.0, 0.0)

    def _xy(self, point: tuple[float, float]) -> tuple[float, float]:
        return self.dx + point[0] * self.scale, self.dy + point[1] * self.scale

    def moveTo(self, p: tuple[float, float]) -> None:  # noqa: N802 (the pen protocol)
        self._current = p
        self.path.moveTo(*self._xy(p))

    def lineTo(self, p: tuple[float, float]) -> None:  # noqa: N802
        self._current = p
        self.path.lineTo(*self._xy(p))

    def curveTo(self, *points: tuple[float, float]) -> None:  # noqa: N802
        c1, c2, end = points[-3:]
        self._current = end
        self.path.curveTo(*self._xy(c1), *self._xy(c2), *self._xy(end))

    def qCurveTo(self, *points: tuple[float, float]) -> None:  # noqa: N802
        # TrueType's quadratic pieces (implied on-curve points between controls), as cubics
        *controls, end = points
        start = self._current
        for i, control in enumerate(controls):
            last = i == len(controls) - 1
            target = end if last else ((control[0] + controls[i + 1][0]) / 2,
                                       (control[1] + controls[i + 1][1]) / 2)
            c1 = (start[0] + 2 / 3 * (control[0] - start[0]),
                  start[1] + 2 / 3 * (control[1] - start[1]))
            c2 = (target[0] + 2 / 3 * (control[0] - target[0]),
                  target[1] + 2 / 3 * (control[1] - target[1]))
            self.path.curveTo(*self._xy(c1), *self._xy(c2), *self._xy(target))
            start = target
        self._current = end

    def closePath(self) -> None:  # noqa: N802
        self.path.close()

    def endPath(self) -> None:  # noqa: N802
        pass


@functools.cache
def _hb_font(file_name: str) -> Any:
    import uharfbuzz as hb  # a declared dependency (shaping)

    return hb.Font(hb.Face(hb.Blob.from_file_path(str(resource_path("fonts", file_name)))))


def _shape_line(text: str) -> tuple[Any, list[Any], list[Any]]:
    """The bold face's glyphs for ``text`` in display order (HarfBuzz: Arabic joined and
    right to left), with their positions in font units."""
    import uharfbuzz as hb

    font = _hb_font("DejaVuSans-Bold.ttf")
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf, {"kern": True, "liga": False, "dlig": False})
    return font, list(buf.glyph_infos), list(buf.glyph_positions)


def _outline_width(text: str, size: float) -> float:
    font, _infos, positions = _shape_line(text)
    return float(sum(p.x_advance for p in positions) * size / font.face.upem)


def _draw_watermark(canvas: Canvas, marks: PageMarks) -> None:
    """A light diagonal watermark with the recipient's name, under the page's content.

    It is drawn as the glyphs' outlines (filled paths), not as text: copying, searching or
    extracting a page's text never picks up its letters, whatever the reader."""
    width, height = PAGE_SIZE
    text = " ".join(marks.recipient.split())
    # The widest text that stays on the page along that angle (it leaves through the sides).
    diagonal = width / math.cos(math.radians(WATERMARK_ANGLE)) * 0.75
    size = 48.0
    while size > 14 and _outline_width(text, size) > diagonal:
        size -= 2
    if _outline_width(text, size) > diagonal:
        # a prefix that fits beside the ellipsis, found by halving (shaping the whole
        # name again for each character dropped took minutes for a long name)
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if _outline_width(text[:middle] + "\u2026", size) <= diagonal:
                low = middle
            else:
                high = middle - 1
        text = text[:low] + "\u2026"
    font, infos, positions = _shape_line(text)
    scale = size / font.face.upem
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.55, 0.55, 0.55, alpha=0.13))
    canvas.translate(width / 2, height / 2)
    canvas.rotate(WATERMARK_ANGLE)
    path = canvas.beginPath()
    pen = _OutlinePen(path, scale)
    x = -_outline_width(text, size) / 2
    y = -size / 3
    for info, pos in zip(infos, positions, strict=True):
        pen.dx, pen.dy = x + pos.x_offset * scale, y + pos.y_offset * scale
        font.draw_glyph_with_pen(info.codepoint, pen)
        x += pos.x_advance * scale
        y += pos.y_advance * scale
    canvas.drawPath(path, stroke=0, fill=1, fillMode=FILL_NON_ZERO)
    canvas.restoreState()

def _draw_marks(canvas: Canvas, marks: PageMarks, page: int, pages: int) -> None:
    """Banner at the top, case number, date and page x of y at the bottom."""
    st = styles()
    width, height = PAGE_SIZE
    canvas.saveState()
    banner = _banner_text(marks.recipient)
    # At most two lines of banner; a recipient name longer than that is shortened with
    # an ellipsis (the full name is on the first page's heading).
    banner_par = para(banner, st.banner)
    _w, h = banner_par.wrap(CONTENT_WIDTH, 40)
    if h > 2 * st.banner.leading + 1:
        short = _fit_one_line(marks.recipient, fonts.FONT_BOLD, st.banner.fontSize,
                              CONTENT_WIDTH * 1.6)
        banner_par = para(_banner_text(short), st.banner)
        _w, h = banner_par.wrap(CONTENT_WIDTH, 40)
    banner_y = height - 10 * mm - h
    banner_par.drawOn(canvas, MARGIN_X, banner_y)
    canvas.setStrokeColor(colors.HexColor("#8b0000"))
    canvas.setLineWidth(0.6)
    line_y = banner_y - 1.5 * mm
    canvas.line(MARGIN_X, line_y, width - MARGIN_X, line_y)
    canvas.setStrokeColor(colors.HexColor("#999999"))
    canvas.line(MARGIN_X, MARGIN_BOTTOM - 5 * mm, width - MARGIN_X, MARGIN_BOTTOM - 5 * mm)
    footer_left = f"{marks.case_number} \u00b7 {format_date(marks.printed_on)}"
    footer_right = _("page {page} of {pages}").format(page=page, pages=pages)
    canvas.setFont(fonts.FONT, st.footer.fontSize)
    canvas.setFillColor(colors.HexColor("#444444"))
    y = MARGIN_BOTTOM - 9 * mm
    right_w = stringWidth(footer_right, fonts.FONT, st.footer.fontSize)
    canvas.drawString(MARGIN_X, y, _fit_one_line(
        footer_left + " \u00b7 " + marks.house, fonts.FONT, st.footer.fontSize,
        CONTENT_WIDTH - right_w - 6 * mm))
    canvas.drawRightString(width - MARGIN_X, y, footer_right)
    canvas.restoreState()

def _numbered_canvas(marks: PageMarks) -> type[Canvas]:
    """A canvas that keeps every page until the end, then draws the marks with the total."""

    class NumberedCanvas(fonts.HouseCanvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                _draw_marks(self, marks, number, total)
                fonts.HouseCanvas.showPage(self)
            fonts.HouseCanvas.save(self)

    return NumberedCanvas

def document_language() -> str:
    """The document's language (the catalogue's /Lang) as a BCP 47 tag: the program's."""
    from app.i18n import current_language

    return {"nl": "nl-NL", "en": "en-GB"}.get(current_language(), "nl-NL")


class Document(BaseDocTemplate):  # type: ignore[misc]
    """One page template for every document: watermark under, marks over the content."""

    def __init__(self, target: Any, marks: PageMarks, meta: Metadata) -> None:
        super().__init__(
            target, pagesize=PAGE_SIZE, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=meta.title,
            author=marks.house, subject=meta.subject, keywords=list(meta.keywords),
            creator="Casuskamer", producer="Casuskamer", lang=document_language())
        self.marks = marks
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(
            id="page", frames=[frame], onPage=lambda c, _d: _draw_watermark(c, marks))])

# -- writing ---------------------------------------------------------------------------

def render(story: list[Flowable], marks: PageMarks, meta: Metadata) -> bytes:
    """The PDF as bytes (not encrypted)."""
    fonts.register_fonts()
    buffer = io.BytesIO()
    doc = Document(buffer, marks, meta)
    doc.build(list(story), canvasmaker=_numbered_canvas(marks))
    return buffer.getvalue()

def encrypt(pdf: bytes, password: str) -> bytes:
    """The same PDF, AES-256 encrypted: it opens only with ``password``."""
    from pypdf import PdfReader, PdfWriter

    check_password(password)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    # The owner password is random and thrown away: nobody can lift the protection.
    writer.encrypt(user_password=password, owner_password=secrets.token_urlsafe(32),
                   algorithm="AES-256")
    # AES-256 (security handler revision 6) is PDF 2.0's: a reader must not take the file
    # for the 1.3/1.4 reportlab wrote
    writer.pdf_header = "%PDF-2.0"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one:
    a temporary file in the same folder (mode 600), fsync, rename, fsync of the folder."""
    _publish(_write_part(Path(path), data), Path(path))

@contextmanager
def published_after(path: Path, data: bytes) -> Iterator[None]:
    """Write ``data`` to a hidden part file beside ``path``; run the body (which records the
    disclosure and commits); only then rename the file into place. A crash before the
    commit leaves no file under its name, so no exported file lacks its disclosure row."""
    path = Path(path)
    tmp = _write_part(path, data)
    try:
        yield
        _publish(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise

_PART = re.compile(r"^\.casuskamer-(?P<host>\w+)-(?P<pid>\d+)-[^/]*\.part$", re.ASCII)
#: a part file this old is left over whoever wrote it (an export takes seconds)
STALE_PART_SECONDS = 24 * 3600


def _host() -> str:
    """This machine's name as it goes into a part file's name (letters, digits, _)."""
    return re.sub(r"\W", "_", socket.gethostname(), flags=re.ASCII)[:40] or "host"


def remove_stale_parts(folder: Path) -> int:
    """Delete the part files a killed program left in ``folder``; returns how many.

    A part file is named after the machine and the process that write it. A part file of
    this machine whose process is gone was never renamed into place: it has no disclosure
    row and nobody was meant to receive it, so it is removed rather than left lying around
    with personal data in it. Another machine's (a shared export folder) is only removed
    once it is a day old, as is any part file where this system cannot tell whether its
    writer still runs (Windows)."""
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    host, now = _host(), time.time()
    for name in names:
        found = _PART.match(name)
        if found is None:
            continue
        path = folder / name
        try:
            old = now - path.stat().st_mtime > STALE_PART_SECONDS
        except OSError:
            continue
        pid = int(found.group("pid"))
        ours_and_dead = (found.group("host") == host and os.name == "posix"
                         and pid != os.getpid() and not _alive(pid))
        if old or ours_and_dead:
            with suppress(OSError):
                path.unlink()
                removed += 1
    return removed

def _alive(pid: int) -> bool:
    """Whether a process runs (POSIX: signal 0 only checks; it is never sent)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True

def _write_part(path: Path, data: bytes) -> str:
    folder = path.parent if str(path.parent) else Path(".")
    remove_stale_parts(folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".casuskamer-{_host()}-{os.getpid()}-",
                                   suffix=".part", dir=folder)
    except OSError as exc:
        raise file_write_failed(exc, path) from None
    try:
        # mkstemp creates the file owner-only (0o600 on POSIX; on Windows see app.fs)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            # a full disk or a write error: a message the user can act on, no half file
            raise file_write_failed(exc, path) from None
        raise
    return tmp

def _publish(tmp: str, path: Path) -> None:
    try:
        fs.publish(tmp, path)  # os.replace, then the folder flushed where the platform can
    except OSError as exc:
        raise file_write_failed(exc, path) from None

def produce(story: list[Flowable], marks: PageMarks, meta: Metadata,
            password: str | None = None) -> bytes:
    """The finished file's bytes: rendered, and encrypted when a password is given."""
    if password is not None:
        check_password(password)
    data = render(story, marks, meta)
    return encrypt(data, password) if password is not None else data


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_pdf(story: list[Flowable], out: Path, marks: PageMarks, meta: Metadata,
              password: str | None = None) -> str:
    """Build the document, protect it if a password is given, write it atomically to
    ``out`` and return the SHA-256 (hex) of the file as written."""
    data = produce(story, marks, meta, password)
    write_atomically(Path(out), data)
    return sha256(data)
