"""Plain text: which line breaks are boundaries, and which only wrap a paragraph.

News files, subtitles and corpora put one paragraph (or sentence) per line: every line
break is a boundary (layout ``lines``, what align always did). Man pages, ``.txt``
exports, e-mail and PDF text are hard-wrapped: a paragraph runs over several lines, and
treating each break as a boundary cuts sentences into fragments that are useless in a
translation memory ("APT wird die" / "APT will examine"). Three layouts join lines:

- ``paragraphs``: blank lines separate paragraphs; the lines between them are joined
  (list items, table and code lines still stand apart);
- ``wrapped``: line by line, as a reader would: a break is kept where the next line is
  indented differently, starts a list item, or is a heading, table or code line, and
  where the line ended early (the next line's first word would have fitted, so the
  writer broke it on purpose); it is joined where it was forced by the width;
- ``auto`` (the default) picks ``wrapped`` or ``lines`` for each document from its
  line-length statistics (:func:`choose_layout`): a document is wrapped when most breaks
  between two lines of prose are forced by a common width.

Joined lines lose their line-end hyphenation where the hyphen only split a word
(:func:`join_hyphenated`). The decision and its figures are returned with the pieces, so
that the command line can say which layout it chose and why.

Example::

    >>> text = "A long paragraph that a writer wrapped at\\nforty characters. It goes on and on\\nuntil it ends here.\\n"
    >>> choose_layout(split_lines(text)).layout
    'lines'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from align.extract.blocks import Piece
from align.extract.hyphen import join_hyphenated, word_counts

__all__ = ["LAYOUTS", "Layout", "Line", "choose_layout", "read_plain", "split_lines"]

#: The layouts a plain text can be read in (``--layout``).
LAYOUTS = ("auto", "lines", "paragraphs", "wrapped")

_LINE = re.compile(r"[^\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]*")
# A list item's marker: bullets, "1." "1)" "(a)" "a)" "iv." followed by a space.
_ITEM = re.compile(r"(?:[-*+•◦▪‣–—·]|\(?(?:\d{1,3}|[a-zA-Z]|[ivxlc]{1,5})[.)])\s+(?=\S)")
# A numbered heading: "1.1", "1.1.2" or "1.1.2." then a title without a final full stop
# ("2. Title" reads as a list item: a block of its own all the same).
_NUMBERED = re.compile(r"\d{1,3}(?:\.\d{1,3})+\.?\s+\S.*")
# Table borders: lines of box-drawing characters or ASCII rules (+---+, |===|, -----).
_BORDER = re.compile(r"[\s+|=\-_:─━│┃┌┐└┘├┤┬┴┼═║╔╗╚╝╠╣╦╩╬]{3,}")
_BOX = re.compile(r"[│┃┌┐└┘├┤┬┴┼═║╔╗╚╝╠╣╦╩╬]")
# Columns set apart by runs of spaces: two gaps of four or more inside one line.
_COLUMN_GAP = re.compile(r"\S {4,}(?=\S)")
# A shell prompt or a comment sign starting a command line.
_PROMPT = re.compile(r"(?:[$%#>]|\w+@[\w.-]+:\S*[$#])\s+\S")
_CODE_CHARS = frozenset("{}[]()<>=;$|&\\/#*_~^`@")
# A sentence's end: final punctuation, then closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?…:;][\"'»«“”„‘’›‹)\]]*$")
# How full a line must be, as a share of the width, to count as wrapped when the next
# word would have fitted (writers who wrap by an optimal-fit program, like fmt, or by
# hand, leave lines a little short of the width). Not in justified text, whose wrapped
# lines all end at the width (:func:`_justified`).
_NEAR_FULL = 0.8
# A record's field name at the start of a line: "Package: *", "Reverse Depends:",
# "compressed size: 1234" (mail headers, Debian control files, apt preferences, a
# program's field list): one to three words, the last ending in a colon, then a space or
# the line's end.
_FIELD = re.compile(r"(?:[^\W\d][\w&/.-]*[ \t]){0,2}[^\W\d][\w&/.-]*:(?:[ \t]|$)")
# A pipe table row's cell separators: bars outside brackets and braces (a synopsis's
# "[{=version | /release}]" alternatives are no cells).
_BRACKETED = re.compile(r"\[[^\[\]]*\]|\{[^{}]*\}")
# auto: the share of breaks between lines of prose that must be forced by the width,
# and how many there must be at least, to read a document as wrapped.
_WRAPPED_SHARE = 0.5
_WRAPPED_MIN = 3
# Wider than this, lines are not a wrapping width but paragraphs (one per line); narrower
# than the minimum, they are verse or a column of words.
_MAX_WRAP_WIDTH = 200
_MIN_WRAP_WIDTH = 25


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the text: its span without the line terminator, and its layout."""

    start: int
    end: int
    text: str  # the line without trailing white space
    indent: int  # leading white space, tabs counted as up to the next multiple of 8

    @property
    def body(self) -> str:
        return self.text.strip()

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def width(self) -> int:
        return self.indent + len(self.body)


