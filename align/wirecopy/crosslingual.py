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

Within each pair of documents only mutual best matches are kept, and consecutive
matches form passages: one sentence alone needs a high margin, a run of several needs
less, because chance rarely lines up consecutive sentences in both documents.
"""

from __future__ import annotations

import numpy as np

from align.types import Document
from align.wirecopy.passages import Link

_BLOCK = 2048


def _topk(queries: np.ndarray, base: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` cosines (descending) and their indices in ``base`` for each query row."""
    k = min(k, len(base))
    values = np.empty((len(queries), k), dtype=np.float32)
    index = np.empty((len(queries), k), dtype=np.int64)
    for lo in range(0, len(queries), _BLOCK):
        sims = queries[lo : lo + _BLOCK] @ base.T
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(sims, part, axis=1)
        order = np.argsort(-vals, axis=1)
        values[lo : lo + _BLOCK] = np.take_along_axis(vals, order, axis=1)
        index[lo : lo + _BLOCK] = np.take_along_axis(part, order, axis=1)
    return values, index


def translated_links(
    docs: list[Document],
    embeddings: list[np.ndarray],
    *,
    neighbours: int,
    min_margin: float,
    min_chars: int,
) -> list[Link]:
    """Mutually best, margin-scored sentence pairs between documents of different languages.

    ``embeddings[d]`` holds the unit embeddings of ``docs[d]``'s sentences. Each link is
    one sentence pair; its ``score`` is the cosine and ``margin`` the ratio margin.
    """
    by_lang: dict[str, list[tuple[int, int]]] = {}
    for d, doc in enumerate(docs):
        for s in doc.sentences:
            if len(s.text.strip()) >= min_chars:
                by_lang.setdefault(doc.lang, []).append((d, s.id))
    langs = sorted(by_lang)
    links: list[Link] = []
    for i, la in enumerate(langs):
        for lb in langs[i + 1 :]:
            links.extend(_pair_links(docs, embeddings, by_lang[la], by_lang[lb], neighbours, min_margin))
    return links


def _pair_links(
    docs: list[Document], embeddings: list[np.ndarray], owners_a: list[tuple[int, int]],
    owners_b: list[tuple[int, int]], k: int, min_margin: float,
) -> list[Link]:
    ea = np.stack([embeddings[d][s] for d, s in owners_a]).astype(np.float32)
    eb = np.stack([embeddings[d][s] for d, s in owners_b]).astype(np.float32)
    va, ia = _topk(ea, eb, k)
    vb, ib = _topk(eb, ea, k)
    knn_a, knn_b = va.mean(axis=1), vb.mean(axis=1)
    # candidates: each sentence's k nearest neighbours, from both sides
    cand = {(x, int(y)) for x in range(len(ea)) for y in ia[x]}
    cand |= {(int(x), y) for y in range(len(eb)) for x in ib[y]}
    xs = np.fromiter((c[0] for c in cand), dtype=np.int64, count=len(cand))
    ys = np.fromiter((c[1] for c in cand), dtype=np.int64, count=len(cand))
    cos = np.einsum("ij,ij->i", ea[xs], eb[ys])
    margin = cos / np.maximum((knn_a[xs] + knn_b[ys]) / 2, 1e-6)
    keep = margin >= min_margin
    # mutual best within each pair of documents
    best_a: dict[tuple[int, int, int], tuple[float, int]] = {}
    best_b: dict[tuple[int, int, int], tuple[float, int]] = {}
    rows = []
    for x, y, m, c in zip(xs[keep], ys[keep], margin[keep], cos[keep]):
        (da, sa), (db, sb) = owners_a[x], owners_b[y]
        rows.append((da, sa, db, sb, float(m), float(c)))
        ka, kb = (da, db, sa), (da, db, sb)
        if m > best_a.get(ka, (-1.0, -1))[0]:
            best_a[ka] = (float(m), sb)
        if m > best_b.get(kb, (-1.0, -1))[0]:
            best_b[kb] = (float(m), sa)
    links = []
    for da, sa, db, sb, m, c in rows:
        if best_a[(da, db, sa)][1] == sb and best_b[(da, db, sb)][1] == sa:
            links.append(Link(da, sa, sa, db, sb, sb, c, 1.0, m, cross=True))
    return links
