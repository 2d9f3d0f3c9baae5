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
from again without it (bench/RESULTS.md, 2026-12-07, "pass two").

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
from align.settings import SearchConfig
from align.types import Bead

__all__ = ["Run", "find_moved", "find_moved_in_beads", "translates", "unmatched_ids"]


@dataclass(frozen=True)
class Run:
    """A run of consecutive unmatched sentences on one side: ``ids``, the gap it lies in
    (how many matched beads precede it in the bead list) and where its window rows start
    in the unmatched sentences' windows (``offset``)."""

    ids: tuple[int, ...]
    gap: int
    offset: int


def unmatched_ids(beads: Sequence[Bead]) -> tuple[list[int], list[int]]:
    """Ids of the unmatched source and target sentences, each in document order."""
    src = sorted(i for b in beads if not b.tgt for i in b.src)
    tgt = sorted(j for b in beads if not b.src for j in b.tgt)
    return src, tgt


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


#: How far (in sentences, either way) from a run's own place a pass-two search looks for
#: its moved counterpart: keeps the work linear in document length.
_REACH = 500

#: How much better than its present partners a sentence's match must be for pass two to
#: take it out of its bead (cosine): above a tie, which is what an inserted copy of a
#: sentence gives with the original's translation.
_CLEARLY = 0.01

Windows = Callable[[int, Sequence[int]], list[np.ndarray]]
"""``windows(side, ids)``: window vectors (``encode_windows``) of those sentences of side
``side`` (0 source, 1 target), in the order given."""


def _hits(beads: Sequence[Bead], vecs: tuple[np.ndarray, np.ndarray], level: float,
          typical: float) -> list[tuple[int, int, float]]:
    """Sentence pairs ``(source id, target id, cosine)`` that are each other's best match
    (within ``_REACH``), at or above ``level``, clearly better than what either has in its
    present bead (``_CLEARLY``), and far from each other in the bead list (two beads or
    more apart): the sentences of a moved passage that the monotone search put elsewhere.

    Only sentences that are not in a confident bead (a 1-1 bead at or above the ``typical``
    score) are looked up, which keeps the work to a fraction of the document.
    """
    bead_of: tuple[list[int], list[int]] = ([0] * len(vecs[0]), [0] * len(vecs[1]))
    for k, b in enumerate(beads):
        for i in b.src:
            bead_of[0][i] = k
        for j in b.tgt:
            bead_of[1][j] = k
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
    bead_of: tuple[dict[int, int], dict[int, int]] = ({}, {})
    for k, b in enumerate(beads):
        for i in b.src:
            bead_of[0][i] = k
        for j in b.tgt:
            bead_of[1][j] = k
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


#: The largest step, in sentences of one side, between two pairs of one moved passage
#: (a bead of up to ``_STEP`` sentences of a side between them).
_STEP = 3


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


#: How much lower than the pair's typical 1-1 score a passage's vector may match the
#: passage it is moved to (pass three): a passage's vector averages out its weak
#: sentences, so a moved passage matches about as well as a typical sentence pair does.
_HOLE_DROP = 0.1

#: How much better (cosine of passage vectors) a hole must match a passage elsewhere
#: than that passage matches what it is paired with now, and how much better the moved
#: passage's beads must score than the beads its sentences are taken from.
_HOLE_MARGIN = 0.1

#: A sentence this close (cosine) to another one of its side is a repeat ("Aye-aye,
#: sir!", a passage quoted again): it says nothing about where its passage belongs.
_REPEAT = 0.98


def _run_vectors(cums: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """Unit vectors of the runs of ``length`` sentences starting at ``starts`` (the
    normalised sum of their sentence vectors; ``cums`` the cumulative sums)."""
    w = cums[starts + length] - cums[starts]
    return w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)


def _best_run(v: np.ndarray, cums: np.ndarray, centre: int, size: int, excluded: Callable[[np.ndarray, int], np.ndarray],
              min_len: int = 2) -> tuple[float, int, int]:
    """The run (of ``size - 2`` to ``size + 2`` sentences, at least ``min_len``) within
    ``_REACH`` of ``centre`` whose vector is closest to ``v``, not ``excluded(starts, length)``:
    ``(cosine, start, length)``, cosine -2.0 when there is none."""
    n = len(cums) - 1
    best = (-2.0, 0, 0)
    for length in range(max(min_len, size - 2), size + 3):
        lo, hi = max(0, centre - _REACH), min(n - length, centre + _REACH)
        if hi < lo:
            continue
        starts = np.arange(lo, hi + 1)
        cos = _run_vectors(cums, starts, length) @ v
        cos[excluded(starts, length)] = -2.0
        x = int(cos.argmax())
        if cos[x] > best[0]:
            best = (float(cos[x]), int(starts[x]), length)
    return best


def _has_repeat(vecs: np.ndarray, ids: Sequence[int]) -> bool:
    """Whether a sentence of ``ids`` has a near copy (``_REPEAT``) anywhere else on its side."""
    cos = vecs @ vecs[list(ids)].T
    for r, i in enumerate(ids):
        cos[i, r] = -1.0
    return bool(cos.size) and float(cos.max()) >= _REPEAT


