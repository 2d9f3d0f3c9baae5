"""Moved passages: runs the monotone search left unmatched on both sides that translate
each other (issue 18, item 3).

Every aligner of the field, this one's :func:`~align.search.align_windows` included, is
monotone: when an adaptation moves a paragraph, its sentences are left unmatched on
both sides, in two different gaps of the bead sequence. :func:`find_moved` runs after the
monotone search (and refinement): it takes the runs of consecutive unmatched sentences on
each side, scores every (source run, target run) pair that lies in different gaps (a
pair in the same gap is one the monotone search already weighed and turned down), and
aligns the pairs that clearly translate each other with the same search
(:func:`~align.search.align_windows`, full band over the two runs).

A second pass, :func:`find_moved_in_beads`, finds the moved passages that do not leave
two unmatched runs, which is most of them: the monotone search pairs one side of a moved
paragraph (or both) with whatever stands where it now is. It looks for sentences that are
each other's best match over the whole document far from where the beads put them, takes
a passage of such pairs out of its beads and aligns it, and aligns the beads it was taken
from again without it (bench/RESULTS.md, 2026-12-07, "pass two"). Pass three, which
starts from the holes a moved passage leaves, is :mod:`align.search.moved_holes`; the step
both take (a passage out of its beads, aligned, the beads aligned again without it) is
:mod:`align.search.moved_apply`.

Pure: vectors in, beads out, no encoder. The window vectors it takes are those of the
unmatched sentences only, in document order (``encoder.encode_windows(texts, k)`` over
the texts of :func:`unmatched_ids`): a few sentences, so the caller need not keep the
whole documents' windows (hundreds of MB for a book) past the search.

The rule (a pair is a moved passage), chosen on the adapted+moved dev sets and the
sample pair (bench/RESULTS.md, 2026-12-07): see :func:`translates`.

Order of the result: a moved passage's beads are out of order. The bead list is the
monotone one with the unmatched beads of a found source run replaced, in place, by the
beads aligning it (in source order); the found target run's unmatched beads are taken
out, and its sentences left unmatched stay where they were. So every bead with source
sentences is in source order; target ids are in order except inside moved passages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from align.search.aligner import _MIN_SPREAD, _random_baseline, align_windows
from align.search.band import Band
from align.search.moved_apply import (
    _REACH,
    _STEP,
    Windows,
    _apply_move,
    unmatched_ids,
)
from align.search.moved_holes import _moved_into_holes
from align.settings import SearchConfig
from align.types import Bead, bead_index

__all__ = ["Run", "find_moved", "find_moved_in_beads", "translates", "unmatched_ids"]


@dataclass(frozen=True)
class Run:
    """A run of consecutive unmatched sentences on one side: ``ids``, the gap it lies in
    (how many matched beads precede it in the bead list) and where its window rows start
    in the unmatched sentences' windows (``offset``)."""

    ids: tuple[int, ...]
    gap: int
    offset: int



def _runs(beads: Sequence[Bead]) -> tuple[list[Run], list[Run]]:
    """Maximal runs of consecutive unmatched sentences on each side, with their gaps."""
    found: tuple[dict[int, list[int]], dict[int, list[int]]] = ({}, {})
    gap = 0
    for b in beads:
        if b.is_match:
            gap += 1
        elif b.src:
            found[0].setdefault(gap, []).extend(b.src)
        else:
            found[1].setdefault(gap, []).extend(b.tgt)
    out: tuple[list[Run], list[Run]] = ([], [])
    for side in (0, 1):
        offset = 0
        for g, ids in sorted(found[side].items(), key=lambda kv: min(kv[1])):
            ids = sorted(ids)
            start = 0
            for k in range(1, len(ids) + 1):  # a gap's ids are consecutive; split defensively if not
                if k == len(ids) or ids[k] != ids[k - 1] + 1:
                    out[side].append(Run(tuple(ids[start:k]), g, offset + start))
                    start = k
            offset += len(ids)
    for side in (0, 1):
        out[side].sort(key=lambda r: r.offset)
    return out


