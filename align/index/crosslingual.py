"""Cross-lingual lookups in an index: translated passages of a queried document, by dedup's rules.

``align dedup`` finds a translation inside one collection (:mod:`align.wirecopy.crosslingual`):
each sentence's nearest neighbours in the other language, pairs scored by ratio margin
(the cosine over the mean cosine of both sentences to their ``k`` nearest neighbours),
mutual best pairs of two documents as seeds, grown along the diagonal, and runs kept
when their evidence and mean cosine are high enough. Here the collection is the queried
document plus the index: the neighbours of a queried sentence are found among the
indexed sentences of each other language (a usearch graph per language,
:mod:`align.index.vectors`), and those of an indexed sentence among the queried
document's sentences and the indexed sentences of the query's language, which is the
neighbourhood dedup would give it had the query been part of the collection. Every
threshold is dedup's (:class:`~align.wirecopy.finder.WireCopyConfig`): an index query
and ``align dedup`` accept the same passages.

Two of dedup's steps need the indexed sentences' text, which an index does not keep:
judging a lone pair (its word coverage) and widening a passage along a full alignment
of both documents. So a lookup reports runs of two or more translated sentences, never
a single sentence, and each passage covers the sentences that matched in order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from align.index.vectors import LanguageVectors, cosines, quantize
from align.types import Document
from align.wirecopy.finder import WireCopyConfig
from align.wirecopy.mining import mining_vectors
from align.wirecopy.passages import Link, merge_links
from align.wirecopy.seeds import grow_along_diagonals, mutual_seeds


def eligible(doc: Document, config: WireCopyConfig, exclude: set[int] = frozenset()) -> list[int]:
    """Sentence ids of ``doc`` that take part in the cross-lingual search (dedup's ``min_chars``)."""
    return [s.id for s in doc.sentences if len(s.text.strip()) >= config.min_chars and s.id not in exclude]


def sentence_vectors(encoder, doc: Document, ids: list[int], half_weight: float) -> np.ndarray:
    """The int8 mining vectors of sentences ``ids`` of ``doc`` (through the encoder's cache)."""
    if not ids:
        return np.zeros((0, 0), np.int8)
    return quantize(mining_vectors(encoder, [doc.sentences[i].text for i in ids], half_weight))


def _mean_top(values: np.ndarray, k: int) -> np.ndarray:
    """Mean of each row's ``k`` largest finite values (fewer when fewer exist; 0 when none)."""
    v = np.where(np.isfinite(values), values, -np.inf)
    k = min(k, v.shape[1])
    if k == 0:
        return np.zeros(len(v))
    top = -np.sort(-v, axis=1)[:, :k]
    ok = np.isfinite(top)
    return np.where(ok, top, 0.0).sum(axis=1) / np.maximum(ok.sum(axis=1), 1)


def translated_passages(
    doc: Document, ids: list[int], qvec: np.ndarray, other: LanguageVectors, same: LanguageVectors | None,
    lengths: Callable[[np.ndarray], np.ndarray], skip_doc: Callable[[int], bool], config: WireCopyConfig,
) -> list[Link]:
    """Accepted translated passages between ``doc`` (link side a, document 0) and the indexed
    documents of one other language (side b, by document id).

    ``ids``/``qvec``: the eligible sentences of ``doc`` and their int8 vectors; ``other``:
    the indexed vectors of the other language; ``same``: those of ``doc``'s language (part
    of an indexed sentence's neighbourhood); ``lengths(rows)``: character lengths of
    indexed rows; ``skip_doc(id)``: documents left out (the queried document itself, if indexed).
    """
    k = config.neighbours
    if not ids or not len(other):
        return []
    ia, va = other.search(qvec, k)
    knn_a = _mean_top(va, k)
    qlen = np.array([len(doc.sentences[i].text.strip()) for i in ids], dtype=np.float64)
    at = {sid: x for x, sid in enumerate(ids)}
    knn_b: dict[int, float] = {}
    near_b: dict[int, np.ndarray] = {}  # an indexed row's cosines to the queried sentences

    def neighbourhood(rows: list[int]) -> None:
        """``knn_b`` of indexed rows: their ``k`` nearest among the query's language."""
        new = sorted({r for r in rows if r not in knn_b})
        if not new:
            return
        vec = other.vectors[new]
        here = cosines(vec, qvec)
        found = [here]
        if same is not None and len(same):
            rs, cs = same.search(vec, k + 1)  # one more: the queried document may be indexed too
            owner = same.owners[np.maximum(rs, 0), 0]
            skipped = np.vectorize(skip_doc, otypes=[bool])(owner) if owner.size else np.zeros(owner.shape, bool)
            cs = np.where((rs >= 0) & ~skipped, cs, -np.inf)
            found.append(cs)
        means = _mean_top(np.concatenate(found, axis=1), k)
        for j, r in enumerate(new):
            knn_b[r], near_b[r] = float(means[j]), here[j]

    def margin(cos: float, x: int, y: int) -> float:
        ly = float(lengths(np.array([y]))[0])
        if min(qlen[x], ly) < config.length_ratio * max(qlen[x], ly):
            return -np.inf
        return cos / max((knn_a[x] + knn_b[y]) / 2, 1e-6)

    cand = sorted({int(r) for r in ia.ravel() if r >= 0})
    cand = [r for r in cand if not skip_doc(int(other.owners[r, 0]))]
    neighbourhood(cand)
    pairs: dict[tuple[int, int], float] = {}
    for x in range(len(ids)):
        for r, c in zip(ia[x], va[x]):
            if r >= 0 and int(r) in knn_b:
                pairs[(x, int(r))] = float(c)
    for r in cand:  # the indexed side's view: the queried sentences among its k nearest
        for x in np.argsort(-near_b[r], kind="stable")[:k]:
            pairs.setdefault((int(x), r), float(near_b[r][x]))
    floor = min(config.margin_seed, config.margin_support)
    rows = []
    for (x, r), c in sorted(pairs.items()):
        m = margin(c, x, r)
        if m >= floor:
            d, sb = (int(v) for v in other.owners[r])
            rows.append((d, ids[x], sb, m, c))
    seeds = mutual_seeds(rows, config.margin_seed, config.margin_support, config.support_distance)

    def pair_score(d: int, sa: int, sb: int) -> tuple[float, float] | None:
        x, y = at.get(sa), other.row_of(d, sb)
        if x is None or y is None:
            return None
        neighbourhood([y])
        c = float(cosines(qvec[x:x + 1], other.vectors[y:y + 1])[0, 0])
        return margin(c, x, y), c

    links = []
    for d in sorted(seeds):
        matched = seeds[d]
        grow_along_diagonals(matched, lambda sa, sb, d=d: pair_score(d, sa, sb), config.margin_extend)
        for sa, (sb, m, c) in sorted(matched.items()):
            links.append(Link(0, sa, sa, d, sb, sb, c, 1.0, m, cross=True))
    runs = [p for p in merge_links(links, config.gap) if p.weight >= 2]
    accepted = [p for p in runs
                if (p.margin - 1.0) * p.weight >= config.min_evidence and p.score >= config.cos_run]
    return sorted(merge_links(accepted, config.join_gap), key=lambda p: (p.a_first, p.b, p.b_first))
