"""Clauses: the pieces of a sentence between its commas, semicolons and colons.

Translators split and join sentences, but they rarely move a clause across a clause
boundary: a German sentence that becomes two French ones usually breaks where a clause
ends. Aligning clauses instead of sentences therefore shows where the content of one
sentence continues in its neighbour's translation (``align.search.refine``).

Only boundaries that leave a substantial piece on both sides count: a clause must have
``min_chars`` characters, because the encoder's vector of "sagte er," says nothing.

Example::

    >>> clause_spans("Die Gespräche dauerten etwa 90 Minuten, sagte Meiners am Montag in Washington.")
    [(0, 39), (40, 78)]
"""

from __future__ import annotations

import re

__all__ = ["clause_spans", "CLAUSE_MARKS", "CLAUSE_MIN_CHARS"]

CLAUSE_MARKS = ",;:"
"""Marks that end a clause but not a sentence (the search's clause-boundary cost reads
them too: :func:`align.hints.clause_ends`)."""

CLAUSE_MIN_CHARS = 25
"""Default shortest clause, in characters (about four words of German, French or English)."""

# A clause mark (ASCII or full-width) followed by white space; CJK full-width marks need none.
_BOUNDARY = re.compile(rf"[{CLAUSE_MARKS}]\s+|[，；：、]\s*")


def clause_spans(text: str, min_chars: int = CLAUSE_MIN_CHARS) -> list[tuple[int, int]]:
    """``(start, end)`` character spans of the clauses of ``text``, in order, covering it.

    A boundary is taken only when the piece before it (since the last boundary taken) and
    everything after it have at least ``min_chars`` characters; the spaces after a mark
    belong to neither piece. A text without such a boundary is one clause.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in _BOUNDARY.finditer(text):
        cut = m.start() + 1  # the mark stays with the clause it ends
        if cut - start >= min_chars and n - m.end() >= min_chars:
            spans.append((start, cut))
            start = m.end()
    spans.append((start, n))
    return spans
