"""Sentence segmentation: fill a Document's ``sentences`` with character spans.

Two ways in, matching the CLI: :func:`segment` runs the language's segmenter (see
:mod:`align.segment.news` for the rules and ``bench/segmenters.md`` for why), and
:func:`presegmented` takes the text as one sentence per line, exactly as given, for
input that someone has already split (``align pair --presegmented``).

Example::

    >>> from align.read import read_text
    >>> doc = segment(read_text("Dr. Chase kam am 10. Juli. Er blieb.", "de"))
    >>> [s.text for s in doc.sentences]
    ['Dr. Chase kam am 10. Juli.', 'Er blieb.']
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache

from align.errors import InputError
from align.read import check_lang
from align.segment.base import MAX_SENTENCE_CHARS, Segmenter
from align.segment.news import NewsSegmenter
from align.types import Document, Sentence

__all__ = ["NewsSegmenter", "Segmenter", "get_segmenter", "presegmented", "segment"]

# Line terminators of presegmented files: those Python's universal newlines recognise
# (\r\n, \n, \r), so that ids match the line numbers other tools count. Not the Unicode
# line separators: a U+2028 inside a presegmented line is part of that sentence.
_LINE_TERMINATOR = re.compile(r"\r\n|\n|\r")


@cache
def _segmenter_for(base_lang: str) -> Segmenter:
    return NewsSegmenter(base_lang)


def get_segmenter(lang: str) -> Segmenter:
    """Return the (cached) segmenter for ``lang`` (``de``, ``en``, ``pt-BR``…)."""
    check_lang(lang)
    return _segmenter_for(lang.split("-")[0])


def segment(doc: Document) -> Document:
    """Return a copy of ``doc`` whose ``sentences`` are found by the language's segmenter.

    Each sentence's ``text`` is ``doc.text[start:end]``; ids are 0-based and in order.
    """
    spans = get_segmenter(doc.lang).split(doc.text)
    sentences = tuple(Sentence(i, s, e, doc.text[s:e]) for i, (s, e) in enumerate(spans))
    return dataclasses.replace(doc, sentences=sentences)


def presegmented(doc: Document) -> Document:
    """Return a copy of ``doc`` with one sentence per line, kept exactly as given.

    Ids are 0-based line numbers; the line terminator is not part of the sentence; a final
    line terminator does not start an extra sentence, but an empty line elsewhere is an
    (empty) sentence so that ids stay equal to line numbers.

    A line longer than :data:`~align.segment.base.MAX_SENTENCE_CHARS` characters is refused
    (:class:`InputError` naming the line): it cannot be cut without changing the ids, and
    kept whole it would make later stages slower than linear (see that constant).
    """
    text = doc.text
    sentences: list[Sentence] = []
    start = 0
    for m in _LINE_TERMINATOR.finditer(text):
        sentences.append(_line(doc, len(sentences), start, m.start()))
        start = m.end()
    if start < len(text):
        sentences.append(_line(doc, len(sentences), start, len(text)))
    return dataclasses.replace(doc, sentences=tuple(sentences))


def _line(doc: Document, line_id: int, start: int, end: int) -> Sentence:
    """Line ``line_id`` of a presegmented document as a sentence, if it is not too long."""
    if end - start > MAX_SENTENCE_CHARS:
        raise InputError(
            f"{doc.name}: line {line_id + 1} has {end - start:,} characters, more than the "
            f"{MAX_SENTENCE_CHARS:,} a sentence may have; split it into sentences, or leave out "
            "--presegmented so that align splits the text itself"
        )
    return Sentence(line_id, start, end, doc.text[start:end])
