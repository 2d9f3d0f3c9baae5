"""Scoring as defined in shared/README.md: hand-computed cases, real gold files, parsing errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from align.errors import AlignError, InputError
from align.evaluate import Scores, parse_bead_line, read_beads, score, score_files
from align.types import Alignment, Bead, Document

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")
TEXTBERG = DATA / "textberg-dev" / "dev.defr"
TOMSAWYER = DATA / "tomsawyer-val" / "gold.txt"


def ids(*beads: tuple[list[int], list[int]]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(tuple(s), tuple(t)) for s, t in beads]


# ------------------------------------------------------------------ gold against itself


@pytest.mark.parametrize("path", [TEXTBERG, TOMSAWYER], ids=["textberg-dev", "tomsawyer"])
def test_gold_against_itself_is_perfect(path: Path) -> None:
    gold = read_beads(path)
    s = score([gold], [gold])
    for name, value in s.to_dict().items():
        if name != "counts":
            assert value == 1.0, name
    assert score_files(path, path) == s


def test_textberg_counts() -> None:
    gold = read_beads(TEXTBERG)
    assert len(gold) == 422
    s = score([gold], [gold])
    assert s.test_beads == 422  # every bead, insertions/deletions included
    assert s.gold_beads == 422 - sum(1 for src, tgt in gold if not src or not tgt)


def test_tomsawyer_empty_bead_is_ignored() -> None:
    gold = read_beads(TOMSAWYER)
    assert len(gold) == 2310
    assert ((), ()) in gold  # line 463 of gold.txt is "[]:[]"
    s = score([gold], [gold])
    assert s.test_beads == 2309  # the []:[] bead aligns nothing and is dropped
    # and an output without it scores the same
    assert score([gold], [[b for b in gold if b != ((), ())]]) == s


# ------------------------------------------------------------------ hand-computed cases


GOLD = ids(([0], [0]), ([1], [1, 2]), ([2, 3], [3]), ([], [4]), ([4], []), ([5], [5]))
TEST = ids(
    ([0], [0]),  # identical to a gold bead: strict (and lax) hit
    ([1], [1]),  # 1 and 1 sit together in gold [1]:[1,2]: lax hit only
    ([], [2]),  # insertion not in gold: miss
    ([2], [3]),  # 2 and 3 sit together in gold [2,3]:[3]: lax hit only
    ([3], []),  # deletion not in gold: miss
    ([], [4]),  # insertion identical to gold []:[4]: strict hit
    ([4], [5]),  # 4 is in gold [4]:[], 5 in gold [5]:[5]: never together: miss
    ([5], []),  # deletion not in gold: miss
)


def test_hand_computed_insertions_deletions_and_n_m() -> None:
    s = score([GOLD], [TEST])
    # Precision: all 8 output beads count.
    #   strict hits: [0]:[0], []:[4]                      -> 2/8 = 0.25
    #   lax hits:    [0]:[0], [1]:[1], [2]:[3], []:[4]    -> 4/8 = 0.5
    assert (s.test_beads, s.test_strict_hits, s.test_lax_hits) == (8, 2, 4)
    assert s.precision_strict == pytest.approx(0.25)
    assert s.precision_lax == pytest.approx(0.5)
    # Recall: gold without empty sides = [0]:[0], [1]:[1,2], [2,3]:[3], [5]:[5] -> 4 beads;
    # looked up in the output without empty sides = [0]:[0], [1]:[1], [2]:[3], [4]:[5].
    #   strict: [0]:[0]                                   -> 1/4 = 0.25
    #   lax:    [0]:[0]; [1]:[1,2] (1,1 in [1]:[1]); [2,3]:[3] (2,3 in [2]:[3]);
    #           not [5]:[5] (5 is only in the dropped [5]:[])   -> 3/4 = 0.75
    assert (s.gold_beads, s.gold_strict_hits, s.gold_lax_hits) == (4, 1, 3)
    assert s.recall_strict == pytest.approx(0.25)
    assert s.recall_lax == pytest.approx(0.75)
    # F1 strict = 2 * .25 * .25 / (.25 + .25) = 0.25
    # F1 lax    = 2 * .5 * .75 / (.5 + .75) = .75 / 1.25 = 0.6
    assert s.f1_strict == pytest.approx(0.25)
    assert s.f1_lax == pytest.approx(0.6)


def test_merged_output_bead_against_split_gold() -> None:
    gold = ids(([0], [0]), ([1], [1]), ([2], [2]))
    test = ids(([0, 1], [0, 1]), ([2], [2]))
    s = score([gold], [test])
    # Precision: [0,1]:[0,1] is not a gold bead, but 0 and 0 share gold [0]:[0] -> lax only;
    #            [2]:[2] strict.  strict 1/2, lax 2/2.
    assert (s.precision_strict, s.precision_lax) == (0.5, 1.0)
    # Recall: [0]:[0] and [1]:[1] each lax-hit the output [0,1]:[0,1]; [2]:[2] strict.
    #         strict 1/3, lax 3/3.
    assert s.recall_strict == pytest.approx(1 / 3)
    assert s.recall_lax == 1.0
    # F1 strict = 2 * (1/2)(1/3) / (1/2 + 1/3) = (1/3) / (5/6) = 0.4
    assert s.f1_strict == pytest.approx(0.4)
    assert s.f1_lax == 1.0


def test_lax_needs_source_and_target_in_the_same_gold_bead() -> None:
    gold = ids(([0], [1]), ([1], [0]))  # a crossing
    test = ids(([0], [0]), ([1], [1]))
    s = score([gold], [test])
    # output [0]:[0]: source 0 is in gold [0]:[1], target 0 in gold [1]:[0] -> not together -> miss
    assert (s.test_strict_hits, s.test_lax_hits, s.gold_lax_hits) == (0, 0, 0)
    assert s.f1_strict == 0.0 and s.f1_lax == 0.0


def test_deletion_in_output_never_lax_hits_a_matched_gold_bead() -> None:
    gold = ids(
        ([0], [0]),
    )
    test = ids(([0], []), ([], [0]))
    s = score([gold], [test])
    # Precision: 2 output beads, neither identical to a gold bead, and each lacks one side.
    assert (s.test_beads, s.test_strict_hits, s.test_lax_hits) == (2, 0, 0)
    # Recall: 1 gold bead; the output has no bead with both sides, so nothing to find it in.
    assert (s.gold_beads, s.gold_strict_hits, s.gold_lax_hits) == (1, 0, 0)


def test_counts_are_summed_over_documents() -> None:
    perfect = ids(([0], [0]), ([1], [1]))
    s = score([GOLD, perfect], [TEST, perfect])
    # Precision strict = (2 + 2) / (8 + 2) = 0.4   (a per-document mean would be 0.625)
    # Recall strict    = (1 + 2) / (4 + 2) = 0.5
    # Precision lax    = (4 + 2) / (8 + 2) = 0.6;  recall lax = (3 + 2) / (4 + 2) = 5/6
    assert s.documents == 2
    assert s.precision_strict == pytest.approx(0.4)
    assert s.recall_strict == pytest.approx(0.5)
    assert s.precision_lax == pytest.approx(0.6)
    assert s.recall_lax == pytest.approx(5 / 6)
    # F1 strict = 2 * .4 * .5 / .9 = 0.4444...
    assert s.f1_strict == pytest.approx(0.4 / 0.9)


def test_duplicate_and_empty_output_beads() -> None:
    gold = ids(([0], [0]), ([1], [1]))
    test = ids(([0], [0]), ([0], [0]), ([], []), ([1], [1]))
    s = score([gold], [test])
    # A repeated bead counts once (beads are compared as sets, as in Vecalign/Bertalign);
    # []:[] aligns nothing and is dropped.
    assert s.test_beads == 2 and s.precision_strict == 1.0 and s.recall_strict == 1.0


def test_empty_output_scores_zero() -> None:
    s = score([ids(([0], [0]))], [[]])
    assert s.to_dict()["precision_strict"] == 0.0
    assert s.recall_strict == 0.0 and s.f1_strict == 0.0 and s.f1_lax == 0.0
    empty = score([], [])
    assert empty.documents == 0 and empty.f1_strict == 0.0


def test_accepts_bead_objects_triples_and_alignments() -> None:
    src = Document("a b", "de")
    tgt = Document("c d", "en")
    beads = (Bead((0,), (0,), 0.9), Bead((1,), (1,), 0.8))
    alignment = Alignment(src, tgt, beads)
    gold = ids(([0], [0]), ([1], [1]))
    assert score([gold], [beads]).f1_strict == 1.0
    assert score([gold], [alignment]).f1_strict == 1.0
    assert score([gold], [[((0,), (0,), 0.5), ([1], [1], 0.1)]]).f1_strict == 1.0


def test_score_argument_errors() -> None:
    gold = ids(([0], [0]))
    with pytest.raises(AlignError, match="in pairs"):
        score([gold], [gold, gold])
    with pytest.raises(AlignError, match=r"score\(\[gold\], \[test\]\)"):
        score(gold, gold)  # forgot to wrap one document in a list


# ------------------------------------------------------------- against the definition


def literal_score(gold_docs, test_docs):  # type: ignore[no-untyped-def]
    """The README's definition written as directly as possible, to check the fast version."""
    counts = [0] * 6
    for gold, test in zip(gold_docs, test_docs):
        gold = {b for b in gold if b != ((), ())}
        test = {b for b in test if b != ((), ())}

        def strict(bead, ref):  # type: ignore[no-untyped-def]
            return bead in ref

        def lax(bead, ref):  # type: ignore[no-untyped-def]
            if bead in ref:
                return True
            return any(s in r_src and t in r_tgt for r_src, r_tgt in ref for s in bead[0] for t in bead[1])

        counts[0] += len(test)
        counts[1] += sum(strict(b, gold) for b in test)
        counts[2] += sum(lax(b, gold) for b in test)
        g = {b for b in gold if b[0] and b[1]}
        t = {b for b in test if b[0] and b[1]}
        counts[3] += len(g)
        counts[4] += sum(strict(b, t) for b in g)
        counts[5] += sum(lax(b, t) for b in g)
    return counts