def translates(cos: np.ndarray, src1: np.ndarray, tgt1: np.ndarray, doc_typical: float,
               config: SearchConfig) -> float:
    """How clearly a source run translates a target run; 0.0 when it does not.

    ``cos`` is the runs' 1-1 cosine matrix (``src1 @ tgt1.T``). In the pair's own units
    (as the aligner measures a document pair: ``baseline`` the mean cosine of its unrelated
    sentence pairs, ``typical`` the median best match, ``spread`` their difference), a
    sentence of the shorter run *hits* when its best match in the other run is mutual
    (each is the other's best) and at least ``baseline + config.moved_level * spread``,
    and also at least ``doc_typical - config.moved_drop`` in absolute terms (the document
    pair's typical matched cosine: a passage of one topic resembles another passage of
    the same topic, mutually and above its own unrelated pairs, but not as much as
    translations do). The pair is a moved passage when at least ``config.moved_hits`` of
    the shorter run's sentences hit, and at least two; the value returned is the mean
    cosine of the hits (to choose among competing pairs).
    """
    a, b = cos.shape
    best_src, best_tgt = cos.max(axis=1), cos.max(axis=0)
    baseline = _random_baseline(src1, tgt1, best_src, best_tgt)
    typical = float(np.median(np.concatenate([best_src, best_tgt])))
    spread = max(typical - baseline, _MIN_SPREAD)
    level = max(baseline + config.moved_level * spread, doc_typical - config.moved_drop)
    arg_src, arg_tgt = cos.argmax(axis=1), cos.argmax(axis=0)
    mutual = arg_tgt[arg_src] == np.arange(a)
    hit = mutual & (best_src >= level)
    shorter = min(a, b)
    hits = int(hit.sum())
    if hits < 2 or hits < config.moved_hits * shorter:
        return 0.0
    return float(best_src[hit].mean())


def find_moved(
    beads: Sequence[Bead],
    src_windows: list[np.ndarray],
    tgt_windows: list[np.ndarray],
    src_lengths: np.ndarray,
    tgt_lengths: np.ndarray,
    config: SearchConfig | None = None,
) -> list[Bead]:
    """The monotone ``beads`` with moved passages found and aligned.

    ``src_windows[k - 1][r]`` embeds the ``k`` unmatched source sentences starting at the
    ``r``-th unmatched one (in document order, :func:`unmatched_ids`); windows that cross
    from one run to the next are never used. ``*_lengths`` are every sentence's length
    in characters (indexed by sentence id). Returns beads covering every sentence of both
    sides exactly once, ordered as the module docstring says; the ids are the documents'.
    """
    config = config or SearchConfig()
    src_runs, tgt_runs = _runs(beads)
    if not src_runs or not tgt_runs:
        return list(beads)
    n_unmatched = sum(len(r.ids) for r in src_runs), sum(len(r.ids) for r in tgt_runs)
    if len(src_windows[0]) != n_unmatched[0] or len(tgt_windows[0]) != n_unmatched[1]:
        raise ValueError(f"windows for {len(src_windows[0])} + {len(tgt_windows[0])} unmatched sentences, "
                         f"the beads leave {n_unmatched[0]} + {n_unmatched[1]}")
    matched = [b.score for b in beads if len(b.src) == 1 and len(b.tgt) == 1]
    if not matched:
        return list(beads)
    doc_typical = float(np.median(matched))
    s1, t1 = src_windows[0], tgt_windows[0]
    candidates = []
    for si, s in enumerate(src_runs):
        sv = s1[s.offset:s.offset + len(s.ids)]
        for ti, t in enumerate(tgt_runs):
            if s.gap == t.gap or min(len(s.ids), len(t.ids)) < 2:
                continue
            tv = t1[t.offset:t.offset + len(t.ids)]
            value = translates(sv @ tv.T, sv, tv, doc_typical, config)
            if value > 0.0:
                candidates.append((-value, si, ti))
    if not candidates:
        return list(beads)
    used_src: set[int] = set()
    used_tgt: set[int] = set()
    placed: dict[int, list[Bead]] = {}  # first source id of a found run -> its beads
    taken_tgt: set[int] = set()
    for _, si, ti in sorted(candidates):
        if si in used_src or ti in used_tgt:
            continue
        used_src.add(si)
        used_tgt.add(ti)
        s, t = src_runs[si], tgt_runs[ti]
        aligned = _align_runs(s, t, src_windows, tgt_windows, src_lengths, tgt_lengths, config)
        placed[s.ids[0]] = [b for b in aligned if b.src]  # target-only beads stay where they were
        taken_tgt.update(j for b in aligned if b.is_match for j in b.tgt)
    found_src = {i for si in used_src for i in src_runs[si].ids}
    out: list[Bead] = []
    for b in beads:
        if not b.is_match and b.src and b.src[0] in found_src:
            out.extend(placed.pop(b.src[0], []))  # the run's first bead stands for the whole run
        elif not b.is_match and b.tgt and b.tgt[0] in taken_tgt:
            continue
        else:
            out.append(b)
    return out


