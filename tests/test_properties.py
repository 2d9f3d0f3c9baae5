"""Issue 6, section 3: the pipeline's invariants as properties (Hypothesis).

For any two texts, including control and zero-width characters, empty lines, right-to-left
text, emoji, markup, odd newlines and duplicated sentences:

- the segmenter's spans index the text and cover every non-whitespace character;
- the beads cover every sentence of both sides exactly once, in order;
- the TMX is well-formed, valid against ``tmx14.dtd``, and ``read_tmx`` gives back the text
  of every aligned sentence minus the characters XML forbids, which are counted and
  reported (``ExportResult.removed_chars`` and the CLI's note);
- TSV, JSON Lines, Moses and bead files give back what they were written from;
- ``align eval`` of an alignment against itself is 1.0 (when it has a matched bead:
  recall is defined over the gold beads that have both sides).

The many cases use a cheap deterministic encoder (``tests/hash_encoder.py``): the
invariants are about the pipeline around the vectors, not their quality. A few examples run
with the real use-m3 model. The shared checks live in ``tests/invariants.py``, which the
fuzzer (``bench/fuzz.py``) runs on a hundred thousand cases.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from typer.testing import CliRunner

from align import cli
from align.api import align_documents, prepare
from align.errors import InputError
from align.export.tmx import xml_safe
from align.read import read_text
from align.search import SearchConfig
from align.segment.base import MAX_SENTENCE_CHARS
from tests.hash_encoder import HashEncoder
from tests.invariants import (
    check_partition,
    check_presegmented,
    check_segmentation,
    check_text_exports,
    check_tmx,
)

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = [
    line.strip()
    for f in sorted((ROOT / "samples").glob("00[01]_*.txt"))
    for line in f.read_text(encoding="utf-8").splitlines()
    if line.strip()
][:30]
FRAGMENTS = [
    ". ", "? ", "! ", "...", " ", "\t", "\n", "\n\n", "\r\n", "\r", "\u2028", "\x85", "\x0b", "\x0c",
    "\x00", "\x07", "\x1b", "\x7f", "\ufffe", "\u200b", "\u200d", "\ufeff", "\u202e", "\u200f",
    "שלום עולם.", "مرحبا بالعالم.", "👍🏽", "👨‍👩‍👧", "日本語の文です。", "<b>", "&amp;", "]]>", "<!--", "# ",
    "Dr.", "z. B.", "„", "“", "»", "«", "Grüße", "ß",
]


def texts() -> st.SearchStrategy[str]:
    """Texts mixing real sentences (often repeated), awkward characters and arbitrary Unicode."""
    piece = st.one_of(
        st.sampled_from(SENTENCES), st.sampled_from(FRAGMENTS), st.text(max_size=15),
        st.sampled_from(SENTENCES[:3]),  # duplicates
    )
    return st.lists(piece, max_size=25).map("".join)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENCODER = HashEncoder()


def aligned(src_text: str, tgt_text: str, presegmented: bool, max_align: int, model=ENCODER):
    """Read, segment and align two texts; None when both are refused as empty (a user error)."""
    try:
        src = read_text(src_text, "de")
        tgt = read_text(tgt_text, "en")
    except InputError as err:
        assert any(not (t.removeprefix("\ufeff")).strip() for t in (src_text, tgt_text))
        assert "\n" not in str(err)
        return None
    try:
        src, tgt = prepare(src, presegmented), prepare(tgt, presegmented)
    except InputError as err:
        # one sentence per line, kept as given: a line longer than a sentence may be is refused
        longest = max(len(line) for t in (src.text, tgt.text) for line in re.split(r"\r\n|\r|\n", t))
        assert presegmented and longest > MAX_SENTENCE_CHARS, err
        assert "\n" not in str(err)
        return None
    for doc in (src, tgt):
        (check_presegmented if presegmented else check_segmentation)(doc)
    return align_documents(
        src, tgt, model=model, config=SearchConfig(max_align=max_align), cache=False, paragraphs=not presegmented
    )


@SETTINGS
@given(texts(), texts(), st.booleans(), st.integers(2, 8))
def test_beads_cover_every_sentence_once_in_order(src: str, tgt: str, presegmented: bool, max_align: int) -> None:
    alignment = aligned(src, tgt, presegmented, max_align)
    if alignment is not None:
        check_partition(alignment)


@SETTINGS
@given(texts(), texts(), st.sampled_from(["skip", "include"]))
def test_tmx_is_valid_and_reads_back(tmp_path_factory, tmx_dtd: etree.DTD, src: str, tgt: str, unmatched: str) -> None:
    alignment = aligned(src, tgt, False, 5)
    if alignment is None:
        return
    workdir = tmp_path_factory.mktemp("tmx")
    removed = check_tmx(alignment, workdir / "out.tmx", tmx_dtd, unmatched)
    forbidden = sum(xml_safe(s.text)[1] for d in (alignment.src, alignment.tgt) for s in d.sentences)
    assert removed <= forbidden  # only forbidden characters are removed, each one counted


@SETTINGS
@given(texts(), texts())
def test_text_exports_give_back_what_they_were_written_from(tmp_path_factory, src: str, tgt: str) -> None:
    alignment = aligned(src, tgt, False, 5)
    if alignment is not None:
        check_text_exports(alignment, tmp_path_factory.mktemp("exports"))


@settings(max_examples=60, deadline=None)
@given(texts(), texts())
def test_cli_reports_removed_characters_and_eval_of_itself_is_one(tmp_path_factory, src: str, tgt: str) -> None:
    """Through the CLI: the note counts exactly the removed characters; eval(x, x) = 1.0."""
    alignment = aligned(src, tgt, False, 5)
    if alignment is None or not any(b.is_match for b in alignment.beads):
        return
    workdir = tmp_path_factory.mktemp("cli")
    beads = workdir / "x.beads"
    result = alignment.export(str(beads), "beads")
    assert result.units == len(alignment.beads)
    run = CliRunner().invoke(cli.app, ["eval", str(beads), str(beads), "--json"])
    assert run.exit_code == 0, run.output
    scores = json.loads(run.stdout)
    assert {k: scores[k] for k in scores if k != "counts"} == {
        "precision_strict": 1.0, "recall_strict": 1.0, "f1_strict": 1.0,
        "precision_lax": 1.0, "recall_lax": 1.0, "f1_lax": 1.0,
    }


def test_cli_note_counts_removed_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            tmx_dtd: etree.DTD) -> None:
    """The CLI reports the number of characters TMX could not hold, and writes the rest."""
    import align.api

    alignment = aligned("Ein\x07 Satz\x00 hier.\nZweiter\x1b Satz.", "One sentence here.\nSecond sentence.", False, 5)
    monkeypatch.setattr(align.api, "align_files", lambda *a, **k: alignment)
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    run = CliRunner().invoke(
        cli.app, ["pair", str(tmp_path / "a.txt"), str(tmp_path / "a.txt"), "-s", "de", "-t", "en",
                  "--unmatched", "include", "-o", str(tmp_path / "out.tmx")]
    )
    assert run.exit_code == 0, run.output
    assert "note: removed 3 characters that tmx cannot hold" in run.stderr
    assert check_tmx(alignment, tmp_path / "again.tmx", tmx_dtd, "include") == 3


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts(), texts())
def test_properties_with_the_real_model(tmp_path_factory, tmx_dtd: etree.DTD, src: str, tgt: str) -> None:
    from align.embed import load_encoder

    alignment = aligned(src, tgt, False, 5, model=load_encoder("use-m3", cache=False))
    if alignment is None:
        return
    check_partition(alignment)
    workdir = tmp_path_factory.mktemp("real")
    check_tmx(alignment, workdir / "out.tmx", tmx_dtd, "include")
    check_text_exports(alignment, workdir)


@pytest.mark.parametrize(
    "src, tgt",
    [
        ("Der Hund bellt. Der Hund bellt. Der Hund bellt.", "The dog barks. The dog barks."),
        ("Überschrift\r\n\r\nErster Satz.\rZweiter\u2028Satz.", "Heading\n\nFirst sentence. Second sentence."),
        ("\u202eשלום\u202c. 👍🏽 Emoji\u200b.", "Hello. 👍🏽 Emoji."),
    ],
)
def test_examples_with_the_real_model(tmp_path: Path, tmx_dtd: etree.DTD, src: str, tgt: str) -> None:
    from align.embed import load_encoder

    alignment = aligned(src, tgt, False, 5, model=load_encoder("use-m3", cache=False))
    check_partition(alignment)
    check_tmx(alignment, tmp_path / "out.tmx", tmx_dtd, "include")
    check_text_exports(alignment, tmp_path)