@dataclass(frozen=True, slots=True)
class Layout:
    """How a plain text's lines are read, and the figures the choice was made on."""

    layout: str  # "lines", "paragraphs" or "wrapped"
    width: int = 0  # the wrapping width found (characters), 0 when none
    forced: int = 0  # breaks between lines of prose that the width forced
    breaks: int = 0  # breaks between lines of prose in all
    chosen: bool = False  # picked by auto rather than asked for

    def worth_saying(self) -> bool:
        """Whether a user should hear what ``auto`` chose: when it joined lines, or when it
        kept them although several breaks looked wrapped (a choice worth checking).
        Nothing is said for a file with no line to join (one paragraph per line between
        blank lines), so the common case stays quiet."""
        return self.chosen and (self.layout != "lines" or self.forced >= _WRAPPED_MIN)

    def describe(self) -> str:
        """One phrase for the command line's note."""
        how = "auto: " if self.chosen else ""
        if self.layout == "wrapped":
            return (f"{how}hard-wrapped text (width {self.width}; {self.forced} of {self.breaks} line breaks "
                    "inside paragraphs forced by the width): lines joined into paragraphs")
        if self.layout == "paragraphs":
            return f"{how}paragraphs separated by blank lines"
        return (f"{how}every line break is a boundary ({self.forced} of {self.breaks} line breaks look wrapped, "
                "too few to join lines; --layout wrapped joins them)")


