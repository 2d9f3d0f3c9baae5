"""What a document's layout tells the search beyond its sentences' embeddings.

Translators keep paragraphs, and they keep the strength of a boundary: where one
version ends a sentence, the other ends one too, or at least a clause. Two hints follow,
one boolean per sentence, computed from the text alone (no model):

- :func:`paragraph_breaks`: a line break separates the sentence from the next one;
- :func:`clause_ends`: the sentence stops at a clause boundary (``:``, ``;`` or ``,``
  before any closing quotes or brackets) rather than at a full stop, as the segments of
  tokenised corpora such as Text+Berg often do ("Die erfolgreichen Bergsteiger waren :").

A bead whose two sides end at boundaries of different strength (one side at a clause
end, the other at a sentence end) has most likely cut a sentence apart on one side only;
the search charges it a small cost (``SearchConfig.clause_cost``).

Example::

    >>> from align.read import read_text
    >>> from align.segment import presegmented
    >>> doc = presegmented(read_text("Literatur :\\nG. Magnone , La Tour .", "de"))
    >>> clause_ends(doc).tolist()
    [True, False]
"""

from __future__ import annotations

import re

import numpy as np

from align.segment.clauses import CLAUSE_MARKS
from align.types import Document

__all__ = ["clause_ends", "paragraph_breaks"]

# Closing quotes and brackets that may follow a sentence's last punctuation mark.
_TRAILING = re.compile(r"[\s\"'»«“”„‘’‹›)\]}]+$")
_CLAUSE_MARKS = frozenset(CLAUSE_MARKS)


def paragraph_breaks(doc: Document) -> np.ndarray:
    """``breaks[k]`` is true when a line break separates sentence ``k`` from sentence ``k + 1``.

    The reader keeps line breaks as hard sentence boundaries, so a line break between two
    sentences is a paragraph break (news files put a paragraph per line or blank lines
    between paragraphs).
    """
    sents = doc.sentences
    text = doc.text
    return np.array(
        [any(c in text[a.end : b.start] for c in "\n\r") for a, b in zip(sents, sents[1:])], dtype=bool
    )


def clause_ends(doc: Document) -> np.ndarray:
    """``ends[k]`` is true when sentence ``k`` stops at a clause mark (``:`` ``;`` ``,``)."""
    out = np.zeros(len(doc.sentences), dtype=bool)
    for k, s in enumerate(doc.sentences):
        core = _TRAILING.sub("", s.text)
        out[k] = bool(core) and core[-1] in _CLAUSE_MARKS
    return out
