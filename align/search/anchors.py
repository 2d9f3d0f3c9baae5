"""The anchor pass: a rough monotone 1-1 path that fixes where the fine search may look.

Like Bertalign's first pass, the anchor path is a maximum-weight monotone matching in
which only a sentence's few nearest neighbours carry weight and skipping is free. That
makes it robust to long stretches without counterpart (captions, OCR debris, an extra
paragraph): a sentence is pulled to its best match even when that match is far off the
diagonal. Unlike Bertalign, it never builds the full N x M similarity matrix for long
documents: it first aligns block averages of the documents (recursively, each level
halving the resolution) and only searches a band around the coarse path at full
resolution, so time and memory stay linear in document length.
"""

from __future__ import annotations

import numpy as np

from align.search.band import Band
from align.search.dp import best_path
from align.search.scoring import NEG, band_dots

ANCHOR_TYPES = [(1, 1)]


def block_means(vecs: np.ndarray, factor: int) -> np.ndarray:
    """Unit-normalised means of consecutive blocks of ``factor`` vectors (the coarser resolution)."""
    n = len(vecs)
    pad = (-n) % factor
    if pad:
        vecs = np.concatenate([vecs, vecs[-1:].repeat(pad, axis=0)])
    means = vecs.reshape(-1, factor, vecs.shape[1]).mean(axis=1)
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return (means / np.maximum(norms, 1e-12)).astype(vecs.dtype)


def _topk_weights(cos: np.ndarray, band: Band, m: int, k: int) -> np.ndarray:
    """Keep a cell's cosine only if it is among the ``k`` best of its row or of its column.

    ``cos`` and the result are in the band's flat layout (band.py).
    """
    valid = cos > NEG / 2
    work = np.where(valid, cos, -np.inf)
    kk = min(k, band.width)

    if band.is_full():
        # every row spans every column: the flat layout is the matrix, row after row, and
        # the column top-k is a partition down the columns
        grid = work.reshape(band.n + 1, band.m + 1)
        row_thr = -np.partition(-grid, kk - 1, axis=1)[:, kk - 1 : kk]
        keep = grid >= row_thr
        col_thr = -np.partition(-grid, min(k, grid.shape[0]) - 1, axis=0)[min(k, grid.shape[0]) - 1]
        keep |= grid >= col_thr[None, :]
        keep = keep.reshape(-1)
        return np.where(keep & valid, np.maximum(cos, 0.0), np.where(valid, 0.0, NEG))
    # a row's k-th best, a block of rows at a time (padded with -inf, which a row with
    # fewer than k cells then takes as its threshold: all its cells are kept)
    row_thr = np.empty(band.n + 1)
    for r0, r1, w in band.row_chunks():
        block = band.dense_rows(work, r0, r1, max(w, kk), -np.inf)
        row_thr[r0:r1] = -np.partition(-block, kk - 1, axis=1)[:, kk - 1]
    keep = work >= row_thr[band.rows]
    flat_v, flat_c = work[valid], band.cols[valid]
    order = np.lexsort((-flat_v, flat_c))
    sorted_c = flat_c[order]
    starts = np.searchsorted(sorted_c, np.arange(m + 2))
    rank = np.arange(len(order)) - starts[sorted_c]
    col_keep = np.zeros(len(order), dtype=bool)
    col_keep[order] = rank < k
    keep_flat = keep[valid] | col_keep
    keep = np.zeros_like(valid)
    keep[valid] = keep_flat
    return np.where(keep, np.maximum(cos, 0.0), np.where(valid, 0.0, NEG))


def anchor_path(src: np.ndarray, tgt: np.ndarray, band: Band, k: int) -> list[tuple[int, int, int, int]]:
    """The maximum-weight monotone 1-1 matching of ``src`` to ``tgt`` within ``band`` (free skips)."""
    cos = band_dots(src, tgt, 1, 1, band)
    weights = _topk_weights(cos, band, band.m, k)
    zeros_s, zeros_t = np.zeros(band.n), np.zeros(band.m)
    return best_path(band, ANCHOR_TYPES, [weights], zeros_s, zeros_t)


def anchor_band(
    src: np.ndarray, tgt: np.ndarray, *, k: int, margin: int, full_cells: int, factor: int = 2
) -> tuple[Band, list[tuple[int, int, int, int]]]:
    """Band in which to search, and the anchor path it was built around.

    Small documents get an anchor pass over every cell; longer ones recurse on block
    means and search only near the projected coarse path.
    """
    n, m = len(src), len(tgt)
    if (n + 1) * (m + 1) <= full_cells or min(n, m) < 2 * factor:
        search = Band.full(n, m)
    else:
        coarse_band, coarse_path = anchor_band(
            block_means(src, factor), block_means(tgt, factor),
            k=k, margin=margin, full_cells=full_cells, factor=factor,
        )
        rects = [(i0 * factor, min(n, i1 * factor), j0 * factor, min(m, j1 * factor)) for i0, i1, j0, j1 in coarse_path]
        search = Band.around_path(n, m, rects, margin=max(margin, 2 * factor))
    path = anchor_path(src, tgt, search, k)
    return search, path
