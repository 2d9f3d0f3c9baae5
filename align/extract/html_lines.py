"""Line breaks (``<br>``) in HTML blocks, and the furniture of manuals rendered by groff.

A ``<br>`` is a forced line break, and what it means depends on the lines it makes:

- In a page that **groff** rendered (``groff -Thtml``, ``man -Thtml``), every ``<br>`` is an
  explicit break: groff leaves filling to the browser and writes ``<br>`` only where the
  manual breaks a line itself, that is at ``.br`` and at every line of a no-fill block
  (``.nf``/``.EX``: configuration snippets, field lists, synopses, tables set by hand).
  The text rendering of the same page puts each of those lines on a line of its own, so
  each becomes a block of its own here, as it does there.
- Elsewhere, a run of **several short lines** (at least :data:`_MIN_LINES`, each line that
  a ``<br>`` ends shorter than :data:`_SHORT_LINE` characters) is an address, a poem, a
  list of fields or a snippet set line by line: its lines are kept apart, one block each.
  Longer lines are prose wrapped with ``<br>`` as a text file wraps with newlines (mail and
  editors wrap at 70-80 columns, so such lines are longer than that, but for the last),
  and the ``<br>`` joins them as a space.
- A first line that is all emphasis (bold, possibly with italics, no plain text) and is
  followed by more text is a **heading**: ``<p><b>Hints</b><br>The security of…</p>`` is
  how groff writes a ``.SS``-like run-in heading and how many pages write a small title.
- An empty line (two ``<br>`` with nothing between) is a paragraph break, as a blank line
  is in text.

groff lays out an mdoc option list (``.It Fl c``) as a paragraph holding only the
option, then its indented description, where its text rendering puts a short option
on the first line of its description (``-c      Indicates that…``) and a longer one
(``-E fingerprint_hash``) on a line of its own. :func:`join_option_tags` joins the
short ones to their description, so that both renderings give the same blocks (man(7)
``.TP`` lists come as table rows, read as one line already).

groff also writes furniture that the text rendering does not have in the page body: a
table of contents (links to the page's own section anchors, one per line, before the
first ``<hr>``). :func:`groff_contents` finds it so that the reader leaves it out. The page
title (``<h1>``) stays: it is the manual's name, real text.
"""

from __future__ import annotations

import re
from typing import Any

from align.extract.blocks import Piece, clean_inline

__all__ = ["BOLD", "BOLD_TAGS", "BREAK", "EMPHASIS_TAGS", "ITALIC", "PLAIN", "groff_contents", "join_option_tags",
           "looks_like_manual", "run_pieces"]