def _align_runs(s: Run, t: Run, src_windows: list[np.ndarray], tgt_windows: list[np.ndarray],
                src_lengths: np.ndarray, tgt_lengths: np.ndarray, config: SearchConfig) -> list[Bead]:
    """Align one source run with one target run (full band), in document ids and the
    search's order (unmatched sentences of both runs included)."""
    a, b = len(s.ids), len(t.ids)
    sw = [w[s.offset:s.offset + a - k] for k, w in enumerate(src_windows) if a - k > 0]
    tw = [w[t.offset:t.offset + b - k] for k, w in enumerate(tgt_windows) if b - k > 0]
    band = Band.full(a, b)
    beads = align_windows(sw, tw, src_lengths[list(s.ids)], tgt_lengths[list(t.ids)],
                          replace(config, refine=False, moved=False), band=band)
    return [Bead(tuple(s.ids[i] for i in bead.src), tuple(t.ids[j] for j in bead.tgt), bead.score) for bead in beads]



#: How much better than its present partners a sentence's match must be for pass two to
#: take it out of its bead (cosine): above a tie, which is what an inserted copy of a
#: sentence gives with the original's translation.
_CLEARLY = 0.01


def _hits(beads: Sequence[Bead], vecs: tuple[np.ndarray, np.ndarray], level: float,
          typical: float) -> list[tuple[int, int, float]]:
    """Sentence pairs ``(source id, target id, cosine)`` that are each other's best match
    (within ``_REACH``), at or above ``level``, clearly better than what either has in its
    present bead (``_CLEARLY``), and far from each other in the bead list (two beads or
    more apart): the sentences of a moved passage that the monotone search put elsewhere.

    Only sentences that are not in a confident bead (a 1-1 bead at or above the ``typical``
    score) are looked up, which keeps the work to a fraction of the document.
    """
    bead_of = bead_index(beads)
    centre: tuple[list[int], list[int]] = ([0] * len(vecs[0]), [0] * len(vecs[1]))  # the other side's id nearby
    last = [0, 0]
    for b in beads:
        for side, ids in ((0, b.src), (1, b.tgt)):
            other = b.tgt if side == 0 else b.src
            for i in ids:
                centre[side][i] = min(other) if other else last[1 - side]
        if b.is_match and not _backwards(last, b):
            last = [max(b.src), max(b.tgt)]

    def partners(side: int, i: int) -> tuple[int, ...]:
        b = beads[bead_of[side][i]]
        return b.tgt if side == 0 else b.src

    def best(side: int, i: int) -> tuple[int, float]:
        theirs = vecs[1 - side]
        lo = max(0, centre[side][i] - _REACH)
        cos = theirs[lo:centre[side][i] + _REACH] @ vecs[side][i]
        c = int(cos.argmax())
        return lo + c, float(cos[c])

    found: dict[tuple[int, int], float] = {}
    for side in (0, 1):
        seeds = [i for i in range(len(vecs[side]))
                 if not (len((b := beads[bead_of[side][i]]).src) == 1 and len(b.tgt) == 1 and b.score >= typical)]
        for y, value, i in _best_in_reach(vecs[side], vecs[1 - side], seeds, centre[side]):
            pair = (i, y) if side == 0 else (y, i)
            if value < level or pair in found or abs(bead_of[1 - side][y] - bead_of[side][i]) < 2:
                continue
            if best(1 - side, y)[0] != i:
                continue
            present = [float(vecs[1][pair[1]] @ vecs[0][p]) for p in partners(1, pair[1])]
            present += [float(vecs[0][pair[0]] @ vecs[1][q]) for q in partners(0, pair[0])]
            if value < max(present, default=-1.0) + _CLEARLY:
                continue
            found[pair] = value
    return sorted((x, y, v) for (x, y), v in found.items())


