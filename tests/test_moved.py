"""Moved passages (issue 18, item 3): runs the monotone search leaves unmatched on both
sides that translate each other are found and aligned, out of order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from align.api import align_texts, prepare
from align.evaluate import read_beads
from align.read import read_document
from align.search import SearchConfig
from align.search.moved import find_moved, find_moved_in_beads, unmatched_ids
from align.search.moved_holes import PrefixSums
from align.types import Alignment, Bead
from tests.conftest import IN_CI, SAMPLES, SHARED_DATA
from tests.invariants import check_partition, check_text_exports

#: The sample pair, one sentence a line: German 0-8 translate English 1-4 and 8-12; English
#: 0 (the lead) and 5-7 (the Yun Sun quotes) and German 9-13 (its own closing) have no
#: counterpart.
SAMPLE_MONOTONE = [((), (0,)), ((0,), (1,)), ((1,), (2,)), ((2,), (3,)), ((3,), (4,)), ((), (5,)), ((), (6,)),
                   ((), (7,)), ((4,), (8,)), ((5,), (9,)), ((6,), (10,)), ((7,), (11,)), ((8,), (12,)),
                   ((9,), ()), ((10,), ()), ((11,), ()), ((12,), ()), ((13,), ())]


def _sample_lines() -> tuple[list[str], list[str]]:
    out = []
    for path, lang in ((SAMPLES / "000_b5ea64c99ab2f47c.txt", "de"), (SAMPLES / "001_aab225ae7d9de552.txt", "en")):
        out.append([s.text for s in prepare(read_document(str(path), lang)).sentences])
    return out[0], out[1]


def _ids(alignment: Alignment) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(b.src, b.tgt) for b in alignment.beads]


TOMSAWYER = SHARED_DATA / "tomsawyer-val"


def _need_tomsawyer() -> None:
    """Skip a test that reads the shared Tom Sawyer set where it is not (fail in CI, where it must be)."""
    if not TOMSAWYER.is_dir():
        if IN_CI:
            pytest.fail(f"{TOMSAWYER} is missing")
        pytest.skip(f"{TOMSAWYER} is not on this machine")


@pytest.fixture(scope="module")
def moved_pair() -> tuple[list[str], list[str], list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """50 gold beads of Tom Sawyer (German and English lines from its dev set) with the
    English of beads 11-14 (a paragraph of four sentences) moved 26 beads further down;
    also those four gold beads in the new numbering."""
    _need_tomsawyer()
    de = (TOMSAWYER / "de.txt").read_text(encoding="utf-8").splitlines()
    en = (TOMSAWYER / "en.txt").read_text(encoding="utf-8").splitlines()
    gold = [b for b in read_beads(TOMSAWYER / "gold.txt")[400:450] if b[0] and b[1]]
    order = list(range(11)) + list(range(15, 41)) + list(range(11, 15)) + list(range(41, len(gold)))
    src = [de[i] for b in gold for i in b[0]]
    src_ids = [list(range(sum(len(b[0]) for b in gold[:k]), sum(len(b[0]) for b in gold[:k + 1])))
               for k in range(len(gold))]
    tgt, tgt_ids = [], {}
    for k in order:
        tgt_ids[k] = list(range(len(tgt), len(tgt) + len(gold[k][1])))
        tgt.extend(en[j] for j in gold[k][1])
    moved = [(tuple(src_ids[k]), tuple(tgt_ids[k])) for k in range(11, 15)]
    return src, tgt, moved


def _excerpt_with_move(start: int, a: int, b: int, dest: int
                       ) -> tuple[list[str], list[str], list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """As ``moved_pair``, from the 50 gold beads at ``start``; the English of beads
    ``a``..``b - 1`` moved to just before bead ``dest``."""
    de = (TOMSAWYER / "de.txt").read_text(encoding="utf-8").splitlines()
    en = (TOMSAWYER / "en.txt").read_text(encoding="utf-8").splitlines()
    gold = [b for b in read_beads(TOMSAWYER / "gold.txt")[start:start + 50] if b[0] and b[1]]
    order = list(range(a)) + list(range(b, dest)) + list(range(a, b)) + list(range(dest, len(gold)))
    src = [de[i] for b in gold for i in b[0]]
    firsts = np.cumsum([0] + [len(b[0]) for b in gold])
    tgt, tgt_ids = [], {}
    for k in order:
        tgt_ids[k] = tuple(range(len(tgt), len(tgt) + len(gold[k][1])))
        tgt.extend(en[j] for j in gold[k][1])
    return src, tgt, [(tuple(range(firsts[k], firsts[k + 1])), tgt_ids[k]) for k in range(a, b)]


def test_a_region_aligned_again_has_no_bead_across_the_hole() -> None:
    """A bead holds consecutive sentences on each side: a bead of a region aligned again
    across the hole a moved passage left keeps its longest run; the rest goes unmatched."""
    from align.search.moved_apply import _split_at_holes

    beads = [Bead((3,), (7,), 0.5), Bead((4, 5), (8, 9, 12), 0.6), Bead((6,), ())]
    assert [(b.src, b.tgt) for b in _split_at_holes(beads)] == [
        ((3,), (7,)), ((4, 5), (8, 9)), ((), (12,)), ((6,), ())]
    assert [(b.src, b.tgt) for b in _split_at_holes([Bead((1, 4, 5), (2,), 0.5)])] == [
        ((1,), ()), ((4, 5), (2,))]


def test_a_moved_paragraph_the_monotone_search_put_into_beads_is_found() -> None:
    """Here the monotone search does not leave the moved paragraph unmatched on both
    sides: it pairs one side with its new neighbours, so pass one (unmatched runs only)
    finds nothing; pass two (``find_moved_in_beads``) takes it out and aligns it."""
    _need_tomsawyer()
    src, tgt, moved = _excerpt_with_move(1600, 20, 23, 40)
    alignment = _align(src, tgt)
    check_partition(alignment)
    assert all(list(ids) == list(range(ids[0], ids[0] + len(ids))) for b in alignment.beads for ids in (b.src, b.tgt)
               if ids)
    beads = _ids(alignment)
    assert all(bead in beads for bead in moved), (moved, beads)


def test_find_moved_in_beads_takes_a_passage_out_of_its_beads() -> None:
    """Pure: source 4-5 translate target 1-2, which the monotone beads put with source 1
    (a 1-3 bead); source 4-5 are unmatched. The passage is aligned out of order, source 1
    is aligned again with what is left of its bead (target 3), and every sentence stays in
    exactly one bead."""
    rng = np.random.default_rng(3)
    src = _unit(rng, 8)
    tgt = _unit(rng, 7)
    tgt[0] = src[0] * 0.9 + 0.1 * tgt[0]
    tgt[3] = src[1] * 0.9 + 0.1 * tgt[3]
    tgt[1] = src[4] * 0.9 + 0.1 * tgt[1]
    tgt[2] = src[5] * 0.9 + 0.1 * tgt[2]
    for i, j in ((2, 4), (3, 5), (6, 6)):
        tgt[j] = src[i] * 0.9 + 0.1 * tgt[j]
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    beads = [Bead((0,), (0,), 0.9), Bead((1,), (1, 2, 3), 0.3), Bead((2,), (4,), 0.9), Bead((3,), (5,), 0.9),
             Bead((4,), ()), Bead((5,), ()), Bead((6,), (6,), 0.9), Bead((7,), ())]
    lengths = np.full(8, 50.0)
    windows = _windows_of(src, tgt)

    out = find_moved_in_beads(beads, src, tgt, lengths, lengths, windows, SearchConfig())
    pairs = [(b.src, b.tgt) for b in out]
    assert ((4,), (1,)) in pairs and ((5,), (2,)) in pairs
    assert ((1,), (3,)) in pairs
    assert sorted(i for b in out for i in b.src) == list(range(8))
    assert sorted(j for b in out for j in b.tgt) == list(range(7))
    assert [min(b.src) for b in out if b.src] == sorted(min(b.src) for b in out if b.src)  # source order
    # nothing alike elsewhere: unchanged
    assert find_moved_in_beads(beads, src, _unit(rng, 7), lengths, lengths, windows, SearchConfig()) == beads


def _align(src: list[str], tgt: list[str], **config) -> Alignment:
    return align_texts("\n".join(src) + "\n", "\n".join(tgt) + "\n", "de", "en", presegmented=True,
                       config=SearchConfig(**config))


def test_a_moved_paragraph_is_found_and_aligned(moved_pair) -> None:
    src, tgt, moved = moved_pair
    a = _align(src, tgt)
    check_partition(a)
    beads = _ids(a)
    for bead in moved:
        assert bead in beads, (bead, beads)
    first = beads.index(moved[0])
    assert beads[first:first + 4] == moved  # at their source position, in source order
    assert a.settings["search"]["moved"] is True


def test_with_monotone_the_moved_paragraph_stays_unmatched(moved_pair) -> None:
    src, tgt, moved = moved_pair
    a = _align(src, tgt, moved=False)
    check_partition(a)
    beads = _ids(a)
    for s, t in moved:
        assert all(((i,), ()) in beads for i in s)
        assert all(((), (j,)) in beads for j in t)
    assert [i for b in a.beads for i in b.src] == list(range(len(src)))  # monotone: in order
    assert [j for b in a.beads for j in b.tgt] == list(range(len(tgt)))
    assert a.settings["search"]["moved"] is False


def test_moved_beads_export_and_read_back(moved_pair, tmp_path: Path) -> None:
    """Out-of-order beads go through every exporter (TSV, JSON Lines, TMX, Moses, beads)
    and a bead file of them reads back as written."""
    src, tgt, _ = moved_pair
    a = _align(src, tgt)
    assert [j for b in a.beads for j in b.tgt] != list(range(len(tgt)))  # out of order
    check_text_exports(a, tmp_path)
    a.export(str(tmp_path / "out.beads"))
    assert read_beads(tmp_path / "out.beads") == _ids(a)


@pytest.mark.parametrize("presegmented", [False, True])
def test_the_sample_pair_has_no_moved_passage(presegmented: bool) -> None:
    """The German closing sentences and the English lead and Yun Sun quotes translate
    nothing: they stay unmatched (the same beads as the monotone search)."""
    if presegmented:
        de, en = _sample_lines()
        args = ("\n".join(de) + "\n", "\n".join(en) + "\n")
    else:
        args = tuple((SAMPLES / name).read_text(encoding="utf-8")
                     for name in ("000_b5ea64c99ab2f47c.txt", "001_aab225ae7d9de552.txt"))
    found = align_texts(*args, "de", "en", presegmented=presegmented)
    monotone = align_texts(*args, "de", "en", presegmented=presegmented, config=SearchConfig(moved=False))
    assert _ids(found) == _ids(monotone) == SAMPLE_MONOTONE


def _unit(rng: np.random.Generator, n: int, dim: int = 32) -> np.ndarray:
    v = rng.normal(size=(n, dim))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _windows_of(src: np.ndarray, tgt: np.ndarray):
    """The ``windows(side, ids)`` callback the moved-passage passes take, over these vectors."""
    vectors = (src, tgt)

    def windows(side: int, ids) -> list[np.ndarray]:
        return _windows(vectors[side][list(ids)])

    return windows


def _windows(vectors: np.ndarray, k: int = 4) -> list[np.ndarray]:
    out = []
    for size in range(1, k + 1):
        rows = [vectors[i:i + size].sum(axis=0) for i in range(len(vectors) - size + 1)]
        w = np.array(rows).reshape(-1, vectors.shape[1])
        out.append(w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12))
    return out


def test_find_moved_replaces_the_runs_in_place_and_keeps_every_sentence_once() -> None:
    """Pure: monotone beads with source 2-3 and target 5-6 unmatched in different gaps, and
    vectors where they translate each other: the new beads stand where source 2 stood,
    the target run's unmatched beads are gone, an unrelated run stays."""
    rng = np.random.default_rng(0)
    beads = [Bead((0,), (0,), 0.8), Bead((1,), (1,), 0.8), Bead((2,), ()), Bead((3,), ()),
             Bead((4,), (2,), 0.8), Bead((5,), (3,), 0.8), Bead((), (4,)), Bead((6,), ()), Bead((), (5,)),
             Bead((), (6,)), Bead((7,), (7,), 0.8), Bead((8,), ()), Bead((9,), ())]
    su, tu = unmatched_ids(beads)
    assert su == [2, 3, 6, 8, 9] and tu == [4, 5, 6]
    src = _unit(rng, len(su))
    tgt = _unit(rng, len(tu))
    tgt[1] = src[0] * 0.95 + 0.05 * tgt[1]  # target 5 translates source 2
    tgt[2] = src[1] * 0.95 + 0.05 * tgt[2]  # target 6 translates source 3
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    lengths = np.full(10, 50.0)
    out = find_moved(beads, _windows(src), _windows(tgt), lengths, lengths, SearchConfig())
    pairs = [(b.src, b.tgt) for b in out]
    assert pairs[2:4] == [((2,), (5,)), ((3,), (6,))]
    assert sorted(i for b in out for i in b.src) == list(range(10))
    assert sorted(j for b in out for j in b.tgt) == list(range(8))
    assert ((), (4,)) in pairs and ((6,), ()) in pairs and ((8,), ()) in pairs
    # with nothing alike, the beads come back unchanged
    same = find_moved(beads, _windows(src), _windows(_unit(rng, len(tu))), lengths, lengths, SearchConfig())
    assert same == beads


