"""Bertalign's algorithm (Liu & Zhu 2022) with our encoder: the reference aligner of bench/adapted.py.

Reimplemented from the paper and the steps of github.com/bfsujason/bertalign
(``aligner.py``, ``corelib.py``), with its defaults (``max_align=5``, ``top_k=3``,
``win=5``, ``skip=-0.1``, margin and length penalty on). Only the encoder differs:
``align.embed.load_encoder("use-m3").encode_windows`` gives the vectors of every run of
1..4 sentences joined by a space, as Bertalign's ``yield_overlaps`` builds them for
LaBSE. Numba and faiss are not needed: both passes are vectorised row by row with numpy
(exact top-k by a matrix product, the DP's in-row 0-1 moves by a running maximum).

1. **Anchors.** Each source sentence's ``top_k`` most similar target sentences (cosine
   of single-sentence vectors). A DP over 0-1, 1-0 and 1-1 moves, inside a diagonal band
   of half-width ``max(250, 6% of the longer side)``, where a 1-1 move earns the
   similarity only if the target is among the source's top ``k`` (0 otherwise) and the
   skips earn nothing; ties go to 0-1, then 1-0, then 1-1. The 1-1 moves of the best
   path are the anchors.
2. **Beads.** The last anchor is replaced by (or extended to) the end corner. Every
   source row between two anchors may use the target columns from ``win`` before the
   previous anchor to ``win`` after the next one. A DP over beads of ``x`` source and
   ``y`` target sentences with ``x + y <= max_align`` (plus 0-1 and 1-0, scored
   ``skip``) scores an x-y bead by cosine minus the mean similarity of each window to
   the sentences just outside the other's window (margin), times the length penalty
   ``log2(1 + min/max)`` of the UTF-8 byte lengths, target scaled by the document's
   source/target length ratio.

Run on its own: ``python -m bench.adapted_bertalign SRC TGT -o OUT.beads`` (one
sentence per line), as ``align pair --presegmented --format beads`` is run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/adapted_bertalign.py: run it from the repository root: python -m bench.adapted_bertalign")

Bead = tuple[list[int], list[int]]
_NEG = -np.inf


def bead_types(max_align: int) -> list[tuple[int, int]]:
    """0-1, 1-0, then every x-y with x, y >= 1 and x + y <= max_align (Bertalign's order)."""
    out = [(0, 1), (1, 0)]
    out += [(x, y) for x in range(1, max_align) for y in range(1, max_align) if x + y <= max_align]
    return out


def anchors(src1: np.ndarray, tgt1: np.ndarray, top_k: int = 3, min_win: int = 250, percent: float = 0.06
            ) -> list[tuple[int, int]]:
    """First pass: the (i, j) end points (1-based) of the 1-1 moves of the best top-k path."""
    n, m = len(src1), len(tgt1)
    sims = src1 @ tgt1.T
    k = min(top_k, m)
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k] if m else np.zeros((n, 0), int)
    bonus = np.zeros((n, m), np.float64)
    rows = np.arange(n)[:, None]
    bonus[rows, top] = sims[rows, top]
    win = max(min_win, int(max(n, m) * percent))
    ratio = m / n
    lo = np.array([max(0, int(ratio * i) - win) for i in range(n + 1)])
    hi = np.array([min(int(ratio * i) + win, m) for i in range(n + 1)])
    ptr: list[np.ndarray] = []
    prev = np.full(m + 1, _NEG)
    for i in range(n + 1):
        cols = np.arange(lo[i], hi[i] + 1)
        if i == 0:
            cost = np.zeros(m + 1)
            cost[: lo[0]] = _NEG
            cost[hi[0] + 1:] = _NEG
            p = np.zeros(m + 1, np.int8)  # row 0: 0-1 moves only
            ptr.append(p)
            prev = cost
            continue
        up = prev[cols]  # 1-0
        diag = np.full(len(cols), _NEG)
        ok = cols >= 1
        diag[ok] = prev[cols[ok] - 1] + bonus[i - 1, cols[ok] - 1]  # 1-1
        best = np.where(diag > up, diag, up)
        move = np.where(diag > up, 2, 1).astype(np.int8)
        run = np.maximum.accumulate(best)  # 0-1 moves along the row; a tie keeps the 0-1
        left = np.concatenate([[_NEG], run[:-1]])
        take_left = left >= best
        move[take_left & (left > _NEG)] = 0
        cost = np.full(m + 1, _NEG)
        cost[cols] = run
        p = np.zeros(m + 1, np.int8)
        p[cols] = move
        ptr.append(p)
        prev = cost
    out: list[tuple[int, int]] = []
    i, j = n, m
    steps = ((0, 1), (1, 0), (1, 1))
    while i > 0 or j > 0:
        a = int(ptr[i][j])
        if a == 2:
            out.append((i, j))
        i, j = i - steps[a][0], j - steps[a][1]
    return out[::-1]


