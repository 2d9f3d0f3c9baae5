"""PDF: the text layer, page by page, as paragraphs.

A PDF's text layer is lines of typeset text placed on pages: no paragraphs, and on every
page the same running header and footer (a title, "Seite 3 von 10") and a page number.
Read line by line, each of those would be a "sentence" of the document, and every
paragraph would be cut at every line end and page break. This reader:

- takes each page's text from pypdf, with the place of each line (its left edge and
  baseline), its font size and whether it is set in a monospaced font, so that the lines
  can be laid out again as plain text: indented by their left edge, with a blank line
  where the typesetting sets a block apart: a gap above the usual leading of that font
  size (measured on the document itself) by a paragraph's space, often well under a
  line; a change of font size or between code and prose; a jump up the page;
- drops running headers and footers: lines among the top or bottom lines of a page
  whose text, with numbers made alike ("Seite 3 von 10", "- 3 -", a date), stands at
  the top or bottom of at least half the pages (and of two), and bare page numbers;
- joins the remaining lines into paragraphs with the plain-text reader's ``wrapped``
  layout (:func:`align.extract.plain.read_plain`), pages run together so that a
  paragraph that goes on over a page break is one paragraph, and line-end hyphens
  dropped where they split a word (:func:`align.extract.hyphen.join_hyphenated`, as
  typeset text); lines in a monospaced font are code, kept line by line.

The notes say how many header/footer lines were dropped and how many hyphenated words
were joined. An encrypted PDF, one without a text layer (a scan) and a file that is
not a PDF are refused with a line saying what to do.

Example::

    >>> PdfReader().sniff(b"%PDF-1.7\\n")
    True
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from align.errors import InputError
from align.extract.base import Extraction, Reader
from align.extract.blocks import Piece
from align.extract.failure import short_error
from align.extract.hyphen import join_hyphenated, word_counts
from align.extract.plain import read_plain, split_lines
from align.settings import ReadSettings

__all__ = ["PdfReader"]

# How many lines at the top and at the bottom of a page may be a running header/footer.
_EDGE_LINES = 3
# A line at the edge is running when its text stands at an edge of this share of pages.
_RUNNING_SHARE = 0.5
# For a font size without a leading of its own (too few lines), a gap wider than this many
# times the page's usual line spacing is a blank line.
_GAP = 1.4
# One column of the laid-out text, as a share of the body font size (about an average letter).
_COLUMN_EM = 0.5
# A line whose font is this much larger than the body's is a heading; its next line follows
# within this many times its font size.
_HEADING_SIZE = 1.15
_HEADING_LEADING = 1.6
# Above the usual distance between two baselines of a paragraph's lines (for their font
# size), by more than this share of the font size, a gap is a paragraph's space: typesetters
# set lines at a fixed leading and add a paragraph's space (often well under a line:
# LaTeX's parskip, a word processor's "space after") only between paragraphs.
_PARAGRAPH_SPACE = 0.2
# A document sets its paragraphs apart by space when this many such spaces are found.
_SPACED_MIN = 3
# Two font sizes closer than this (points) are one size.
_SAME_SIZE = 0.5
# A line is code (monospaced) when this share of its characters is in a monospaced font.
_MONO_SHARE = 0.8
_MONO_NAME = re.compile(r"courier|mono|consol|menlo|typewriter|cmtt|lmtt", re.IGNORECASE)
# WinAnsiEncoding's unused codes (PDF 1.7, annex D: all map to the bullet), as pypdf gives them.
_WIN_ANSI_BULLETS = str.maketrans(dict.fromkeys("\x7f\x81\x8d\x8f\x90\x9d", "\u2022"))
# List bullets set as a piece of their own before an item's text.
_BULLETS = frozenset("•◦▪‣–—·*-+\u25cf\u25a0\u25aa\u2023\u2043")
_NUMBER = re.compile(r"\d+")
# A page number standing alone: "3", "- 3 -", "[3]", "Seite 3", "Page 3 of 10", "3/10", "iv".
_PAGE_NUMBER = re.compile(r"[-–—\[(]?\s*(?:(?:seite|page|s\.|p\.|pag\.|página|pagina)\s*)?"
                          r"(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:von|of|de|di|/|sur)\s*\d{1,4})?\s*[-–—\])]?",
                          re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Line:
    """One line of a page's text layer and where it starts (PDF points, y upwards)."""

    text: str
    x: float
    y: float
    size: float  # the font size most of its characters are set in
    mono: bool = False  # set (almost) all in a monospaced font: code
    text_x: float | None = None  # a list item's: where its text starts after the bullet


