"""The 5,000 x 5,000 sentence pair of ``bench/speed.py``, built from Tom Sawyer val with its gold.

Kept apart from the timed runs because building the input is not what is measured, and
the construction has its own rule worth reading on its own: the document is cut into
blocks at gold-bead boundaries that no bead crosses (:func:`gold_blocks`), and the blocks
are repeated in seeded shuffled orders on both sides alike (:func:`build_big_pair`), so
the concatenated, shifted gold is still exact.
"""

from __future__ import annotations

import random
from pathlib import Path

# the dev sets' file layout, shared with the accuracy bench
from bench.align_quality import SETS

Bead = tuple[tuple[int, ...], tuple[int, ...]]


def gold_blocks(gold: list[Bead], n_src: int, n_tgt: int, beads_per_block: int) -> list[tuple[range, range, list[Bead]]]:
    """Cut a document pair into blocks at gold-bead boundaries that no bead crosses.

    Returns ``(source lines, target lines, beads with ids relative to the block)`` per
    block of at least ``beads_per_block`` beads; lines the gold leaves out stay inside the
    block where they sit, so the blocks together hold every line once.
    """
    order = [b for b in gold if b[0] or b[1]]  # gold files list beads in document order
    # after bead k, the cut is clean when everything so far ends before everything later starts
    big = 1 << 60
    suffix_s, suffix_t = [big] * (len(order) + 1), [big] * (len(order) + 1)
    for k in range(len(order) - 1, -1, -1):
        suffix_s[k] = min(suffix_s[k + 1], min(order[k][0], default=big))
        suffix_t[k] = min(suffix_t[k + 1], min(order[k][1], default=big))
    blocks = []
    s0 = t0 = 0
    s_end, t_end = 0, 0
    current: list[Bead] = []
    for k, bead in enumerate(order):
        current.append(bead)
        s_end = max(s_end, max(bead[0], default=-1) + 1)
        t_end = max(t_end, max(bead[1], default=-1) + 1)
        clean = suffix_s[k + 1] >= s_end and suffix_t[k + 1] >= t_end
        if len(current) >= beads_per_block and clean and k + 1 < len(order) and s_end > s0 and t_end > t0:
            blocks.append((range(s0, s_end), range(t0, t_end), _shift(current, -s0, -t0)))
            s0, t0, current = s_end, t_end, []
    blocks.append((range(s0, n_src), range(t0, n_tgt), _shift(current, -s0, -t0)))
    return blocks


def _shift(beads: list[Bead], ds: int, dt: int) -> list[Bead]:
    return [(tuple(i + ds for i in s), tuple(j + dt for j in t)) for s, t in beads]


def build_big_pair(data: Path, target: int, out_dir: Path, seed: int = 7) -> tuple[Path, Path, list[Bead], str, str]:
    """About ``target`` source sentences of Tom Sawyer (de-en), with the matching gold.

    The document in order, then its blocks in seeded shuffled orders until the source side
    reaches ``target`` sentences; both sides take the same blocks in the same order.
    """
    from align.evaluate import read_beads

    src_rel, tgt_rel, gold_rel, sl, tl = SETS["tomsawyer-val"]
    src_lines = (data / src_rel).read_text(encoding="utf-8").splitlines()
    tgt_lines = (data / tgt_rel).read_text(encoding="utf-8").splitlines()
    blocks = gold_blocks(read_beads(data / gold_rel), len(src_lines), len(tgt_lines), 40)
    rng = random.Random(seed)
    sequence = list(blocks)
    while sum(len(b[0]) for b in sequence) < target:
        more = list(blocks)
        rng.shuffle(more)
        sequence.extend(more)
    src_out: list[str] = []
    tgt_out: list[str] = []
    gold: list[Bead] = []
    for s_range, t_range, beads in sequence:
        if len(src_out) >= target:
            break
        gold.extend(_shift(beads, len(src_out), len(tgt_out)))
        src_out.extend(src_lines[i] for i in s_range)
        tgt_out.extend(tgt_lines[j] for j in t_range)
    src_path, tgt_path = out_dir / "big.de", out_dir / "big.en"
    src_path.write_text("\n".join(src_out) + "\n", encoding="utf-8")
    tgt_path.write_text("\n".join(tgt_out) + "\n", encoding="utf-8")
    return src_path, tgt_path, gold, sl, tl