def test_find_moved_refuses_windows_of_the_wrong_size() -> None:
    beads = [Bead((0,), ()), Bead((1,), ()), Bead((2,), (0,), 0.8), Bead((), (1,)), Bead((), (2,))]
    rng = np.random.default_rng(1)
    with pytest.raises(ValueError, match="unmatched sentences"):
        find_moved(beads, _windows(_unit(rng, 3)), _windows(_unit(rng, 2)), np.ones(3), np.ones(3))


def _toy(beads: list[tuple[list[int], list[int]]]) -> Alignment:
    from align.types import Document, Sentence

    n = max((i for s, _ in beads for i in s), default=-1) + 1
    m = max((j for _, t in beads for j in t), default=-1) + 1

    def doc(count: int, lang: str) -> Document:
        text = "".join(f"S{k}.\n" for k in range(count))
        sents = tuple(Sentence(k, 4 * k, 4 * k + len(f"S{k}."), f"S{k}.") for k in range(count))
        return Document(text=text, lang=lang, sentences=sents)

    return Alignment(doc(n, "de"), doc(m, "en"), tuple(Bead(tuple(s), tuple(t), 0.8 if s and t else 0.0)
                                                       for s, t in beads))


def test_moved_beads_are_those_off_the_monotone_backbone() -> None:
    monotone = _toy([([0], [0]), ([1], []), ([2], [1]), ([], [2]), ([3], [3])])
    assert monotone.moved() == frozenset()
    # source 2-3 translate target 6-7, placed at their source position: off the backbone
    moved = _toy([([0], [0]), ([1], [1]), ([2], [6]), ([3], [7]), ([4], [2]), ([5], [3]), ([6], [4]),
                  ([7], [5])])
    assert moved.moved() == frozenset({2, 3})