def _fixed_pitch(font: Any) -> bool:
    """Whether a PDF font dictionary is a monospaced font: the FixedPitch flag of its font
    descriptor (a composite font's is on its descendant), or, for the standard 14 fonts and
    files that leave the flag out, a monospaced family's name (Courier, *Mono, Consolas)."""
    if not font:
        return False
    descriptor = font.get("/FontDescriptor")
    if descriptor is None and font.get("/DescendantFonts"):
        descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
    try:
        flags = int(descriptor.get_object().get("/Flags", 0)) if descriptor is not None else 0
    except (TypeError, ValueError, AttributeError):
        flags = 0
    return bool(flags & 1) or bool(_MONO_NAME.search(str(font.get("/BaseFont", ""))))


def _win_ansi(font: Any) -> bool:
    """Whether a simple font's codes are WinAnsiEncoding (by name or as the base of its
    /Differences)."""
    encoding = font.get("/Encoding") if font else None
    if encoding is not None and not isinstance(encoding, str):
        encoding = encoding.get_object()
        encoding = encoding.get("/BaseEncoding") if hasattr(encoding, "get") else encoding
    return encoding == "/WinAnsiEncoding"


def _page_lines(page: Any) -> list[_Line]:
    """The lines of one page in the order the text layer gives them (pypdf's own line
    breaks), each with the position of its first piece of text, the font size most of its
    characters have and whether they are set in a monospaced font.

    In WinAnsiEncoding every code the encoding leaves unused maps to the bullet (PDF 1.7,
    annex D); reportlab, for one, sets its list bullets in Helvetica as code 0x7F, which
    pypdf gives back as a control character: it is read as the bullet it is, so that the
    item is seen to start a list item."""
    lines: list[_Line] = []
    parts: list[str] = []
    start: tuple[float, float] | None = None
    text_x: list[float] = []  # the x of the piece after a lone bullet
    sizes: Counter[float] = Counter()
    mono = [0, 0]  # characters in a monospaced font, all characters
    fonts: dict[int, tuple[bool, bool]] = {}

    def end_line() -> None:
        nonlocal start
        text = "".join(parts).strip()
        if text and start is not None:
            size = max(sizes, key=lambda s: (sizes[s], s)) if sizes else 0.0
            lines.append(_Line(text, *start, size, mono[0] >= _MONO_SHARE * max(1, mono[1]),
                               text_x[0] if text_x else None))
        parts.clear()
        text_x.clear()
        sizes.clear()
        mono[:] = [0, 0]
        start = None

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        nonlocal start
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(cm[3] * tm[3]) or 1.0
        if id(font) not in fonts:
            fonts[id(font)] = (_fixed_pitch(font), _win_ansi(font))
        fixed, win_ansi = fonts[id(font)]
        if win_ansi:
            text = text.translate(_WIN_ANSI_BULLETS)
        for i, chunk in enumerate(text.split("\n")):
            if i:  # a line ended
                end_line()
            if chunk and start is None and chunk.strip():
                start = (x, y)
            elif chunk.strip() and not text_x and "".join(parts).strip() in _BULLETS:
                text_x.append(x)
            parts.append(chunk)
            count = len(chunk) - chunk.count(" ")
            if count:
                sizes[round(float(size or 0) * scale, 1)] += count
                mono[0] += count if fixed else 0
                mono[1] += count

    page.extract_text(visitor_text=visit)
    end_line()
    return lines