def _moved_into_holes(beads: list[Bead], vecs: tuple[np.ndarray, np.ndarray], lengths: tuple[np.ndarray, np.ndarray],
                      windows: Windows, config: SearchConfig, doc_typical: float,
                      fixed: tuple[set[int], set[int]]) -> list[Bead]:
    """Pass three: moved passages found from the holes they leave.

    Why: the monotone search usually leaves one side of a moved passage unmatched (a
    *hole*: a run of two or more unmatched sentences) and pairs the other side with
    whatever stands where it now is, in weak beads; the passage's sentences are often
    too weakly alike one by one (cosines 0.3-0.5 in a novel) for pass two's mutual best
    matches. Here a hole's passage vector (the normalised sum of its sentence vectors,
    so weak sentences ride along with strong ones) looks for the run of the other side
    closest to it, beyond the band's reach (``config.margin`` sentences) and within
    ``_REACH``; the pair is moved when (1) the two runs' vectors match at least
    ``doc_typical - _HOLE_DROP``; (2) clearly better (``_HOLE_MARGIN``) than the run
    matches its present partners; (3) the run's own best match on the hole's side is
    the hole (mutual); (4) neither holds a repeated sentence (an inserted copy, a
    refrain); (5) aligned with each other, their beads score ``_HOLE_MARGIN`` better on
    average than the beads the run is taken from. The run is first trimmed of the
    confident 1-1 beads (at or above ``doc_typical``) at its ends, and left alone when
    half of it or more is in such beads. Then :func:`_apply_move`
    as in pass two.
    """
    cums = tuple(np.vstack([np.zeros((1, v.shape[1])), np.cumsum(v, axis=0, dtype=np.float64)]) for v in vecs)
    candidates = []
    bead_of: tuple[dict[int, int], dict[int, int]] = ({}, {})
    for k, b in enumerate(beads):
        for i in b.src:
            bead_of[0][i] = k
        for j in b.tgt:
            bead_of[1][j] = k
    unmatched = unmatched_ids(beads)

    def partners(side: int, i: int) -> tuple[int, ...]:
        b = beads[bead_of[side][i]]
        return b.tgt if side == 0 else b.src

    def confident(side: int, i: int) -> bool:
        b = beads[bead_of[side][i]]
        return len(b.src) == 1 and len(b.tgt) == 1 and b.score >= doc_typical

    for side in (0, 1):
        mine, theirs = vecs[side], vecs[1 - side]
        for hole in _runs_of(unmatched[side]):
            if len(hole) < 2 or _has_repeat(mine, hole):
                continue
            centre = 0  # the other side's last sentence before the hole
            for k in range(bead_of[side][hole[0]], -1, -1):
                other = beads[k].tgt if side == 0 else beads[k].src
                if other:
                    centre = max(other)
                    break
            v = mine[list(hole)].sum(axis=0)
            v = v / max(float(np.linalg.norm(v)), 1e-12)
            margin = config.margin
            value, x, length = _best_run(v, cums[1 - side], centre, len(hole),
                                         lambda st, ln: (st + ln > centre - margin) & (st < centre + margin + 1))
            if value < doc_typical - _HOLE_DROP:
                continue
            run = list(range(x, x + length))
            while run and confident(1 - side, run[-1]):
                run.pop()
            while run and confident(1 - side, run[0]):
                run.pop(0)
            if len(run) < 2 or _has_repeat(theirs, run) or 2 * sum(confident(1 - side, q) for q in run) >= len(run):
                continue
            present_ids = sorted({p for q in run for p in partners(1 - side, q)})
            present = -1.0
            if present_ids:
                rv, pv = theirs[run].sum(axis=0), mine[present_ids].sum(axis=0)
                present = float(rv @ pv) / max(float(np.linalg.norm(rv) * np.linalg.norm(pv)), 1e-12)
            if value < present + _HOLE_MARGIN:
                continue
            rv = theirs[run].sum(axis=0)
            rv = rv / max(float(np.linalg.norm(rv)), 1e-12)
            _, x2, l2 = _best_run(rv, cums[side], hole[0], len(run), lambda st, ln: np.zeros(len(st), bool))
            if not (x2 <= hole[-1] and x2 + l2 > hole[0]):
                continue
            candidates.append((value, side, tuple(hole), tuple(run)))
    for _, side, hole, run in sorted(candidates, reverse=True):
        src_span, tgt_span = (hole, run) if side == 0 else (run, hole)
        pair = [b for b in _align_ids((src_span, tgt_span), lengths, windows, config) if b.is_match]
        taken_from = {bead_of[1 - side][q] for q in run}
        if any(k >= len(beads) for k in taken_from):
            continue
        present_scores = [beads[bead_of[1 - side][q]].score for q in run]
        if not pair or float(np.mean([b.score for b in pair])) < float(np.mean(present_scores)) + _HOLE_MARGIN:
            continue
        new = _apply_move(beads, src_span, tgt_span, lengths, windows, config, fixed)
        if new is not beads:
            beads = new
            bead_of = ({}, {})
            for k, b in enumerate(beads):
                for i in b.src:
                    bead_of[0][i] = k
                for j in b.tgt:
                    bead_of[1][j] = k
    return beads


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
    # regions: runs of touched beads (a bead more each way), merged when they meet
    regions: list[list[int]] = []
    for k in touched:
        lo, hi = max(0, k - 1), min(len(beads) - 1, k + 1)
        lo, hi = (k if is_fixed(lo) else lo), (k if is_fixed(hi) else hi)
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