def test_report_and_plot_show_moved_beads_apart(moved_pair, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Rectangle

    from align.plot import plot_alignment
    from align.report import write_report

    src, tgt, moved = moved_pair
    a = _align(src, tgt)
    index = {(b.src, b.tgt): k for k, b in enumerate(a.beads)}
    assert a.moved() == frozenset(index[b] for b in moved)
    out = tmp_path / "review.html"
    write_report(a, str(out))
    page = out.read_text(encoding="utf-8")
    assert page.count('class="bead moved') == 4 and "k-moved" in page
    fig = plot_alignment(a)
    ax = fig.axes[0]
    labels = [c.get_label() for c in ax.collections if isinstance(c, LineCollection)]
    assert "path over a moved passage" in labels
    boxes = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_label() == "moved passage (out of order)"]
    assert len(boxes) == 1
    jumps = next(c for c in ax.collections if c.get_label() == "path over a moved passage").get_segments()
    # the path passes over the moved source rows where they stand, and over the moved target columns
    steps = sorted((float(x1 - x0), float(y1 - y0)) for (x0, y0), (x1, y1) in jumps)
    assert steps == [(0.0, float(sum(len(s) for s, _ in moved))), (float(sum(len(t) for _, t in moved)), 0.0)]


def _hole_case(unrelated: int) -> tuple[np.ndarray, np.ndarray, list[Bead]]:
    """Pass three's hole: target 27-29 translate source 10-12, each mixing two of them
    (so no sentence pair is a clear mutual best match), followed by ``unrelated`` target
    sentences that translate nothing; the monotone beads put source 10-12 into a 4-1 bead
    with source 13 and left the hole (target 27 .. 29 + unrelated) unmatched."""
    rng = np.random.default_rng(5)
    src = _unit(rng, 40, 64)
    noise = _unit(rng, 40 + unrelated, 64)
    tgt = _unit(rng, 40 + unrelated, 64)  # every row but the unrelated ones is set below
    shift = unrelated
    pairs = [(i, i) for i in range(10)] + [(i, i - 3) for i in range(13, 30)] + [(i, i + shift) for i in range(30, 40)]
    for i, j in pairs:
        tgt[j] = src[i] + 0.3 * noise[j]
    for j, (a, b) in zip((27, 28, 29), ((10, 11), (11, 12), (12, 10))):
        tgt[j] = 0.6 * src[a] + 0.6 * src[b] + 0.2 * noise[j]
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    beads = [Bead((i,), (j,), round(float(src[i] @ tgt[j]), 4)) for i, j in pairs if i < 10]
    beads.append(Bead((10, 11, 12, 13), (10,), 0.3))
    beads += [Bead((i,), (j,), round(float(src[i] @ tgt[j]), 4)) for i, j in pairs if 13 < i < 30]
    beads += [Bead((), (j,)) for j in range(27, 30 + unrelated)]
    beads += [Bead((i,), (j,), round(float(src[i] @ tgt[j]), 4)) for i, j in pairs if i >= 30]
    return src, tgt, beads