@st.composite
def partitions(draw, n_src: int, n_tgt: int):  # type: ignore[no-untyped-def]
    """A random monotone bead sequence covering 0..n_src-1 and 0..n_tgt-1."""
    beads, i, j = [], 0, 0
    while i < n_src or j < n_tgt:
        a = draw(st.integers(0, min(3, n_src - i)))
        b = draw(st.integers(0, min(3, n_tgt - j)))
        if a == 0 and b == 0:
            a, b = (1, 0) if i < n_src else (0, 1)
        beads.append((tuple(range(i, i + a)), tuple(range(j, j + b))))
        i, j = i + a, j + b
    return beads


@st.composite
def doc_pairs(draw):  # type: ignore[no-untyped-def]
    n_src, n_tgt = draw(st.integers(0, 12)), draw(st.integers(0, 12))
    return draw(partitions(n_src, n_tgt)), draw(partitions(n_src, n_tgt))


@settings(max_examples=300, deadline=None)
@given(st.lists(doc_pairs(), min_size=1, max_size=3))
def test_matches_literal_definition(docs) -> None:  # type: ignore[no-untyped-def]
    gold_docs = [g for g, _ in docs]
    test_docs = [t for _, t in docs]
    s = score(gold_docs, test_docs)
    assert [
        s.test_beads,
        s.test_strict_hits,
        s.test_lax_hits,
        s.gold_beads,
        s.gold_strict_hits,
        s.gold_lax_hits,
    ] == literal_score(gold_docs, test_docs)
    assert 0.0 <= s.f1_strict <= s.f1_lax <= 1.0
    # Perfect output scores 1.0, except when no gold bead has two non-empty sides: recall is
    # then 0/0, which the reference scorers (and we) count as 0.0.
    has_matches = any(src and tgt for doc in gold_docs for src, tgt in doc)
    assert score(gold_docs, gold_docs).f1_strict == (1.0 if has_matches else 0.0)


