"""Moved passages found before the monotone search, from the order of confident anchors
(issue 18, item 3).

Why before: the passes of :mod:`align.search.moved` start from the monotone search's
beads, and by then the search has usually paired one side of a moved block with whatever
stands where it now is (weak n-m beads, refined further) and left the other side a hole
merged with the unmatched sentences around it; taking a passage out of those beads
again loses its edges (bench/RESULTS.md, 2026-12-07, "why moved blocks stay partly found
or not found"). Whole-document evidence sees a moved block directly: its sentences'
confident matches lie off the order every other confident match follows.

:func:`find_blocks`:

1. **anchors**: sentence pairs that are each other's best 1-1 match within ``_REACH``
   sentences of where the anchor path (:func:`~align.search.anchors.anchor_band`, the
   search's own first pass) puts them, at or above the pair's typical best match minus
   ``_DROP``, and ahead of the second best of both its row and its column by
   ``_MARGIN`` (an inserted copy of a sentence ties with its original and is never an
   anchor);
2. **the main order**: the longest chain of anchors increasing on both sides;
3. **candidate blocks**: runs of two or more anchors off the chain that step forward
   together (at most ``_STEP`` sentences at a time on each side), lie more than
   ``_FAR`` sentences from where the chain puts their source sentences, and whose spans
   hold no anchor of the chain on either side (a block interleaved with the main order is
   no moved passage); and blocks of one such anchor, outside the search's band and well
   ahead of what its sentences match there, whose neighbour pair follows it away from the
   main order (:func:`_single_candidates`);
4. each block's two spans are aligned with each other by the same search (full band
   over the two spans); a block that gives two matched beads or more is kept.

The monotone search then runs with the kept blocks' matched sentences excluded (never
in a bead, free to skip: :func:`~align.search.align_windows`' ``*_exclude``), so that it
does not pair them with their new neighbours. What happens to the blocks then is
:mod:`align.search.moved_blocks`: each block is aligned again with the sentences the
search left unmatched next to it (a block's weak edge beads; sentences in reach of two
blocks are cut between them), the refinement may not take a block's sentence into a bead
beside it, each block's own beads are refined over its spans, and after the refinement
the blocks' beads take the place of those unmatched sentences, out of order as
:mod:`align.search.moved` reports moved beads: every bead with source sentences in source
order. The passes of :mod:`align.search.moved` run afterwards, as before, and leave these
beads alone (they are out of order).

Pure: vectors in, beads out, no encoder.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from align.exact import exact_dots
from align.search.anchors import anchor_band
from align.search.band import Band
from align.search.windows import Windows, WindowSource, all_rows, as_source
from align.settings import SearchConfig
from align.types import Bead

__all__ = ["Blocks", "find_blocks"]

#: How far (sentences, either way) from where the anchor path puts a sentence its anchor
#: is looked for: a moved paragraph of an adaptation moves within its article, and a
#: match much further away is more likely a repeated line or a copy (the adapted dev
#: sets' only far candidates, 200-1,400 sentences off, were inserted copies).
_REACH = 200

#: How much an anchor's cosine must lead the second best of its row and of its column:
#: little, since the chain decides what is off the order, but more than a tie (an inserted
#: copy of a sentence ties with its original). 0.05 and 0.03 found fewer blocks (adapted+moved
#: strict seeds 0-3, bench/RESULTS.md, 2026-12-07 night); 0 lost Text+Berg seed 2.
_MARGIN = 0.01

#: An anchor's cosine is at least the pair's typical best match less this: lower than the
#: passes after the search ask (``SearchConfig.moved_drop``), since a block needs two
#: anchors in a run off the chain and its own search's two beads.
_DROP = 0.25

#: The largest step, in sentences of one side, between two anchors of one block.
_STEP = 3

#: How far (sentences of the target) a block's anchors must lie from where the main
#: order puts their source sentences: nearer, it is a local crossing the band sees.
_FAR = 4

#: How many unmatched sentences next to a block the block takes in, each way on each side,
#: once the monotone search has run (:func:`align.search.moved_blocks.extend_blocks`).
_EXTEND = 5


@dataclass(frozen=True)
class Blocks:
    """Moved blocks found before the monotone search: the band the search uses (the one it
    would build itself), the blocks' matched beads (document ids, source order) and, per
    side, which sentences they hold (the search's ``*_exclude``)."""

    band: Band
    groups: tuple[tuple[Bead, ...], ...]
    src_exclude: np.ndarray
    tgt_exclude: np.ndarray

    @property
    def beads(self) -> tuple[Bead, ...]:
        """Every block's matched beads, in source order."""
        return tuple(sorted((b for g in self.groups for b in g), key=lambda b: b.src[0]))


def _centres(path: Sequence[tuple[int, int, int, int]], n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Where the anchor path puts each source sentence on the target side and each target
    sentence on the source side (linear between its 1-1 anchors)."""
    pts = [(i0, j0) for i0, i1, j0, j1 in path if i1 - i0 == 1 and j1 - j0 == 1]
    if not pts:
        return (np.arange(n) * (m / max(n, 1)), np.arange(m) * (n / max(m, 1)))
    ci = np.array([p[0] for p in pts], dtype=np.float64)
    cj = np.array([p[1] for p in pts], dtype=np.float64)
    return np.interp(np.arange(n), ci, cj), np.interp(np.arange(m), cj, ci)


def _best_two(mine: np.ndarray, theirs: np.ndarray, centre: np.ndarray,
              chunk: int = 256) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each vector of ``mine``: the id of its best match in ``theirs`` within ``_REACH``
    of ``centre``, that cosine, and the second best's (a block of rows per product)."""
    n = len(mine)
    arg = np.zeros(n, dtype=np.int64)
    best = np.full(n, -1.0)
    second = np.full(n, -1.0)
    centre = np.rint(centre).astype(np.int64)
    for r0 in range(0, n, chunk):
        r1 = min(n, r0 + chunk)
        mid = centre[r0:r1]
        lo, hi = max(0, int(mid.min()) - _REACH), min(len(theirs), int(mid.max()) + _REACH + 1)
        if hi <= lo:
            continue
        cos = exact_dots(mine[r0:r1], theirs[lo:hi])  # the same cosines on any kernel: thresholds decide
        cols = np.arange(lo, hi)[None, :]
        cos[(cols < (mid - _REACH)[:, None]) | (cols > (mid + _REACH)[:, None])] = -1.0
        a = cos.argmax(axis=1)
        arg[r0:r1] = lo + a
        best[r0:r1] = cos[np.arange(r1 - r0), a]
        cos[np.arange(r1 - r0), a] = -1.0
        second[r0:r1] = cos.max(axis=1)
    return arg, best, second


def _anchors(src1: np.ndarray, tgt1: np.ndarray, centres: tuple[np.ndarray, np.ndarray],
             drop: float) -> list[tuple[int, int, float]]:
    """Confident anchor pairs ``(source id, target id, cosine)`` in source order (step 1
    of the module docstring)."""
    arg_s, best_s, second_s = _best_two(src1, tgt1, centres[0])
    arg_t, best_t, second_t = _best_two(tgt1, src1, centres[1])
    level = float(np.median(np.concatenate([best_s, best_t]))) - drop
    out = []
    for i in range(len(src1)):
        j = int(arg_s[i])
        if arg_t[j] != i or best_s[i] < level:
            continue
        if best_s[i] - second_s[i] < _MARGIN or best_t[j] - second_t[j] < _MARGIN:
            continue
        out.append((i, j, float(best_s[i])))
    return out


def _chain(anchors: Sequence[tuple[int, int, float]]) -> list[int]:
    """Positions (in ``anchors``, which are in source order) of the longest chain whose
    target ids increase too: the main order."""
    tails: list[int] = []  # tails[p]: smallest target id ending a chain of p + 1
    tail_at: list[int] = []
    prev = [-1] * len(anchors)
    for k, (_, j, _) in enumerate(anchors):
        p = bisect.bisect_left(tails, j)
        if p == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[p], tail_at[p] = j, k
        prev[k] = tail_at[p - 1] if p else -1
    out = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        out.append(k)
        k = prev[k]
    return out[::-1]


def _candidates(anchors: Sequence[tuple[int, int, float]], chain: Sequence[int]) -> list[tuple[range, range]]:
    """The source and target spans of the runs of off-chain anchors that step forward
    together, far from the main order and not interleaved with it (steps 2-3 of the module
    docstring), from their first anchor to their last."""
    on = set(chain)
    ci = [anchors[k][0] for k in chain]
    cj = [anchors[k][1] for k in chain]
    if len(ci) < 2:
        return []
    runs: list[list[tuple[int, int, float]]] = []
    for k, a in enumerate(anchors):
        if k in on:
            continue
        if runs and 0 < a[0] - runs[-1][-1][0] <= _STEP and 0 < a[1] - runs[-1][-1][1] <= _STEP:
            runs[-1].append(a)
        else:
            runs.append([a])
    chain_src, chain_tgt = np.array(ci), np.array(sorted(cj))
    out: list[tuple[range, range]] = []
    for run in runs:
        if len(run) < 2:
            continue
        expected = np.interp([i for i, _, _ in run], ci, cj)
        if min(abs(j - e) for (_, j, _), e in zip(run, expected)) <= _FAR:
            continue
        (i0, j0, _), (i1, j1, _) = run[0], run[-1]
        inside_src = np.searchsorted(chain_src, i1, side="right") - np.searchsorted(chain_src, i0)
        inside_tgt = np.searchsorted(chain_tgt, j1, side="right") - np.searchsorted(chain_tgt, j0)
        if inside_src or inside_tgt:
            continue
        out.append((range(i0, i1 + 1), range(j0, j1 + 1)))
    return out


#: How far (sentences, either way) from where the main order puts a neighbour of a lone
#: off-chain anchor its alternative matches are looked for (:func:`_single_candidates`):
#: 2 gained a Tom Sawyer block over 3 (seed 0), 5 lost Text+Berg seed 2 (bench/RESULTS.md,
#: 2026-12-07 night, issue 18, blocks).
_NEAR = 2

#: How much a lone anchor's cosine must lead the best match of its source sentence and of
#: its target sentence within the search's band: where the monotone search can pair them
#: well, a lone anchor off the main order is a coincidence (a repeated line, a scene told
#: twice), not a moved block.
_LONE_LEAD = 0.15

#: How much a lone anchor's neighbour pair must beat either neighbour's best match near
#: where the main order puts it.
_NEIGHBOUR_LEAD = 0.0


def _band_best(band: Band, mine: np.ndarray, theirs: np.ndarray, i: int, side: int) -> float:
    """The best cosine of sentence ``i`` of one side (``side`` 0: source) with the sentences of
    the other that the band lets the search pair it with."""
    if side == 0:
        lo, hi = int(band.lo[i]), int(band.hi[min(i + 1, band.n)])
    else:  # the rows whose columns hold i: lo and hi grow with the row
        lo = max(0, int(np.searchsorted(band.hi, i, side="right")) - 1)
        hi = int(np.searchsorted(band.lo, i, side="right"))
    lo, hi = max(0, lo), min(hi, len(theirs))
    return float(exact_dots(mine[i:i + 1], theirs[lo:hi]).max()) if hi > lo else -1.0


def _single_candidates(anchors: Sequence[tuple[int, int, float]], chain: Sequence[int], src1: np.ndarray,
                       tgt1: np.ndarray, band: Band) -> list[tuple[range, range]]:
    """Spans of moved blocks with one confident anchor: an off-chain anchor far from the
    main order, alone (no other off-chain anchor steps with it), whose neighbour on either
    side pairs with the anchor's target neighbour (one sentence either way) better than
    each of the two matches anything within ``_NEAR`` of where the main order puts it. The
    anchor itself must lie outside the search's band and lead by ``_LONE_LEAD`` what its
    two sentences match within the band.

    Why: a block of two or three beads, or one of loose renderings, has one confident
    anchor (Tom Sawyer: 7-9 blocks per seed not found with two required); the anchor alone
    is no evidence (a faithful pair has dozens of lone far anchors: repeated lines), but a
    neighbour that also follows it away from the main order is.
    """
    on = set(chain)
    ci = np.array([anchors[k][0] for k in chain], dtype=np.float64)  # both increase along the chain
    cj = np.array([anchors[k][1] for k in chain], dtype=np.float64)
    if len(ci) < 2:
        return []
    n, m = len(src1), len(tgt1)
    off = [a for k, a in enumerate(anchors) if k not in on]
    chain_src, chain_tgt = ci, cj
    out: list[tuple[range, range]] = []
    for k, (i, j, c) in enumerate(off):
        steps = [b for b in off[max(0, k - 1):k] + off[k + 1:k + 2]
                 if 0 < abs(b[0] - i) <= _STEP and 0 < abs(b[1] - j) <= _STEP and (b[0] - i) * (b[1] - j) > 0]
        if steps or abs(j - float(np.interp(i, ci, cj))) <= _FAR or band.contains(i, j):
            continue
        if c - max(_band_best(band, src1, tgt1, i, 0), _band_best(band, tgt1, src1, j, 1)) < _LONE_LEAD:
            continue
        src_ids, tgt_ids = [i], [j]
        for d in (-1, 1):
            a = i + d
            cand = [b for b in (j + d - 1, j + d, j + d + 1) if 0 <= b < m and b != j]
            if not 0 <= a < n or not cand:
                continue
            here = exact_dots(src1[a:a + 1], tgt1[cand])[0]
            b = cand[int(np.argmax(here))]
            pair = float(here.max())
            e = round(float(np.interp(a, ci, cj)))
            near_t = [x for x in range(e - _NEAR, e + _NEAR + 1) if 0 <= x < m and x not in cand and x != j]
            e = round(float(np.interp(b, cj, ci)))
            near_s = [x for x in range(e - _NEAR, e + _NEAR + 1) if 0 <= x < n and x != a and x != i]
            alt_s = float(exact_dots(src1[a:a + 1], tgt1[near_t]).max()) if near_t else -1.0
            alt_t = float(exact_dots(tgt1[b:b + 1], src1[near_s]).max()) if near_s else -1.0
            if pair > alt_s + _NEIGHBOUR_LEAD and pair > alt_t + _NEIGHBOUR_LEAD:
                src_ids.append(a)
                tgt_ids.append(b)
        if len(src_ids) < 2:
            continue
        i0, i1, j0, j1 = min(src_ids), max(src_ids), min(tgt_ids), max(tgt_ids)
        inside_src = np.searchsorted(chain_src, i1, side="right") - np.searchsorted(chain_src, i0)
        inside_tgt = np.searchsorted(chain_tgt, j1, side="right") - np.searchsorted(chain_tgt, j0)
        if inside_src or inside_tgt:
            continue
        if out and 0 <= i0 - out[-1][0].stop < _STEP and 0 <= j0 - out[-1][1].stop < _STEP:
            # two lone anchors of one block (Text+Berg seed 2: 186-187 and 189-190, a
            # source sentence and a 2-3 between them): one block
            out[-1] = (range(out[-1][0].start, i1 + 1), range(out[-1][1].start, j1 + 1))
        else:
            out.append((range(i0, i1 + 1), range(j0, j1 + 1)))
    return out


def _align_spans(src_windows: WindowSource, tgt_windows: WindowSource, src_len: np.ndarray,
                 tgt_len: np.ndarray, spans: tuple[range, range], config: SearchConfig) -> list[Bead]:
    """The two spans aligned with each other (full band), in document ids."""
    from align.search.aligner import align_windows

    (s, t) = spans
    a, b = len(s), len(t)
    sw = [src_windows.rows(k, s.start, s.start + a - k + 1) for k in range(1, src_windows.max_window + 1) if a - k >= 0]
    tw = [tgt_windows.rows(k, t.start, t.start + b - k + 1) for k in range(1, tgt_windows.max_window + 1) if b - k >= 0]
    beads = align_windows(sw, tw, src_len[s.start:s.stop], tgt_len[t.start:t.stop],
                          replace(config, refine=False, moved=False), band=Band.full(a, b))
    return [Bead(tuple(s.start + i for i in x.src), tuple(t.start + j for j in x.tgt), x.score) for x in beads]


def _beside(spans: tuple[range, range], group: Sequence[Bead]) -> bool:
    """Whether both spans lie within ``_EXTEND`` sentences of the block's sentences, each on
    its side, one after the block and the other before it (a span that continues the block
    in order on both sides is a block of its own, or the block's next part)."""
    src = [i for b in group for i in b.src]
    tgt = [j for b in group for j in b.tgt]
    after_src, before_src = 0 <= spans[0].start - max(src) <= _EXTEND, 0 <= min(src) - (spans[0].stop - 1) <= _EXTEND
    after_tgt, before_tgt = 0 <= spans[1].start - max(tgt) <= _EXTEND, 0 <= min(tgt) - (spans[1].stop - 1) <= _EXTEND
    return (after_src and before_tgt) or (before_src and after_tgt)


def find_blocks(src_windows: Windows, tgt_windows: Windows, src_len: np.ndarray,
                tgt_len: np.ndarray, config: SearchConfig) -> Blocks:
    """Moved blocks of a document pair, found before the monotone search (module docstring).

    Takes what :func:`~align.search.align_windows` takes; the band returned is the one it
    would build itself (the anchor path is computed once, here), so a pair without moved
    blocks is aligned exactly as without this step.
    """
    src_windows, tgt_windows = as_source(src_windows), as_source(tgt_windows)
    src1, tgt1 = all_rows(src_windows, 1), all_rows(tgt_windows, 1)
    n, m = len(src1), len(tgt1)
    _, path = anchor_band(src1, tgt1, k=config.top_k, margin=config.margin, full_cells=config.full_cells)
    band = Band.around_path(n, m, path, margin=config.margin)
    src_ex, tgt_ex = np.zeros(n, dtype=bool), np.zeros(m, dtype=bool)
    found: list[tuple[Bead, ...]] = []
    if n >= 4 and m >= 4:
        anchors = _anchors(src1, tgt1, _centres(path, n, m), _DROP)
        chain = _chain(anchors)
        runs = _candidates(anchors, chain)
        for k, spans in enumerate(runs + _single_candidates(anchors, chain, src1, tgt1, band)):
            if src_ex[spans[0].start:spans[0].stop].any() or tgt_ex[spans[1].start:spans[1].stop].any():
                continue
            if k >= len(runs) and any(_beside(spans, g) for g in found):
                # a lone anchor's block beside a block found already, on both sides but
                # crossing it, is that block's edge matched wrongly: its extension decides
                # it after the search (Text+Berg seed 2: 376-377 / 518-519 beside 373-374 /
                # 521-522, gold 372:517-520)
                continue
            matched = [b for b in _align_spans(src_windows, tgt_windows, src_len, tgt_len, spans, config)
                       if b.is_match]
            if len(matched) < 2:
                continue
            found.append(tuple(matched))
            for b in matched:
                src_ex[list(b.src)] = True
                tgt_ex[list(b.tgt)] = True
    return Blocks(band, tuple(found), src_ex, tgt_ex)
