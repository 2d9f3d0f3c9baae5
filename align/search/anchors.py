"""The anchor pass: a rough monotone 1-1 path that fixes where the fine search may look.

Like Bertalign's first pass, the anchor path is a maximum-weight monotone matching in
which only a sentence's few nearest neighbours carry weight and skipping is free. That
makes it robust to long stretches without counterpart (captions, OCR debris, an extra
paragraph): a sentence is pulled to its best match even when that match is far off the
diagonal. Unlike Bertalign, it never builds the full N x M similarity matrix for long
documents: it first aligns block averages of the documents (recursively, each level
halving the resolution) and only searches a band around the coarse path at full
resolution, so time and memory stay linear in document length.

Repeated text (a passage that occurs several times on both sides: boilerplate, a refrain,
a text concatenated with itself) needs one more rule at the block levels, see
:func:`copy_ranks`.
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


Copies = tuple[np.ndarray, np.ndarray]
"""Per vector (or block): how many copies of it its document holds, and which copy it is (0, 1, ...)."""


def copy_ranks(vecs: np.ndarray) -> Copies:
    """For each vector, how many bit-identical vectors its document holds (itself included)
    and how many of them come before it: its copy rank.

    Why: with a passage repeated on both sides, which copy of the target best matches a
    block of the source depends at the block levels on how the block boundaries fall, not
    on which copy it is. The copies of a passage are not identical blocks, since a copy's
    boundaries fall at a different phase in each copy (Tom Sawyer's 2,448 lines are no
    multiple of 32), so they do not tie: in each row and column of the coarsest level the
    copies whose boundaries happen to line up best scored highest, and with more copies
    than ``top_k`` the right one was often not among the ``k`` best of its row or its
    column. The path then ran a copy ahead or behind for thousands of lines (Tom Sawyer val
    repeated to 20,000 lines a side: strict F1 0.206, bench/RESULTS.md). A monotone
    alignment pairs the copies in order, the r-th occurrence of a passage on one side with
    the r-th on the other, and the copy rank says which occurrence a block is.
    Identical text has bit-identical vectors (the embedder embeds each distinct text once),
    so exact equality is the test; hashing the rows keeps it linear in time and small in memory.
    """
    keys = np.fromiter((hash(row.tobytes()) for row in vecs), dtype=np.int64, count=len(vecs))
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(inverse, kind="stable")  # each distinct vector's copies, in document order
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.empty(len(vecs), dtype=np.int64)
    rank[order] = np.arange(len(vecs)) - first[inverse[order]]
    return counts[inverse], rank


def block_copies(copies: Copies, factor: int) -> Copies:
    """:func:`copy_ranks` of the blocks of :func:`block_means`: those of each block's least
    repeated vector, so that a block counts as repeated only if all of it is, and a block
    within a copy of a passage has that copy's rank."""
    count, rank = copies
    pad = (-len(count)) % factor
    if pad:
        count = np.concatenate([count, count[-1:].repeat(pad)])
        rank = np.concatenate([rank, rank[-1:].repeat(pad)])
    count, rank = count.reshape(-1, factor), rank.reshape(-1, factor)
    rows = np.arange(len(count))
    pick = count.argmin(axis=1)
    return count[rows, pick], rank[rows, pick]


def _same_copy(src: Copies, tgt: Copies) -> np.ndarray | None:
    """The full band's cells (flat layout) that may anchor: all but those pairing a repeated
    source block with a repeated target block of another copy rank. None when that
    excludes no cell (then the search is exactly the one without the rule: a faithful
    pair's few repeated blocks, "Yes." / "No." dialogue, are usually of the same rank)."""
    (count_s, rank_s), (count_t, rank_t) = src, tgt
    rep_s, rep_t = count_s >= 2, count_t >= 2
    if not (rep_s.any() and rep_t.any()):
        return None
    same = ~(rep_s[:, None] & rep_t[None, :]) | (rank_s[:, None] == rank_t[None, :])
    if same.all():
        return None
    grid = np.zeros((len(count_s) + 1, len(count_t) + 1), dtype=bool)  # node (i, j): blocks i-1, j-1
    grid[1:, 1:] = same
    return grid.reshape(-1)