def test_a_moved_passage_left_as_a_hole_is_found_by_its_passage_vector() -> None:
    """Pure, pass three: target 27-29 translate source 10-12, but each target sentence
    mixes two source sentences (content moved across sentence boundaries), so no pair of
    sentences is a clear mutual best match (cosines about 0.7, pass two's level is about
    0.8); the monotone beads left target 27-29 unmatched (a hole) and put source 10-12
    into a 4-1 bead with source 13. The hole's passage vector matches source 10-12's
    (about 0.97): the passage is aligned out of order, and source 13 keeps target 10."""
    src, tgt, beads = _hole_case(0)
    lengths = np.full(40, 50.0)
    windows = _windows_of(src, tgt)

    out = find_moved_in_beads(beads, src, tgt, lengths, lengths, windows, SearchConfig())
    partner = {j: set(b.src) for b in out for j in b.tgt}
    assert all(partner[j] and partner[j] <= {10, 11, 12} for j in (27, 28, 29))
    assert ((13,), (10,)) in [(b.src, b.tgt) for b in out]
    assert sorted(i for b in out for i in b.src) == list(range(40))
    assert sorted(j for b in out for j in b.tgt) == list(range(40))
    assert [min(b.src) for b in out if b.src] == sorted(min(b.src) for b in out if b.src)  # source order


