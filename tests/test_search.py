"""The aligner on its own: invariants for any input, and exact recovery of known alignments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from align.search import SearchConfig, align_windows
from align.search.anchors import anchor_band
from align.search.band import Band
from tests.synthetic import make_pair, windows


def _run(src: np.ndarray, tgt: np.ndarray, config: SearchConfig | None = None, **kw):
    config = config or SearchConfig()
    k = config.max_window
    ls = np.full(len(src), 80.0)
    lt = np.full(len(tgt), 80.0)
    return align_windows(windows(src, k), windows(tgt, k), ls, lt, config, **kw)


def _check_cover(beads, n: int, m: int, max_align: int) -> None:
    assert [i for b in beads for i in b.src] == list(range(n))
    assert [j for b in beads for j in b.tgt] == list(range(m))
    for b in beads:
        assert b.src or b.tgt
        if b.src and b.tgt:
            assert len(b.src) + len(b.tgt) <= max_align
            assert 0.0 <= b.score <= 1.0
        else:
            assert len(b.src) + len(b.tgt) == 1 and b.score == 0.0


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 25), m=st.integers(0, 25), seed=st.integers(0, 10_000),
    max_align=st.integers(2, 6), related=st.booleans(),
)
def test_every_sentence_in_exactly_one_bead_in_order(n: int, m: int, seed: int, max_align: int, related: bool) -> None:
    rng = np.random.default_rng(seed)
    src = rng.standard_normal((n, 32)).astype(np.float32)
    tgt = rng.standard_normal((m, 32)).astype(np.float32)
    if related and n and m:
        tgt[: min(n, m)] += 2 * src[: min(n, m)]
    src /= np.maximum(np.linalg.norm(src, axis=1, keepdims=True), 1e-9)
    tgt /= np.maximum(np.linalg.norm(tgt, axis=1, keepdims=True), 1e-9)
    beads = _run(src, tgt, SearchConfig(max_align=max_align))
    _check_cover(beads, n, m, max_align)


def test_recovers_a_known_alignment_with_merges_insertions_and_deletions() -> None:
    src, tgt, gold = make_pair(300, seed=1)
    beads = _run(src, tgt)
    found = {(b.src, b.tgt) for b in beads}
    strict = sum(g in found for g in gold) / len(gold)
    assert strict >= 0.95, strict
    one_to_one = [g for g in gold if len(g[0]) == len(g[1]) == 1]
    assert all(g in found for g in one_to_one[:50])


def test_long_unmatched_block_is_skipped_not_forced_onto_the_diagonal() -> None:
    # 40 target sentences with no source counterpart in the middle of the document
    mix = {(1, 1): 1.0}
    src, tgt, gold = make_pair(200, seed=2, mix=mix)
    rng = np.random.default_rng(3)
    junk = rng.standard_normal((40, src.shape[1])).astype(np.float32)
    junk /= np.linalg.norm(junk, axis=1, keepdims=True)
    tgt2 = np.concatenate([tgt[:100], junk, tgt[100:]])
    beads = _run(src, tgt2)
    pairs = {(b.src, b.tgt) for b in beads if b.src and b.tgt}
    for i in range(200):
        j = i if i < 100 else i + 40
        assert ((i,), (j,)) in pairs, f"source {i} should pair with target {j}"
    assert sum(1 for b in beads if not b.src) == 40


def test_paragraph_break_keeps_a_stray_paragraph_out_of_a_neighbouring_bead() -> None:
    src, tgt, _ = make_pair(20, seed=4, mix={(1, 1): 1.0})
    # target sentence 10 is a paragraph only the target has, mildly related to source 10
    rng = np.random.default_rng(5)
    extra = 0.35 * src[10] + rng.standard_normal(src.shape[1]).astype(np.float32) * 0.1
    extra /= np.linalg.norm(extra)
    tgt2 = np.concatenate([tgt[:10], extra[None, :], tgt[10:]])
    tgt_breaks = np.ones(len(tgt2) - 1, dtype=bool)
    src_breaks = np.ones(len(src) - 1, dtype=bool)
    beads = _run(src, tgt2, src_breaks=src_breaks, tgt_breaks=tgt_breaks)
    assert [b for b in beads if b.tgt == (10,)][0].src == ()


def test_band_stays_linear_for_long_documents() -> None:
    src, tgt, _ = make_pair(6000, seed=6, dim=64)
    config = SearchConfig(full_cells=100_000)
    band, path = anchor_band(src, tgt, k=config.top_k, margin=config.margin, full_cells=config.full_cells)
    n, m = len(src), len(tgt)
    assert band.cells < 40 * (n + m), band.cells  # a full matrix would be n * m (~36 million)
    final = Band.around_path(n, m, path, margin=config.margin)
    assert final.width < 60
    beads = align_windows(windows(src, 4), windows(tgt, 4), np.full(n, 80.0), np.full(m, 80.0), config)
    _check_cover(beads, n, m, config.max_align)


def test_band_is_monotone_and_reaches_both_corners() -> None:
    band = Band.around_path(10, 12, [(0, 3, 0, 2), (3, 7, 2, 9), (7, 10, 9, 12)], margin=1)
    assert band.contains(0, 0) and band.contains(10, 12)
    assert np.all(np.diff(band.lo) >= 0) and np.all(np.diff(band.hi) >= 0)
    assert np.all(band.lo < band.hi)


def test_one_sentence_each_side_is_matched_and_two_by_two_recovered() -> None:
    # With so few sentences the translations must not count as their own noise floor:
    # a lone related pair is one bead, and two crossed-free pairs are two 1-1 beads.
    rng = np.random.default_rng(7)
    src = rng.standard_normal((2, 32))
    tgt = src + 0.6 * rng.standard_normal((2, 32))
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    assert [(b.src, b.tgt) for b in _run(src[:1], tgt[:1])] == [((0,), (0,))]
    assert [(b.src, b.tgt) for b in _run(src, tgt)] == [((0,), (0,)), ((1,), (1,))]


def test_clause_cost_is_charged_exactly_where_the_two_ends_differ() -> None:
    from align.search.scoring import NEG, bead_scores

    src, tgt, _ = make_pair(12, seed=3)
    k = 2
    sw, tw = windows(src, k), windows(tgt, k)
    ls, lt = np.full(len(src), 80.0), np.full(len(tgt), 80.0)
    band = Band.full(len(src), len(tgt))
    # node (i, j) ends source sentence i - 1 and target sentence j - 1 (none at 0);
    # scores are in the band's flat layout, whose cells are at rows/cols
    i, j = band.rows, band.cols
    types = [(1, 1), (1, 2), (2, 1)]
    s_flags = np.zeros(len(src), bool)
    t_flags = np.zeros(len(tgt), bool)
    s_flags[[2, 5]] = True
    t_flags[[2, 7]] = True
    plain = bead_scores(sw, tw, ls, lt, types, band, 0.05)
    charged = bead_scores(sw, tw, ls, lt, types, band, 0.05, src_clauses=s_flags, tgt_clauses=t_flags, clause_cost=0.3)
    for p, c in zip(plain, charged):
        ok = p > NEG / 2
        end_s = np.where(i > 0, s_flags[np.clip(i - 1, 0, len(src) - 1)], False)
        end_t = np.where(j > 0, t_flags[np.clip(j - 1, 0, len(tgt) - 1)], False)
        expected = np.where(end_s != end_t, 0.3, 0.0)
        assert np.allclose((p - c)[ok], expected[ok])


def test_clause_ends_reads_the_last_mark_before_closing_quotes() -> None:
    from align.hints import clause_ends
    from align.read import read_text
    from align.segment import presegmented

    lines = ["Literatur :", 'Er sagte: "so;"', "Ende.", "Frage?", "Liste,", "", "« Zitat » :", "ohne Zeichen"]
    doc = presegmented(read_text("\n".join(lines), "de"))
    assert clause_ends(doc).tolist() == [True, True, False, False, True, False, True, False]


def test_rival_means_are_the_next_best_matches_of_each_sentence() -> None:
    from align.search.aligner import _rival_means
    from align.search.scoring import band_dots

    rng = np.random.default_rng(0)
    src = rng.normal(size=(3, 4))
    tgt = rng.normal(size=(4, 4))
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    band = Band.full(3, 4)
    rivals_src, rivals_tgt = _rival_means(band_dots(src, tgt, 1, 1, band), band)
    dense = src @ tgt.T
    expected_src = [np.sort(row)[::-1][1:4].mean() for row in dense]
    expected_tgt = [np.sort(col)[::-1][1:4].mean() for col in dense.T]
    assert rivals_src == pytest.approx(expected_src, abs=1e-4)  # band_dots rounds its factors (align/exact.py)
    assert rivals_tgt == pytest.approx(expected_tgt, abs=1e-4)


def test_a_sentence_that_matches_its_neighbours_alike_is_cheap_to_leave_out() -> None:
    """An added sentence of an adapted translation resembles its same-topic neighbours about
    equally: a below-typical best match that does not stand out costs little to skip; one
    that stands out costs its quality's price; a typical match costs the full price even
    when its rivals are as good (a repeated "Ja." / "Yes.")."""
    from align.search.aligner import _skip_costs

    best = np.array([0.6, 0.5, 0.5, 0.5])
    rivals = np.array([0.58, 0.1, 0.49, np.nan])  # duplicate, distinct, not distinct, no rival
    cost = _skip_costs(best, rivals, floor=0.1, typical=0.6, cost=0.3)
    assert cost[0] == pytest.approx(-0.3)
    assert cost[1] == pytest.approx(-0.3 * 0.8)
    assert cost[2] == pytest.approx(-0.3 * 0.01 / 0.21, abs=1e-9)  # lead 0.01 against a median lead of 0.21
    assert cost[3] == pytest.approx(-0.3 * 0.8)


def test_a_sentence_next_to_one_that_matches_nothing_costs_as_little_to_leave_out() -> None:
    """Adaptations leave out and add sentences in runs: a sentence costs no more to skip
    than its cheaper neighbour; with well-matched neighbours nothing changes."""
    from align.search.aligner import _like_neighbours

    skip = np.array([-0.3, -0.3, -0.02, -0.25, -0.3, -0.3])
    assert _like_neighbours(skip) == pytest.approx([-0.3, -0.02, -0.02, -0.02, -0.25, -0.3])
    assert _like_neighbours(np.array([-0.3])) == pytest.approx([-0.3])


def test_a_dropped_run_beside_a_bead_is_left_out_whole() -> None:
    """Target sentences 2-3 translate nothing (a dropped passage); sentence 2 resembles
    source 1 a little (same topic, cosine 0.35), sentence 3 nothing. At its own price
    sentence 2 went into source 1's bead (a 1-2 bead); now it costs what its neighbour
    costs and the run is left out whole."""
    rng = np.random.default_rng(7)
    dim = 64
    src = rng.normal(size=(6, dim))
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    noise = rng.normal(size=(8, dim))
    noise -= (noise @ src.T) @ src  # orthogonal to every source sentence
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    tgt = np.empty((8, dim))
    pairs = {0: 0, 1: 1, 4: 2, 5: 3, 6: 4, 7: 5}
    for j, i in pairs.items():
        tgt[j] = 0.8 * src[i] + 0.6 * noise[j]
    tgt[2] = 0.35 * src[1] + np.sqrt(1 - 0.35 ** 2) * noise[2]
    tgt[3] = noise[3]
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    beads = align_windows(windows(src, 4), windows(tgt, 4), np.full(6, 60.0), np.full(8, 60.0), SearchConfig(refine=False))
    pairs_found = [(b.src, b.tgt) for b in beads]
    assert ((1,), (1,)) in pairs_found and ((), (2,)) in pairs_found and ((), (3,)) in pairs_found, pairs_found
