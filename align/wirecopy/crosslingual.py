"""Translated passages across languages: margin-scored nearest neighbours, then runs.

MinHash cannot see that a German sentence translates an English one, and names and
numbers alone cannot tell a translation from a same-topic article that quotes the same
people. So every sentence is embedded with the multilingual encoder and, for each pair
of languages in the collection, each sentence's ``k`` nearest neighbours in the other
language are found (blocked matrix products: memory linear in the collection). A pair
is scored with the ratio margin of bitext mining (Artetxe and Schwenk 2019): its cosine
divided by the mean cosine of both sentences to their ``k`` nearest neighbours. A
translation stands out from its neighbourhood even when its raw cosine is modest; a
same-topic sentence does not, because its neighbourhood is equally close.

Within each pair of documents only mutual best matches are kept as seeds. Each seed is
then extended along the diagonal (the next and previous sentences of both documents)
while the extension's margin stays above a lower bar, bridging a single weak pair when
the pair beyond it passes: a loosely translated sentence next to a clear match is far
more likely a translation than the same sentence alone.
Consecutive matches form passages: one sentence alone needs a high margin, a run of
several needs less, because chance rarely lines up consecutive sentences in both
documents.

Every cosine here is exact for the vectors as rounded by :func:`align.exact.quantize_rows`
(about 1e-8 from the float32 vectors' own): a float32 product rounded a sentence's
cosines differently with the BLAS kernel and with the block of rows it was computed in,
so margins, and the report's fourth digit, depended on the machine and on the order of
the files. The search and the scoring of a single pair compute the same number.
"""

from __future__ import annotations

import numpy as np

from align.exact import quantize_rows
from align.types import Document
from align.wirecopy.passages import Link
from align.wirecopy.seeds import grow_along_diagonals, mutual_seeds

_BLOCK = 1024  # query rows per product: a block of float64 cosines takes 8 KB per base row


def text_key(text: str) -> str:
    """What makes two sentences the same text here: their words, white space collapsed."""
    return " ".join(text.split())


