"""The text exports: TSV (escaping, header, unmatched beads), JSON Lines (lossless text and
spans), Moses (two line-aligned files) and beads (the format, and the check that every
sentence is in exactly one bead, in order). The shared alignment: ``tests/export_support.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from align.errors import AlignError, OutputError
from align.evaluate import read_beads
from align.export import export
from align.export.beads import check_beads, format_bead
from align.export.moses import moses_paths
from align.export.tsv import COLUMNS, escape_field, unescape_field
from align.types import Alignment, Bead
from tests.export_support import BEADS, SRC_SENTENCES, TGT_SENTENCES, joined, make_doc, one_line


# --------------------------------------------------------------------------------- TSV


def test_tsv_content(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tsv"
    result = export(alignment, out)
    assert result.format == "tsv" and result.units == 6
    lines = out.read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == ""  # file ends with a newline
    rows = [line.split("\t") for line in lines[:-1]]
    assert tuple(rows[0]) == COLUMNS
    assert all(len(r) == 5 for r in rows), "a tab or newline in the text broke a row"
    assert rows[1] == ["0", "0", "0.8120", SRC_SENTENCES[0], TGT_SENTENCES[0]]
    assert rows[2][:3] == ["1", "1,2", "0.6543"]
    assert unescape_field(rows[3][3]) == joined(SRC_SENTENCES, (2, 3))
    assert rows[4] == ["4", "", "0.0000", "Nicht übersetzt.", ""]
    assert rows[5] == ["", "4", "0.0000", "", "An inserted sentence."]


def test_tsv_options(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tsv"
    result = export(alignment, out, header=False, unmatched="skip")
    assert result.units == 4 and result.skipped_unmatched == 2
    lines = out.read_bytes().decode("utf-8").split("\n")[:-1]
    assert len(lines) == 4 and lines[0].startswith("0\t0\t")


@pytest.mark.parametrize("text", ["plain", "a\tb", "a\nb\r\n", "back\\slash\\t", "\\", "", "x\\\ty"])
def test_tsv_escape_round_trip(text: str) -> None:
    field = escape_field(text)
    assert "\t" not in field and "\n" not in field and "\r" not in field
    assert unescape_field(field) == text


# ------------------------------------------------------------------------------- JSONL


def test_jsonl_content(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.jsonl"
    result = export(alignment, out)
    assert result.units == 6
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(BEADS)
    for record, bead in zip(records, BEADS):
        assert record["src_ids"] == list(bead.src) and record["tgt_ids"] == list(bead.tgt)
        assert record["score"] == pytest.approx(bead.score)
        assert record["src"] == joined(SRC_SENTENCES, bead.src)  # lossless, control chars and all
        assert record["tgt"] == joined(TGT_SENTENCES, bead.tgt)
        for (start, end), i in zip(record["src_spans"], bead.src):
            assert alignment.src.text[start:end] == SRC_SENTENCES[i]
        for (start, end), j in zip(record["tgt_spans"], bead.tgt):
            assert alignment.tgt.text[start:end] == TGT_SENTENCES[j]
    assert set(records[0]) == {"src_ids", "tgt_ids", "score", "src", "tgt", "src_spans", "tgt_spans", "kind"}


def test_jsonl_nan_score_and_skip(tmp_path: Path) -> None:
    a = Alignment(make_doc(["a", "b"], "de"), make_doc(["c"], "en"), (Bead((0,), (0,), float("nan")), Bead((1,), ())))
    out = tmp_path / "x.jsonl"
    result = export(a, out, unmatched="skip")
    assert result.units == 1 and result.skipped_unmatched == 1
    assert json.loads(out.read_text(encoding="utf-8"))["score"] is None


# ------------------------------------------------------------------------------- Moses


def test_moses_two_files(tmp_path: Path, alignment: Alignment) -> None:
    base = tmp_path / "corpus"
    result = export(alignment, base, "moses")
    src_path, tgt_path = moses_paths(base, (alignment.src.lang, alignment.tgt.lang))
    assert result.paths == (src_path, tgt_path) == (f"{base}.de", f"{base}.en")  # as the Moses tools expect
    src_lines = Path(src_path).read_bytes().decode("utf-8").split("\n")
    tgt_lines = Path(tgt_path).read_bytes().decode("utf-8").split("\n")
    assert src_lines[-1] == tgt_lines[-1] == ""
    assert len(src_lines) == len(tgt_lines) == 5  # 4 aligned beads + final empty string
    assert result.units == 4 and result.skipped_unmatched == 2
    assert src_lines[0] == SRC_SENTENCES[0]
    assert tgt_lines[1] == joined(TGT_SENTENCES, (1, 2))
    # sentence 3 holds \n, \r\n; sentence 2 holds \x0b: each replaced by a space
    assert src_lines[2] == "Steuerzeichen\x00 und  hier\x1f. Tab\tim Satz und Zeilenumbruch  sowie CR."
    assert result.replaced_chars == 4 + 1  # 4 line breaks + 1 lone surrogate in sentence 5
    assert "\ufffd" in src_lines[3]


def test_moses_src_tgt_suffix_keeps_the_old_names(tmp_path: Path, alignment: Alignment) -> None:
    base = tmp_path / "corpus"
    named = export(alignment, tmp_path / "named", "moses")
    result = export(alignment, base, "moses", suffix="src-tgt")
    assert result.paths == (f"{base}.src", f"{base}.tgt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.src", "corpus.tgt", "named.de", "named.en"]
    for theirs, ours in zip(named.paths, result.paths):  # the same lines, only the names differ
        assert Path(theirs).read_bytes() == Path(ours).read_bytes()


def test_moses_one_language_is_refused_by_language_names(tmp_path: Path) -> None:
    """de/de would name both files OUT.de: refused before any file is written, with the way out."""
    same = Alignment(make_doc(["Ein Satz."], "de"), make_doc(["Noch ein Satz."], "de"), (Bead((0,), (0,), 0.9),))
    with pytest.raises(OutputError, match="--moses-suffix src-tgt") as info:
        export(same, tmp_path / "c", "moses")
    assert one_line(info.value)
    assert list(tmp_path.iterdir()) == []
    assert export(same, tmp_path / "c", "moses", suffix="src-tgt").paths == (f"{tmp_path / 'c'}.src", f"{tmp_path / 'c'}.tgt")
    with pytest.raises(AlignError, match="suffix='de'"):
        export(same, tmp_path / "d", "moses", suffix="de")


def test_moses_to_stdout_is_an_error(alignment: Alignment) -> None:
    for target in (None, "-"):
        with pytest.raises(OutputError, match="two files") as info:
            export(alignment, target, "moses")
        assert one_line(info.value)


def test_moses_cannot_include_unmatched(tmp_path: Path, alignment: Alignment) -> None:
    with pytest.raises(AlignError, match="unmatched"):
        export(alignment, tmp_path / "c", "moses", unmatched="include")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------- beads


def test_beads_content(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.beads"
    result = export(alignment, out)
    assert result.units == 6
    assert out.read_text(encoding="ascii") == (
        "[0]:[0]:0.812\n[1]:[1,2]:0.654\n[2,3]:[3]:0.5\n[4]:[]:0.0\n[]:[4]:0.0\n[5]:[5]:0.9\n"
    )
    assert read_beads(out) == [(b.src, b.tgt) for b in BEADS]
    export(alignment, out, scores=False)
    assert out.read_text().splitlines()[:2] == ["[0]:[0]", "[1]:[1,2]"]


def test_format_bead_examples() -> None:
    assert format_bead(Bead((3, 4), (5,), 0.8120)) == "[3,4]:[5]:0.812"
    assert format_bead(Bead((), (6,), 0.0)) == "[]:[6]:0.0"
    assert format_bead(Bead((1,), (1,), 1)) == "[1]:[1]:1.0"


def test_beads_out_of_order_are_written_as_given(tmp_path: Path) -> None:
    """A moved passage's beads stand out of order (align.search.moved): still a valid bead
    file, written in the given order and read back the same."""
    beads = (Bead((0,), (1,), 0.7), Bead((1,), ()), Bead((2,), (0,), 0.6))
    a = Alignment(make_doc(["a", "b", "c"], "de"), make_doc(["d", "e"], "en"), beads)
    out = tmp_path / "out.beads"
    export(a, out)
    assert out.read_text() == "[0]:[1]:0.7\n[1]:[]:0.0\n[2]:[0]:0.6\n"
    assert read_beads(out) == [(b.src, b.tgt) for b in beads]


@pytest.mark.parametrize(
    "beads, message",
    [
        ((Bead((0,), (0,)), Bead((2,), (1,))), "source sentence 1 is in no bead"),
        ((Bead((0,), (0,)), Bead((0, 1, 2), (1,))), "source sentence 0 appears again"),
        ((Bead((1,), (0,)), Bead((0, 2), (1,))), "bead 1's source ids [0, 2] are not consecutive"),
        ((Bead((0,), (0,)), Bead((2, 1), (1,))), "bead 1's source ids [2, 1] are not consecutive"),
        ((Bead((0,), (0,)), Bead((1, 2), (1,)), Bead((3,), ())), "refers to source sentence 3, but there are only 3"),
        ((Bead((0,), (0,)),), "source sentences 1..2 are in no bead"),
        ((Bead((0, 1, 2), (0,)),), "target sentence 1 is in no bead"),
        ((Bead((0,), (0,)), Bead((), ()), Bead((1, 2), (1,))), "bead 1 is empty on both sides"),
    ],
)
def test_beads_validation(tmp_path: Path, beads: tuple[Bead, ...], message: str) -> None:
    a = Alignment(make_doc(["a", "b", "c"], "de"), make_doc(["d", "e"], "en"), beads)
    out = tmp_path / "out.beads"
    with pytest.raises(AlignError, match=re.escape(message)) as info:
        export(a, out)
    assert one_line(info.value)
    assert list(tmp_path.iterdir()) == [], "a failed export must leave no file"
    with pytest.raises(AlignError):
        check_beads(a)

