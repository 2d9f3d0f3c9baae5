"""PDF: the text layer, page by page, as paragraphs.

A PDF's text layer is lines of typeset text placed on pages: no paragraphs, and on every
page the same running header and footer (a title, "Seite 3 von 10") and a page number.
Read line by line, each of those would be a "sentence" of the document, and every
paragraph would be cut at every line end and page break. This reader:

- takes each page's text from pypdf, with the place of each line (its left edge and
  baseline), so that the lines can be laid out again as plain text: indented by their
  left edge and with a blank line where the gap between two lines is wider than the
  page's usual line spacing (a paragraph or heading space);
- drops running headers and footers: lines among the top or bottom lines of a page
  whose text, with numbers made alike ("Seite 3 von 10", "- 3 -", a date), stands at
  the top or bottom of at least half the pages (and of two), and bare page numbers;
- joins the remaining lines into paragraphs with the plain-text reader's ``wrapped``
  layout (:func:`align.extract.plain.read_plain`), pages run together so that a
  paragraph that goes on over a page break is one paragraph, and line-end hyphens
  dropped where they split a word (:func:`align.extract.hyphen.join_hyphenated`, as
  typeset text).

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
# A gap between two lines wider than this many times the usual line spacing is a blank line.
_GAP = 1.4
# One column of the laid-out text, as a share of the body font size (about an average letter).
_COLUMN_EM = 0.5
# A line whose font is this much larger than the body's is a heading; its next line follows
# within this many times its font size.
_HEADING_SIZE = 1.15
_HEADING_LEADING = 1.6
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
    size: float  # font size of its first piece


def _page_lines(page: Any) -> list[_Line]:
    """The lines of one page in the order the text layer gives them (pypdf's own line
    breaks), each with the position of its first piece of text."""
    lines: list[_Line] = []
    parts: list[str] = []
    start: tuple[float, float, float] | None = None

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        nonlocal start
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(cm[3] * tm[3]) or 1.0
        for i, chunk in enumerate(text.split("\n")):
            if i:  # a line ended
                if "".join(parts).strip() and start is not None:
                    lines.append(_Line("".join(parts).strip(), *start))
                parts.clear()
                start = None
            if chunk and start is None and chunk.strip():
                start = (x, y, float(size or 0) * scale)
            parts.append(chunk)

    page.extract_text(visitor_text=visit)
    if "".join(parts).strip() and start is not None:
        lines.append(_Line("".join(parts).strip(), *start))
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


def _lay_out(pages: list[list[_Line]]) -> tuple[str, set[int]]:
    """The pages' lines as one plain text, and where its heading lines start.

    Each line is indented by its left edge (in columns of about a letter's width); a blank
    line stands where the space above a line is wider than the usual line spacing, and
    around headings: lines set in a font clearly larger than the body's, a heading wrapped
    over two lines made one (the plain-text reader counts characters, and a large font's
    line is short in characters however full it is). The pages run together, so that a
    paragraph broken by a page break is joined like any other wrapped line.
    """
    body = [line for lines in pages for line in lines]
    if not body:
        return "", set()
    size = statistics.median(line.size for line in body) or 10.0
    column = size * _COLUMN_EM
    left = min(line.x for line in body)
    steps = [a.y - b.y for lines in pages for a, b in pairwise(lines) if a.y - b.y > 0.5]
    spacing = statistics.median(steps) if steps else size * 1.2
    out: list[str] = []
    headings: set[int] = set()
    pos = 0
    last_heading = False
    for lines in pages:
        for i, line in enumerate(lines):
            above = lines[i - 1] if i else None
            heading = line.size >= _HEADING_SIZE * size
            if (heading and last_heading and above is not None and abs(above.size - line.size) < 0.5
                    and 0 < above.y - line.y <= _HEADING_LEADING * line.size):
                out[-1] += " " + line.text  # the heading's next line
                pos += 1 + len(line.text)
                continue
            gap = above is not None and (above.y - line.y > _GAP * spacing or line.y > above.y + 0.5)
            if out and (gap or heading or last_heading):
                out.append("")  # a paragraph's space, a jump up (a new column, a box), a heading
                pos += 1
            if heading:
                headings.add(pos)
            out.append(" " * max(0, round((line.x - left) / column)) + line.text)
            pos += len(out[-1]) + 1
            last_heading = heading
    return "\n".join(out) + "\n", headings


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
        text, headings = _lay_out(pages)
        layout = "wrapped" if settings.layout == "auto" else settings.layout
        if layout == "lines":  # each line of the text layer a paragraph of its own
            pieces = [Piece("heading" if line.start in headings else "paragraph", line.body)
                      for line in split_lines(text) if not line.blank]
            joined = 0
        else:
            pieces = read_plain(text, layout, typeset=True)[1]
            joined = _hyphens_joined(text, pieces, word_counts(text))
            # the spans are in our layout, not in the file: dropped; large-font lines are headings
            pieces = [Piece("heading" if piece.source and piece.source[0] in headings else piece.kind, piece.text)
                      for piece in pieces]
        notes = []
        if dropped:
            notes.append(f"dropped {dropped} running header/footer and page number lines")
        if joined:
            notes.append(f"joined {joined} words hyphenated at line ends")
        return Extraction(pieces, layout, tuple(notes))