def _shape(text: str) -> str:
    """A line's text with numbers made alike, for finding running headers and footers."""
    return _NUMBER.sub("#", " ".join(text.lower().split()))


def _edges(lines: list[_Line]) -> set[int]:
    """Indexes of the lines at the top and bottom of a page (by height on the page, not by
    the order of the text layer, which often draws the header and footer first)."""
    heights = sorted({round(line.y) for line in lines})
    edge = set(heights[:_EDGE_LINES]) | set(heights[-_EDGE_LINES:])
    return {i for i, line in enumerate(lines) if round(line.y) in edge}


def _drop_running(pages: list[list[_Line]]) -> tuple[list[list[_Line]], int]:
    """The pages without running headers/footers and bare page numbers, and how many
    lines were dropped."""
    edges = [_edges(lines) for lines in pages]
    seen: Counter[str] = Counter()
    for lines, edge in zip(pages, edges):
        seen.update({_shape(lines[i].text) for i in edge})
    least = max(2, _RUNNING_SHARE * len(pages))
    kept_pages: list[list[_Line]] = []
    dropped = 0
    for lines, edge in zip(pages, edges):
        kept = []
        for i, line in enumerate(lines):
            if i in edge and (seen[_shape(line.text)] >= least or _PAGE_NUMBER.fullmatch(line.text)):
                dropped += 1
            else:
                kept.append(line)
        kept_pages.append(kept)
    return kept_pages, dropped


def _kind(line: _Line) -> tuple[float, bool]:
    """The set a line's leading is measured in: its font size (to half a point) and
    whether it is code."""
    return round(line.size * 2) / 2, line.mono


def _leadings(pages: list[list[_Line]]) -> dict[tuple[float, bool], float]:
    """The usual distance between two baselines inside a block, for each font size (and
    code apart from prose): the smallest step between consecutive lines of that kind on a
    page that is common (at least a third as common as the most common step, and seen
    twice). A paragraph's space only ever adds to the leading, so in a document of short
    paragraphs the most common step may be the paragraph step; the leading is the smaller
    one the paragraphs' own lines keep."""
    steps: dict[tuple[float, bool], Counter[float]] = {}
    for lines in pages:
        for a, b in pairwise(lines):
            step = a.y - b.y
            if _kind(a) == _kind(b) and 0.5 < step < 3 * max(a.size, 1.0):
                steps.setdefault(_kind(a), Counter())[round(step, 1)] += 1
    leadings = {}
    for kind, counts in steps.items():
        most = max(counts.values())
        common = [step for step, n in counts.items() if n >= max(2, most / 3)]
        if common:
            leadings[kind] = min(common)
    return leadings


def _restyled(above: _Line, line: _Line) -> bool:
    """A change of font size, or between code (monospaced) and prose: a new block."""
    return abs(above.size - line.size) >= _SAME_SIZE or above.mono != line.mono


def _new_block(above: _Line, line: _Line, leadings: dict[tuple[float, bool], float], spacing: float) -> bool:
    """Whether the typesetting sets ``line`` apart from the line ``above`` it on its page:
    a space above it wider than its kind's leading by a paragraph's space, a change of
    font size or between code (monospaced) and prose, or a jump up the page (a new column,
    a box). Without a leading for its kind, a space of :data:`_GAP` times the page's usual
    line spacing."""
    step = above.y - line.y
    if line.y > above.y + 0.5 or _restyled(above, line):
        return True
    leading = leadings.get(_kind(line))
    if leading is None:
        return step > _GAP * spacing
    return step > leading + _PARAGRAPH_SPACE * line.size


def _page_turn_block(last: _Line, first_of_block: bool, line: _Line, spaced: bool, column: float) -> bool:
    """Whether ``line``, the first of a page, starts a new block after ``last``, the last
    line of the page before (a page break leaves no space to measure): a change of font
    size or between code and prose; or, in a document that sets its paragraphs apart by
    space, a line further left than ``last`` when ``last`` began its block. Such a pair
    otherwise reads like the indented first line of a paragraph and its next line, but
    typesetting indents a paragraph's first line or spaces paragraphs, not both; here
    the left line is a new block (the next tag of a list of options, say)."""
    if _restyled(last, line):
        return True
    return spaced and first_of_block and line.x < last.x - column / 2


