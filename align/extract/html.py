"""HTML: a saved web article's main text, or every block of an HTML manual.

Two ways to read a page (``ReadSettings.html_keep_all``, ``--html-keep-all``):

- **article** (the default): only the main text. A saved web page is mostly navigation,
  menus, cookie banners, share buttons, related links, comments and footers; aligned
  against the other language's page they give beads of menu items at best and shift
  the alignment at worst. trafilatura (made for exactly this, offline) finds the main
  text; its XML output keeps the block structure (headings, paragraphs, list items,
  table cells, code, quotes), which is mapped to :class:`~align.extract.blocks.Piece`\\ s.
  A note says how many of the page's blocks were left out as boilerplate. When it finds
  (almost) no main text, the page is not an article: every block is kept and a note
  says so.
- **keep-all**: every block-level element in document order, for manuals where every
  block counts: ``h1``-``h6`` headings, ``p``/``div`` paragraphs, ``li``/``dt``/``dd``
  items, ``td``/``th`` cells, ``pre`` code, ``blockquote`` quotes. Inline markup is
  flattened into text; ``script``, ``style``, ``template``, ``noscript`` and the
  ``head`` are dropped. A ``<br>`` inside a paragraph joins wrapped prose as a space, but
  keeps the lines of a run of short lines apart and ends a bold run-in heading
  (:mod:`align.extract.html_lines`); in ``pre`` every line is kept.

Pages that look like a manual rendered by groff (``groff -Thtml``, ``man -Thtml``:
the generator says so, and there is no ``<article>``/``<main>``) are read keep-all in
either mode: trafilatura keeps their paragraphs but drops every section heading (NAME,
BESCHREIBUNG, OPTIONEN; measured on Debian's apt-get(8), German and English), and a
manual has no boilerplate to remove. In them every ``<br>`` is an explicit break (groff
writes one only at ``.br`` and in no-fill blocks), a table row is one line (grohtml's
layout of a tag beside its text), a short option alone in a paragraph joins its
description's first line, and groff's table of contents is left out, so that the
blocks are the lines of the text rendering.

The text reaches this reader decoded (:mod:`align.decode`); character references
(``&uuml;``) are resolved by the parser and white space is collapsed when the blocks are
assembled. Blocks carry no span in the HTML source (the parser reports line numbers,
not character offsets); their spans in the extracted text are recorded as for every
reader (:func:`~align.extract.blocks.assemble`).

Example::

    >>> pieces = keep_all_pieces(parse_html("<h1>Titel</h1><p>Ein <b>kurzer</b><br>Satz.</p>"))
    >>> [(p.kind, p.text) for p in pieces]
    [('heading', 'Titel'), ('paragraph', 'Ein kurzer Satz.')]
"""

from __future__ import annotations

import codecs
import copy
import logging
import re
from typing import Any

from align.errors import InputError
from align.extract import html_lines as lines
from align.extract.base import Extraction, Reader
from align.extract.blocks import Piece, clean_inline
from align.extract.html_lines import looks_like_manual
from align.settings import ReadSettings

__all__ = ["HtmlReader", "article_pieces", "keep_all_pieces", "looks_like_manual", "parse_html", "sniff_html"]