class _Mark:
    """A marker in a walker's run of text (never text itself)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


#: A ``<br>`` in a block of running text.
BREAK = _Mark("br")
#: The text that follows is plain (outside ``b``/``strong``/``i``/``em``).
PLAIN = _Mark("plain")
#: The text that follows is bold (inside ``b``/``strong``).
BOLD = _Mark("bold")
#: The text that follows is emphasis but not bold (inside ``i``/``em`` only).
ITALIC = _Mark("italic")

#: Elements whose text is emphasis for the heading rule, and those of them that are bold.
EMPHASIS_TAGS = frozenset({"b", "strong", "i", "em"})
BOLD_TAGS = frozenset({"b", "strong"})

# Markup that only frames the page, never the text: a page with it is a designed site.
_ARTICLE_MARKUP = ("article", "main")
# A run of at least this many lines, each ended by a <br> shorter than _SHORT_LINE
# characters, keeps its lines apart (see the module docstring).
_MIN_LINES = 3
_SHORT_LINE = 50


class _Line:
    __slots__ = ("bold", "plain", "text")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.plain = False
        self.bold = False

    def clean(self) -> str:
        return clean_inline("".join(self.text))


def _lines(run: list[Any]) -> list[_Line]:
    lines = [_Line()]
    state: _Mark = PLAIN
    for item in run:
        if item is BREAK:
            lines.append(_Line())
        elif isinstance(item, _Mark):
            state = item
        else:
            if item.strip():
                lines[-1].plain |= state is PLAIN
                lines[-1].bold |= state is BOLD
            lines[-1].text.append(item)
    return lines


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    """The lines cut at empty lines between text (a blank line is a paragraph break);
    empty lines at either end are dropped."""
    out: list[list[_Line]] = [[]]
    for line in lines:
        if line.clean():
            out[-1].append(line)
        elif out[-1]:
            out.append([])
    return [group for group in out if group]


def _kept_apart(lines: list[_Line]) -> bool:
    """A run of several short lines: an address, a poem, fields, a snippet."""
    ended = lines[:-1]
    return len(lines) >= _MIN_LINES and all(len(line.clean()) < _SHORT_LINE for line in ended)


def run_pieces(run: list[Any], kind: str, every_break: bool) -> list[Piece]:
    """The pieces of one stretch of a block's text, ``run`` being its text with the
    :data:`BREAK` and emphasis markers in it; ``every_break``: each ``<br>`` keeps its
    lines apart (a page groff rendered)."""
    if not any(item is BREAK for item in run):
        text = "".join(item for item in run if isinstance(item, str))
        return [Piece(kind, text)] if text.strip() else []
    out: list[Piece] = []
    for group in _paragraphs(_lines(run)):
        first = group[0]
        if len(group) > 1 and first.bold and not first.plain:
            out.append(Piece("heading", first.clean()))
            group = group[1:]
        if every_break or _kept_apart(group):
            out.extend(Piece(kind, line.clean()) for line in group)
        else:
            out.append(Piece(kind, " ".join(line.clean() for line in group)))
    return out


def looks_like_manual(root: Any) -> bool:
    """A page rendered from a manual by groff (``groff -Thtml``, ``man -Thtml``): its
    generator says so and it has no ``<article>`` or ``<main>``.

    Such pages are read keep-all even in article mode: on Debian's man pages (German
    from manpages-de and their English originals) trafilatura drops every section
    heading (NAME, BESCHREIBUNG, OPTIONEN) and whole option lists, while every block is
    real text (see the measurements in the commit that introduced this).
    """
    generator = " ".join(m.get("content") or "" for m in root.iter("meta")
                         if (m.get("name") or "").lower() == "generator").lower()
    if "groff" not in generator:
        return False
    return not any(next(root.iter(tag), None) is not None for tag in _ARTICLE_MARKUP)


def groff_contents(root: Any) -> list[Any]:
    """The table of contents groff writes at the top of the body (links to the page's
    own ``#anchors`` with ``<br>`` between them, after the title and before the first
    ``<hr>``), or an empty list when the top of the body is anything else."""
    body = next(root.iter("body"), None)
    if body is None or clean_inline(body.text or ""):
        return []
    found: list[Any] = []
    for el in body:
        if not isinstance(el.tag, str):
            continue
        if el.tag == "hr":
            return found if any(e.tag == "a" for e in found) else []
        if clean_inline(el.tail or ""):
            return []
        if el.tag == "br" or (el.tag == "a" and (el.get("href") or "").startswith("#")):
            found.append(el)
        elif el.tag != "h1":
            return []
    return []


# An option alone in a paragraph, short enough to share its description's first line in
# the text rendering (the indent of an mdoc/man tag list is 6 to 8 characters).
_OPTION_TAG = re.compile(r"[-+][^\s]{1,5}")


def _style_indented(el: Any) -> bool:
    return "margin-left" in (el.get("style") or "")


def _only_emphasis(el: Any) -> bool:
    """All of ``el``'s text is inside ``b``/``i``/``strong``/``em`` children."""
    if clean_inline(el.text or ""):
        return False
    return all(isinstance(c.tag, str) and c.tag in EMPHASIS_TAGS and not clean_inline(c.tail or "") for c in el)


def join_option_tags(root: Any) -> int:
    """Join, in place, each short option tag paragraph of a page groff rendered to the
    indented description that follows it (module docstring); the number joined.

    A tag paragraph is a ``<p>`` that is not indented, whose whole text is emphasis and an
    option of at most six characters (``-c``, ``-D``, ``+x``), directly followed by an
    indented ``<p>``. Its text moves to the start of the description as bold text; the
    empty tag paragraph is removed (its tail kept).
    """
    joined = 0
    for p in [el for el in root.iter("p")]:
        desc = p.getnext()
        if desc is None or desc.tag != "p" or not _style_indented(desc) or _style_indented(p):
            continue
        if clean_inline(p.tail or "") or not _only_emphasis(p):
            continue
        tag = clean_inline("".join(p.itertext()))
        if not _OPTION_TAG.fullmatch(tag):
            continue
        bold = desc.makeelement("b", {})
        bold.text, bold.tail = tag, " " + (desc.text or "")
        desc.text = None
        desc.insert(0, bold)
        parent = p.getparent()
        if parent is None:
            continue
        prev = p.getprevious()
        if p.tail:
            if prev is not None:
                prev.tail = (prev.tail or "") + p.tail
            else:
                parent.text = (parent.text or "") + p.tail
        parent.remove(p)
        joined += 1
    return joined
