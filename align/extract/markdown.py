"""Markdown: the blocks of a ``.md`` file, its markup removed.

A Markdown file is plain text with its structure written in: ``#`` headings, blank-line
paragraphs whose lines are wrapped, ``-``/``1.`` list items, ``>`` quotes, pipe tables,
fenced and indented code. Read as plain text, the markup would end up in the sentences
(``**Achtung**``, ``[the manual](https://...)``) and code would be sentence-split;
read with a real Markdown parser (markdown-it-py, CommonMark with GitHub's tables and
strikethrough) each block becomes a :class:`~align.extract.blocks.Piece`:

- headings, paragraphs, list items (a paragraph in a list item), quotes (a paragraph in
  a ``>`` quote; the innermost container decides), table cells;
- fenced and indented code blocks as ``code``: their lines are kept, each one a unit,
  never sentence-split;
- inline markup removed: emphasis markers go, a link keeps its text, an image goes
  (its alt text is not shown), inline code keeps its text, a line break inside a paragraph joins as a space; character
  references (``&amp;``) are resolved;
- raw HTML blocks are read as HTML (every block, :func:`align.extract.html.keep_all_pieces`),
  inline HTML tags are dropped;
- YAML (``---``) or TOML (``+++``) front matter at the top is metadata, not text: it is
  dropped and a note says so.

Each piece records its span in the file's text (the lines the block came from), so a
block can be traced back to the source.

Example::

    >>> pieces = markdown_pieces("# Titel\\n\\nEin *kurzer*\\nSatz mit [Link](http://x).\\n")
    >>> [(p.kind, p.text) for p in pieces]
    [('heading', 'Titel'), ('paragraph', 'Ein kurzer Satz mit Link.')]
"""

from __future__ import annotations

import re
from typing import Any

from align.errors import InputError
from align.extract.base import Extraction, Reader
from align.extract.blocks import Piece, clean_inline
from align.settings import ReadSettings

__all__ = ["MarkdownReader", "markdown_pieces", "split_front_matter"]

# Front matter: a first line of exactly --- (YAML) or +++ (TOML), up to the same line
# again (YAML may also end with ...).
_FRONT_OPEN = re.compile(r"\A(?:\ufeff)?(---|\+\+\+)[ \t]*\r?\n")
_FRONT_CLOSE = {"---": re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE), "+++": re.compile(r"^\+\+\+[ \t]*\r?$", re.MULTILINE)}

# Containers whose paragraphs take their kind (the innermost one decides).
_CONTAINER_KINDS = {"blockquote_open": "quote", "list_item_open": "item"}
_CONTAINER_CLOSE = {"blockquote_close", "list_item_close"}
# Tokens that open a block whose inline content is one piece, and its kind.
_INLINE_OWNERS = {"heading_open": "heading", "th_open": "cell", "td_open": "cell"}


def split_front_matter(text: str) -> tuple[int, int]:
    """Where the front matter at the top of ``text`` ends and how many lines it has:
    ``(end, lines)``, ``(0, 0)`` when there is none.

    Front matter opens on the very first line with ``---`` or ``+++`` and closes with the
    same line (YAML also with ``...``); without a closing line the ``---`` is a thematic
    break, not front matter.
    """
    opening = _FRONT_OPEN.match(text)
    if not opening:
        return 0, 0
    closing = _FRONT_CLOSE[opening.group(1)].search(text, opening.end())
    if not closing:
        return 0, 0
    end = closing.end()
    if text.startswith("\n", end):
        end += 1
    return end, text.count("\n", 0, end)


def _parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _inline_text(token: Any) -> str:
    """The text of an inline token, its markup removed."""
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")  # a wrapped line, not a boundary
        # emphasis, strikethrough and link markers, inline HTML tags: no text; an image's
        # alt text is not shown on the page (the HTML reader leaves it out too)
    return "".join(parts)


def markdown_pieces(text: str, offset: int = 0) -> list[Piece]:
    """The blocks of the Markdown ``text``, in reading order; ``offset`` is where ``text``
    starts in the file (after the front matter), for the pieces' spans."""
    from align.extract.html import keep_all_pieces, parse_html

    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def span(token: Any) -> tuple[int, int] | None:
        if not token.map:
            return None
        first, last = token.map
        start = line_starts[first] if first < len(line_starts) else len(text)
        end = line_starts[last] if last < len(line_starts) else len(text)
        return offset + start, offset + len(text[:end].rstrip("\n"))

    out: list[Piece] = []
    containers: list[str] = []
    owner: tuple[str, Any] | None = None  # the open heading/cell and its opening token
    for token in _parser().parse(text):
        kind = token.type
        if kind in _CONTAINER_KINDS:
            containers.append(_CONTAINER_KINDS[kind])
        elif kind in _CONTAINER_CLOSE:
            containers.pop()
        elif kind in _INLINE_OWNERS:
            owner = (_INLINE_OWNERS[kind], token)
        elif kind in ("heading_close", "th_close", "td_close"):
            owner = None
        elif kind == "paragraph_open":
            owner = (containers[-1] if containers else "paragraph", token)
        elif kind == "paragraph_close":
            owner = None
        elif kind == "inline" and owner is not None:
            out.append(Piece(owner[0], _inline_text(token), span(owner[1]) or span(token)))
        elif kind in ("fence", "code_block"):
            out.append(Piece("code", token.content, span(token)))
        elif kind == "html_block":
            try:
                html = keep_all_pieces(parse_html(token.content))
            except InputError:  # nothing the parser can read (a lone comment): no text
                continue
            where = span(token)
            out.extend(Piece(p.kind, p.text, where) for p in html)
    return [p for p in out if p.text.strip()]


class MarkdownReader(Reader):
    """Markdown files (``.md``, ``.markdown``)."""

    name = "markdown"
    extensions = (".md", ".markdown")

    def read(self, data: str | bytes, settings: ReadSettings, source: str) -> Extraction:
        assert isinstance(data, str)
        end, lines = split_front_matter(data)
        pieces = [p for p in markdown_pieces(data[end:], end) if clean_inline(p.text)]
        if not pieces:
            raise InputError(f"{source}: no text found in this Markdown file; check that it is the right file")
        notes: tuple[str, ...] = ()
        if lines:
            notes = (f"front matter dropped ({lines} lines of metadata at the top)",)
        return Extraction(pieces, "blocks", notes)