def _best_in_reach(mine: np.ndarray, theirs: np.ndarray, seeds: Sequence[int],
                   centre: Sequence[int], chunk: int = 256) -> list[tuple[int, float, int]]:
    """For each seed ``i``: ``(best id of theirs within _REACH of centre[i], its cosine, i)``,
    a block of seeds per matrix product (their centres lie close together)."""
    out = []
    for c0 in range(0, len(seeds), chunk):
        ids = np.asarray(seeds[c0:c0 + chunk])
        mid = np.asarray([centre[i] for i in ids])
        lo, hi = max(0, int(mid.min()) - _REACH), min(len(theirs), int(mid.max()) + _REACH)
        cos = mine[ids] @ theirs[lo:hi].T
        cols = np.arange(lo, hi)[None, :]
        cos[(cols < (mid - _REACH)[:, None]) | (cols >= (mid + _REACH)[:, None])] = -np.inf
        arg = cos.argmax(axis=1)
        out.extend((lo + int(a), float(cos[r, a]), int(i)) for r, (a, i) in enumerate(zip(arg, ids)))
    return out


def _backwards(last: list[int], b: Bead) -> bool:
    """Whether matched bead ``b`` lies before ``last`` (the last in-order bead's ids) on a side."""
    return bool(b.is_match and (max(b.src) < last[0] or max(b.tgt) < last[1]))


def _passages(hits: list[tuple[int, int, float]], beads: Sequence[Bead], vecs: tuple[np.ndarray, np.ndarray],
              extend_level: float) -> list[tuple[float, tuple[int, ...], tuple[int, ...]]]:
    """Moved passages around the hits: ``(mean cosine, source span, target span)``, best first.

    Hits that step forward together (at most ``_STEP`` sentences at a time on each side)
    are one passage; a passage then grows a pair at a time at either end (:func:`_step`)
    while the next pair's cosine is at least ``extend_level`` and clearly better than what either
    sentence has in its present bead (a moved paragraph's weaker sentences, which are not
    the best match of anything on their own). A lone hit is no passage: a novel has
    dozens of sentences whose best match lies far away (a repeated line, a name).
    """
    bead_of = bead_index(beads)
    n, m = len(vecs[0]), len(vecs[1])

    def present(side: int, i: int) -> float:
        b = beads[bead_of[side][i]]
        others = b.tgt if side == 0 else b.src
        return max((float(vecs[side][i] @ vecs[1 - side][p]) for p in others), default=-1.0)

    def extends(x: int, y: int) -> float | None:
        if not (0 <= x < n and 0 <= y < m) or abs(bead_of[0][x] - bead_of[1][y]) < 2:
            return None
        value = float(vecs[0][x] @ vecs[1][y])
        if value < extend_level or value < max(present(0, x), present(1, y)) + _CLEARLY:
            return None
        return value

    chains: list[list[tuple[int, int, float]]] = []
    for hit in hits:
        dx, dy = (hit[0] - chains[-1][-1][0], hit[1] - chains[-1][-1][1]) if chains else (0, 0)
        if 0 < dx <= _STEP and 0 < dy <= _STEP:
            chains[-1].append(hit)
        else:
            chains.append([hit])
    out = []
    for chain in chains:
        if len(chain) < 2:
            continue
        values = [v for _, _, v in chain]
        (x0, y0, _), (x1, y1, _) = chain[0], chain[-1]
        while (step := _step(extends, x0, y0, -1)) is not None:
            x0, y0 = x0 - step[0], y0 - step[1]
            values.append(step[2])
        while (step := _step(extends, x1, y1, 1)) is not None:
            x1, y1 = x1 + step[0], y1 + step[1]
            values.append(step[2])
        if len(values) >= 2:
            out.append((float(np.mean(values)), tuple(range(x0, x1 + 1)), tuple(range(y0, y1 + 1))))
    return sorted(out, key=lambda c: -c[0])