def _indent(text: str) -> int:
    col = 0
    for ch in text:
        if ch == "\t":
            col = (col // 8 + 1) * 8
        elif ch.isspace():
            col += 1
        else:
            break
    return col


def split_lines(text: str) -> list[Line]:
    """Every line of ``text`` (``\\r\\n``, ``\\n``, ``\\r`` and the Unicode breaks end one)."""
    lines: list[Line] = []
    pos = 0
    n = len(text)
    while pos <= n:
        m = _LINE.match(text, pos)
        end = m.end()
        raw = text[pos:end]
        lines.append(Line(pos, pos + len(raw.rstrip()), raw.rstrip(), _indent(raw)))
        if end >= n:
            break
        pos = end + (2 if text.startswith("\r\n", end) else 1)
    return lines


def _first_word(line: Line) -> int:
    body = line.body
    space = body.find(" ")
    return len(body) if space < 0 else space


def is_item(line: Line) -> bool:
    """The line starts a list item (a bullet or an enumerator, then a space)."""
    return bool(_ITEM.match(line.body))


def _pipe_row(body: str) -> bool:
    """A row of pipe-table cells: starts with a bar and has at least two cells, i.e. three
    bars outside brackets ("| Name | Wert |"). A synopsis's continuation line
    ("| source pkg [{=version | /release}]... |") starts with a bar too, but its other bars
    separate alternatives inside brackets: one "cell", no table."""
    if not body.startswith("|"):
        return False
    flat = body
    while True:
        shorter = _BRACKETED.sub("", flat)
        if shorter == flat:
            break
        flat = shorter
    return flat.count("|") >= 3


def is_table(line: Line, justified_width: int = 0) -> bool:
    """A table border, a row of boxed cells, or columns set apart by long runs of spaces.
    ``justified_width``: the text is justified at this width, so a line exactly that wide
    owes its runs of spaces to justification ("Allgemeine      Hilfe      zur"), not to
    columns."""
    body = line.body
    if _BORDER.fullmatch(body) and any(ch in body for ch in "-=_─━═+|"):
        return True
    if _BOX.search(body) or _pipe_row(body):
        return True
    return len(_COLUMN_GAP.findall(body)) >= 2 and not (justified_width and line.width == justified_width)


def is_field(line: Line) -> bool:
    """The line starts with a record's field name ("Package: *", "Reverse Depends:")."""
    return bool(_FIELD.match(line.body))


def is_code(line: Line) -> bool:
    """A command at a prompt, or a line made mostly of code's punctuation."""
    body = line.body
    if _PROMPT.match(body) and not _ITEM.match(body):
        return True
    if len(body) < 8:
        return False
    dense = sum(map(body.count, _CODE_CHARS))  # one C-speed pass per character: a 50 MB line takes 0.2 s
    return dense >= 0.2 * (len(body) - body.count(" ")) and not _SENTENCE_END.search(body)


def is_heading(line: Line, before: Line | None, after: Line | None, width: int) -> bool:
    """A short line standing alone: a numbered title, an all-capitals title (a man page's
    NAME, BESCHREIBUNG), or a short line without final punctuation between blank lines or
    set off by its indentation."""
    body = line.body
    if not body or len(body) > max(20, width // 2) or _SENTENCE_END.search(body) or body.endswith(","):
        return False
    if _NUMBERED.fullmatch(body) and not body.endswith("."):
        return True
    letters = [ch for ch in body if ch.isalpha()]
    if len(letters) >= 3 and all(ch.isupper() for ch in letters):
        return True
    alone_before = before is None or before.blank or before.indent != line.indent
    alone_after = after is None or after.blank or after.indent != line.indent
    return alone_before and alone_after


def _wrap_width(lines: list[Line]) -> int:
    """The width the text was wrapped at: the second-longest (or, in long texts, the
    longest but 2%) of the lines that another line follows, so that one overlong line (a
    URL that could not be broken) does not set it."""
    widths = sorted(a.width for a, b in zip(lines, lines[1:]) if not a.blank and not b.blank)
    if not widths:
        return 0
    return widths[-1 - min(len(widths) - 1, max(1, len(widths) // 50))] if len(widths) > 2 else widths[-1]


def _forced(line: Line, after: Line, width: int) -> bool:
    """The next line's first word would not have fitted on this line."""
    return line.width + 1 + _first_word(after) > width


def _justified(lines: list[Line], width: int) -> bool:
    """The text is justified: most lines that the width broke in mid-sentence end exactly
    at the width (a formatter that justifies pads every wrapped line to it, as ``man``
    does for many pages; ragged text ends only about one line in a word's length there).
    Then a line short of the width ended where the writer broke it: a line of a no-fill
    block (an example, a field list), however long."""
    forced = [a for a, b in zip(lines, lines[1:])
              if _prose_pair(a, b) and _forced(a, b, width) and not _SENTENCE_END.search(a.body)]
    return len(forced) >= _WRAPPED_MIN and sum(a.width == width for a in forced) > 0.5 * len(forced)


def _prose_pair(a: Line, b: Line) -> bool:
    """Two consecutive lines that could be one paragraph: same indentation, neither a
    list item start (for the second), table or code line."""
    return (not a.blank and not b.blank and a.indent == b.indent and not is_item(b)
            and not is_table(a) and not is_table(b) and not is_code(a) and not is_code(b))


def choose_layout(lines: list[Line]) -> Layout:
    """``wrapped`` when most breaks between two lines of prose fall in mid-sentence where
    the next word would not have fitted (at least :data:`_WRAPPED_MIN` of them), else
    ``lines``.

    Wrapped text gives runs of lines that end where the next word would not fit, mostly
    in the middle of a sentence. One paragraph or one sentence per line gives lines that
    end a sentence (however equal their lengths), few breaks between non-blank lines, or
    breaks after lines of every length; a poem's lines end early. The width must be one a
    writer wraps at (between :data:`_MIN_WRAP_WIDTH` and :data:`_MAX_WRAP_WIDTH`).
    """
    width = _wrap_width(lines)
    pairs = [(a, b) for a, b in zip(lines, lines[1:]) if _prose_pair(a, b)]
    forced = sum(_forced(a, b, width) and not _SENTENCE_END.search(a.body) for a, b in pairs)
    wrapped = (_MIN_WRAP_WIDTH <= width <= _MAX_WRAP_WIDTH and forced >= _WRAPPED_MIN
               and forced >= _WRAPPED_SHARE * len(pairs))
    return Layout("wrapped" if wrapped else "lines", width, forced, len(pairs), chosen=True)


def _joins(a: Line, b: Line, width: int, item_column: int | None, first: bool, justified: bool = False) -> bool:
    """Whether the break between ``a`` and ``b`` only wraps a paragraph (wrapped layout).

    A line that looks like code (a command's synopsis full of brackets and bars) still
    continues the paragraph when the width forced the break in mid-sentence: a wrapped
    synopsis is one unit, not one per line. Table lines never join, nor two lines that
    both start with a field name (records: "Package: *" / "Pin: release a=stable"); in
    ``justified`` text only a line the width forced or filled continues on the next.
    """
    full = width if justified else 0
    if b.blank or a.blank or is_table(a, full) or is_table(b, full) or (is_field(a) and is_field(b)):
        return False
    forced = _forced(a, b, width)
    if (is_code(a) or is_code(b) or is_item(b)) and not (forced and not _SENTENCE_END.search(a.body)):
        return False
    if b.indent != a.indent:
        hanging = item_column is not None and b.indent == item_column
        # a paragraph's first line set off: indented (books) or hanging (a man page's synopsis)
        first_line = first and forced and (b.indent < a.indent <= b.indent + 8 or a.indent < b.indent)
        if not (hanging or first_line):
            return False
    if forced or (justified and a.width >= width):
        return True
    return not justified and a.width >= _NEAR_FULL * width and not _SENTENCE_END.search(a.body)


def _wraps_on(line: Line, after: Line | None, width: int) -> bool:
    """A line the width broke in mid-sentence, continued on the next line at the same or a
    deeper indentation: prose, however much it looks like code (a wrapped synopsis)."""
    return (after is not None and not after.blank and after.indent >= line.indent and _forced(line, after, width)
            and not _SENTENCE_END.search(line.body))


def _continues(a: Line, b: Line, width: int) -> bool:
    """``b`` starts like a list item ("10. Juli", "- und") but only continues ``a``: the
    width forced the break in the middle of a sentence."""
    return _forced(a, b, width) and not _SENTENCE_END.search(a.body)


def _item_column(line: Line) -> int:
    """Where an item's text starts (its continuation lines are indented to it)."""
    m = _ITEM.match(line.body)
    return line.indent + (m.end() if m else 0)


def _group(lines: list[Line], layout: str, width: int) -> list[tuple[str, list[Line]]]:
    """The lines, grouped into blocks: ``(kind, lines)``."""
    groups: list[tuple[str, list[Line]]] = []
    current: list[Line] = []
    kind = "paragraph"
    item_column: int | None = None
    justified = layout == "wrapped" and _justified(lines, width)

    def close() -> None:
        nonlocal current
        if current:
            groups.append((kind, current))
        current = []

    for i, line in enumerate(lines):
        if line.blank:
            close()
            continue
        before = lines[i - 1] if i else None
        after = lines[i + 1] if i + 1 < len(lines) else None
        unit = "table" if is_table(line, width if justified else 0) else "code" if is_code(line) and not _wraps_on(line, after, width) else None
        if current and kind in ("paragraph", "item", "heading") and unit != "table":
            if layout == "paragraphs":
                joins = kind != "heading" and unit is None and (
                    not is_item(line) or _continues(current[-1], line, width))
            else:
                joins = kind != "heading" and _joins(current[-1], line, width, item_column, len(current) == 1,
                                                    justified)
            if joins:
                current.append(line)
                continue
        if unit:
            if not (current and kind == unit):
                close()
                kind = unit
            current.append(line)
            continue
        close()
        if is_item(line):
            kind, item_column = "item", _item_column(line)
        elif is_heading(line, before, after, width or 80):
            kind, item_column = "heading", None
        else:
            kind, item_column = "paragraph", None
        current.append(line)
    close()
    return groups


_CELL_BAR = frozenset("│┃║|")


def _box_rows(group: list[Line], counts) -> list[str]:
    """A table's lines, a box row's lines made one: where a cell's text runs over several
    lines (``tbl`` wraps a long cell, and rows are separated by ``├──┼──┤`` borders), the
    lines between two borders whose bars stand in the same columns are one row, each cell's
    pieces joined as a paragraph's lines are ("│OnBootSec= │ Defines a timer relative to
    when the machine was booted up. │"). Borders and rows whose bars do not line up stay
    as they are: without the column positions the cells cannot be told apart."""
    out: list[str] = []
    row: list[str] = []

    def bars(text: str) -> tuple[int, ...]:
        return tuple(i for i, ch in enumerate(text) if ch in _CELL_BAR)

    def flush() -> None:
        if len(row) > 1 and len({bars(t) for t in row}) == 1 and len(bars(row[0])) >= 2:
            cuts = bars(row[0])
            width = max(len(t) for t in row)
            texts = [t.ljust(width) for t in row]
            cells = []
            for left, right in zip((-1, *cuts), (*cuts, width)):
                parts = [t[left + 1:right] for t in texts]
                words = [part.strip() for part in parts if part.strip()]
                if not words:
                    cells.append(parts[0].rstrip() and parts[0])
                    continue
                lead = parts[0][:len(parts[0]) - len(parts[0].lstrip())] if parts[0].strip() else ""
                cells.append(lead + join_hyphenated(words, counts) + (" " if right < width and parts[0].endswith(" ") else ""))
            first = texts[0]
            out.append("".join(cell + (first[cut] if cut < width else "") for cell, cut in zip(cells, (*cuts, width))).rstrip())
        else:
            out.extend(row)
        row.clear()

    for line in group:
        if _BORDER.fullmatch(line.body) or not _BOX.search(line.body):
            flush()
            out.append(line.text)
        else:
            row.append(line.text)
    flush()
    return out


def read_plain(text: str, layout: str = "auto", typeset: bool = False) -> tuple[Layout, list[Piece]]:
    """Read a decoded plain text in ``layout`` (one of :data:`LAYOUTS`); ``typeset``: the
    lines were set by a typesetter (a PDF's text layer), so line-end hyphens are joined as
    :func:`~align.extract.hyphen.join_hyphenated` does for typeset text.

    Returns the layout used (``auto`` resolved, with its figures) and the blocks; for the
    ``lines`` layout the list of blocks is empty: the text is used as it stands, every
    line break a boundary, exactly as before this reader existed.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}")
    lines = split_lines(text)
    if layout == "auto":
        chosen = choose_layout(lines)
    else:
        width = _wrap_width(lines)
        chosen = Layout(layout, width)
    if chosen.layout == "lines":
        return chosen, []
    counts = word_counts(text)
    pieces = []
    for kind, group in _group(lines, chosen.layout, chosen.width):
        if kind == "table":
            body = "\n".join(_box_rows(group, counts))
        elif kind == "code":
            body = "\n".join(line.text for line in group)
        else:
            body = join_hyphenated([line.body for line in group], counts, typeset)
        pieces.append(Piece(kind, body, (group[0].start, group[-1].end)))
    return chosen, pieces