def _topk_weights(cos: np.ndarray, band: Band, m: int, k: int, eligible: np.ndarray | None = None) -> np.ndarray:
    """Keep a cell's cosine only if it is among the ``k`` best of its row or of its column.

    ``cos`` and the result are in the band's flat layout (band.py). ``eligible`` (a full
    band only) marks the cells that may be kept at all (:func:`_same_copy`); the others
    weigh 0, and the ``k`` best are counted among the eligible cells.
    """
    valid = cos > NEG / 2
    work = np.where(valid, cos, -np.inf)
    kk = min(k, band.width)

    if band.is_full():
        # every row spans every column: the flat layout is the matrix, row after row, and
        # the column top-k is a partition down the columns
        if eligible is not None:
            valid = valid & eligible  # an ineligible cell weighs as little as an unkept one
            work = np.where(eligible, work, -np.inf)
        grid = work.reshape(band.n + 1, band.m + 1)
        row_thr = -np.partition(-grid, kk - 1, axis=1)[:, kk - 1 : kk]
        keep = grid >= row_thr
        col_thr = -np.partition(-grid, min(k, grid.shape[0]) - 1, axis=0)[min(k, grid.shape[0]) - 1]
        keep |= grid >= col_thr[None, :]
        keep = keep.reshape(-1)
        if eligible is not None:
            return np.where(keep & valid, np.maximum(cos, 0.0), np.where(cos > NEG / 2, 0.0, NEG))
        return np.where(keep & valid, np.maximum(cos, 0.0), np.where(valid, 0.0, NEG))
    if eligible is not None:
        raise ValueError("eligible cells are for a full band only")
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


def anchor_path(
    src: np.ndarray, tgt: np.ndarray, band: Band, k: int, eligible: np.ndarray | None = None
) -> list[tuple[int, int, int, int]]:
    """The maximum-weight monotone 1-1 matching of ``src`` to ``tgt`` within ``band`` (free
    skips); ``eligible``: see :func:`_topk_weights`."""
    cos = band_dots(src, tgt, 1, 1, band)
    weights = _topk_weights(cos, band, band.m, k, eligible)
    zeros_s, zeros_t = np.zeros(band.n), np.zeros(band.m)
    return best_path(band, ANCHOR_TYPES, [weights], zeros_s, zeros_t)


def anchor_band(
    src: np.ndarray, tgt: np.ndarray, *, k: int, margin: int, full_cells: int, factor: int = 2,
    copies: tuple[Copies, Copies] | None = None,
) -> tuple[Band, list[tuple[int, int, int, int]]]:
    """Band in which to search, and the anchor path it was built around.

    Small documents get an anchor pass over every cell; longer ones recurse on block
    means and search only near the projected coarse path. ``copies`` (the recursion's:
    the source's and target's :func:`block_copies` at this level) is set on the block
    levels only. There, at the coarsest level, the only one that sees the whole
    document, a repeated source block anchors only to the same copy of a repeated target
    block (:func:`_same_copy`); the finer levels search near that path, where one copy
    lies. At the sentence level copies are not needed: there they are exact ties, and a
    row keeps every cell as good as its k-th best.
    """
    n, m = len(src), len(tgt)
    if (n + 1) * (m + 1) <= full_cells or min(n, m) < 2 * factor:
        search = Band.full(n, m)
        eligible = None if copies is None else _same_copy(*copies)
    else:
        if copies is None:  # the sentence level of a document long enough to recurse
            copies = (copy_ranks(src), copy_ranks(tgt))
        coarse_band, coarse_path = anchor_band(
            block_means(src, factor), block_means(tgt, factor),
            k=k, margin=margin, full_cells=full_cells, factor=factor,
            copies=(block_copies(copies[0], factor), block_copies(copies[1], factor)),
        )
        rects = [(i0 * factor, min(n, i1 * factor), j0 * factor, min(m, j1 * factor)) for i0, i1, j0, j1 in coarse_path]
        search = Band.around_path(n, m, rects, margin=max(margin, 2 * factor))
        eligible = None
    path = anchor_path(src, tgt, search, k, eligible)
    return search, path
