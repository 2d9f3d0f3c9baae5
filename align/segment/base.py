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

Example::

    >>> class EveryLine(Segmenter):
    ...     def split_line(self, line):
    ...         return spans_from_cuts(line, [])
    >>> EveryLine().split("Title\\r\\n\\r\\nFirst. Second.\\n")
    [(0, 5), (9, 23)]
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable

__all__ = ["LINE_BREAK", "Segmenter", "line_spans", "spans_from_cuts"]

# Characters that end a line. A sentence never contains one of them.
LINE_BREAK = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_CONTENT = re.compile(f"[^{LINE_BREAK}]+")


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


class Segmenter(ABC):
    """Splits text into sentences, returned as character spans.

    :meth:`split` guarantees for every implementation: spans are ``(start, end)`` offsets
    into the text passed in, non-empty, trimmed of surrounding whitespace, in order, not
    overlapping, never crossing a line break, and together they cover every non-whitespace
    character of the text. Implementations only define :meth:`split_line`.
    """

    #: Short name recorded in alignment settings, in the spirit of sacrebleu's signatures.
    name: str = "base"

    def split(self, text: str) -> list[tuple[int, int]]:
        """Return the spans of the sentences of ``text`` (see the class docstring)."""
        spans: list[tuple[int, int]] = []
        for line_start, line_end in line_spans(text):
            for s, e in self.split_line(text[line_start:line_end]):
                spans.append((line_start + s, line_start + e))
        return spans

    @abstractmethod
    def split_line(self, line: str) -> list[tuple[int, int]]:
        """Split one line (no line breaks in it) into trimmed, ordered, non-empty spans."""
