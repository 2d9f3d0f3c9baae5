"""WordprocessingML (the XML inside a ``.docx``): a body's paragraphs and table cells as
blocks, in reading order (:class:`align.extract.docx.DocxReader` opens the file).

The body is walked in document order, element by element, because a document's tables
stand between its paragraphs (``doc.paragraphs`` then ``doc.tables`` would move every
table to the end). Each paragraph's kind comes from its style: headings (``Heading N``,
``Title``, ``Subtitle`` or an outline level), list items (``List ...`` styles or
numbering), quotes (``Quote`` styles), code (a code or preformatted style, or every run
in a monospace font); the rest are paragraphs. Each paragraph of a table cell is a
``cell`` block (a paragraph break is a boundary in a cell too), cells in row order,
nested tables where they stand, a cell merged over several rows or columns once.

The text is read from the XML, not from python-docx's ``paragraph.text``, because the
document must read as it would with its tracked changes accepted: inserted text
(``w:ins``) kept, deleted text (``w:del``, ``w:moveFrom``) dropped, a deleted paragraph
mark joining two paragraphs. Field codes (``PAGE``, ``HYPERLINK ...``) and hidden text
are not text; field results are. Manual line breaks and tabs are spaces in prose (a
writer's forced break is not a sentence boundary) and kept in code. Text boxes and
content controls (``w:sdt``) in the body are read where they stand (a text box's
paragraphs after the paragraph that anchors it; a drawing's fallback copy for old Word
versions is skipped, so a text box is read once).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from align.extract.blocks import Piece

__all__ = ["W", "count_paragraphs", "read_body", "w"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"


def w(tag: str) -> str:
    """``tag`` in the WordprocessingML namespace, as lxml spells it."""
    return f"{{{W}}}{tag}"

_VAL = w("val")
# Elements whose content is never text of the document as it reads.
_SKIP = frozenset(w(tag) for tag in (
    "del", "moveFrom", "delText", "instrText", "delInstrText", "rPr", "pPr", "tblPr", "trPr", "tcPr",
    "footnoteReference", "endnoteReference", "commentReference", "annotationRef", "sym", "softHyphen",
    "fldData", "sectPr", "proofErr", "bookmarkStart", "bookmarkEnd", "commentRangeStart",
    "commentRangeEnd", "lastRenderedPageBreak", "sdtPr", "sdtEndPr",
))
_BREAKS = frozenset(w(tag) for tag in ("br", "cr"))
_TABS = frozenset(w(tag) for tag in ("tab", "ptab"))

# Style names (lower case, as styles.xml stores the built-in ones) by kind.
_HEADING_STYLE = re.compile(r"(?:heading(?: \d)?|title|subtitle)")
_QUOTE_STYLE = re.compile(r".*\b(?:quote|quotations?)\b.*")
_CODE_STYLE = re.compile(r".*\b(?:code|source|preformatted|macro text|listing)\b.*")
_MONOSPACE = re.compile(r"courier|consolas|menlo|monaco|lucida console|lucida sans typewriter|\bmono\b|"
                        r"monospace|source code|fira code|cascadia|inconsolata|andale mono|letter gothic|"
                        r"ocr[- ]?a|fixedsys|\bcode\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Style:
    """What a paragraph or character style says about kind and font."""

    name: str  # lower case
    based_on: str | None
    numbered: bool | None  # numPr with a numId other than 0 (None: says nothing)
    outline: int | None  # outline level 0-8 (9 is body text)
    font: str | None


def _attr(el: Any, path: str, attr: str = _VAL) -> str | None:
    """``attr`` of the first element at ``path`` (namespaced ``w:`` steps) under ``el``."""
    found = el.find(path, {"w": W}) if el is not None else None
    return None if found is None else found.get(attr)


def _numbered(ppr: Any) -> bool | None:
    if ppr is None:
        return None
    num = ppr.find(w("numPr"))
    if num is None:
        return None
    num_id = _attr(num, "w:numId")
    return num_id not in (None, "0")


def _outline(ppr: Any) -> int | None:
    level = _attr(ppr, "w:outlineLvl")
    try:
        return int(level) if level is not None else None
    except ValueError:
        return None


def _font(rpr: Any) -> str | None:
    fonts = rpr.find(w("rFonts")) if rpr is not None else None
    if fonts is None:
        return None
    return fonts.get(w("ascii")) or fonts.get(w("hAnsi")) or fonts.get(w("cs"))


class _Styles:
    """The document's styles, by id, with their chains of ``basedOn``."""

    def __init__(self, root: Any) -> None:
        self.styles: dict[str, _Style] = {}
        self.default_paragraph: str | None = None
        self.default_font: str | None = None
        if root is None:
            return
        defaults = root.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
        self.default_font = _font(defaults)
        for style in root.iter(w("style")):
            sid = style.get(w("styleId"))
            if not sid:
                continue
            ppr = style.find(w("pPr"))
            self.styles[sid] = _Style(
                name=(_attr(style, "w:name") or sid).lower(),
                based_on=_attr(style, "w:basedOn"),
                numbered=_numbered(ppr),
                outline=_outline(ppr),
                font=_font(style.find(w("rPr"))),
            )
            if style.get(w("type")) == "paragraph" and style.get(w("default")) in ("1", "true", "on"):
                self.default_paragraph = sid

    def chain(self, sid: str | None) -> Iterator[_Style]:
        """The style ``sid`` and those it is based on (a loop in a broken file stops)."""
        seen: set[str] = set()
        while sid and sid not in seen and sid in self.styles:
            seen.add(sid)
            style = self.styles[sid]
            yield style
            sid = style.based_on

    def first(self, sid: str | None, field: str) -> Any:
        """The first value of ``field`` that ``sid``'s chain sets."""
        for style in self.chain(sid):
            value = getattr(style, field)
            if value is not None:
                return value
        return None