def test_a_move_leaves_the_matched_beads_beside_it_as_they_were() -> None:
    """Pure: taking source 4-5 / target 1-2 out of their beads aligns again only the beads
    they were in (and an unmatched bead beside one). The matched bead after the touched
    one, source 2 / target 4, is kept as the search (and refinement) made it, although
    aligned again on its own sentences it would not stand (its cosine is negative)."""
    from align.search.moved_apply import _apply_move

    rng = np.random.default_rng(3)
    src = _unit(rng, 8)
    tgt = _unit(rng, 7)
    tgt[0] = src[0] * 0.9 + 0.1 * tgt[0]
    tgt[3] = src[1] * 0.9 + 0.1 * tgt[3]
    tgt[1] = src[4] * 0.9 + 0.1 * tgt[1]
    tgt[2] = src[5] * 0.9 + 0.1 * tgt[2]
    tgt[4] = -src[2] * 0.5 + 0.5 * tgt[4]
    for i, j in ((3, 5), (6, 6)):
        tgt[j] = src[i] * 0.9 + 0.1 * tgt[j]
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    assert float(src[2] @ tgt[4]) < 0.0
    beads = [Bead((0,), (0,), 0.9), Bead((1,), (1, 2, 3), 0.3), Bead((2,), (4,), 0.4), Bead((3,), (5,), 0.9),
             Bead((4,), ()), Bead((5,), ()), Bead((6,), (6,), 0.9), Bead((7,), ())]
    lengths = np.full(8, 50.0)
    windows = _windows_of(src, tgt)

    out = _apply_move(beads, (4, 5), (1, 2), (lengths, lengths), windows, SearchConfig(), (set(), set()))
    pairs = [(b.src, b.tgt) for b in out]
    assert ((4,), (1,)) in pairs and ((5,), (2,)) in pairs
    assert ((1,), (3,)) in pairs
    assert ((2,), (4,)) in pairs and ((0,), (0,)) in pairs
    assert sorted(i for b in out for i in b.src) == list(range(8))
    assert sorted(j for b in out for j in b.tgt) == list(range(7))


def test_a_moved_passage_takes_in_the_edge_sentences_left_in_weak_beads() -> None:
    """Pure, pass three: source 9-12 were moved to target 26-29. The monotone beads left
    target 27-29 unmatched (the hole; each mixes two of source 10-12, so pass two misses
    them), put source 9 into a weak 2-1 bead with source 8 / target 8, and target 26 into a
    weak 1-2 bead with source 29 / target 25: neither edge sentence matches its partners.
    The move takes both in, so source 9 / target 26 is a bead of the moved passage and
    source 8 / target 8, source 29 / target 25 come back as 1-1 beads."""
    rng = np.random.default_rng(7)
    src = _unit(rng, 40, 64)
    noise = _unit(rng, 40, 64)
    tgt = np.empty_like(src)
    pairs = ([(i, i) for i in range(9)] + [(9, 26)] + [(i, i - 4) for i in range(13, 30)]
             + [(i, i) for i in range(30, 40)])
    for i, j in pairs:
        tgt[j] = src[i] + 0.3 * noise[j]
    for j, (a, b) in zip((27, 28, 29), ((10, 11), (11, 12), (12, 10))):
        tgt[j] = 0.6 * src[a] + 0.6 * src[b] + 0.2 * noise[j]
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)

    def one(i: int, j: int) -> Bead:
        return Bead((i,), (j,), round(float(src[i] @ tgt[j]), 4))

    beads = [one(i, i) for i in range(8)] + [Bead((8, 9), (8,), 0.4), Bead((10, 11, 12, 13), (9,), 0.3)]
    beads += [one(i, i - 4) for i in range(14, 29)] + [Bead((29,), (25, 26), 0.35)]
    beads += [Bead((), (j,)) for j in (27, 28, 29)] + [one(i, i) for i in range(30, 40)]
    lengths = np.full(40, 50.0)
    windows = _windows_of(src, tgt)

    out = find_moved_in_beads(beads, src, tgt, lengths, lengths, windows, SearchConfig())
    pairs_out = [(b.src, b.tgt) for b in out]
    assert ((9,), (26,)) in pairs_out
    assert ((8,), (8,)) in pairs_out and ((29,), (25,)) in pairs_out
    partner = {j: set(b.src) for b in out for j in b.tgt}
    assert all(partner[j] and partner[j] <= {10, 11, 12} for j in (27, 28, 29))
    assert sorted(i for b in out for i in b.src) == list(range(40))
    assert sorted(j for b in out for j in b.tgt) == list(range(40))