def band(anchor_list: list[tuple[int, int]], win: int, n: int, m: int) -> list[tuple[int, int]]:
    """Second pass: for each source row 0..n, the target columns it may use."""
    pts = list(anchor_list)
    if not pts or pts[-1] != (n, m):
        if pts and (pts[-1][0] == n or pts[-1][1] == m):
            pts.pop()
        pts.append((n, m))
    rows: list[tuple[int, int]] = []
    ps, pt = 0, 0
    for s, t in pts:
        lo, hi = max(0, pt - win), min(m, t + win)
        rows.extend([(lo, hi)] * (s - ps))
        ps, pt = s, t
    return [rows[0], *rows] if rows else [(0, m)]


def byte_lengths(sents: Sequence[str], max_window: int) -> list[np.ndarray]:
    """UTF-8 byte length of every window of 1..max_window sentences joined by a space (start-indexed)."""
    lens = np.array([len(s.encode("utf-8")) for s in sents], np.float64)
    csum = np.concatenate([[0.0], np.cumsum(lens)])
    return [csum[k:] - csum[:-k] + (k - 1) for k in range(1, max_window + 1)]


def beads(src_w: list[np.ndarray], tgt_w: list[np.ndarray], src_len: list[np.ndarray], tgt_len: list[np.ndarray],
          rows: list[tuple[int, int]], max_align: int = 5, skip: float = -0.1) -> list[Bead]:
    """Second pass: the best bead path inside ``rows``. Windows are indexed by start; ``w[k-1][s]`` covers s..s+k-1."""
    n, m = len(src_w[0]), len(tgt_w[0])
    ratio = float(src_len[0].sum() / tgt_len[0].sum())
    types = bead_types(max_align)
    s1, t1 = src_w[0], tgt_w[0]
    cost: list[np.ndarray] = []
    ptr: list[np.ndarray] = []
    for i in range(n + 1):
        lo, hi = rows[i]
        js = np.arange(lo, hi + 1)
        scores = np.full((len(types), len(js)), _NEG)
        for a, (x, y) in enumerate(types):
            pi = i - x
            if pi < 0:
                continue
            plo, phi = rows[pi]
            pj = js - y
            valid = (pj >= plo) & (pj <= phi) & (pj >= 0)
            if x == 0:  # 0-1 within this row: filled below, column by column
                continue
            if not valid.any():
                continue
            base = np.full(len(js), _NEG)
            base[valid] = cost[pi][pj[valid] - plo]
            if y == 0:
                scores[a] = base + skip
                continue
            jv = js[valid]
            sv = src_w[x - 1][i - x]
            tv = tgt_w[y - 1][jv - y]
            sim = tv @ sv
            # margin: each window against the sentences just outside the other window
            tgt_nb = _neighbours(sv, t1, jv - y, jv, m)
            src_nb = _neighbours_fixed(tv, s1, i - x, i, n)
            sim = sim - (tgt_nb + src_nb) / 2
            sl = src_len[x - 1][i - x]
            tl = tgt_len[y - 1][jv - y] * ratio
            sim = sim * np.log2(1 + np.minimum(sl, tl) / np.maximum(sl, tl))
            vals = np.full(len(js), _NEG)
            vals[valid] = base[valid] + sim
            scores[a] = vals
        row_cost = np.full(len(js), _NEG)
        row_ptr = np.zeros(len(js), np.int8)
        for c in range(len(js)):
            if i == 0 and js[c] == 0:
                row_cost[c] = 0.0
                continue
            col = scores[:, c].copy()
            if c > 0 and js[c] - 1 >= lo:  # 0-1 from the cell on the left
                col[0] = row_cost[c - 1] + skip
            a = int(np.argmax(col))  # the first best, as Bertalign's strict ">" keeps it
            row_cost[c], row_ptr[c] = col[a], a
        cost.append(row_cost)
        ptr.append(row_ptr)
    out: list[Bead] = []
    i, j = n, m
    while i > 0 or j > 0:
        x, y = types[int(ptr[i][j - rows[i][0]])]
        out.append((list(range(i - x, i)), list(range(j - y, j))))
        i, j = i - x, j - y
    return out[::-1]


