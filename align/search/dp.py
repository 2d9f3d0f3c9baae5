"""Dynamic programming over a band: bead scores in, the best-scoring bead path out.

The recurrence is the one every sentence aligner uses (Gale-Church, Bleualign, Vecalign,
Bertalign): the best path to node ``(i, j)`` ends with a bead of some type ``(a, b)`` and
comes from node ``(i - a, j - b)``. Rows are processed one at a time and each row is a
handful of numpy operations over its band columns, so the Python overhead is per row,
not per cell. Insertions (``0-1`` beads) stay within a row; their chain is resolved with
a cumulative maximum instead of a Python loop.
"""

from __future__ import annotations

import numpy as np

from align.progress import steps
from align.search.band import Band

NEG = -1e18


def best_path(
    band: Band,
    types: list[tuple[int, int]],
    scores: list[np.ndarray] | np.ndarray,
    src_skip: np.ndarray,
    tgt_skip: np.ndarray,
) -> list[tuple[int, int, int, int]]:
    """Return the best path as beads ``(i0, i1, j0, j1)``: source ``i0:i1`` with target ``j0:j1``.

    ``types`` are the matched bead types ``(a, b)`` with ``a, b >= 1``; ``scores[t]`` holds
    the score of every type-``t`` bead in the band's flat layout (:class:`Band`: node
    ``(i, j)`` at ``band.index(i, j)``), as a list of arrays or one stacked array.
    ``src_skip[i]`` is the score of leaving source sentence ``i`` unmatched (a ``1-0``
    bead), ``tgt_skip[j]`` the same for target sentence ``j``.

    Every predecessor of a row's nodes, for every bead type, is one gather from the rows
    above (the per-type offsets and the columns each type may reach are computed for all
    rows before the loop), so a row costs a dozen numpy calls whatever the number of bead
    types: the Python overhead per row, not per cell or per type, is what remains. Ties go
    to the earlier type (deletion first).
    """
    n, m = band.n, band.m
    lo, hi = band.lo.astype(np.int64), band.hi.astype(np.int64)
    width = band.width
    start = band.start
    # ragged storage (see band.py): memory in proportion to the band's cells, not n x width
    total = np.full(band.cells, NEG)
    back = np.zeros(band.cells, dtype=np.int8)  # 0 start, 1 deletion, 2 insertion, 3+t type t
    tgt_prefix = np.concatenate(([0.0], np.cumsum(tgt_skip)))
    all_types = [(1, 0)] + list(types)
    a_of = np.array([a for a, _ in all_types], dtype=np.int64)
    b_of = np.array([b for _, b in all_types], dtype=np.int64)
    # per row i and type t: the predecessor row, where column k of row i reads it, and
    # which columns k have a predecessor inside that row's band
    rows = np.arange(n + 1)
    pred = rows[:, None] - a_of[None, :]
    has_pred = pred >= 0
    pred_c = np.clip(pred, 0, n)
    offset = start[pred_c] + lo[:, None] - b_of[None, :] - lo[pred_c]  # flat index of k = 0
    k_min = np.maximum(b_of[None, :] + lo[pred_c] - lo[:, None], 0)
    k_max = np.where(has_pred, hi[pred_c] - lo[:, None] + b_of[None, :], 0)
    stacked = scores if isinstance(scores, np.ndarray) else (np.stack(scores) if len(scores) else None)
    skip_row = np.empty((1, width))
    cols = np.arange(width)
    codes = np.array([1] + [t + 3 for t in range(len(types))], dtype=np.int8)

    with steps("searching", n + 1, "sentences") as done:
        for i in range(n + 1):
            if i & 1023 == 1023:  # a row costs microseconds: count in thousands
                done.advance(1024)
            w = int(hi[i] - lo[i])
            k = cols[:w]
            valid = (k[None, :] >= k_min[i][:, None]) & (k[None, :] < k_max[i][:, None])
            idx = offset[i][:, None] + k[None, :]
            # bounds for the gather (masked cells may point anywhere); raw ufuncs, because
            # np.clip's Python wrapper costs more than the work on rows this short
            np.maximum(idx, 0, out=idx)
            np.minimum(idx, total.size - 1, out=idx)
            cand = total[idx]
            if i > 0:
                skip_row[0, :w] = src_skip[i - 1]
            else:
                skip_row[0, :w] = 0.0
            if stacked is not None:
                cand[1:] += stacked[:, start[i] : start[i + 1]]
            cand[0] += skip_row[0, :w]
            cand[~valid] = NEG
            pick = cand.argmax(axis=0)
            best = cand[pick, k]
            arg = np.where(best > NEG, codes[pick], 0).astype(np.int8)
            if i == 0 and lo[0] == 0:
                best[0], arg[0] = 0.0, 0  # the start node
            # insertions: total[j] = max_{k<=j} best[k] + (prefix[j] - prefix[k])
            pref = tgt_prefix[lo[i]:hi[i]]
            shifted = best - pref
            run = np.maximum.accumulate(shifted)
            row = run + pref
            from_left = run > shifted
            arg[from_left] = 2
            total[start[i] : start[i + 1]] = row
            back[start[i] : start[i + 1]] = arg

    return _trace(band, back, all_types, n, m)


def _trace(band: Band, back: np.ndarray, all_types: list[tuple[int, int]], n: int, m: int):
    if not band.contains(n, m):
        raise ValueError("the search band does not reach the end node")
    beads: list[tuple[int, int, int, int]] = []
    base = (band.start[:-1] - band.lo).tolist()  # node (i, j) is at base[i] + j
    i, j = n, m
    while i > 0 or j > 0:
        code = int(back[base[i] + j])
        if code == 2:
            beads.append((i, i, j - 1, j))
            j -= 1
        elif code == 1:
            beads.append((i - 1, i, j, j))
            i -= 1
        elif code >= 3:
            a, b = all_types[code - 2]
            beads.append((i - a, i, j - b, j))
            i, j = i - a, j - b
        else:
            raise ValueError(f"no path reaches node ({i}, {j})")
    beads.reverse()
    return beads
