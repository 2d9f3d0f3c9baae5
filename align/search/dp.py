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

from align.search.band import Band

NEG = -1e18


def best_path(
    band: Band,
    types: list[tuple[int, int]],
    scores: list[np.ndarray],
    src_skip: np.ndarray,
    tgt_skip: np.ndarray,
) -> list[tuple[int, int, int, int]]:
    """Return the best path as beads ``(i0, i1, j0, j1)``: source ``i0:i1`` with target ``j0:j1``.

    ``types`` are the matched bead types ``(a, b)`` with ``a, b >= 1``; ``scores[t][i, k]``
    is the score of the type-``t`` bead ending at node ``(i, band.lo[i] + k)``.
    ``src_skip[i]`` is the score of leaving source sentence ``i`` unmatched (a ``1-0``
    bead), ``tgt_skip[j]`` the same for target sentence ``j``.
    """
    n, m = band.n, band.m
    lo, hi = band.lo, band.hi
    width = band.width
    total = np.full((n + 1, width), NEG)
    back = np.zeros((n + 1, width), dtype=np.int8)  # 0 start, 1 deletion, 2 insertion, 3+t type t
    tgt_prefix = np.concatenate(([0.0], np.cumsum(tgt_skip)))
    all_types = [(1, 0)] + list(types)

    for i in range(n + 1):
        l, h = int(lo[i]), int(hi[i])
        w = h - l
        best = np.full(w, NEG)
        arg = np.zeros(w, dtype=np.int8)
        if i == 0:
            best[0 - l] = 0.0 if l == 0 else NEG
        for t, (a, b) in enumerate(all_types):
            pi = i - a
            if pi < 0:
                continue
            # predecessor columns j - b for j in [l, h), intersected with row pi's band
            pl, ph = int(lo[pi]), int(hi[pi])
            s0, s1 = max(l, pl + b), min(h, ph + b)
            if s0 >= s1:
                continue
            prev = total[pi, s0 - b - pl : s1 - b - pl]
            if t == 0:
                cand = prev + src_skip[i - 1]
            else:
                cand = prev + scores[t - 1][i, s0 - l : s1 - l]
            seg = best[s0 - l : s1 - l]
            better = cand > seg
            seg[better] = cand[better]
            arg[s0 - l : s1 - l][better] = 1 if t == 0 else t + 2
        # insertions: total[j] = max_{k<=j} best[k] + (prefix[j] - prefix[k])
        pref = tgt_prefix[l:h]
        shifted = best - pref
        run = np.maximum.accumulate(shifted)
        row = run + pref
        from_left = run > shifted
        arg[from_left] = 2
        total[i, :w] = row
        back[i, :w] = arg

    return _trace(band, back, all_types, n, m)


def _trace(band: Band, back: np.ndarray, all_types: list[tuple[int, int]], n: int, m: int):
    if not band.contains(n, m):
        raise ValueError("the search band does not reach the end node")
    beads: list[tuple[int, int, int, int]] = []
    i, j = n, m
    while i > 0 or j > 0:
        code = int(back[i, j - band.lo[i]])
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
