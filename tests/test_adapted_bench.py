"""The adapted-translation builder of bench/adapted.py keeps its gold exact.

A synthetic faithful pair with unique sentence texts and a gold that covers every
sentence; the checks go by text, so they hold whatever ids the edits give.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from bench.adapted_bertalign import anchors, band, bead_types
from bench.adapted_build import adapt, build_variants, finish, move

Gold = list[tuple[tuple[int, ...], tuple[int, ...]]]


def faithful(n_beads: int = 300, seed: int = 7) -> tuple[list[str], list[str], Gold]:
    """Unique sentences ``s12``/``t40`` and a monotone gold of 1-1, 1-2, 2-1, 0-1 and 1-0 beads."""
    rng = random.Random(seed)
    src: list[str] = []
    tgt: list[str] = []
    gold: Gold = []
    for _ in range(n_beads):
        a, b = rng.choice([(1, 1)] * 6 + [(1, 2), (2, 1), (0, 1), (1, 0)])
        gold.append((tuple(range(len(src), len(src) + a)), tuple(range(len(tgt), len(tgt) + b))))
        src += [f"s{len(src) + k}" for k in range(a)]
        tgt += [f"t{len(tgt) + k}" for k in range(b)]
    return src, tgt, gold


KW = {"drop_rate": 0.08, "insert_rate": 0.08, "min_distance": 40, "move_every": 30, "move_min": 5, "move_max": 40}


def text_beads(variant) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [(tuple(variant.src[i] for i in s), tuple(variant.tgt[j] for j in t)) for s, t in variant.gold]


@pytest.fixture(scope="module")
def built():
    src, tgt, gold = faithful()
    return (src, tgt, gold), build_variants(src, tgt, gold, seed=3, **KW)


@pytest.mark.parametrize("name", ["adapted", "adapted+moved"])
def test_every_sentence_in_exactly_one_gold_bead(built, name):
    v = built[1][name]
    src_ids = Counter(i for s, _ in v.gold for i in s)
    tgt_ids = Counter(j for _, t in v.gold for j in t)
    assert sorted(src_ids) == list(range(len(v.src))) and set(src_ids.values()) == {1}
    assert sorted(tgt_ids) == list(range(len(v.tgt))) and set(tgt_ids.values()) == {1}


def test_edits_happened_at_about_the_asked_rates(built):
    (_, _, gold), variants = built
    edits = variants["adapted+moved"].edits
    drops = len({i for i, _ in edits.dropped})
    assert 0.04 * len(gold) < drops < 0.4 * len(gold)  # 8% of positions x 1-4 beads each
    assert 0.03 * len(gold) < len(edits.inserted) < 0.15 * len(gold)
    assert {side for _, side in edits.dropped} == {0, 1} and {side for _, side, _ in edits.inserted} == {0, 1}
    assert len(edits.moved) == max(1, round(len(variants["adapted"].gold) / KW["move_every"]))
    assert all(2 <= size <= 5 and 5 <= abs(dist) <= 40 for size, dist in edits.moved)


def test_dropped_beads_counterparts_are_unmatched(built):
    (src, tgt, gold), variants = built
    v = variants["adapted"]
    beads = text_beads(v)
    singles = {s for s, t in beads if not t} | {t for s, t in beads if not s}
    paired_texts = {x for s, t in beads if s and t for x in s + t}
    for index, side in v.edits.dropped:
        kept_ids, gone_ids = (gold[index][1], gold[index][0]) if side == 0 else (gold[index][0], gold[index][1])
        kept = [(tgt if side == 0 else src)[i] for i in kept_ids]
        gone = [(src if side == 0 else tgt)[i] for i in gone_ids]
        for text in kept:
            assert (text,) in singles, f"{text} of dropped bead {index} is not an unmatched bead"
        for text in gone:
            assert text not in paired_texts, f"dropped {text} still aligned"


def test_inserted_sentences_are_unmatched_copies_of_the_same_side(built):
    (src, tgt, _), variants = built
    v = variants["adapted"]
    n_inserted = sum(c for _, _, c in v.edits.inserted)
    dropped_sentences = len(src) + len(tgt) + n_inserted - len(v.src) - len(v.tgt)
    assert dropped_sentences > 0
    beads = text_beads(v)
    # every text occurs on its own side only (a copy never crosses languages)
    assert set(v.src) <= set(src) and set(v.tgt) <= set(tgt)
    copies = (len(v.src) - len(set(v.src))) + (len(v.tgt) - len(set(v.tgt)))
    assert copies > 0  # some inserted copies sit beside their (kept) original
    pairs_faithful = {(tuple(src[i] for i in s), tuple(tgt[j] for j in t)) for s, t in faithful()[2]}
    for s, t in beads:
        if s and t:
            assert (s, t) in pairs_faithful  # every pair of the variant is a pair of the faithful gold


def test_moved_blocks_keep_their_pairs_and_break_monotony(built):
    _, variants = built
    plain, moved = variants["adapted"], variants["adapted+moved"]
    assert plain.src == moved.src
    assert sorted(plain.tgt) == sorted(moved.tgt) and plain.tgt != moved.tgt
    assert Counter(text_beads(plain)) == Counter(text_beads(moved))
    tgt_in_src_order = [t[0] for s, t in sorted((b for b in moved.gold if b[0] and b[1]), key=lambda b: b[0][0])]
    assert tgt_in_src_order != sorted(tgt_in_src_order)
    plain_order = [t[0] for s, t in sorted((b for b in plain.gold if b[0] and b[1]), key=lambda b: b[0][0])]
    assert plain_order == sorted(plain_order)


def test_deterministic_for_a_seed():
    src, tgt, gold = faithful()
    a = build_variants(src, tgt, gold, seed=11, **KW)
    b = build_variants(src, tgt, gold, seed=11, **KW)
    c = build_variants(src, tgt, gold, seed=12, **KW)
    for name in a:
        assert (a[name].src, a[name].tgt, a[name].gold) == (b[name].src, b[name].tgt, b[name].gold)
    assert (a["adapted"].src, a["adapted"].tgt) != (c["adapted"].src, c["adapted"].tgt)


def test_gold_gaps_and_empty_beads_survive():
    """A sentence the gold leaves out stays out; a []:[] bead is dropped, as the scorer drops it."""
    src, tgt, gold = faithful(80)
    gold = [b for b in gold if b != gold[10]] + [((), ())]
    state = adapt(src, tgt, gold, random.Random(0), drop_rate=0.0, insert_rate=0.0)
    v = finish(move(state, random.Random(0), move_every=1000, move_min=1, move_max=80))
    covered = {v.src[i] for s, _ in v.gold for i in s} | {v.tgt[j] for _, t in v.gold for j in t}
    left_out = {src[i] for i in faithful(80)[2][10][0]} | {tgt[j] for j in faithful(80)[2][10][1]}
    assert covered.isdisjoint(left_out) and len(v.src) == len(src) and len(v.tgt) == len(tgt)
    assert ((), ()) not in v.gold


def test_bertalign_first_pass_finds_the_diagonal_and_second_pass_band():
    rng = np.random.default_rng(0)
    src = rng.normal(size=(30, 16))
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    tgt = src + rng.normal(scale=0.05, size=src.shape)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    found = anchors(src, tgt, top_k=3)
    assert found == [(i, i) for i in range(1, 31)]
    rows = band(found, 5, 30, 30)
    assert len(rows) == 31 and rows[0] == rows[1] == (0, 6) and rows[30] == (24, 30)
    assert bead_types(5)[:3] == [(0, 1), (1, 0), (1, 1)] and len(bead_types(5)) == 12
