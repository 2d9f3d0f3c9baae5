"""Taking a moved passage out of its beads: the step passes two and three of the
moved-passage search share (:mod:`align.search.moved`, :mod:`align.search.moved_holes`).

:func:`_apply_move` aligns a source span with a target span (the same search as the
document's, full band over the two spans), takes their sentences out of the beads that
held them, and aligns those beads again without them. The helpers here keep the bead
list valid for the bead format afterwards: every bead a run of consecutive sentences on
each side (:func:`_split_at_holes`), beads with source sentences in source order
(:func:`_in_source_order`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from align.search.aligner import align_windows
from align.search.band import Band
from align.settings import SearchConfig
from align.types import Bead

#: How far (in sentences, either way) from a sentence's or run's own place passes two and three
#: look for its moved counterpart: keeps the work linear in document length.
_REACH = 500

#: The largest step, in sentences of one side, between two pairs of one moved passage
#: (a bead of up to ``_STEP`` sentences of a side between them); also how many unmatched
#: sentences next to a span :func:`_apply_move` takes in on each side.
_STEP = 3

Windows = Callable[[int, Sequence[int]], list[np.ndarray]]
"""``windows(side, ids)``: window vectors (``encode_windows``) of those sentences of side
``side`` (0 source, 1 target), in the order given."""


def unmatched_ids(beads: Sequence[Bead]) -> tuple[list[int], list[int]]:
    """Ids of the unmatched source and target sentences, each in document order."""
    src = sorted(i for b in beads if not b.tgt for i in b.src)
    tgt = sorted(j for b in beads if not b.src for j in b.tgt)
    return src, tgt


def _apply_move(beads: list[Bead], src_span: tuple[int, ...], tgt_span: tuple[int, ...],
                lengths: tuple[np.ndarray, np.ndarray], windows: Windows, config: SearchConfig,
                fixed: tuple[set[int], set[int]]) -> list[Bead]:
    """Align a source span with a target span taken out of their beads, and align those
    beads again without them; ``beads`` unchanged when a bead involved holds a ``fixed``
    sentence (one of a moved bead) or the spans do not align as two beads or more. The
    moved beads' sentences are added to ``fixed``. Each span first takes in the unmatched
    sentences next to it (up to ``_STEP`` each way): a moved paragraph's weakest sentences,
    left out by the monotone search, are the passage's, and the pair's own search decides
    which of them it pairs."""
    unmatched = ({i for b in beads if not b.tgt for i in b.src}, {j for b in beads if not b.src for j in b.tgt})
    grown = []
    for side, span in ((0, src_span), (1, tgt_span)):
        lo, hi = span[0], span[-1]
        while lo - 1 in unmatched[side] and span[0] - lo < _STEP:
            lo -= 1
        while hi + 1 in unmatched[side] and hi - span[-1] < _STEP:
            hi += 1
        grown.append(tuple(range(lo, hi + 1)))
    src_span, tgt_span = grown
    spans = (set(src_span), set(tgt_span))

    def is_fixed(k: int) -> bool:
        return bool(fixed[0] & set(beads[k].src) or fixed[1] & set(beads[k].tgt))

    touched = sorted({k for k, b in enumerate(beads) if spans[0] & set(b.src) or spans[1] & set(b.tgt)})
    if any(is_fixed(k) for k in touched):
        return beads
    pair = _align_ids((src_span, tgt_span), lengths, windows, config)
    moved = [b for b in pair if b.is_match]
    if len(moved) < 2:
        return beads
    taken = ({i for b in moved for i in b.src}, {j for b in moved for j in b.tgt})
    # regions: runs of touched beads (and an unmatched bead next to one), merged when they
    # meet. A matched neighbour is left as it is: aligned again, it would lose its clause
    # refinement and pull in the sentences the move leaves behind (bench/RESULTS.md,
    # 2026-12-07, "regions")
    regions: list[list[int]] = []
    for k in touched:
        lo, hi = max(0, k - 1), min(len(beads) - 1, k + 1)
        lo, hi = (k if is_fixed(lo) or beads[lo].is_match else lo), (k if is_fixed(hi) or beads[hi].is_match else hi)
        if regions and lo <= regions[-1][1] + 1:
            regions[-1][1] = max(regions[-1][1], hi)
        else:
            regions.append([lo, hi])
    if any(is_fixed(k) for lo, hi in regions for k in range(lo, hi + 1)):
        return beads
    out = list(beads)
    for lo, hi in reversed(regions):
        region = out[lo:hi + 1]
        src_ids = sorted(i for b in region for i in b.src if i not in taken[0])
        tgt_ids = sorted(j for b in region for j in b.tgt if j not in taken[1])
        out[lo:hi + 1] = _split_at_holes(_align_ids((src_ids, tgt_ids), lengths, windows, config))
    fixed[0].update(taken[0])
    fixed[1].update(taken[1])
    return _in_source_order(out + moved)



def _runs_of(ids: Sequence[int]) -> list[tuple[int, ...]]:
    """``ids`` (increasing) cut into runs of consecutive ids."""
    out: list[list[int]] = []
    for i in ids:
        if out and i == out[-1][-1] + 1:
            out[-1].append(i)
        else:
            out.append([i])
    return [tuple(r) for r in out]



def _split_at_holes(beads: Sequence[Bead]) -> list[Bead]:
    """Beads of a region aligned again without a moved passage's sentences, with no bead
    across the hole they left: a bead holds a run of consecutive sentences on each side
    (the bead format says so). A side across a hole keeps its longest run matched; the
    sentences of its other runs are left unmatched, in place."""
    out: list[Bead] = []
    for b in beads:
        src_runs, tgt_runs = _runs_of(b.src), _runs_of(b.tgt)
        if len(src_runs) <= 1 and len(tgt_runs) <= 1:
            out.append(b)
            continue
        keep_src, keep_tgt = max(src_runs, key=len), max(tgt_runs, key=len)  # a matched bead: both sides
        lone_src = [i for r in src_runs if r != keep_src for i in r]
        lone_tgt = [j for r in tgt_runs if r != keep_tgt for j in r]
        first_src, first_tgt = keep_src[0], keep_tgt[0]
        out.extend(Bead((i,), ()) for i in lone_src if i < first_src)
        out.extend(Bead((), (j,)) for j in lone_tgt if j < first_tgt)
        out.append(Bead(keep_src, keep_tgt, b.score))
        out.extend(Bead((i,), ()) for i in lone_src if i > first_src)
        out.extend(Bead((), (j,)) for j in lone_tgt if j > first_tgt)
    return out



def _align_ids(ids: tuple[Sequence[int], Sequence[int]], lengths: tuple[np.ndarray, np.ndarray],
               windows: Windows, config: SearchConfig) -> list[Bead]:
    """Align the given source and target sentences (full band), in document ids."""
    s_ids, t_ids = list(ids[0]), list(ids[1])
    if not s_ids or not t_ids:
        return [Bead((i,), (), 0.0) for i in s_ids] + [Bead((), (j,), 0.0) for j in t_ids]
    sw, tw = windows(0, s_ids), windows(1, t_ids)
    beads = align_windows(sw, tw, lengths[0][s_ids], lengths[1][t_ids],
                          replace(config, refine=False, moved=False), band=Band.full(len(s_ids), len(t_ids)))
    return [Bead(tuple(s_ids[i] for i in b.src), tuple(t_ids[j] for j in b.tgt), b.score) for b in beads]



def _in_source_order(beads: Sequence[Bead]) -> list[Bead]:
    """Beads with source sentences sorted by their first source id; a target-only bead
    keeps its place after the bead before it."""
    keyed = []
    key = (-1, 0)
    for n, b in enumerate(beads):
        if b.src:
            key = (min(b.src), 0)
            keyed.append(((key[0], 0, n), b))
        else:
            keyed.append(((key[0], 1, n), b))
    return [b for _, b in sorted(keyed, key=lambda kb: kb[0])]
