"""Near-duplicate passages in one language: MinHash/LSH candidates, verified exactly.

Units are sentences and windows of a few consecutive sentences (so a copy that merged or
split a sentence still lines up). LSH proposes pairs of units whose word-shingle sets are
probably similar; each proposal is verified with the exact Jaccard and containment of the
two sets, so LSH's false positives never reach the report. A verified pair becomes a
pair of sentence ranges; ``passages.py`` merges neighbouring pairs into whole passages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


from align.types import Document
from align.wirecopy.lsh import PassageIndex
from align.wirecopy.minhash import MinHasher, jaccard_containment
from align.wirecopy.normalize import words


@dataclass(frozen=True)
class Unit:
    """A run of sentences ``first..last`` of document ``doc`` (an index into the collection)."""

    doc: int
    first: int
    last: int


@dataclass(frozen=True)
class UnitMatch:
    """Two verified similar units and how similar they are."""

    a: Unit
    b: Unit
    jaccard: float
    containment: float


def sentence_words(docs: list[Document]) -> list[list[list[str]]]:
    """The shingling words of every sentence of every document, computed once per run."""
    return [[words(s.text, doc.lang) for s in doc.sentences] for doc in docs]


def units_of(doc_words: list[list[list[str]]], window: int, min_words: int) -> tuple[list[Unit], list[list[str]]]:
    """Every sentence and window of up to ``window`` sentences with at least ``min_words`` words."""
    units, texts = [], []
    for d, sent_words in enumerate(doc_words):
        for i in range(len(sent_words)):
            for k in range(1, window + 1):
                if i + k > len(sent_words):
                    break
                w = [x for j in range(i, i + k) for x in sent_words[j]]
                if k > 1 and any(len(sent_words[j]) == 0 for j in range(i, i + k)):
                    continue
                if len(w) >= min_words:
                    units.append(Unit(d, i, i + k - 1))
                    texts.append(w)
    return units, texts


def find_similar_units(
    docs: list[Document],
    doc_words: list[list[list[str]]],
    hasher: MinHasher,
    *,
    threshold: float,
    containment: float,
    window: int,
    min_words: int,
    storage_config: dict | None = None,
) -> list[UnitMatch]:
    """Pairs of units, in the same language, whose shingle Jaccard reaches ``threshold``
    or, for two single sentences, whose containment reaches ``containment`` (a sentence
    that gained a clause); LSH at ``threshold`` proposes them.

    Units of the same document are compared too (for in-document repeats), but never
    overlapping ones.
    """
    units, texts = units_of(doc_words, window, min_words)
    if not units:
        return []
    shingles = hasher.shingles(texts)
    signatures = hasher.signatures(shingles)
    keys = [str(i) for i in range(len(units))]
    index = PassageIndex(hasher, threshold, storage_config)
    index.add(keys, signatures)
    matches = []
    # in a fixed order (a set of str keys iterates in an order that changes with Python's
    # hash seed), so that merged passages sum their scores in the same order every run
    for ka, kb in sorted(index.candidates(keys, signatures), key=lambda pair: (int(pair[0]), int(pair[1]))):
        ia, ib = int(ka), int(kb)
        ua, ub = units[ia], units[ib]
        if docs[ua.doc].lang != docs[ub.doc].lang:
            continue
        if ua.doc == ub.doc and ua.first <= ub.last and ub.first <= ua.last:
            continue
        jac, con = jaccard_containment(shingles[ia], shingles[ib])
        single = ua.first == ua.last and ub.first == ub.last
        if jac >= threshold or (single and con >= containment):
            if (ua.doc, ua.first) > (ub.doc, ub.first):
                ua, ub = ub, ua
            matches.append(UnitMatch(ua, ub, jac, con))

    def similar(ua: Unit, ub: Unit) -> bool:
        sa, sb = hasher.shingles([units_words(doc_words, ua), units_words(doc_words, ub)])
        jac, con = jaccard_containment(sa, sb)
        return jac >= threshold or con >= containment

    return minimal_matches(matches, similar)


def units_words(doc_words: list[list[list[str]]], unit: Unit) -> list[str]:
    """The words of a passage (as ``units_of`` joins them)."""
    return [w for i in range(unit.first, unit.last + 1) for w in doc_words[unit.doc][i]]


def minimal_matches(matches: list[UnitMatch], similar: Callable[[Unit, Unit], bool] | None = None) -> list[UnitMatch]:
    """Drop window matches that a match of their parts explains better.

    A two-sentence window that holds a copied sentence and an unrelated short one still
    matches the copy; keeping it would stretch the passage over the unrelated sentence.
    A real merge (one sentence copied as two) keeps its window, because each part alone
    matches worse than the whole; so does a window that matches exactly as well as its
    part (an identical short sentence beside a copied one belongs to the passage).

    ``similar(ua, ub)`` (optional) verifies the rest of a window beside its better part:
    when the sentences left over on both sides match each other too, the window is a
    copy of both and stays, even though LSH, which is probabilistic, did not propose
    the leftover pair on its own (an edited sentence beside an exact one).
    """
    # keyed by plain tuples: this runs for every window match and every pair of its parts
    best = {(m.a.doc, m.a.first, m.a.last, m.b.doc, m.b.first, m.b.last): m.jaccard for m in matches}

    def spans(u: Unit) -> list[tuple[int, int]]:
        return [(i, j) for i in range(u.first, u.last + 1) for j in range(i, u.last + 1)]

    kept = []
    for m in matches:
        a, b = m.a, m.b
        if a.first == a.last and b.first == b.last:
            kept.append(m)
            continue
        whole = (a.first, a.last, b.first, b.last)
        dominated = False
        for fa, la in spans(a):
            for fb, lb in spans(b):
                if (fa, la, fb, lb) == whole or best.get((a.doc, fa, la, b.doc, fb, lb), -1.0) <= m.jaccard:
                    continue
                if not (similar and _rest_matches(m, Unit(a.doc, fa, la), Unit(b.doc, fb, lb), similar)):
                    dominated = True
                    break
            if dominated:
                break
        if not dominated:
            kept.append(m)
    return kept


def _rest_matches(m: UnitMatch, pa: Unit, pb: Unit, similar: Callable[[Unit, Unit], bool]) -> bool:
    """Whether the sentences of ``m``'s windows outside the parts ``pa``/``pb`` match, in order."""
    pieces = []
    for side_first, side_last in ((True, False), (False, True)):
        ra = _outside(m.a, pa, left=side_first)
        rb = _outside(m.b, pb, left=side_first)
        if (ra is None) != (rb is None):
            return False  # text left over on one side only: the part explains the window
        if ra is not None:
            pieces.append((ra, rb))
    return bool(pieces) and all(similar(ra, rb) for ra, rb in pieces)


def _outside(window: Unit, part: Unit, left: bool) -> Unit | None:
    """The window's sentences before (``left``) or after ``part``, or None."""
    if left:
        return Unit(window.doc, window.first, part.first - 1) if part.first > window.first else None
    return Unit(window.doc, part.last + 1, window.last) if part.last < window.last else None


def passage_similarity(
    doc_words: list[list[list[str]]], a: int, first_a: int, last_a: int, b: int, first_b: int, last_b: int,
    hasher: MinHasher,
) -> tuple[float, float]:
    """Exact Jaccard and containment of two whole passages (for the score of a merged passage)."""
    wa = [w for sent in doc_words[a][first_a : last_a + 1] for w in sent]
    wb = [w for sent in doc_words[b][first_b : last_b + 1] for w in sent]
    sa, sb = hasher.shingles([wa, wb])
    return jaccard_containment(sa, sb)