def test_a_moved_block_is_found_before_the_monotone_search() -> None:
    """Tom Sawyer's beads 10-12 (of the 50 from gold bead 2,100) moved 17 beads down on
    the English side: after the monotone search, the passes found two of the three beads
    (the monotone search had paired the block's edge with its new neighbours); found
    first from the order of confident anchors (align.search.moved_chain), kept out of the
    search and extended by the sentences it leaves unmatched beside it, all three are."""
    _need_tomsawyer()
    src, tgt, moved = _excerpt_with_move(2100, 10, 13, 30)
    alignment = _align(src, tgt)
    check_partition(alignment)
    beads = _ids(alignment)
    assert all(bead in beads for bead in moved), (moved, beads)
    monotone = _ids(_align(src, tgt, moved=False))
    assert not any(bead in monotone for bead in moved)


def test_find_blocks_takes_a_moved_block_off_the_main_order() -> None:
    """Pure: 40 sentence pairs with target 10-13 moved to after target 29; the block is
    found with its four beads, its sentences excluded from the search; with no move
    nothing is found."""
    from align.search.moved_chain import find_blocks

    rng = np.random.default_rng(3)
    src = _unit(rng, 40, dim=64)
    tgt = src + 0.3 * _unit(rng, 40, dim=64)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    order = list(range(10)) + list(range(14, 30)) + list(range(10, 14)) + list(range(30, 40))
    lengths = np.full(40, 50.0)
    blocks = find_blocks(_windows(src), _windows(tgt[order]), lengths, lengths, SearchConfig())
    assert [(b.src, b.tgt) for b in blocks.beads] == [((i,), (order.index(i),)) for i in range(10, 14)]
    assert np.flatnonzero(blocks.src_exclude).tolist() == [10, 11, 12, 13]
    assert np.flatnonzero(blocks.tgt_exclude).tolist() == [26, 27, 28, 29]
    none = find_blocks(_windows(src), _windows(tgt), lengths, lengths, SearchConfig())
    assert not none.beads and not none.src_exclude.any() and not none.tgt_exclude.any()


def test_a_hole_merged_with_unmatched_neighbours_is_split_by_its_sentences() -> None:
    """Pure, pass three: target 27-29 translate source 10-12 (each mixing two of them, so
    pass two misses them), and the monotone beads left them unmatched together with target
    30-32, three sentences that translate nothing (the counterparts an adaptation dropped).
    The hole 27-32's passage vector is diluted by them (about 0.7 against source 10-12,
    below the pair's typical score less ``_HOLE_DROP``) and the whole hole is turned down;
    aligned with where it points, only 27-29 pair, and the hole cut to them is moved: target
    30-32 stay unmatched, source 13 keeps target 10."""
    src, tgt, beads = _hole_case(3)
    windows = _windows_of(src, tgt)

    out = find_moved_in_beads(beads, src, tgt, np.full(40, 50.0), np.full(43, 50.0), windows, SearchConfig())
    partner = {j: set(b.src) for b in out for j in b.tgt}
    assert all(partner[j] and partner[j] <= {10, 11, 12} for j in (27, 28, 29))
    assert all(not partner[j] for j in (30, 31, 32))
    assert ((13,), (10,)) in [(b.src, b.tgt) for b in out]
    assert sorted(i for b in out for i in b.src) == list(range(40))
    assert sorted(j for b in out for j in b.tgt) == list(range(43))