def _topk(queries: _Rounded, base: _Rounded, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` cosines (descending) and their indices in ``base`` for each query row.

    The cosines are exact (integers below 2**53 in a float64 product, then scaled by
    powers of two), so they do not depend on the block, the kernel or the thread count.
    Equal cosines are ranked by index (lowest first): ``argpartition`` alone picks among
    them in an order of its own, which differs with numpy's SIMD code path.
    """
    k = min(k, len(base.q))
    values = np.empty((len(queries.q), k), dtype=np.float64)
    index = np.empty((len(queries.q), k), dtype=np.int64)
    if k == 0:
        return values, index
    for lo in range(0, len(queries.q), _BLOCK):
        sims = queries.q[lo : lo + _BLOCK] @ base.q.T
        sims *= queries.scale[lo : lo + _BLOCK, None]
        sims *= base.scale[None, :]
        part = np.argpartition(sims, -k, axis=1)[:, -k:]
        vals = np.take_along_axis(sims, part, axis=1)
        # a row whose k-th value recurs outside its top k: take the lowest indices among the ties
        kth = vals.min(axis=1)
        for r in np.flatnonzero((sims >= kth[:, None]).sum(axis=1) > k):
            tied = np.flatnonzero(sims[r] >= kth[r])
            part[r] = tied[np.lexsort((tied, -sims[r, tied]))][:k]
            vals[r] = sims[r, part[r]]
        order = np.lexsort((part, -vals), axis=1)
        values[lo : lo + _BLOCK] = np.take_along_axis(vals, order, axis=1)
        index[lo : lo + _BLOCK] = np.take_along_axis(part, order, axis=1)
    return values, index


def translated_links(
    docs: list[Document],
    embeddings: list[np.ndarray],
    *,
    neighbours: int,
    min_margin: float,
    extend_margin: float,
    min_chars: int,
    min_length_ratio: float = 0.0,
    exclude: set[tuple[int, int]] = frozenset(),
    support_margin: float = np.inf,
    support_distance: int = 0,
) -> list[Link]:
    """Mutually best, margin-scored sentence pairs between documents of different languages.

    ``embeddings[d]`` holds the unit embeddings of ``docs[d]``'s sentences. Each link is
    one sentence pair; its ``score`` is the cosine and ``margin`` the ratio margin.
    A mutual best pair seeds a passage at margin ``min_margin``, or at ``support_margin``
    when another mutual best pair of the two documents lies on its diagonal at most
    ``support_distance`` sentences away (a loosely translated scene: "Oh, Tom, I reckon
    we're goners." / ",,O, Tom, ich fürchte -- wir sind futsch!" at margin 1.14, two
    lines further on a pair at 1.02).
    Sentences in ``exclude`` (template lines) take no part; pairs whose shorter sentence
    has less than ``min_length_ratio`` of the longer one's characters are never matched
    (translations keep their length roughly proportional).
    """
    by_lang: dict[str, list[tuple[int, int]]] = {}
    for d, doc in enumerate(docs):
        for s in doc.sentences:
            if len(s.text.strip()) >= min_chars and (d, s.id) not in exclude:
                by_lang.setdefault(doc.lang, []).append((d, s.id))
    sides = {lang: _Side(docs, embeddings, owners) for lang, owners in by_lang.items()}
    langs = sorted(by_lang)
    links: list[Link] = []
    for i, la in enumerate(langs):
        for lb in langs[i + 1 :]:
            links.extend(_pair_links(sides[la], sides[lb], neighbours, min_margin, extend_margin, min_length_ratio,
                                     support_margin, support_distance))
    return links


class _Rounded:
    """Rows as integers (float64) ``q`` times a power of two per row, ``scale``
    (:func:`~align.exact.quantize_rows`): any dot product of two such rows, in any order
    of summation, is exact."""

    def __init__(self, rows: np.ndarray) -> None:
        self.q, self.scale = quantize_rows(rows)

    def dots(self, x: np.ndarray, other: _Rounded, y: np.ndarray) -> np.ndarray:
        """Dot products of rows ``x`` of this set with rows ``y`` of ``other``, pair by pair,
        the same numbers :func:`_topk` computes for them."""
        out = np.einsum("ij,ij->i", self.q[x], other.q[y])
        out *= self.scale[x]
        out *= other.scale[y]
        return out


class _Side:
    """The sentences of one language, with exact duplicates collapsed into one row.

    A passage copied verbatim into several articles would otherwise crowd its own
    translation's neighbourhood with equally good matches and deflate every margin.
    """

    def __init__(self, docs: list[Document], embeddings: list[np.ndarray], owners: list[tuple[int, int]]) -> None:
        row_of: dict[str, int] = {}
        self.owners = owners
        self.row: dict[tuple[int, int], int] = {}
        self.members: list[list[tuple[int, int]]] = []
        first: list[tuple[int, int]] = []
        for d, sid in owners:
            key = text_key(docs[d].sentences[sid].text)
            r = row_of.setdefault(key, len(first))
            if r == len(first):
                first.append((d, sid))
                self.members.append([])
            self.members[r].append((d, sid))
            self.row[(d, sid)] = r
        self.vectors = _Rounded(np.stack([embeddings[d][sid] for d, sid in first]).astype(np.float32))
        self.lengths = np.array([len(docs[d].sentences[sid].text.strip()) for d, sid in first], dtype=np.float64)


def _pair_links(
    side_a: _Side, side_b: _Side, k: int, min_margin: float, extend_margin: float, min_length_ratio: float,
    support_margin: float, support_distance: int,
) -> list[Link]:
    ea, eb = side_a.vectors, side_b.vectors
    va, ia = _topk(ea, eb, k)
    vb, ib = _topk(eb, ea, k)
    knn_a, knn_b = va.mean(axis=1), vb.mean(axis=1)

    def _margin(cos: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Ratio margin of rows ``x`` of side a and ``y`` of side b with cosines ``cos`` (-inf if lengths disagree)."""
        margin = cos / np.maximum((knn_a[x] + knn_b[y]) / 2, 1e-6)
        la, lb = side_a.lengths[x], side_b.lengths[y]
        ok = np.minimum(la, lb) >= min_length_ratio * np.maximum(la, lb)
        return np.where(ok, margin, -np.inf)

    def score(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ratio margin and cosine of rows ``x`` of side a and ``y`` of side b."""
        cos = ea.dots(x, eb, y)
        return _margin(cos, x, y), cos

    # candidates: each row's k nearest neighbours, from both sides, in (x, y) order; their
    # cosines are the search's (exact: the same number from either side's product)
    xs = np.concatenate([np.repeat(np.arange(len(ia)), ia.shape[1]), ib.ravel()])
    ys = np.concatenate([ia.ravel(), np.repeat(np.arange(len(ib)), ib.shape[1])])
    cs = np.concatenate([va.ravel(), vb.ravel()])
    pairs, first = np.unique(np.stack([xs, ys], axis=1), axis=0, return_index=True)
    xs, ys, cos = pairs[:, 0], pairs[:, 1], cs[first]
    margin = _margin(cos, xs, ys)
    keep = margin >= min(min_margin, support_margin)
    # every occurrence of the two texts; then mutual best seeds within each pair of
    # documents, grown along their diagonals (align.wirecopy.seeds)
    rows = [((da, db), sa, sb, float(m), float(c))
            for x, y, m, c in zip(xs[keep], ys[keep], margin[keep], cos[keep])
            for da, sa in side_a.members[x] for db, sb in side_b.members[y]]
    seeds = mutual_seeds(rows, min_margin, support_margin, support_distance)

    def pair_score(da: int, sa: int, db: int, sb: int) -> tuple[float, float] | None:
        x, y = side_a.row.get((da, sa)), side_b.row.get((db, sb))
        if x is None or y is None:
            return None
        m, c = score(np.array([x]), np.array([y]))
        return float(m[0]), float(c[0])

    links = []
    for (da, db), matched in seeds.items():
        grow_along_diagonals(matched, lambda sa, sb, da=da, db=db: pair_score(da, sa, db, sb), extend_margin)
        for sa, (sb, m, c) in matched.items():
            links.append(Link(da, sa, sa, db, sb, sb, c, 1.0, m, cross=True))
    return links
