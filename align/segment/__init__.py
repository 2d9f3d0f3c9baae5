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
from align.segment.base import MAX_SENTENCE_CHARS, Segmenter, cut_long, line_spans, spans_from_cuts
from align.segment.news import NewsSegmenter
from align.types import UNIT_KINDS, Document, Sentence

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

    Each sentence's ``text`` is ``doc.text[start:end]``; ids are 0-based and in order. A
    document with blocks (:mod:`align.extract`) is split block by block: prose blocks by
    the segmenter, code and table blocks line by line, each line a unit of that kind
    (never cut at a full stop: ``print(x.y)`` is not two sentences).
    """
    if not doc.blocks:
        spans = [(s, e, "text") for s, e in get_segmenter(doc.lang).split(doc.text)]
    else:
        spans = _block_spans(doc)
    sentences = tuple(Sentence(i, s, e, doc.text[s:e], kind) for i, (s, e, kind) in enumerate(spans))
    return dataclasses.replace(doc, sentences=sentences)


def _block_spans(doc: Document) -> list[tuple[int, int, str]]:
    """Sentence spans of a document with blocks, with the kind of each."""
    segmenter = get_segmenter(doc.lang)
    spans: list[tuple[int, int, str]] = []
    for block in doc.blocks:
        text = doc.text[block.start:block.end]
        if block.kind in UNIT_KINDS:
            for a, b in line_spans(text):
                line = text[a:b]
                for s, e in spans_from_cuts(line, []):
                    for p, q in cut_long(line, s, e):
                        spans.append((block.start + a + p, block.start + a + q, block.kind))
        else:
            spans.extend((block.start + s, block.start + e, "text") for s, e in segmenter.split(text))
    return spans


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