def test_find_blocks_takes_a_block_of_one_confident_anchor() -> None:
    """Pure: 40 sentence pairs with target 10-12 moved to after target 29, where only pair
    11 is a confident anchor (10 and 12 are loose renderings, below the pair's typical match
    less ``_DROP``): the block is found from its lone anchor and its neighbours, which follow
    it off the main order; with no move (and the same loose pairs) nothing is found."""
    from align.search.moved_chain import find_blocks

    rng = np.random.default_rng(5)
    src = _unit(rng, 40, dim=64)
    noise = np.full((40, 1), 0.3)
    noise[[10, 12]] = 1.6  # cosine about 0.5 against the others' 0.96
    tgt = src + noise * _unit(rng, 40, dim=64)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    order = list(range(10)) + list(range(13, 30)) + list(range(10, 13)) + list(range(30, 40))
    lengths = np.full(40, 50.0)
    blocks = find_blocks(_windows(src), _windows(tgt[order]), lengths, lengths, SearchConfig())
    assert [(b.src, b.tgt) for b in blocks.beads] == [((i,), (order.index(i),)) for i in range(10, 13)]
    none = find_blocks(_windows(src), _windows(tgt), lengths, lengths, SearchConfig())
    assert not none.beads and not none.src_exclude.any() and not none.tgt_exclude.any()


def test_sentences_between_two_moved_blocks_go_to_the_block_they_translate() -> None:
    """Pure, extend_blocks: block A (source 20-21, target 30-31) and block B (source 24-25,
    target 10-11) stand next to each other on the source side; source 22-23, left unmatched
    by the search, translate target 8-9 (unmatched beside B), and target 31 echoes source
    22 a little. Extended one after the other, A took source 22 into a 2-1 with target 31;
    cut between the blocks by where their best matches lie, both go to B."""
    from align.search.band import Band
    from align.search.moved_blocks import extend_blocks
    from align.search.moved_chain import Blocks

    rng = np.random.default_rng(7)
    src = _unit(rng, 40, dim=64)
    tgt = _unit(rng, 40, dim=64)
    pairs = {30: 20, 10: 24, 11: 25}
    for j, i in pairs.items():
        tgt[j] = src[i]
    tgt[31] = src[21] + 0.8 * src[22]
    tgt[8] = src[22] + 0.3 * tgt[8]
    tgt[9] = src[23] + 0.3 * tgt[9]
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    groups = ((Bead((20,), (30,), 0.9), Bead((21,), (31,), 0.8)), (Bead((24,), (10,), 0.9), Bead((25,), (11,), 0.9)))
    src_ex, tgt_ex = np.zeros(40, dtype=bool), np.zeros(40, dtype=bool)
    src_ex[[20, 21, 24, 25]] = True
    tgt_ex[[30, 31, 10, 11]] = True
    blocks = Blocks(Band.full(40, 40), groups, src_ex, tgt_ex)
    free_src, free_tgt = {20, 21, 22, 23, 24, 25}, {8, 9, 10, 11, 30, 31}
    beads = ([Bead((i,), (), 0.0) for i in sorted(free_src)] + [Bead((), (j,), 0.0) for j in sorted(free_tgt)]
             + [Bead((i,), (j,), 0.5) for i, j in zip(sorted(set(range(40)) - free_src),
                                                      sorted(set(range(40)) - free_tgt), strict=True)])
    lengths = np.full(40, 50.0)
    out = extend_blocks(beads, blocks, _windows(src), _windows(tgt), lengths, lengths, SearchConfig())
    a, b = ([(x.src, x.tgt) for x in g] for g in out.groups)
    assert a == [((20,), (30,)), ((21,), (31,))]
    assert ((22,), (8,)) in b and ((23,), (9,)) in b
    assert out.src_exclude[[22, 23]].all() and out.tgt_exclude[[8, 9]].all()


def test_a_moved_blocks_beads_are_refined_at_clause_level() -> None:
    """Pure, refine_blocks: a block's own search split the 2-3 source 10-11 / target 20-22
    into [10]:[20] and [11]:[21, 22]; source 10's second clause translates target 21, so
    the clause alignment crosses the cut and the two beads are joined, as the refinement
    joins the monotone beads. The other block, two 1-1 beads, stays as it was."""
    from align.search.band import Band
    from align.search.moved_blocks import refine_blocks
    from align.search.moved_chain import Blocks

    rng = np.random.default_rng(11)
    src_clauses = _unit(rng, 41, dim=64)  # source sentence 10 has two clauses (10 and 11)
    tgt_clauses = _unit(rng, 40, dim=64)
    for j, c in ((20, 10), (21, 11), (22, 12), (30, 31), (31, 32)):
        tgt_clauses[j] = src_clauses[c] + 0.2 * tgt_clauses[j]
    tgt_clauses /= np.linalg.norm(tgt_clauses, axis=1, keepdims=True)
    src_parts = [[(0, 40)] for _ in range(40)]
    src_parts[10] = [(0, 20), (20, 40)]
    tgt_parts = [[(0, 40)] for _ in range(40)]
    groups = ((Bead((10,), (20,), 0.7), Bead((11,), (21, 22), 0.7)), (Bead((30,), (30,), 0.9), Bead((31,), (31,), 0.9)))
    src_ex, tgt_ex = np.zeros(40, dtype=bool), np.zeros(40, dtype=bool)
    src_ex[[10, 11, 30, 31]] = True
    tgt_ex[[20, 21, 22, 30, 31]] = True
    blocks = Blocks(Band.full(40, 40), groups, src_ex, tgt_ex)
    out = refine_blocks(blocks, (src_parts, tgt_parts), (_windows(src_clauses), _windows(tgt_clauses)),
                        SearchConfig())
    assert [(b.src, b.tgt) for b in out.groups[0]] == [((10, 11), (20, 21, 22))]
    assert [(b.src, b.tgt) for b in out.groups[1]] == [((30,), (30,)), ((31,), (31,))]
    assert (out.src_exclude == src_ex).all() and (out.tgt_exclude == tgt_ex).all()