# Before the first tag that says "HTML": a BOM, white space, an XML declaration,
# comments and a doctype of another kind are skipped when sniffing.
_PROLOG = re.compile(rb"(?:\s+|<\?xml[^>]*>|<!--.*?-->)*", re.DOTALL)
_HTML_START = re.compile(rb"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_HEAD_OR_BODY = re.compile(rb"<(?:head|body)[\s>]", re.IGNORECASE)
# How far into a file that starts with a tag <head> or <body> may stand to count as HTML.
_SNIFF_NEAR = 512

# --- keep-all: the HTML elements and what they are ---------------------------------------
_FIXED_KINDS: dict[str, str] = {
    **dict.fromkeys(["h1", "h2", "h3", "h4", "h5", "h6"], "heading"),
    **dict.fromkeys(["li", "dt", "dd"], "item"),
    **dict.fromkeys(["td", "th"], "cell"),
    "blockquote": "quote",
}
# Block-level elements that take the kind of the block around them (a <p> in a <li> is
# part of the item, a <div> in a <td> part of the cell), a paragraph at the top.
_NEUTRAL_BLOCKS = frozenset((
    "html", "body", "p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "address",
    "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "caption", "colgroup", "col", "ul", "ol",
    "dl", "menu", "dir", "form", "fieldset", "legend", "details", "summary", "center", "hr", "hgroup", "dialog",
    "search", "frameset", "frame"
))
_CODE_BLOCKS = frozenset({"pre", "listing", "xmp", "plaintext"})
# Elements whose content is not text a reader sees.
_DROPPED = frozenset((
    "head", "title", "script", "style", "template", "noscript", "svg", "math", "iframe", "object", "embed",
    "canvas", "audio", "video", "map", "select", "datalist", "textarea"
))
# An inline style that hides an element from every reader.
_INLINE_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

# --- article: trafilatura's XML output and what its elements are -------------------------
_TRAFILATURA_KINDS: dict[str, str] = {"head": "heading", "item": "item", "cell": "cell", "quote": "quote"}
_TRAFILATURA_NEUTRAL = frozenset({"doc", "main", "p", "list", "table", "row", "div"})
_TRAFILATURA_DROPPED = frozenset({"comments", "graphic", "fw", "note"})
# Blocks of running text, inside which a <code> element is inline (``Run <code>ls</code>``).
_PROSE_PARENTS = frozenset({"p", "head", "item", "cell", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th",
                            "dt", "dd", "a", "b", "i", "em", "strong", "span", "hi", "ref", "del", "quote"})

# A word, for the measure of how much of a page a reading kept.
_WORD = re.compile(r"\w+")
# Below this share of the page's words, article mode found no main text worth the name
# (a table of links, a page of short entries): every block is kept instead.
_ALMOST_NOTHING = 0.05
# Above this share of its words in pieces that span several of the page's blocks, article
# extraction returned the page's text run together (see :func:`run_together`).
_RUN_TOGETHER = 0.5


def sniff_html(head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) is an HTML page: after a BOM, white space,
    an XML declaration and comments, a doctype ``html`` or an ``<html>`` tag, or a file
    that starts with a tag and has ``<head>`` or ``<body>`` near the start."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            head = head[len(bom):].decode(codec, "ignore").encode("utf-8")
            break
    head = head.removeprefix(codecs.BOM_UTF8)
    rest = head[_PROLOG.match(head).end():]
    if _HTML_START.match(rest):
        return True
    return rest.startswith(b"<") and bool(_HEAD_OR_BODY.search(rest, 0, _SNIFF_NEAR))


def parse_html(text: str, source: str = "<html>") -> Any:
    """The page's element tree (``lxml.html``), parsed as a browser would: missing tags
    implied, comments and processing instructions left out.

    The text is handed to the parser as UTF-8 bytes with that encoding named, so that a
    ``<meta charset>`` or XML declaration in it (which described the file's bytes, not
    this text) is ignored. Raises :class:`InputError` when there is nothing to parse.
    """
    import lxml.etree
    import lxml.html

    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        return lxml.html.document_fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except (lxml.etree.ParserError, ValueError) as err:
        raise InputError(f"{source}: not an HTML page that can be read ({err}); check the file, "
                         "or give --input-format text") from None


def _hidden(el: Any) -> bool:
    """Whether the page hides the element from every reader (``hidden``, inline
    ``display: none``)."""
    return el.get("hidden") is not None or bool(_INLINE_HIDDEN_STYLE.search(el.get("style") or ""))


class _Walker:
    """Turns an element tree into pieces, in document order (no recursion: pages nest deep).

    ``fixed`` names the elements that open a block of a given kind, ``neutral`` those that
    open a block of the kind around them, ``code`` those whose text is a code block kept
    line by line, ``dropped`` those whose content is left out, ``breaks`` those that are
    a line break. Text between blocks belongs to the innermost open block (an anonymous
    block, as a browser lays it out); each stretch of it becomes one piece.
    """

    def __init__(self, fixed: dict[str, str], neutral: frozenset[str], code: frozenset[str],
                 dropped: frozenset[str], breaks: frozenset[str], html: bool) -> None:
        self.fixed, self.neutral, self.code, self.dropped, self.breaks = fixed, neutral, code, dropped, breaks
        self.html = html

    def _is_code_block(self, el: Any) -> bool:
        tag = el.tag
        if tag in self.code:
            return True
        if tag != "code" or self.html:
            return False
        # trafilatura writes inline code as <code> too: a block only when it stands alone
        parent = el.getparent()
        if parent is None or parent.tag in _PROSE_PARENTS:
            return False
        prev = el.getprevious()
        before = (prev.tail if prev is not None else parent.text) or ""
        return not before.strip() and not (el.tail or "").strip()

    def code_text(self, el: Any) -> str:
        """A code block's text: every text node in it, ``<br>`` as a line break."""
        from lxml import etree

        parts: list[str] = []
        walk = etree.iterwalk(el, events=("start", "end"))
        for event, node in walk:
            if not isinstance(node.tag, str):
                continue
            if event == "start":
                if node is not el and (node.tag in self.dropped or (self.html and _hidden(node))):
                    walk.skip_subtree()
                    continue
                if node.tag in self.breaks:
                    parts.append("\n")
                parts.append(node.text or "")
            elif node is not el:
                parts.append(node.tail or "")
        return "".join(parts)

    def pieces(self, root: Any, every_break: bool = False, rows: bool = False,
               skip: frozenset[Any] = frozenset()) -> list[Piece]:
        """The pieces of ``root``. ``every_break``: every ``<br>`` keeps its lines apart;
        ``rows``: a table row is one block, its cells joined by spaces; ``skip``: elements
        left out (both for pages groff rendered, see :mod:`align.extract.html_lines`)."""
        from lxml import etree

        out: list[Piece] = []
        run: list[Any] = []
        kinds: list[str] = ["paragraph"]  # the kind of each open block, innermost last
        opened: list[int] = []  # for each open element: what it opened (the _OPENED_* bits)
        depth = {"bold": 0, "italic": 0, "row": 0}

        def add(text: str | None) -> None:
            if text:
                if self.html:
                    run.append(lines.BOLD if depth["bold"] else lines.ITALIC if depth["italic"] else lines.PLAIN)
                run.append(text)

        def flush() -> None:
            out.extend(lines.run_pieces(run, kinds[-1], every_break))
            run.clear()

        walk = etree.iterwalk(root, events=("start", "end"))
        for event, el in walk:
            tag = el.tag
            if not isinstance(tag, str):  # never reported: comments are stripped before (their tails kept)
                continue
            if event == "start":
                if tag in self.dropped or (self.html and _hidden(el)) or el in skip:
                    walk.skip_subtree()
                    opened.append(0)
                    continue
                if self._is_code_block(el):
                    flush()
                    out.append(Piece("code", self.code_text(el)))
                    walk.skip_subtree()
                    opened.append(0)
                    continue
                kind = self.fixed.get(tag)
                if kind is None and tag in self.neutral:
                    kind = kinds[-1]
                bits = 0
                if kind is not None and rows and depth["row"]:
                    bits = _OPENED_SPACE  # a cell, or a paragraph in one, inside a row read as one line
                    run.append(" ")
                elif kind is not None:
                    if rows and tag == "tr":
                        kind, bits = kinds[-1], _OPENED_ROW
                        depth["row"] += 1
                    flush()
                    kinds.append(kind)
                    bits |= _OPENED_BLOCK
                elif tag in self.breaks:
                    # a line break: html_lines decides whether it wraps or keeps lines apart
                    run.append(lines.BREAK if self.html else " ")
                if self.html and tag in lines.BOLD_TAGS:
                    bits |= _OPENED_BOLD
                    depth["bold"] += 1
                elif self.html and tag in lines.EMPHASIS_TAGS:
                    bits |= _OPENED_ITALIC
                    depth["italic"] += 1
                opened.append(bits)
                add(el.text)
            else:
                bits = opened.pop()
                depth["bold"] -= bool(bits & _OPENED_BOLD)
                depth["italic"] -= bool(bits & _OPENED_ITALIC)
                depth["row"] -= bool(bits & _OPENED_ROW)
                if bits & _OPENED_SPACE:
                    run.append(" ")
                if bits & _OPENED_BLOCK:
                    flush()
                    kinds.pop()
                if el is not root:
                    add(el.tail)
        flush()
        return out


# What an open element started, for its end (the bits of _Walker.pieces' ``opened``).
_OPENED_BLOCK, _OPENED_SPACE, _OPENED_BOLD, _OPENED_ITALIC, _OPENED_ROW = 1, 2, 4, 8, 16

_KEEP_ALL = _Walker(_FIXED_KINDS, _NEUTRAL_BLOCKS, _CODE_BLOCKS, _DROPPED, frozenset({"br"}), html=True)
_ARTICLE = _Walker(_TRAFILATURA_KINDS, _TRAFILATURA_NEUTRAL, frozenset(), _TRAFILATURA_DROPPED,
                   frozenset({"lb"}), html=False)


def keep_all_pieces(root: Any, manual: bool = False) -> list[Piece]:
    """Every block of the page, in document order (the keep-all reading). ``manual``: a
    page groff rendered (:func:`looks_like_manual`): every ``<br>`` keeps its lines apart,
    a table row (groff's layout of a tag and its text, or a row of a table) is one line,
    a short option tag paragraph joins its description, and the table of contents is left out, as in the text rendering of the same page.

    With ``manual`` the option tags are joined in ``root`` itself (no copy of a whole page
    is made for it): pass a tree nothing else reads afterwards, as the reader does — a
    manual page is never given to the article extraction."""
    if not manual:
        return _KEEP_ALL.pieces(root)
    lines.join_option_tags(root)
    return _KEEP_ALL.pieces(root, every_break=True, rows=True, skip=frozenset(lines.groff_contents(root)))


def _quiet_trafilatura() -> None:
    """trafilatura and the libraries it calls log their decisions ("discarding data") as
    warnings; with no logging configured Python would print them to stderr, and a library
    must not print. The reader says what matters in its notes instead."""
    for name in ("trafilatura", "htmldate", "courlan", "justext", "readability"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        logger.propagate = False


def _code_for_trafilatura(root: Any) -> Any:
    """A copy of the page in which every ``pre`` holds its text as one ``<code>`` element.

    trafilatura keeps a ``<pre><code>`` block's lines, but turns a bare ``<pre>`` into a
    quote with its lines run together, and loses the text after a ``<br>`` inside
    ``<code>``; a code block must stay line by line. The copy also keeps trafilatura's
    own clean-up of the tree away from the tree keep-all reads.
    """
    tree = copy.deepcopy(root)
    for pre in [el for el in tree.iter() if isinstance(el.tag, str) and el.tag in _CODE_BLOCKS]:
        text = _KEEP_ALL.code_text(pre)
        tail = pre.tail
        pre.clear()
        pre.tag, pre.tail = "pre", tail
        code = pre.makeelement("code", {})
        code.text = text
        pre.append(code)
    return tree


def article_pieces(root: Any) -> list[Piece]:
    """The main text of the page (the article reading), or an empty list when trafilatura
    finds none.

    trafilatura is called on (a copy of) the parsed tree, never a URL: nothing is
    downloaded, and without metadata there are no date or URL look-ups. Comments, images
    and links are left out and tables kept; its fallback extractors (readability,
    jusText) run offline and rescue pages its own heuristics miss, so they stay on.
    (trafilatura drops a paragraph that repeats the one before it word for word.)
    """
    import trafilatura
    from lxml import etree

    _quiet_trafilatura()
    xml = trafilatura.extract(
        _code_for_trafilatura(root), url=None, output_format="xml", include_comments=False,
        include_tables=True, include_images=False, include_links=False, include_formatting=False,
        with_metadata=False, deduplicate=False, favor_precision=False, favor_recall=False,
    )
    if not xml:
        return []
    tree = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(huge_tree=True, resolve_entities=False,
                                                                    no_network=True))
    # iterwalk does not report comments, so their tails would be lost: strip them first
    etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    return _ARTICLE.pieces(tree)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def run_together(every: list[Piece], main: list[Piece]) -> float:
    """The share of the main text's words that stand in pieces spanning more than one of
    the page's blocks.

    When its extractors find too little, trafilatura falls back to the text of the whole
    page body run together into one paragraph: boilerplate included, the block structure
    lost. Real main text consists of the page's own blocks (or parts of them), so a high
    share means trafilatura gave up.
    """
    blocks = " \x00 " + " \x00 ".join(" ".join(_words(p.text)) for p in every) + " \x00 "
    total = spanning = 0
    for piece in main:
        words = _words(piece.text)
        total += len(words)
        if words and " " + " ".join(words) + " " not in blocks:
            spanning += len(words)
    return spanning / total if total else 0.0


def left_out(every: list[Piece], main: list[Piece]) -> int:
    """How many of the page's blocks (``every``) the main text (``main``) does not
    contain: the boilerplate article mode left out.

    The two readings are compared as word sequences (white space and inline markup,
    which they join differently, do not matter), matched in order with difflib, so that a
    menu item "Rust" is not taken for the word "Rust" somewhere in the article. A block
    counts as kept when most of its words are matched.
    """
    from difflib import SequenceMatcher

    page: list[str] = []
    owner: list[int] = []
    for n, piece in enumerate(every):
        words = _words(piece.text)
        page.extend(words)
        owner.extend([n] * len(words))
    kept = [0] * len(every)
    matcher = SequenceMatcher(None, page, [w for p in main for w in _words(p.text)], autojunk=False)
    for start, _, size in matcher.get_matching_blocks():
        for i in range(start, start + size):
            kept[owner[i]] += 1
    return sum(1 for n, piece in enumerate(every) if 2 * kept[n] < len(_words(piece.text)))


class HtmlReader(Reader):
    """HTML pages (``.html``, ``.htm``, ``.xhtml``)."""

    name = "html"
    extensions = (".html", ".htm", ".xhtml")

    def sniff(self, head: bytes) -> bool:
        return sniff_html(head)

    def read(self, data: str | bytes, settings: ReadSettings, source: str) -> Extraction:
        assert isinstance(data, str)
        if "<" not in data:
            raise InputError(f"{source}: has no HTML markup; give an HTML page, or --input-format text "
                             "to read it as plain text")
        root = parse_html(data, source)
        manual = looks_like_manual(root)
        every = [p for p in keep_all_pieces(root, manual) if clean_inline(p.text)]
        if not every:
            raise InputError(f"{source}: no text found in this HTML page; check that it is the right file")
        if settings.html_keep_all:
            return Extraction(every, "blocks", ())
        if manual:
            return Extraction(every, "blocks", ("a manual rendered by groff: every block kept",))
        main = [p for p in article_pieces(root) if clean_inline(p.text)]
        total = sum(len(_words(p.text)) for p in every)
        kept = sum(len(_words(p.text)) for p in main)
        why = None
        if not main or kept < _ALMOST_NOTHING * total:
            why = f"article extraction kept {kept} of {total} words"
        elif run_together(every, main) > _RUN_TOGETHER:
            why = "article extraction gave only the page's text run together"
        if why is not None:
            return Extraction(every, "blocks", (f"no main text found ({why}): every block kept",))
        missing = left_out(every, main)
        notes: tuple[str, ...] = ()
        if missing:
            plural = "s" if missing != 1 else ""
            note = f"kept only the main text: {missing} boilerplate block{plural} left out (--html-keep-all keeps them)"
            notes = (note,)
        return Extraction(main, "blocks", notes)
