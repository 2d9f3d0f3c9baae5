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
    best_a: dict[tuple[int, int], tuple[float, int]] = {}
    best_b: dict[tuple[int, int], tuple[float, int]] = {}
    rows = []
    for (x, r), c in sorted(pairs.items()):
        m = margin(c, x, r)
        if m < floor:
            continue
        d, sb = (int(v) for v in other.owners[r])
        sa = ids[x]
        rows.append((d, sa, sb, m, c))
        if m > best_a.get((d, sa), (-1.0, -1))[0]:
            best_a[(d, sa)] = (m, sb)
        if m > best_b.get((d, sb), (-1.0, -1))[0]:
            best_b[(d, sb)] = (m, sa)
    mutual: dict[int, dict[int, tuple[int, float, float]]] = {}
    for d, sa, sb, m, c in rows:
        if best_a[(d, sa)][1] == sb and best_b[(d, sb)][1] == sa:
            mutual.setdefault(d, {})[sa] = (sb, m, c)
    seeds: dict[int, dict[int, tuple[int, float, float]]] = {}
    for d, found in mutual.items():
        for sa, (sb, m, c) in found.items():
            if m >= config.margin_seed or (m >= config.margin_support and any(
                0 < abs(sa2 - sa) <= config.support_distance and sb2 - sa2 == sb - sa
                for sa2, (sb2, _, _) in found.items()
            )):
                seeds.setdefault(d, {})[sa] = (sb, m, c)

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
        used_b = {sb for sb, _, _ in matched.values()}
        for sa, (sb, _, _) in sorted(matched.items()):
            for step in (1, -1):  # dedup's extension: along the diagonal, bridging one weak pair
                na, nb = sa + step, sb + step
                while na not in matched and nb not in used_b and na >= 0 and nb >= 0:
                    scored = pair_score(d, na, nb)
                    if scored is not None and scored[0] >= config.margin_extend:
                        matched[na] = (nb, *scored)
                        used_b.add(nb)
                        na, nb = na + step, nb + step
                        continue
                    na2, nb2 = na + step, nb + step
                    if na2 in matched or nb2 in used_b or na2 < 0 or nb2 < 0:
                        break
                    beyond = pair_score(d, na2, nb2)
                    if beyond is None or beyond[0] < config.margin_extend:
                        break
                    if scored is not None:
                        matched[na] = (nb, *scored)
                        used_b.add(nb)
                    matched[na2] = (nb2, *beyond)
                    used_b.add(nb2)
                    na, nb = na2 + step, nb2 + step
        for sa, (sb, m, c) in sorted(matched.items()):
            links.append(Link(0, sa, sa, d, sb, sb, c, 1.0, m, cross=True))
    runs = [p for p in merge_links(links, config.gap) if p.weight >= 2]
    accepted = [p for p in runs
                if (p.margin - 1.0) * p.weight >= config.min_evidence and p.score >= config.cos_run]
    return sorted(merge_links(accepted, config.join_gap), key=lambda p: (p.a_first, p.b, p.b_first))
