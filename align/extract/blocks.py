"""What every reader returns, and how a document's text is made from it.

A reader turns its input (wrapped plain text, HTML, DOCX, PDF, Markdown) into a list of
:class:`Piece`\\ s, in reading order: the kind of block, its text, and where it stands in
the reader's own input when that input is text. :func:`assemble` then lays the pieces
out as one text, a blank line between two blocks, and records each block's span in it.

Why one text with blank lines rather than a list of strings: every later stage (the
segmenter, the search's paragraph hints, exporters, the wire-copy finder) already works
on a text with character spans, and a line break there is a hard sentence boundary and a
paragraph break. The extracted text is also a readable plain-text document in its own
right: read again with ``--layout paragraphs`` it gives the same blocks.

The text of a prose block (heading, paragraph, item, cell, quote) is one line: readers
join wrapped lines with one space. Code and table blocks keep their lines, each of which
is a unit of its own (:data:`~align.types.UNIT_KINDS`).

Example::

    >>> text, blocks = assemble([Piece("heading", "Title"), Piece("paragraph", "One. Two.")])
    >>> text
    'Title\\n\\nOne. Two.'
    >>> [(b.kind, text[b.start:b.end]) for b in blocks]
    [('heading', 'Title'), ('paragraph', 'One. Two.')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from align.types import BLOCK_KINDS, UNIT_KINDS, Block

__all__ = ["BLOCK_SEPARATOR", "Piece", "assemble", "clean_inline"]

#: What stands between two blocks in an extracted text.
BLOCK_SEPARATOR = "\n\n"

# Any run of white space, line breaks included (the Unicode ones too).
_SPACE_RUN = re.compile(r"\s+")
# Characters that never belong in extracted text: controls other than tab and newline,
# and the soft hyphen (an invisible hyphenation point, not text).
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u00ad\ufeff]")


@dataclass(frozen=True, slots=True)
class Piece:
    """One block as a reader found it: its kind, its text, and its span in the reader's
    input (None when the input is not text)."""

    kind: str
    text: str
    source: tuple[int, int] | None = None


def clean_inline(text: str) -> str:
    """The text of a prose block as one line: invisible characters dropped, every run of
    white space (line breaks, tabs, the padding of justified lines) made one space."""
    return _SPACE_RUN.sub(" ", _INVISIBLE.sub("", text)).strip()


def _clean_lines(text: str) -> str:
    """The text of a code or table block: its lines kept, trailing spaces and blank lines
    at either end dropped, invisible characters dropped, tabs kept."""
    lines = [line.rstrip() for line in _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(line for line in lines if line.strip())


def assemble(pieces: list[Piece]) -> tuple[str, tuple[Block, ...]]:
    """The extracted text of ``pieces`` and its blocks; empty pieces are dropped.

    Prose pieces are made one line (:func:`clean_inline`); code and table pieces keep their
    non-blank lines. Raises ValueError for an unknown kind (a reader's bug, not the user's).
    """
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for piece in pieces:
        if piece.kind not in BLOCK_KINDS:
            raise ValueError(f"unknown block kind {piece.kind!r}; known: {', '.join(BLOCK_KINDS)}")
        text = _clean_lines(piece.text) if piece.kind in UNIT_KINDS else clean_inline(piece.text)
        if not text:
            continue
        if parts:
            parts.append(BLOCK_SEPARATOR)
            pos += len(BLOCK_SEPARATOR)
        parts.append(text)
        blocks.append(Block(piece.kind, pos, pos + len(text), piece.source))
        pos += len(text)
    return "".join(parts), tuple(blocks)
