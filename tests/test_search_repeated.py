"""Repeated text: a document pair made of the same passage and its translation several times over.

The anchor pass recurses on block means for long documents; at the block levels the copies
of a passage differ only in where the block boundaries fall, and the coarsest level used to
pair a source copy with whichever target copy's boundaries lined up best, so the path ran a
copy ahead or behind (issue 20; bench/RESULTS.md, big_pair).
"""

from __future__ import annotations

import numpy as np

from align.evaluate import score
from align.search import SearchConfig
from align.search.aligner import align_windows
from align.search.anchors import anchor_band, block_copies, copy_ranks
from tests.synthetic import make_pair, windows

COPIES = 8


def _repeated(n_beads: int, seed: int):
    """A synthetic pair repeated ``COPIES`` times, its sentence vectors bit-identical across
    copies (as the embedder gives identical text), and the gold beads of every copy."""
    src, tgt, gold = make_pair(n_beads, seed=seed, dim=64)
    ns, nt = len(src), len(tgt)
    assert ns != nt  # copies of different lengths: block boundaries fall differently in each
    reps = [
        (tuple(i + c * ns for i in s_ids), tuple(j + c * nt for j in t_ids))
        for c in range(COPIES) for s_ids, t_ids in gold
    ]
    return np.tile(src, (COPIES, 1)), np.tile(tgt, (COPIES, 1)), reps, ns, nt


def test_copy_ranks_count_and_order_identical_vectors() -> None:
    rng = np.random.default_rng(1)
    a, b, c = rng.standard_normal((3, 8)).astype(np.float32)
    vecs = np.stack([a, b, a, c, a, b])
    count, rank = copy_ranks(vecs)
    assert count.tolist() == [3, 2, 3, 1, 3, 2]
    assert rank.tolist() == [0, 0, 1, 0, 2, 1]
    # a block is as repeated as its least repeated vector, and has that vector's rank
    count2, rank2 = block_copies((count, rank), 2)
    assert count2.tolist() == [2, 1, 2] and rank2.tolist() == [0, 0, 1]


def test_anchor_path_keeps_each_copy_with_its_counterpart() -> None:
    src, tgt, _, ns, nt = _repeated(150, seed=0)
    # a small full_cells makes the pair recurse down to blocks of 16 sentences (~9 a copy)
    band, path = anchor_band(src, tgt, k=3, margin=6, full_cells=20_000)
    matched = [(i0, j0) for i0, i1, j0, j1 in path if i1 > i0 and j1 > j0]
    same = sum(i // ns == j // nt for i, j in matched)
    # before the copy rule about a fifth of the anchors were on a neighbouring copy
    assert same >= 0.99 * len(matched), (same, len(matched))


def test_repeated_pair_aligns_as_well_as_one_copy() -> None:
    src, tgt, gold, ns, nt = _repeated(150, seed=0)
    config = SearchConfig(full_cells=20_000)
    src_win, tgt_win = windows(src, config.max_window), windows(tgt, config.max_window)
    src_win[0], tgt_win[0] = src, tgt  # the sentence vectors themselves, bit-identical copies
    beads = align_windows(src_win, tgt_win, np.full(len(src), 80.0), np.full(len(tgt), 80.0), config)
    f1 = score([gold], [[(b.src, b.tgt) for b in beads]]).to_dict()["f1_strict"]
    # one copy alone scores 0.98 here; the path a copy off scored 0.12
    assert f1 > 0.95, f1
