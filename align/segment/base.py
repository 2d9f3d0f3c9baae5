"""The segmenter interface: text in, sentence spans out.

Every implementation returns character spans rather than strings, because the rest of the
pipeline (exporters, the wire-copy report, the "nothing lost" checks) needs to know where
each sentence sits in the original document.

The base class also owns the one rule that holds for every language and implementation:
a line break is a hard sentence boundary. News files put headlines, datelines, bylines and
captions on lines of their own, without final punctuation; joining them to the next line
would glue a headline to the first sentence of the article. So :meth:`Segmenter.split`
cuts the text into lines (``\\n``, ``\\r\\n``, ``\\r`` and the Unicode line and paragraph
separators) and asks the implementation to split each line on its own.

It also owns the one bound that keeps every later stage linear in the document's length:
no sentence is longer than :data:`MAX_SENTENCE_CHARS` characters. A longer "sentence" (a
line without sentence punctuation, a run-on table row, a base64 blob) is cut into pieces
of at most that length, at white space where there is some in the second half of the
piece, else at exactly the limit (never before a combining mark). The pieces are
trimmed and cover the sentence's non-space characters exactly once, like any sentences.

Example::

    >>> class EveryLine(Segmenter):
    ...     def split_line(self, line):
    ...         return spans_from_cuts(line, [])
    >>> EveryLine().split("Title\\r\\n\\r\\nFirst. Second.\\n")
    [(0, 5), (9, 23)]
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable

__all__ = ["LINE_BREAK", "MAX_SENTENCE_CHARS", "Segmenter", "cut_long", "line_spans", "spans_from_cuts"]

# Characters that end a line. A sentence never contains one of them.
LINE_BREAK = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_CONTENT = re.compile(f"[^{LINE_BREAK}]+")

#: Longest sentence a segmenter returns, in characters; longer ones are cut (:func:`cut_long`).
#: Twice the longest real sentence in the evaluation data (952 characters, Tom Sawyer; the
#: news samples stay under 400), so real sentences are not cut. The bound matters because
#: some later stages cost more than linear time in one sentence's length: the clause
#: refinement tokenises the text before every clause of a sentence (a 0.2 MB line with a
#: comma every few words took 63 s to align, a 0.4 MB one exhausted 23 GB of memory), and
#: a regular expression of the layout hints is quadratic in a run of spaces. With every
#: sentence at most this long, those costs are at most a constant times the document's
#: length (``bench/long_line.py`` measures them).
MAX_SENTENCE_CHARS = 2000
# Characters a cut must not precede: they belong to the character before them.
_JOINING = frozenset("\u200c\u200d") | frozenset(chr(c) for c in range(0xFE00, 0xFE10))
# How far a hard cut may move back to avoid splitting a character from its marks.
_MAX_MARKS = 32


def line_spans(text: str) -> Iterable[tuple[int, int]]:
    """Yield the ``(start, end)`` span of every non-empty line of ``text``, in order."""
    for m in _LINE_CONTENT.finditer(text):
        yield m.span()


def spans_from_cuts(line: str, cuts: Iterable[int]) -> list[tuple[int, int]]:
    """Turn cut positions in ``line`` into sentence spans trimmed of surrounding whitespace.

    ``cuts`` are increasing positions where one sentence ends and the next may begin; the
    pieces between them are stripped, and pieces that are only whitespace are dropped. Every
    non-whitespace character of ``line`` therefore lands in exactly one span.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [*cuts, len(line)]:
        s, e = start, cut
        while s < e and line[s].isspace():
            s += 1
        while e > s and line[e - 1].isspace():
            e -= 1
        if s < e:
            spans.append((s, e))
        start = cut
    return spans


def _cut_point(line: str, start: int, limit: int) -> int:
    """Where to end a piece of ``line`` that starts at ``start`` and may be ``limit`` long.

    The last white space in the second half of the window (the piece then ends before
    it), else ``start + limit``, moved back before combining marks and joiners. Looks at
    no more than ``limit`` characters, so cutting a line costs time linear in its length.
    """
    stop = start + limit  # line[start:stop] is the longest allowed piece
    low = start + limit // 2
    cut = line.rfind(" ", low, stop + 1)  # the common case, found in C
    if cut > start:
        return cut
    for i in range(min(stop, len(line) - 1), low - 1, -1):
        if line[i].isspace():
            return i
    cut = stop
    for _ in range(min(_MAX_MARKS, limit - 1)):
        ch = line[cut]
        if not (unicodedata.combining(ch) or ch in _JOINING or unicodedata.category(ch) in ("Mn", "Mc", "Me")):
            return cut
        cut -= 1
    return stop  # a run of marks longer than any real character: cut it anyway


def cut_long(line: str, start: int, end: int, limit: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """Cut the trimmed span ``line[start:end]`` into trimmed pieces of at most ``limit`` characters.

    A span that is short enough comes back as it is. Pieces are in order, do not
    overlap, and cover every non-space character of the span exactly once.
    """
    if end - start <= limit:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    while end - start > limit:
        cut = _cut_point(line, start, limit)
        piece_end = cut
        while piece_end > start and line[piece_end - 1].isspace():
            piece_end -= 1
        pieces.append((start, piece_end))
        start = cut
        while start < end and line[start].isspace():
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces


class Segmenter(ABC):
    """Splits text into sentences, returned as character spans.

    :meth:`split` guarantees for every implementation: spans are ``(start, end)`` offsets
    into the text passed in, non-empty, trimmed of surrounding whitespace, in order, not
    overlapping, never crossing a line break, at most :data:`MAX_SENTENCE_CHARS` long, and
    together they cover every non-whitespace character of the text. Implementations only
    define :meth:`split_line`.
    """

    #: Short name recorded in alignment settings, in the spirit of sacrebleu's signatures.
    name: str = "base"

    def split(self, text: str) -> list[tuple[int, int]]:
        """Return the spans of the sentences of ``text`` (see the class docstring)."""
        spans: list[tuple[int, int]] = []
        for line_start, line_end in line_spans(text):
            line = text[line_start:line_end]
            for s, e in self.split_line(line):
                for a, b in cut_long(line, s, e):
                    spans.append((line_start + a, line_start + b))
        return spans

    @abstractmethod
    def split_line(self, line: str) -> list[tuple[int, int]]:
        """Split one line (no line breaks in it) into trimmed, ordered, non-empty spans."""