# ----------------------------------------------------------------------------- reading


def test_read_beads_formats(tmp_path: Path) -> None:
    f = tmp_path / "mixed.txt"
    f.write_text(
        "\ufeff[0, 1]:[2]\n"  # BOM and spaces
        "[2] : [ 3 ,4 ]\n"
        "\n"  # blank lines are skipped
        "[]:[5]:0.0\n"
        "[3]:[]\n"
        "[4]:[6]:0.812\n"
        "[5]:[7]:nan\n"
        "[6]:[8]:\n",
        encoding="utf-8",
    )
    assert read_beads(f) == ids(([0, 1], [2]), ([2], [3, 4]), ([], [5]), ([3], []), ([4], [6]), ([5], [7]), ([6], [8]))
    assert read_beads(["[0]:[0]\n", "[1,2]:[1]"]) == ids(([0], [0]), ([1, 2], [1]))
    assert read_beads(str(f)) == read_beads(f)


def test_read_beads_stdin(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("[0]:[0]\n[]:[1]\n"))
    assert read_beads("-") == ids(([0], [0]), ([], [1]))


@pytest.mark.parametrize(
    "line, message",
    [
        ("[0]:[1", "expected a bead like"),
        ("0:1", "expected a bead like"),
        ("[0]", "expected a bead like"),
        ("[0]:[1]:[2]", "score '[2]' is not a number"),
        ("[a]:[1]", "source ids [a] must be 0-based integers"),
        ("[1,]:[2]", "source ids [1,] must be"),
        ("[1]:[-2]", "target ids [-2] must be"),
        ("[1.5]:[2]", "source ids"),
        ("[0]:[1]:high", "score 'high' is not a number"),
    ],
)
def test_read_beads_malformed(tmp_path: Path, line: str, message: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(f"[0]:[0]\n\n{line}\n[5]:[5]\n", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)) as info:
        read_beads(f)
    text = str(info.value)
    assert text.startswith(f"{f}, line 3: ")  # the blank line still counts
    assert "\n" not in text