def _flag_on(el: Any) -> bool:
    """A toggle property (``<w:vanish/>``, ``<w:vanish w:val="false"/>``) is on."""
    return el is not None and el.get(_VAL) not in ("0", "false", "off")


# Elements that only wrap rows, cells or blocks (content controls, custom XML, tracked insertions).
_WRAPPERS = frozenset(w(tag) for tag in ("sdt", "sdtContent", "customXml", "ins", "moveTo", "smartTag"))


def _children(el: Any, tag: str) -> Iterator[Any]:
    """The ``tag`` children of ``el``, looking through wrappers (not into nested tables)."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tag)


class _Walker:
    """Walks a body (or a cell, a text box, a content control) and collects pieces."""

    def __init__(self, styles: _Styles) -> None:
        self.styles = styles
        self.pieces: list[Piece] = []
        self._pending = ""  # text of a paragraph whose mark a tracked change deleted

    # -- blocks --------------------------------------------------------------------

    def blocks(self, container: Any, cell: bool = False) -> None:
        for child in container:
            tag = child.tag
            if tag == w("p"):
                self.paragraph(child, cell)
            elif tag == w("tbl"):
                self.table(child)
            elif tag in _WRAPPERS:
                self.blocks(child, cell)
            # w:del / w:moveFrom (deleted blocks), w:sectPr, w:altChunk: not text

    def table(self, tbl: Any) -> None:
        for row in _children(tbl, w("tr")):
            for tc in _children(row, w("tc")):
                props = tc.find(w("tcPr"))
                vmerge = props.find(w("vMerge")) if props is not None else None
                hmerge = props.find(w("hMerge")) if props is not None else None
                # The continuation of a merged cell is empty in the XML; its text is in the first.
                if vmerge is not None and vmerge.get(_VAL) in (None, "continue"):
                    continue
                if hmerge is not None and hmerge.get(_VAL) in (None, "continue"):
                    continue
                self.blocks(tc, cell=True)

    def paragraph(self, p: Any, cell: bool) -> None:
        ppr = p.find(w("pPr"))
        kind = "cell" if cell else self._kind(p, ppr)
        code = kind == "code"
        parts: list[str] = []
        boxes: list[Any] = []
        self._inline(p, parts, boxes, code)
        text = self._pending + "".join(parts)
        self._pending = ""
        mark = ppr.find(f"{w('rPr')}/{w('del')}") if ppr is not None else None
        if mark is not None:  # the paragraph mark was deleted: it runs on into the next one
            self._pending = text
        else:
            self._add(kind, text)
        for box in boxes:
            self.blocks(box, cell)

    def flush(self) -> None:
        if self._pending:
            self._add("paragraph", self._pending)
            self._pending = ""

    def _add(self, kind: str, text: str) -> None:
        if not text.strip():
            return
        last = self.pieces[-1] if self.pieces else None
        if kind == "code" and last is not None and last.kind == "code":
            self.pieces[-1] = Piece("code", last.text + "\n" + text)
        else:
            self.pieces.append(Piece(kind, text))

    # -- kinds ---------------------------------------------------------------------

    def _kind(self, p: Any, ppr: Any) -> str:
        sid = _attr(ppr, "w:pStyle") or self.styles.default_paragraph
        names = [style.name for style in self.styles.chain(sid)]
        outline = _outline(ppr)
        if outline is None:
            outline = self.styles.first(sid, "outline")
        if any(_HEADING_STYLE.fullmatch(name) for name in names) or (outline is not None and 0 <= outline <= 8):
            return "heading"
        if any(_CODE_STYLE.fullmatch(name) for name in names) or self._monospace(p, sid):
            return "code"
        if any(_QUOTE_STYLE.fullmatch(name) for name in names):
            return "quote"
        numbered = _numbered(ppr)
        if numbered is None:
            numbered = self.styles.first(sid, "numbered")
        if numbered or any(name.startswith("list") for name in names):
            return "item"
        return "paragraph"

    def _monospace(self, p: Any, sid: str | None) -> bool:
        """Every run with text is set in a monospace font (run, character style,
        paragraph style or document default, in that order)."""
        paragraph_font = self.styles.first(sid, "font") or self.styles.default_font
        seen = False
        for run in p.iter(w("r")):
            if not any((t.text or "").strip() for t in run.iter(w("t"))):
                continue
            rpr = run.find(w("rPr"))
            font = _font(rpr) or self.styles.first(_attr(rpr, "w:rStyle"), "font") or paragraph_font
            if not font or not _MONOSPACE.search(font):
                return False
            seen = True
        return seen

    # -- inline content ------------------------------------------------------------

    def _inline(self, el: Any, out: list[str], boxes: list[Any], code: bool) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == w("t") or tag == f"{{{_M}}}t":
                out.append(child.text or "")
            elif tag in _TABS:
                out.append("\t" if code else " ")
            elif tag in _BREAKS:
                out.append("\n" if code else " ")
            elif tag == w("noBreakHyphen"):
                out.append("-")
            elif tag == w("r"):
                if _flag_on(child.find(f"{w('rPr')}/{w('vanish')}")):
                    continue  # hidden text
                self._inline(child, out, boxes, code)
            elif tag == f"{{{_MC}}}AlternateContent":
                choice = child.find(f"{{{_MC}}}Choice")  # the fallback is a copy for old readers
                if choice is not None:
                    self._inline(choice, out, boxes, code)
            elif tag == w("txbxContent"):
                boxes.append(child)
            elif tag == w("p") or tag == w("tbl"):
                boxes.append([child])  # a block inside a paragraph (a malformed file)
            else:  # runs' containers: hyperlinks, fields, content controls, insertions, drawings
                self._inline(child, out, boxes, code)


def count_paragraphs(root: Any) -> int:
    """How many paragraphs under ``root`` hold text."""
    return sum(1 for p in root.iter(w("p")) if "".join(t.text or "" for t in p.iter(w("t"))).strip())


def read_body(body: Any, styles: Any) -> list[Piece]:
    """The blocks of a document's ``w:body`` element, its styles read from the ``w:styles``
    element ``styles`` (None when the document has none)."""
    walker = _Walker(_Styles(styles))
    walker.blocks(body)
    walker.flush()
    return walker.pieces