def _edge_case(inserted: bool) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """extend_blocks on a block of source 21-22 / target 31-32, with source 20 / target 30
    (its weak edge pair) and target 29 left unmatched by the search beside it; target 29 is
    either an inserted sentence that echoes source 20 a little (0.7 of it in a random
    vector) or the second half of a true 1-2 (source 20 says half as much of it)."""
    from align.search.band import Band
    from align.search.moved_blocks import extend_blocks
    from align.search.moved_chain import Blocks

    rng = np.random.default_rng(1)
    src = _unit(rng, 40, dim=64)
    tgt = _unit(rng, 41, dim=64)
    for j, i in ((30, 20), (31, 21), (32, 22)):
        tgt[j] = src[i] + 0.3 * tgt[j]
    if inserted:
        tgt[29] = 0.7 * src[20] + tgt[29]
    else:
        src[20] = src[20] + 0.5 * tgt[29]
        src /= np.linalg.norm(src, axis=1, keepdims=True)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    src_ex, tgt_ex = np.zeros(40, dtype=bool), np.zeros(41, dtype=bool)
    src_ex[[21, 22]] = True
    tgt_ex[[31, 32]] = True
    blocks = Blocks(Band.full(40, 41), ((Bead((21,), (31,), 0.9), Bead((22,), (32,), 0.9)),), src_ex, tgt_ex)
    free_src, free_tgt = {20, 21, 22}, {29, 30, 31, 32}
    beads = ([Bead((i,), (), 0.0) for i in sorted(free_src)] + [Bead((), (j,), 0.0) for j in sorted(free_tgt)]
             + [Bead((i,), (j,), 0.5) for i, j in zip(sorted(set(range(40)) - free_src),
                                                      sorted(set(range(41)) - free_tgt), strict=True)])
    out = extend_blocks(beads, blocks, _windows(src), _windows(tgt), np.full(40, 50.0), np.full(41, 50.0),
                        SearchConfig())
    assert out.tgt_exclude[29] == any(29 in b.tgt for b in out.groups[0])
    return [(b.src, b.tgt) for b in out.groups[0]]


def test_an_inserted_sentence_beside_a_moved_block_is_left_out_of_its_edge_bead() -> None:
    """Pure, extend_blocks: the block's own search over the extended spans puts the
    inserted target 29 into [20]:[29, 30]; its cosine with source 20 is far below target
    30's and the bead's window cosine rises without it, so it is left out (and stays
    unmatched, not excluded). The true 1-2's weaker half is as far below (gap above
    ``_SHED_GAP``) but adds to the window, and stays."""
    assert _edge_case(inserted=True) == [((20,), (30,)), ((21,), (31,)), ((22,), (32,))]
    assert _edge_case(inserted=False) == [((20,), (29, 30)), ((21,), (31,)), ((22,), (32,))]


def test_prefix_sums_are_the_whole_documents_bit_for_bit() -> None:
    """Pass three's cumulative sums, kept every ``step`` rows and summed again for a span,
    are the whole-document ``cumsum`` it held before (4 KB a sentence a side, the peak of
    a long document), bit for bit, for spans across kept rows and at both ends."""
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((1000, 16)).astype(np.float32)
    vectors[0, 0] = -0.0
    whole = np.vstack([np.zeros((1, 16)), np.cumsum(vectors, axis=0, dtype=np.float64)])
    for step in (1, 7, 64, 1024):
        sums = PrefixSums(vectors, step)
        for lo, hi in ((0, 1001), (0, 1), (1000, 1001), (63, 65), (64, 200), (5, 6), (500, 1001)):
            assert np.array_equal(sums.span(lo, hi), whole[lo:hi]), (step, lo, hi)
            assert np.array_equal(np.signbit(sums.span(lo, hi)), np.signbit(whole[lo:hi])), (step, lo, hi)
    with pytest.raises(IndexError):
        PrefixSums(vectors).span(0, 1002)