def test_read_beads_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_beads(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="is a directory"):
        read_beads(tmp_path)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00[0]:[0]\x80")
    with pytest.raises(InputError, match="not UTF-8"):
        read_beads(binary)


def test_parse_bead_line() -> None:
    assert parse_bead_line("[3,4]:[5]:0.812") == ((3, 4), (5,))
    assert parse_bead_line("  []:[]  ") == ((), ())
    with pytest.raises(InputError, match="^here: "):
        parse_bead_line("nonsense", "here")


# ------------------------------------------------------------------------------ output


def test_scores_to_dict_and_format() -> None:
    s = score([GOLD], [TEST])
    d = s.to_dict()
    assert set(d) == {
        "precision_strict",
        "recall_strict",
        "f1_strict",
        "precision_lax",
        "recall_lax",
        "f1_lax",
        "counts",
    }
    assert d["counts"] == {
        "documents": 1,
        "test_beads": 8,
        "test_strict_hits": 2,
        "test_lax_hits": 4,
        "gold_beads": 4,
        "gold_strict_hits": 1,
        "gold_lax_hits": 3,
    }
    text = s.format()
    assert text == str(s)
    lines = text.splitlines()
    assert lines[0].split() == ["strict", "lax"]
    assert lines[1].split() == ["precision", "0.250", "0.500"]
    assert lines[2].split() == ["recall", "0.250", "0.750"]
    assert lines[3].split() == ["F1", "0.250", "0.600"]
    assert "8 output beads" in lines[4] and "1 document)" in lines[4]
    assert isinstance(s, Scores)
