"""The search on adapted translations (issue 18): a sentence that matches nothing where
the first path puts it, though it matches something elsewhere, is left unmatched rather
than taken into the bead beside it (align/search/aligner.py, the second pass)."""

from __future__ import annotations

import numpy as np

from align.search import SearchConfig, align_windows


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _windows(vectors: np.ndarray, k: int = 4) -> list[np.ndarray]:
    out = []
    for size in range(1, k + 1):
        rows = [vectors[i:i + size].sum(axis=0) for i in range(len(vectors) - size + 1)]
        out.append(_unit(np.array(rows).reshape(-1, vectors.shape[1])))
    return out


def test_an_added_sentence_that_matches_a_sentence_elsewhere_is_not_absorbed() -> None:
    """14 source sentences, their loose translations (cosine about 0.6), and one target
    sentence added after target 7 that resembles source 4 (same topic, cosine 0.86) and
    nothing near where it stands. Source 7 is twice as long as target 7, so a 1-2 bead
    source 7 : target 7 + the added sentence agrees better in length; priced by its match
    with source 4, leaving the added sentence out cost more than that bead, and the first
    path took it in. The second pass prices it by what it matches where it stands: the
    added sentence is left unmatched and every other sentence keeps its 1-1 bead."""
    rng = np.random.default_rng(22)
    src = _unit(rng.normal(size=(14, 32)))
    tgt = _unit(src * 0.6 + 0.8 * _unit(rng.normal(size=(14, 32))))
    added = _unit(src[4] * 0.6 + _unit(rng.normal(size=32)) * 0.4)
    assert float(added @ src[4]) > 0.8 and float(added @ src[7]) < 0.0
    tgt = np.vstack([tgt[:8], added[None], tgt[8:]])
    src_len, tgt_len = np.full(14, 60.0), np.full(15, 60.0)
    src_len[7] = 120.0
    beads = align_windows(_windows(src), _windows(tgt), src_len, tgt_len, SearchConfig())
    expected = [((i,), (i,)) for i in range(8)] + [((), (8,))] + [((i,), (i + 1,)) for i in range(8, 14)]
    assert [(b.src, b.tgt) for b in beads] == expected