def _lay_out(pages: list[list[_Line]]) -> tuple[str, set[int], set[int]]:
    """The pages' lines as one plain text, and where its heading lines and its code
    (monospaced) lines start.

    Each line is indented by its left edge (in columns of about a letter's width); a blank
    line stands where the typesetting sets a line apart (:func:`_new_block`: a paragraph's
    space, a change of font size, code after prose) and around headings: lines set in a
    font clearly larger than the body's, a heading wrapped over two lines made one (the
    plain-text reader counts characters, and a large font's line is short in characters
    however full it is). The pages run together, so that a paragraph broken by a page
    break is joined like any other wrapped line.
    """
    body = [line for lines in pages for line in lines]
    if not body:
        return "", set(), set()
    size = statistics.median(line.size for line in body) or 10.0
    column = size * _COLUMN_EM
    left = min(line.x for line in body)
    steps = [a.y - b.y for lines in pages for a, b in pairwise(lines) if a.y - b.y > 0.5]
    spacing = statistics.median(steps) if steps else size * 1.2
    leadings = _leadings(pages)
    # paragraphs set apart by space: found between two lines of prose of one kind, often
    spaced = sum(_kind(a) == _kind(b) and not a.mono and _new_block(a, b, leadings, spacing)
                 for lines in pages for a, b in pairwise(lines)) >= _SPACED_MIN
    out: list[str] = []
    headings: set[int] = set()
    code: set[int] = set()
    pos = 0
    last_heading = False
    last: _Line | None = None  # the line before, on this page or the page before
    first_of_block = True  # ``last`` began its block
    for lines in pages:
        for i, line in enumerate(lines):
            above = lines[i - 1] if i else None
            heading = line.size >= _HEADING_SIZE * size
            if (heading and last_heading and above is not None and abs(above.size - line.size) < 0.5
                    and 0 < above.y - line.y <= _HEADING_LEADING * line.size):
                out[-1] += " " + line.text  # the heading's next line
                pos += 1 + len(line.text)
                continue
            if above is not None:
                gap = _new_block(above, line, leadings, spacing)
            else:
                gap = last is not None and _page_turn_block(last, first_of_block, line, spaced, column)
            if out and (gap or heading or last_heading):
                out.append("")  # a paragraph's space, a jump up (a new column, a box), a heading
                pos += 1
            if heading:
                headings.add(pos)
            if line.mono:
                code.add(pos)
            text, x = line.text, line.x
            if line.text_x is not None:  # a bullet, then the item's text at the column it wraps to
                text, x = line.text[0] + " " + line.text[1:].lstrip(), line.text_x - 2 * column
            out.append(" " * max(0, round((x - left) / column)) + text)
            pos += len(out[-1]) + 1
            last_heading = heading
            first_of_block = bool(gap) or last is None or abs(line.x - last.x) > column / 2
            last = line
    return "\n".join(out) + "\n", headings, code


def _hyphens_joined(text: str, pieces: list[Piece], counts: Counter[str]) -> int:
    """How many line-end hyphens :func:`join_hyphenated` dropped (as typeset text) inside
    the prose ``pieces`` read from ``text``: the count for the notes."""
    joined = 0
    for piece in pieces:
        if piece.source is None or piece.kind in ("code", "table"):
            continue
        lines = [line.body for line in split_lines(text[piece.source[0]:piece.source[1]])]
        for a, b in pairwise(lines):
            if len(a) > 1 and a[-1] in "-\u2010\u00ad" and a[-2].isalpha() and b[:1].isalpha():
                left, right = a.split()[-1], b.split()[0]
                joined += len(join_hyphenated([left, right], counts, typeset=True)) < len(left) + len(right)
    return joined


