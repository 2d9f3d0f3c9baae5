"""Bead scores over a band, computed as small dense matrix products.

Scores for every bead type are laid out like the DP's nodes, in the band's flat (ragged)
layout: entry ``band.index(i, j)`` is the bead ending at node ``(i, j)`` (see band.py). They are computed block by block: a block of rows needs
only the columns its band rows span, so each block is one BLAS product of a few hundred
windows against a few hundred windows, and the whole band costs time linear in its size.
The products are exact (:func:`align.exact.exact_dots`), so a cosine is the same float64
whatever the block size, the band or the BLAS kernel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from align.exact import exact_dots, quantize_rows, single_threaded_blas
from align.search.band import Band
from align.search.windows import Windows, WindowSource, as_source, rows_at

NEG = -1e18
# Rows per product block: a block's product spans the columns of all its rows, so on a
# narrow band small blocks waste less (64 rows measured best at the usual median
# width of 13-30); wide bands (unrelated documents) get bigger blocks, up to _BLOCK_MAX.
_BLOCK_MIN, _BLOCK_MAX = 64, 256


def band_dots(
    src_win: np.ndarray, tgt_win: np.ndarray, src_off: int, tgt_off: int, band: Band, fill: float = NEG
) -> np.ndarray:
    """Dot products laid out on the band: ``out[band.index(i, j)] = src_win[i - src_off] . tgt_win[j - tgt_off]``.

    With unit windows this is their cosine. For a bead of type
    ``(a, b)`` ending at ``(i, j)`` the offsets are ``(a, b)``; other offsets reach the
    sentences next to a bead (for margins). Entries whose window index falls outside the
    arrays get ``fill``.
    """
    out = np.empty(band.cells, dtype=np.float64)
    band_dots_many(src_win, tgt_win, band, [(src_off, tgt_off, fill, out, False)])
    return out


Layout = tuple[int, int, float, np.ndarray, bool]
"""A request to :func:`band_dots_many`: ``(src_off, tgt_off, fill, out, add)``."""


def band_dots_many(src_win: np.ndarray, tgt_win: np.ndarray, band: Band, layouts: list[Layout]) -> None:
    """Several :func:`band_dots` layouts of the same two window arrays, from one product.

    A bead's score reads the same pair of window sizes at several offsets (the bead
    itself and the sentences beside it), and the offsets differ by a sentence or two, so
    one block product over the band, widened by the largest offsets, holds them all: the
    matrix work is done once per pair of window sizes instead of once per offset (it was
    most of the search's time). Each layout ``(src_off, tgt_off, fill, out, add)`` is
    written into ``out`` (the band's flat layout, ``band.cells`` long), or added to it when ``add``.
    """
    _band_dots_blocks([(lambda a, b: src_win[a:b], len(src_win), lambda a, b: tgt_win[a:b], len(tgt_win), layouts)],
                      band)


Rows = Callable[[int, int], np.ndarray]
"""Rows ``lo .. hi - 1`` of one size of windows (a slice of an array, or built on demand)."""


def band_dots_pairs(src: Windows, tgt: Windows, band: Band, requests: dict[tuple[int, int], list[Layout]],
                    rows: tuple[int, int] | None = None) -> None:
    """:func:`band_dots_many` for several pairs of window sizes (``requests[(a, b)]``: the
    layouts of source size ``a`` against target size ``b``), a band chunk at a time.

    Why a chunk at a time for all pairs rather than a pass over the band per pair: the
    windows then need to exist only for the rows of the chunk being scored, so a
    :class:`~align.search.windows.WindowSource` can build them there (clause windows of a
    long document: :mod:`align.embed.staged`) instead of holding every size for the whole
    document. The products are exact, so the scores are the same bits either way.

    ``rows`` ``(r0, r1)``: only band rows ``r0 .. r1 - 1``; the layouts' ``out`` arrays then
    hold those rows' cells alone (``band.start[r0] .. band.start[r1]``).
    """
    src_s, tgt_s = as_source(src), as_source(tgt)
    jobs = [(_rows_of(src_s, a), src_s.count(a), _rows_of(tgt_s, b), tgt_s.count(b), layouts)
            for (a, b), layouts in requests.items()]
    _band_dots_blocks(jobs, band, rows)


def _rows_of(source: WindowSource, k: int) -> Rows:
    return lambda lo, hi: source.rows(k, lo, hi)


def _band_dots_blocks(jobs: list[tuple[Rows, int, Rows, int, list[Layout]]], band: Band,
                      rows: tuple[int, int] | None = None) -> None:
    """The work of :func:`band_dots_many` for each job ``(src rows, src count, tgt rows,
    tgt count, layouts)``, band chunk by band chunk (every job's chunk before the next),
    over band rows ``rows`` (all by default; see :func:`band_dots_pairs`)."""
    first_row, end_row = rows if rows is not None else (0, band.n + 1)
    step = int(np.clip(2 * np.median(band.hi - band.lo), _BLOCK_MIN, _BLOCK_MAX))
    prepared = []
    for src_rows, ns, tgt_rows, nt, layouts in jobs:
        src_offs = np.array([o[0] for o in layouts], dtype=np.int64)
        tgt_offs = np.array([o[1] for o in layouts], dtype=np.int64)
        fills = np.array([o[2] for o in layouts], dtype=np.float64)[:, None]
        prepared.append((src_rows, ns, tgt_rows, nt, layouts, src_offs, tgt_offs, fills))
    with single_threaded_blas():  # small products: BLAS threads only cost time (see there)
        for r0 in range(first_row, end_row, step):
            r1 = min(end_row, r0 + step)
            for src_rows, ns, tgt_rows, nt, layouts, src_offs, tgt_offs, fills in prepared:
                _block(src_rows, ns, tgt_rows, nt, layouts, src_offs, tgt_offs, fills, band, r0, r1,
                       int(band.start[first_row]))


def _block(src_rows: Rows, ns: int, tgt_rows: Rows, nt: int, layouts: list[Layout], src_offs: np.ndarray,
           tgt_offs: np.ndarray, fills: np.ndarray, band: Band, r0: int, r1: int, cell0: int) -> None:
    """One band chunk (rows ``r0 .. r1 - 1``) of one job of :func:`_band_dots_blocks`; the
    layouts' ``out`` arrays start at cell ``cell0``."""
    start = band.start
    s_min, s_max = int(src_offs.min()), int(src_offs.max())
    t_min, t_max = int(tgt_offs.min()), int(tgt_offs.max())
    lo, hi = band.lo[r0:r1], band.hi[r0:r1]
    s0, s1 = int(start[r0]), int(start[r1])
    # the windows any layout reads for these rows
    p0, p1 = max(0, r0 - s_max), min(ns, r1 - s_min)
    q0, q1 = max(0, int(lo[0]) - t_max), min(nt, int(hi[-1]) - t_min)
    if p0 < p1 and q0 < q1:
        # exact dot products (align.exact): a cosine must not depend on the block it
        # falls in or on the BLAS kernel, or a printed score's last digit would
        block = exact_dots(src_rows(p0, p1), tgt_rows(q0, q1))
        # all layouts at once: (layout, cell) indices into the block, built in
        # place (a block's index arrays are the search's largest temporaries); its
        # rows' parts are computed per row and repeated over each row's cells, and
        # nothing is read from band.rows/cols, so that an anchor pass over a full
        # band never holds those for all its cells
        w = hi - lo
        p = np.arange(r0, r1)[None, :] - src_offs[:, None]  # (layout, row)
        row_ok = (p >= 0) & (p < ns)
        # gather indices kept in bounds with raw ufuncs (np.clip's wrapper dominates here)
        base = np.minimum(np.maximum(p - p0, 0), block.shape[0] - 1) * block.shape[1]
        first = start[r0:r1] - s0 - lo  # cell k of the block is column k - first[its row]
        q = np.arange(s1 - s0)[None, :] - np.repeat(first, w)[None, :] - tgt_offs[:, None]
        ok = q >= 0
        ok &= q < nt
        ok &= np.repeat(row_ok, w, axis=1)
        q -= q0
        np.maximum(q, 0, out=q)
        np.minimum(q, block.shape[1] - 1, out=q)
        q += np.repeat(base, w, axis=1)
        parts = block.ravel()[q]
        del q
        np.copyto(parts, np.broadcast_to(fills, parts.shape), where=~ok)
    else:
        parts = np.broadcast_to(fills, (len(layouts), s1 - s0))
    for part, (_, _, _, out, add) in zip(parts, layouts):
        if add:
            out[s0 - cell0:s1 - cell0] += part
        else:
            out[s0 - cell0:s1 - cell0] = part


def bead_cosines(src: Windows, tgt: Windows, beads: list[tuple[int, int, int, int]]) -> np.ndarray:
    """Cosine of the windows of each bead ``(i0, a, j0, b)`` (source items ``i0 .. i0 + a - 1``,
    target items ``j0 .. j0 + b - 1``): the number the band's products held for it, bit for
    bit. Why not kept from the band: one float64 per cell and bead type was a third of the
    search's arrays, for the few cells the path takes.

    Exact as :func:`align.exact.exact_dots` is: each row rounded on its own, the products
    of the rounded rows integers whose sums are exact in any order.
    """
    out = np.zeros(len(beads), dtype=np.float64)
    src_s, tgt_s = as_source(src), as_source(tgt)
    # beads in document order, a block at a time (the rounded rows are float64), each
    # block's beads grouped by type, their windows read where they start (rows_at): a
    # source that builds windows where they are read (align.embed.staged) computes just
    # those rows; reading them page by page, grouped by type over the whole path, built
    # the document's pages again for every type (5.5 passes at 10,000 sentences)
    for c in range(0, len(beads), _COSINE_BEADS):
        groups: dict[tuple[int, int], list[int]] = {}
        for k in range(c, min(c + _COSINE_BEADS, len(beads))):
            groups.setdefault((beads[k][1], beads[k][3]), []).append(k)
        for (a, b), ks in groups.items():
            left = rows_at(src_s, a, [beads[k][0] for k in ks])
            right = rows_at(tgt_s, b, [beads[k][2] for k in ks])
            qa, sa = quantize_rows(left)
            qb, sb = quantize_rows(right)
            dots = np.einsum("ij,ij->i", qa, qb)  # integers below 2**53: exact in any order
            dots *= sa
            dots *= sb
            out[ks] = dots
    return out


#: Beads whose cosines :func:`bead_cosines` computes at once (their rounded windows are 4 MB
#: with 512-d vectors).
_COSINE_BEADS = 1024

def length_agreement(ls: np.ndarray, lt: np.ndarray, ratio: float) -> np.ndarray:
    """``log2(1 + short/long)`` of the two sides' lengths (target scaled by the documents' ratio).

    1 when the lengths agree, falling towards 0 as they diverge: translations keep their
    length roughly proportional, which separates a true 1-2 bead from one that swallows a
    neighbouring sentence.
    """
    lt = lt * ratio
    short = np.minimum(ls, lt)
    long = np.maximum(np.maximum(ls, lt), 1.0)
    return np.log2(1.0 + short / long)


def bead_scores(
    src_win: Windows,
    tgt_win: Windows,
    src_len: np.ndarray,
    tgt_len: np.ndarray,
    types: list[tuple[int, int]],
    band: Band,
    baseline: float,
    src_breaks: np.ndarray | None = None,
    tgt_breaks: np.ndarray | None = None,
    break_cost: float = 0.0,
    size_cost: float = 0.0,
    src_clauses: np.ndarray | None = None,
    tgt_clauses: np.ndarray | None = None,
    clause_cost: float = 0.0,
    *,
    positive_only: bool = False,
) -> np.ndarray:
    """DP scores (one ``(types, band.cells)`` array in the band's flat layout, as the DP
    reads them) for every bead type on the band: ``NEG`` where the bead does not exist
    (its windows fall outside the documents) and, with ``positive_only``, where its
    windows' cosine is not above 0. The cosines themselves are not kept (a bead's is
    :func:`bead_cosine`).

    The DP score is the windows' cosine minus the mean similarity of each window to the
    sentences just outside the other window (a local margin: a bead is only good if its
    windows match each other better than they match their neighbours), times the length
    agreement. Missing neighbours at document edges count as ``baseline`` (the cosine of
    unrelated sentences), which neither rewards nor punishes edge beads.

    ``*_breaks[k]`` is true when a paragraph ends after sentence ``k``. Translators keep
    paragraphs, so a side whose sentences cross a paragraph break that the other side does
    not cross costs ``break_cost`` per unmatched break: this keeps a stray paragraph (a
    quote only one version carries) from being swallowed by its neighbour's good match.

    ``*_clauses[k]`` is true when sentence ``k`` ends at a clause mark; a bead whose last
    source and last target sentences end at boundaries of different strength costs
    ``clause_cost`` (the same for every bead type, so it moves where a bead ends, not
    how big it is).
    """
    ratio = float(src_len.sum() / max(tgt_len.sum(), 1.0))
    cs = np.concatenate(([0.0], np.cumsum(src_len)))
    ct = np.concatenate(([0.0], np.cumsum(tgt_len)))
    charge_breaks = bool(break_cost) and src_breaks is not None and tgt_breaks is not None
    charge_clauses = bool(clause_cost) and src_clauses is not None and tgt_clauses is not None
    scores = np.empty((len(types), band.cells))
    # a chunk of band rows at a time: a type's cosines and neighbour sums are needed only
    # until its scores are written, so they cost a chunk's cells, not the band's (they
    # were two thirds of the search's arrays: 20 float64 per cell beside the scores' 10)
    for r0, r1 in _cell_chunks(band):
        c0, c1 = int(band.start[r0]), int(band.start[r1])
        i = np.repeat(np.arange(r0, r1, dtype=np.int64), band.hi[r0:r1] - band.lo[r0:r1])
        j = np.arange(c0, c1, dtype=np.int64) - np.repeat(band.start[r0:r1] - band.lo[r0:r1], band.hi[r0:r1] - band.lo[r0:r1])
        clause_mismatch = None
        if charge_clauses:
            assert src_clauses is not None and tgt_clauses is not None
            clause_mismatch = clause_cost * _mismatch_at(src_clauses, tgt_clauses, i, j)
        # every layout of the same pair of window sizes comes from one product
        shape = (c1 - c0,)
        cos_of = {t: np.empty(shape) for t in types}
        neighbours_of = {t: np.zeros(shape) for t in types}
        requests: dict[tuple[int, int], list[Layout]] = {}
        for a, b in types:
            nb = neighbours_of[(a, b)]
            requests.setdefault((a, b), []).append((a, b, NEG, cos_of[(a, b)], False))
            requests.setdefault((a, 1), []).extend([(a, 0, baseline, nb, True), (a, b + 1, baseline, nb, True)])
            requests.setdefault((1, b), []).extend([(0, b, baseline, nb, True), (a + 1, b, baseline, nb, True)])
        band_dots_pairs(src_win, tgt_win, band, requests, rows=(r0, r1))
        for t, (a, b) in enumerate(types):
            cos = cos_of.pop((a, b))
            ok = cos > NEG / 2
            if positive_only:
                ok &= cos > 0.0
            neighbours = neighbours_of.pop((a, b))
            neighbours /= 4.0
            ls = cs[i] - cs[np.clip(i - a, 0, band.n)]
            lt = ct[j] - ct[np.clip(j - b, 0, band.m)]
            score = (cos - neighbours) * length_agreement(ls, lt, ratio)
            score = score - size_cost * (a + b - 2)
            if charge_breaks:
                assert src_breaks is not None and tgt_breaks is not None
                crossings = np.abs(_breaks_at(src_breaks, a, i) - _breaks_at(tgt_breaks, b, j))
                score = score - break_cost * crossings
            if clause_mismatch is not None:
                score = score - clause_mismatch
            np.copyto(scores[t, c0:c1], np.where(ok, score, NEG))
    return scores


#: Band cells scored at a time by :func:`bead_scores` (whole rows; a wider row is a chunk of its own).
SCORE_CELLS = 1 << 18


def _cell_chunks(band: Band, cells: int | None = None) -> list[tuple[int, int]]:
    """Consecutive ranges of band rows ``0 .. n`` of about ``cells`` cells each
    (default :data:`SCORE_CELLS`)."""
    cells = SCORE_CELLS if cells is None else cells
    start = band.start
    out: list[tuple[int, int]] = []
    r0 = 0
    while r0 <= band.n:
        r1 = int(np.searchsorted(start, start[r0] + cells, side="right")) - 1
        r1 = min(max(r1, r0 + 1), band.n + 1)
        out.append((r0, r1))
        r0 = r1
    return out


def _breaks_at(breaks: np.ndarray, size: int, end: np.ndarray) -> np.ndarray:
    """Paragraph breaks inside the ``size``-sentence window of one side ending at each of
    ``end`` (the cells' rows, for the source, or columns, for the target)."""
    if size < 2 or len(breaks) == 0:
        return np.zeros(len(end))
    inner = np.concatenate(([0], np.cumsum(breaks.astype(np.int64))))
    limit = len(inner) - 1
    counts = inner[np.clip(end - 1, 0, limit)] - inner[np.clip(end - size, 0, limit)]
    return counts.astype(np.float64)


def _mismatch_at(src_flags: np.ndarray, tgt_flags: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """1.0 where the beads ending at nodes ``(i, j)`` end on flags that differ, else 0.0.

    A bead ending at node ``(i, j)`` ends with source sentence ``i - 1`` and target
    sentence ``j - 1``; row 0 and column 0 (nothing ended yet) count as unflagged.
    """
    src = np.concatenate(([False], np.asarray(src_flags, dtype=bool)))
    tgt = np.concatenate(([False], np.asarray(tgt_flags, dtype=bool)))
    return (src[i] != tgt[j]).astype(np.float64)
