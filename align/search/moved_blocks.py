"""Moved blocks after they are found: extended, refined, kept whole and placed (issue 18).

Why a module of its own: :mod:`align.search.moved_chain` decides which blocks moved, from
the order of confident anchors, before the monotone search; this module is what happens to
those blocks around and after that search (see the steps in that module's docstring):
:func:`extend_blocks` aligns each block again with the sentences the search left unmatched
beside it, :func:`refine_blocks` refines a block's beads at clause level over its own
spans, :func:`keep_blocks_whole` keeps the document's refinement from taking a block's
sentence into a bead beside it, and :func:`place_blocks` puts the blocks' beads in at
their source position (out of order, as :mod:`align.search.moved` reports moved beads).

Pure: vectors in, beads out, no encoder.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from align.exact import exact_dots
from align.search.moved_apply import _in_source_order
from align.search.moved_chain import _EXTEND, Blocks, _align_spans
from align.search.windows import Windows, WindowSource, all_rows, as_source
from align.settings import SearchConfig
from align.types import Bead

__all__ = ["extend_blocks", "keep_blocks_whole", "place_blocks", "refine_blocks"]



def _extension_owners(blocks: Blocks, unmatched: tuple[np.ndarray, np.ndarray],
                      vectors: tuple[np.ndarray, np.ndarray]) -> tuple[dict[int, int], dict[int, int]]:
    """Per side, the block each unmatched sentence within reach of two blocks' extensions
    goes to (sentences in reach of one block only are not listed).

    Why: two moved blocks can stand next to each other on one side (Text+Berg seed 1:
    source 188-190 and 191-195, the second found from 194-195 only); extended one after
    the other, the first took source 191, the second's first sentence. The sentences
    between two blocks are cut in two at the point where the first part's best cosines
    with the earlier block's other side (its sentences and the unmatched ones its
    extension can reach there) and the second part's with the later block's add up
    highest.
    """
    excluded = (blocks.src_exclude, blocks.tgt_exclude)
    reach: tuple[list[set[int]], list[set[int]]] = ([], [])  # per side, per block: ids and reachable ids
    before: tuple[dict[int, int], dict[int, int]] = ({}, {})  # the block whose reach ends at i going forward
    after: tuple[dict[int, int], dict[int, int]] = ({}, {})
    for g, group in enumerate(blocks.groups):
        for side in (0, 1):
            ids = [i for b in group for i in (b.src if side == 0 else b.tgt)]
            got = set(ids)
            free, ex = unmatched[side], excluded[side]
            for start, step, mark in ((min(ids) - 1, -1, after[side]), (max(ids) + 1, 1, before[side])):
                i = start
                while 0 <= i < len(free) and free[i] and not ex[i] and abs(i - start) < _EXTEND:
                    got.add(i)
                    mark[i] = g
                    i += step
            reach[side].append(got)
    owners: tuple[dict[int, int], dict[int, int]] = ({}, {})
    for side in (0, 1):
        contested = sorted(i for i in before[side] if i in after[side] and before[side][i] != after[side][i])
        runs: list[list[int]] = []
        for i in contested:
            if runs and i == runs[-1][-1] + 1 and before[side][i] == before[side][runs[-1][-1]]:
                runs[-1].append(i)
            else:
                runs.append([i])
        for run in runs:
            x, y = before[side][run[0]], after[side][run[0]]
            cos = []
            for g in (x, y):
                other = sorted(reach[1 - side][g])
                cos.append(exact_dots(vectors[side][run], vectors[1 - side][other]).max(axis=1))
            totals = [float(cos[0][:p].sum() + cos[1][p:].sum()) for p in range(len(run) + 1)]
            cut = int(np.argmax(totals))
            for n, i in enumerate(run):
                owners[side][i] = x if n < cut else y
    return owners


#: An edge sentence the extension took in is left out of its bead again when its best
#: cosine with the bead's other side lies this far below that of its side's best member ...
_SHED_GAP = 0.3

#: ... and the bead's window cosine (its two sides' vectors) rises by at least this much
#: without it. 0.2 and 0.4 for the gap, 0.02 and 0.08 for the rise gave less (adapted+moved
#: strict seeds 0-3, bench/RESULTS.md, 2026-12-07 night, inserted sentences at a block's edge).
_SHED_GAIN = 0.04


def _unit(windows: WindowSource, ids: Sequence[int]) -> np.ndarray:
    """The window vector of the consecutive sentences ``ids``, of unit length."""
    v = np.asarray(windows.rows(len(ids), ids[0], ids[0] + 1)[0], dtype=np.float64)
    return v / max(float(np.linalg.norm(v)), 1e-12)


def _shed(matched: list[Bead], group: tuple[Bead, ...],
          windows: tuple[WindowSource, WindowSource]) -> list[Bead]:
    """The extended block's beads with the sentences the extension took in at the block's
    ends left out again where they do not translate their bead's other side.

    Why: an adaptation inserts sentences with no counterpart, and one inserted beside a
    moved block is unmatched where it stands, as the block's own weak edge sentences are,
    so the extension takes it in and the block's small search, on a few sentences'
    statistics, puts it into the edge bead (Tom Sawyer seed 2: target 1288-1289, inserted,
    in [1231]:[1287-1289]). A sentence at an end of the block on its side, taken in by the
    extension, in a bead with other sentences on its side, is left out when its best cosine
    with the bead's other side is ``_SHED_GAP`` below the best of the others and the bead's
    window cosine rises by ``_SHED_GAIN`` or more without it: the weaker half of a true
    2-1 is about as far below its partner (a cosine test alone cannot tell them apart,
    bench/RESULTS.md, 2026-12-07 night, edges) but adds to what the bead's window says.
    Repeated inward while the next end sentence qualifies.
    """
    old = ({i for b in group for i in b.src}, {j for b in group for j in b.tgt})
    beads = list(matched)
    for side in (0, 1):
        def ids_of(b: Bead) -> tuple[int, ...]:
            return b.src if side == 0 else b.tgt  # noqa: B023

        def other_of(b: Bead) -> tuple[int, ...]:
            return b.tgt if side == 0 else b.src  # noqa: B023

        for end in (0, -1):
            while True:
                ids = sorted(i for b in beads for i in ids_of(b))
                x = ids[end]
                if x in old[side]:
                    break
                k = next(n for n, b in enumerate(beads) if x in ids_of(b))
                mine, theirs = list(ids_of(beads[k])), list(other_of(beads[k]))
                if len(mine) < 2 or not theirs or len(mine) > windows[side].max_window:
                    break
                rest = [i for i in mine if i != x]
                other = np.stack([_unit(windows[1 - side], [j]) for j in theirs])
                best = {i: float((other @ _unit(windows[side], [i])).max()) for i in mine}
                gap = max(best[i] for i in rest) - best[x]
                whole = _unit(windows[1 - side], theirs)
                gain = float(_unit(windows[side], rest) @ whole) - float(_unit(windows[side], mine) @ whole)
                if gap < _SHED_GAP or gain < _SHED_GAIN:
                    break
                b = beads[k]
                beads[k] = Bead(tuple(rest), b.tgt, b.score) if side == 0 else Bead(b.src, tuple(rest), b.score)
    return beads


def extend_blocks(beads: Sequence[Bead], blocks: Blocks, src_windows: Windows,
                  tgt_windows: Windows, src_len: np.ndarray, tgt_len: np.ndarray,
                  config: SearchConfig) -> Blocks:
    """Each block aligned again with the sentences the monotone search left unmatched next
    to it (up to ``_EXTEND`` each way on each side).

    Why: a block is found from its confident anchors, and its edge beads (a weak first
    sentence, a 1-2 bead) are often not anchors. Once the block is out of the search,
    the search leaves such an edge sentence unmatched where it stands (it translates
    nothing there), and that is the sentence evidence that it is the block's.
    """
    if not blocks.groups or _EXTEND <= 0:
        return blocks
    unmatched = (np.zeros(len(src_len), dtype=bool), np.zeros(len(tgt_len), dtype=bool))
    for b in beads:
        if not b.is_match:
            for i in b.src:
                unmatched[0][i] = True
            for j in b.tgt:
                unmatched[1][j] = True
    src_ex, tgt_ex = blocks.src_exclude.copy(), blocks.tgt_exclude.copy()
    src_windows, tgt_windows = as_source(src_windows), as_source(tgt_windows)
    owner = _extension_owners(blocks, unmatched, (all_rows(src_windows, 1), all_rows(tgt_windows, 1)))
    groups = []
    for g, group in enumerate(blocks.groups):
        spans = []
        for side, ex, free in ((0, src_ex, unmatched[0]), (1, tgt_ex, unmatched[1])):
            ids = [i for b in group for i in (b.src if side == 0 else b.tgt)]
            lo, hi = min(ids), max(ids)

            def mine(i: int) -> bool:
                return free[i] and not ex[i] and owner[side].get(i, g) == g  # noqa: B023

            while lo - 1 >= 0 and mine(lo - 1) and min(ids) - lo < _EXTEND:
                lo -= 1
            while hi + 1 < len(free) and mine(hi + 1) and hi - max(ids) < _EXTEND:
                hi += 1
            spans.append(range(lo, hi + 1))
        if len(spans[0]) + len(spans[1]) == sum(len(b.src) + len(b.tgt) for b in group):
            groups.append(group)
            continue
        matched = [b for b in _align_spans(src_windows, tgt_windows, src_len, tgt_len, (spans[0], spans[1]), config)
                   if b.is_match]
        if len(matched) < 2:
            groups.append(group)
            continue
        matched = _shed(matched, group, (src_windows, tgt_windows))
        for b in group:
            src_ex[list(b.src)] = False
            tgt_ex[list(b.tgt)] = False
        for b in matched:
            src_ex[list(b.src)] = True
            tgt_ex[list(b.tgt)] = True
        groups.append(tuple(matched))
    return Blocks(blocks.band, tuple(groups), src_ex, tgt_ex)


#: The most beads of a block one refined bead may join: the block's search splits a gold
#: n-m bead in two (a 1-1 and a 1-2 for a 2-3); a join of three or more took in 1-1 beads
#: the sentence level had right (Tom Sawyer seed 2, bench/RESULTS.md, 2026-12-07 night, blocks).
_REFINE_JOIN = 2


def _refine_group(group: tuple[Bead, ...], parts: tuple[Sequence, Sequence],
                  part_windows: tuple[Windows, Windows], config: SearchConfig,
                  breaks: tuple[np.ndarray | None, np.ndarray | None]) -> tuple[Bead, ...]:
    """One block's beads refined at clause level over the block's two spans (local ids)."""
    from align.search.refine import refine_alignment

    spans = []
    for side in (0, 1):
        ids = [i for b in group for i in (b.src if side == 0 else b.tgt)]
        spans.append(range(min(ids), max(ids) + 1))
    s, t = spans
    inside = ({i for b in group for i in b.src}, {j for b in group for j in b.tgt})
    local: list[Bead] = []  # the group's beads and every other sentence of the spans alone
    kept: list[bool] = []
    gi, gj = s.start, t.start
    for b in sorted(group, key=lambda b: b.src[0]):
        while gi < b.src[0]:
            if gi not in inside[0]:
                local.append(Bead((gi - s.start,), (), 0.0))
                kept.append(False)
            gi += 1
        while gj < b.tgt[0]:
            if gj not in inside[1]:
                local.append(Bead((), (gj - t.start,), 0.0))
                kept.append(False)
            gj += 1
        local.append(Bead(tuple(i - s.start for i in b.src), tuple(j - t.start for j in b.tgt), b.score))
        kept.append(True)
        gi, gj = b.src[-1] + 1, b.tgt[-1] + 1
    local_parts = []
    local_windows = []
    for side, span in ((0, s), (1, t)):
        before = sum(len(p) for p in parts[side][:span.start])
        sub = list(parts[side][span.start:span.stop])
        count = sum(len(p) for p in sub)
        local_parts.append(sub)
        source = as_source(part_windows[side])
        local_windows.append([source.rows(k, before, before + count - k + 1)
                              for k in range(1, source.max_window + 1) if count - k + 1 > 0])
    local_breaks = tuple(None if br is None else np.asarray(br)[span.start:span.stop] for br, span in zip(breaks, (s, t)))
    refined = refine_alignment(local, (local_parts[0], local_parts[1]), (local_windows[0], local_windows[1]),
                               config, *local_breaks)
    out: list[Bead] = []
    k = 0
    for b in refined:
        members: list[int] = []
        size = len(b.src) + len(b.tgt)
        while size > 0:
            members.append(k)
            size -= len(local[k].src) + len(local[k].tgt)
            k += 1
        if all(kept[x] for x in members) and len(members) <= _REFINE_JOIN:
            out.append(Bead(tuple(s.start + i for i in b.src), tuple(t.start + j for j in b.tgt), b.score))
        else:  # a sentence of no block bead taken in, or too many beads: the block's beads as they were
            out.extend(Bead(tuple(s.start + i for i in local[x].src), tuple(t.start + j for j in local[x].tgt),
                            local[x].score) for x in members if kept[x])
    return tuple(out)


def refine_blocks(blocks: Blocks, parts: tuple[Sequence, Sequence],
                  part_windows: tuple[Windows, Windows], config: SearchConfig,
                  src_breaks: np.ndarray | None = None, tgt_breaks: np.ndarray | None = None) -> Blocks:
    """Every block's beads refined at clause level, as the monotone beads are
    (:func:`~align.search.refine.refine_alignment` over the block's two spans).

    Why: a block's beads come from the sentence search alone, which splits an n-m bead
    of the gold (a 2-3) into a 1-1 and a 1-2 as it does on the monotone path, where the
    clause refinement joins them again. Only merges of the block's own beads are kept
    (its sentences stay its own, the others stay where the search put them).
    """
    if not blocks.groups:
        return blocks
    groups = tuple(_refine_group(g, parts, part_windows, config, (src_breaks, tgt_breaks)) if len(g) > 1 else g
                   for g in blocks.groups)
    return Blocks(blocks.band, groups, blocks.src_exclude, blocks.tgt_exclude)


def keep_blocks_whole(refined: Sequence[Bead], sentence_beads: Sequence[Bead], blocks: Blocks) -> list[Bead]:
    """The refined beads, with every refined bead that took in an excluded sentence (a
    block's, left unmatched by the search) given back as the sentence beads it was merged
    from: a block's sentence belongs to its block, not to the bead beside its old place."""
    def holds_excluded(b: Bead) -> bool:
        return bool(any(blocks.src_exclude[i] for i in b.src) or any(blocks.tgt_exclude[j] for j in b.tgt))

    out: list[Bead] = []
    k = 0
    for b in refined:
        group = []
        size = len(b.src) + len(b.tgt)
        while size > 0:
            group.append(sentence_beads[k])
            size -= len(sentence_beads[k].src) + len(sentence_beads[k].tgt)
            k += 1
        if len(group) > 1 and b.is_match and holds_excluded(b):
            out.extend(group)
        else:
            out.append(b)
    return out


def place_blocks(beads: Sequence[Bead], blocks: Blocks) -> list[Bead]:
    """The monotone ``beads`` with the blocks' sentences (unmatched there) replaced by the
    blocks' beads, in source order (module docstring)."""
    if not blocks.beads:
        return list(beads)
    rest = [b for b in beads if b.is_match
            or not (any(blocks.src_exclude[i] for i in b.src) or any(blocks.tgt_exclude[j] for j in b.tgt))]
    return _in_source_order(rest + list(blocks.beads))