def _restyle(piece: Piece, text: str, headings: set[int], code: set[int]) -> Piece:
    """A piece of the plain-text reader as the PDF's fonts show it: a heading where it is
    set in a large font; code, line by line as set, where it is set in a monospaced font
    (a block of code stands between blank lines of its own, see :func:`_lay_out`, so the
    plain-text reader's piece is all code or none; its content alone may not look like
    code, "deb http://deb.debian.org/debian bookworm main"). The spans, in our layout
    rather than in the file, are dropped."""
    if piece.source is None:
        return Piece(piece.kind, piece.text)
    if piece.source[0] in headings:
        return Piece("heading", piece.text)
    if piece.source[0] in code:
        lines = split_lines(text[piece.source[0]:piece.source[1]])
        indent = min(line.indent for line in lines if not line.blank)
        return Piece("code", "\n".join(line.text[indent:] for line in lines if not line.blank))
    return Piece(piece.kind, piece.text)


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs what it mends in a damaged file (its modules' loggers, under ``pypdf``)
    and Python would print that on stderr; library code never prints. The records stop at
    the ``pypdf`` logger while a file is read."""
    logger = logging.getLogger("pypdf")
    handler = logging.NullHandler()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _open(data: bytes, source: str) -> Any:
    """The pypdf reader of ``data``, decrypted if it opens without a password, or a
    one-line error saying what to do."""
    if b"%PDF-" not in data[:1024]:
        raise InputError(f"{source}: is not a PDF file (no %PDF- header); check the file, "
                         "or give --input-format for its real format")
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{source}: is an encrypted (password-protected) PDF; remove the password "
                             "(e.g. qpdf --decrypt --password=PASSWORD in.pdf out.pdf) and try again")
        _ = reader.pages[0]  # a damaged page tree fails here, not later
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, IndexError, TypeError, AttributeError, OSError,
            NotImplementedError) as err:
        raise InputError(f"{source}: is a damaged PDF that cannot be read ({short_error(err)}); "
                         "save or print it to PDF again") from None
    return reader


class PdfReader(Reader):
    """PDF files, through pypdf: their text layer as paragraphs."""

    name = "pdf"
    extensions = (".pdf",)
    binary = True

    def sniff(self, head: bytes) -> bool:
        """``%PDF-`` at the start (or, as readers allow, within the first kilobyte)."""
        return b"%PDF-" in head[:1024]

    def read(self, data: str | bytes, settings: ReadSettings, source: str) -> Extraction:
        assert isinstance(data, bytes)
        with _quiet_pypdf():
            reader = _open(data, source)
            try:
                pages = [_page_lines(page) for page in reader.pages]
            except Exception as err:  # pypdf raises many kinds on broken content streams
                if not type(err).__module__.startswith("pypdf"):
                    raise
                raise InputError(f"{source}: is a damaged PDF whose text cannot be read ({short_error(err)}); "
                                 "save or print it to PDF again") from None
        if not any(line.text.strip() for lines in pages for line in lines):
            raise InputError(f"{source}: has no text layer (a scanned PDF?): run OCR first "
                             "(e.g. ocrmypdf in.pdf out.pdf) and read the result")
        pages, dropped = _drop_running(pages)
        text, headings, code = _lay_out(pages)
        layout = "wrapped" if settings.layout == "auto" else settings.layout
        if layout == "lines":  # each line of the text layer a paragraph of its own
            pieces = [Piece("heading" if line.start in headings else "paragraph", line.body)
                      for line in split_lines(text) if not line.blank]
            joined = 0
        else:
            pieces = read_plain(text, layout, typeset=True)[1]
            joined = _hyphens_joined(text, pieces, word_counts(text))
            # the spans are in our layout, not in the file: dropped; large-font lines are headings
            pieces = [_restyle(piece, text, headings, code) for piece in pieces]
        notes = []
        if dropped:
            notes.append(f"dropped {dropped} running header/footer and page number lines")
        if joined:
            notes.append(f"joined {joined} words hyphenated at line ends")
        return Extraction(pieces, layout, tuple(notes))