def _step(extends: Callable[[int, int], float | None], x: int, y: int,
          way: int) -> tuple[int, int, float] | None:
    """The nearest pair beyond ``(x, y)`` (``way`` -1 before, +1 after) that extends a
    passage: the next sentence on both sides, else one sentence further on one side (a
    1-2 or 2-1 bead between), as ``(source step, target step, cosine)``."""
    for a, b in ((1, 1), (1, 2), (2, 1)):
        value = extends(x + way * a, y + way * b)
        if value is not None:
            return a, b, value
    return None


def find_moved_in_beads(
    beads: Sequence[Bead],
    src1: np.ndarray,
    tgt1: np.ndarray,
    src_lengths: np.ndarray,
    tgt_lengths: np.ndarray,
    windows: Windows,
    config: SearchConfig | None = None,
) -> list[Bead]:
    """Moved passages the monotone search put into beads elsewhere (pass two, after
    :func:`find_moved`).

    Why: a moved paragraph rarely leaves two unmatched runs. The monotone search pairs
    the moved sentences of one side (or both) with whatever lies where they now stand
    (n-m beads that refinement then merges further), and :func:`find_moved` has nothing
    to pair. Here every sentence outside a confident bead looks for its best match over
    the other document (within ``_REACH`` sentences); a pair of sentences that are each
    other's best match, at or above the level :func:`translates` uses, better than what
    either has in its present bead, and two beads or more apart in the bead list, is a
    hit (:func:`_hits`). Two or more hits that step forward together on both sides are a
    moved passage: its two spans are taken out of their beads and aligned with each other,
    and the beads they were taken from are aligned again without them (same search, full
    band over a few beads).

    ``src1``/``tgt1`` are every sentence's vector (the 1-windows of the search);
    ``windows(side, ids)`` embeds the windows of a list of sentences. Order of the result
    as :func:`find_moved`'s: beads with source sentences in source order.
    """
    config = config or SearchConfig()
    beads = list(beads)
    matched = [b.score for b in beads if len(b.src) == 1 and len(b.tgt) == 1]
    if not matched or len(src1) < 4 or len(tgt1) < 4:
        return beads
    doc_typical = float(np.median(matched))
    baseline = float(np.mean(src1, axis=0, dtype=np.float64) @ np.mean(tgt1, axis=0, dtype=np.float64))
    spread = max(doc_typical - baseline, _MIN_SPREAD)
    level = max(baseline + config.moved_level * spread, doc_typical - config.moved_drop)
    # sentences of moved beads (pass one's, then each move's): never taken apart again
    moved_before = _out_of_order(beads)
    fixed = ({i for k in moved_before for i in beads[k].src}, {j for k in moved_before for j in beads[k].tgt})
    extend_level = baseline + config.moved_level * spread
    hits = _hits(beads, (src1, tgt1), level, doc_typical)
    for _, src_span, tgt_span in _passages(hits, beads, (src1, tgt1), extend_level):
        beads = _apply_move(beads, src_span, tgt_span, (src_lengths, tgt_lengths), windows, config, fixed)
    return _moved_into_holes(beads, (src1, tgt1), (src_lengths, tgt_lengths), windows, config, doc_typical, fixed)



def _out_of_order(beads: Sequence[Bead]) -> list[int]:
    """Positions of the matched beads whose target ids run backwards from the matched
    beads next to them (moved beads placed by :func:`find_moved`)."""
    matched = [k for k, b in enumerate(beads) if b.is_match]
    out = []
    for n, k in enumerate(matched):
        b = beads[k]
        before = beads[matched[n - 1]] if n > 0 else None
        after = beads[matched[n + 1]] if n + 1 < len(matched) else None
        if (before and min(b.tgt) < max(before.tgt)) or (after and max(b.tgt) > min(after.tgt)):
            out.append(k)
    return out