def _neighbours(vec: np.ndarray, single: np.ndarray, starts: np.ndarray, ends: np.ndarray, count: int) -> np.ndarray:
    """Similarity of ``vec`` to the sentence before and after each window ``starts..ends-1``.

    The mean of the two where both exist, else the one that exists (0 at both ends).
    """
    sims = single @ vec if count else np.zeros(0)
    left = np.where(starts > 0, sims[np.maximum(starts - 1, 0)] if count else 0.0, 0.0)
    right = np.where(ends < count, sims[np.minimum(ends, count - 1)] if count else 0.0, 0.0)
    both = (left != 0) & (right != 0)
    return np.where(both, (left + right) / 2, left + right)


def _neighbours_fixed(vecs: np.ndarray, single: np.ndarray, start: int, end: int, count: int) -> np.ndarray:
    """As :func:`_neighbours` for one window ``start..end-1`` of ``single`` against many ``vecs``."""
    left = vecs @ single[start - 1] if start > 0 else np.zeros(len(vecs))
    right = vecs @ single[end] if end < count else np.zeros(len(vecs))
    both = (left != 0) & (right != 0)
    return np.where(both, (left + right) / 2, left + right)


def clean(sents: Sequence[str]) -> list[str]:
    """Bertalign's line clean-up for split input: strip, collapse spaces, a blank line becomes ``BLANK_LINE``."""
    out = []
    for s in sents:
        s = " ".join(s.split())
        out.append(s if s else "BLANK_LINE")
    return out


def bertalign(src: Sequence[str], tgt: Sequence[str], encoder, max_align: int = 5, top_k: int = 3, win: int = 5,
              skip: float = -0.1) -> list[Bead]:
    """Align two lists of sentences with Bertalign's two passes and ``encoder``'s window vectors."""
    src, tgt = clean(src), clean(tgt)
    if not src or not tgt:
        return [([i], []) for i in range(len(src))] + [([], [j]) for j in range(len(tgt))]
    depth = max_align - 1
    src_w = [np.asarray(w, np.float64) for w in encoder.encode_windows(src, depth)]
    tgt_w = [np.asarray(w, np.float64) for w in encoder.encode_windows(tgt, depth)]
    src_len, tgt_len = byte_lengths(src, depth), byte_lengths(tgt, depth)
    first = anchors(src_w[0], tgt_w[0], top_k=top_k)
    rows = band(first, win, len(src), len(tgt))
    return beads(src_w, tgt_w, src_len, tgt_len, rows, max_align=max_align, skip=skip)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("tgt", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--model", default="use-m3")
    parser.add_argument("--cache", action="store_true", help="Use the embedding cache (default: cold).")
    args = parser.parse_args()
    from align.embed import load_encoder

    encoder = load_encoder(args.model, cache=args.cache)
    src = args.src.read_text(encoding="utf-8").splitlines()
    tgt = args.tgt.read_text(encoding="utf-8").splitlines()
    result = bertalign(src, tgt, encoder)
    args.output.write_text("".join(f"[{', '.join(map(str, s))}]:[{', '.join(map(str, t))}]\n" for s, t in result),
                           encoding="utf-8")


if __name__ == "__main__":
    main()
