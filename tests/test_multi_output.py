"""``align pair -o a.tmx -o a.tsv -o review.html``: several outputs of one alignment.

Each output's format comes from its extension (``.html`` is the review page ``align
report`` writes); every file is checked before any work, and they are written together
or not at all. The commands run in this process (typer's CliRunner) so the alignment
work can be counted: a refused run must not have aligned anything, a good one once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import align.api
from align import cli
from align.errors import AlignError, OutputError
from align.export import export, export_all
from align.export.tsv import TsvExporter
from align.types import Alignment
from tests.conftest import SAMPLES
from tests.export_support import alignment  # noqa: F401  (a fixture)

SRC = next(SAMPLES.glob("000_*.txt"))  # German
TGT = next(SAMPLES.glob("001_*.txt"))  # English
LANGS = ("-s", "de", "-t", "en")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` by digest (to see that nothing was written or changed)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def texts(tmp_path: Path) -> Path:
    shutil.copy(SRC, tmp_path / "de.txt")
    shutil.copy(TGT, tmp_path / "en.txt")
    return tmp_path


@pytest.fixture
def alignments(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the alignments the commands compute (one entry per ``align_files`` call)."""
    calls: list[str] = []
    real = align.api.align_files

    def counting(src, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(src)
        return real(src, *args, **kwargs)

    monkeypatch.setattr(align.api, "align_files", counting)
    return calls


def run(folder: Path, *args: str):
    """``align ARGS`` in ``folder`` (relative paths as a user gives them)."""
    here = os.getcwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(cli.app, list(args))
    finally:
        os.chdir(here)


def refused(result, *needles: str) -> str:  # type: ignore[no-untyped-def]
    """The one-line AlignError a refused run ended with."""
    assert result.exit_code == 1, (result.output, result.exception)
    assert isinstance(result.exception, AlignError), result.exception
    message = str(result.exception)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, (needle, message)
    return message


# --- several outputs, one alignment ---------------------------------------------------------


def test_several_outputs_are_each_what_one_output_writes(texts: Path, alignments: list[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the TMX date, the same in every run
    done = run(texts, "pair", "de.txt", "en.txt", *LANGS, "-o", "a.tmx", "-o", "a.tsv", "-o", "review.html",
               "-o", "corpus", "--format", "moses")
    assert done.exit_code == 0, (done.output, done.exception)
    assert len(alignments) == 1  # one alignment for the four outputs
    assert sorted(os.listdir(texts)) == ["a.tmx", "a.tsv", "corpus.de", "corpus.en", "de.txt", "en.txt", "review.html"]
    single = texts / "single"
    single.mkdir()
    for args in (["-o", "single/a.tmx"], ["-o", "single/a.tsv"], ["-o", "single/corpus", "--format", "moses"]):
        assert run(texts, "pair", "de.txt", "en.txt", *LANGS, *args).exit_code == 0
    assert run(texts, "report", "de.txt", "en.txt", *LANGS, "-o", "single/review.html").exit_code == 0
    for name in ("a.tmx", "a.tsv", "corpus.de", "corpus.en", "review.html"):
        assert (texts / name).read_bytes() == (single / name).read_bytes(), name


def test_tm_filters_apply_to_every_output_as_to_one(texts: Path, alignments: list[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """--min-score with several outputs: each is what a one-output run with the filter writes,
    the count is said once, and filters asked for a bead file among them refuse the run first."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    done = run(texts, "pair", "de.txt", "en.txt", *LANGS, "-o", "a.tmx", "-o", "a.tsv", "-o", "c", "-f", "moses",
               "--min-score", "0.8")
    assert done.exit_code == 0, (done.output, done.exception)
    assert done.output.count("--min-score 0.8: ") == 1
    (texts / "single").mkdir()
    for args in (["-o", "single/a.tmx"], ["-o", "single/a.tsv"], ["-o", "single/c", "-f", "moses"]):
        assert run(texts, "pair", "de.txt", "en.txt", *LANGS, *args, "--min-score", "0.8").exit_code == 0
    for name in ("a.tmx", "a.tsv", "c.de", "c.en"):
        assert (texts / name).read_bytes() == (texts / "single" / name).read_bytes(), name
    assert b"x-align-filtered" in (texts / "a.tmx").read_bytes()
    before, runs = snapshot(texts), len(alignments)
    refused(run(texts, "pair", "de.txt", "en.txt", *LANGS, "-o", "b.tmx", "-o", "b.beads", "--min-score", "0.8"),
            "not to beads")
    assert len(alignments) == runs and snapshot(texts) == before


def test_format_gives_the_format_of_outputs_without_a_known_extension_only(texts: Path, alignments: list[str]) -> None:
    done = run(texts, "pair", "de.txt", "en.txt", *LANGS, "-o", "a.jsonl", "-o", "b.beads.txt", "-f", "beads")
    assert done.exit_code == 0, (done.output, done.exception)
    assert (texts / "a.jsonl").read_text(encoding="utf-8").startswith("{")
    assert (texts / "b.beads.txt").read_text(encoding="utf-8").startswith("[")


def test_moses_with_a_detected_language_among_several_outputs(texts: Path, alignments: list[str]) -> None:
    """With -s/-t left out the Moses names are known after detection: its folder is checked first."""
    done = run(texts, "pair", "de.txt", "en.txt", "-o", "corpus", "-f", "moses", "-o", "a.tsv")
    assert done.exit_code == 0, (done.output, done.exception)
    assert sorted(os.listdir(texts)) == ["a.tsv", "corpus.de", "corpus.en", "de.txt", "en.txt"]
    before = snapshot(texts)
    refused(run(texts, "pair", "de.txt", "en.txt", "-o", "missing/corpus", "-f", "moses", "-o", "b.tsv"),
            "does not exist")
    assert len(alignments) == 1 and snapshot(texts) == before  # refused before the second alignment


# --- all or nothing -----------------------------------------------------------------------


PAIR = ["pair", "de.txt", "en.txt", *LANGS]

REFUSED = {
    "one output is the target": ([*PAIR, "-o", "a.tmx", "-o", "a.tsv", "-o", "hard.tsv"], ["input"]),
    "one output's folder is missing": ([*PAIR, "-o", "a.tmx", "-o", "missing/a.tsv"], ["does not exist"]),
    "two outputs are one file": ([*PAIR, "-o", "a.tmx", "-o", "a.tsv", "-o", "./a.tmx"], ["same output file"]),
    "one output is read-only": ([*PAIR, "-o", "a.tmx", "-o", "locked.tsv"], ["read-only"]),
    "a moses file is the target": (["pair", "de.txt", "en_copy.en", *LANGS, "-o", "a.tmx", "-o", "en_copy", "-f", "moses"],
                                   ["input"]),
    "two moses outputs are one base": ([*PAIR, "-o", "a.tmx", "-o", "corpus", "-o", "./corpus", "-f", "moses"],
                                       ["same output file"]),
    "one language with moses names": (["pair", "de.txt", "en.txt", "-s", "de", "-t", "de", "--no-lang-check",
                                       "-o", "a.tmx", "-o", "corpus", "-f", "moses"], ["--moses-suffix src-tgt"]),
    "the plot is an output": ([*PAIR, "-o", "a.tmx", "-o", "a.svg", "-f", "tsv", "--plot", "a.svg"],
                              ["same output file"]),
    "an unknown extension without --format": ([*PAIR, "-o", "a.tmx", "-o", "notes.txt"],
                                              ["cannot tell the output format", "'notes.txt'"]),
    "--format that applies to no output": ([*PAIR, "-o", "a.tmx", "-o", "a.tsv", "-f", "jsonl"],
                                           ["--format jsonl would apply to no output", "leave --format out"]),
    "standard output among several": ([*PAIR, "-o", "a.tmx", "-o", "-"], ["standard output", "give a file name"]),
    "an unknown --format": ([*PAIR, "-o", "a.tmx", "-o", "x", "-f", "docx"], ["unknown output format 'docx'"]),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_one_refused_output_refuses_the_run_before_any_work(texts: Path, alignments: list[str], case: str) -> None:
    os.link(texts / "en.txt", texts / "hard.tsv")
    shutil.copy(texts / "en.txt", texts / "en_copy.en")
    (texts / "locked.tsv").write_text("keep\n", encoding="utf-8")
    (texts / "locked.tsv").chmod(0o444)
    if case == "one output is read-only" and os.access(texts / "locked.tsv", os.W_OK):
        pytest.skip("running as a user who may write read-only files (root), as the shell's > may")
    before = snapshot(texts)
    args, needles = REFUSED[case]
    refused(run(texts, *args), *needles)
    assert alignments == []  # no work done
    assert snapshot(texts) == before  # nothing written, nothing changed


def test_a_failing_output_leaves_every_output_as_it_was(tmp_path: Path, alignment: Alignment,  # noqa: F811
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The TSV exporter fails after the TMX and the Moses files were written: the earlier
    versions of all of them stay, and no new file or temporary file is left."""
    outputs = [(tmp_path / "a.tmx", "tmx", {}), (tmp_path / "corpus", "moses", {}), (tmp_path / "a.tsv", "tsv", {}),
               (tmp_path / "new.jsonl", "jsonl", {})]
    export_all(alignment, outputs)
    before = snapshot(tmp_path)
    assert sorted(before) == ["a.tmx", "a.tsv", "corpus.de", "corpus.en", "new.jsonl"]
    (tmp_path / "new.jsonl").unlink()
    before = snapshot(tmp_path)

    def broken(self, alignment, out, **options):  # type: ignore[no-untyped-def]
        out.write(b"half a TSV")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(TsvExporter, "write", broken)
    shuffled = [(tmp_path / "a.tmx", "tmx", {"creationdate": "20200101T000000Z"}), *outputs[1:]]
    with pytest.raises(OutputError, match="disk full"):
        export_all(alignment, shuffled)
    assert snapshot(tmp_path) == before  # a.tmx still the first version, no new.jsonl, no .tmp


def test_export_all_matches_export_and_refuses_stdout(tmp_path: Path, alignment: Alignment) -> None:  # noqa: F811
    results = export_all(alignment, [(tmp_path / "a.tsv", "tsv", {}), (tmp_path / "c", "moses", {"suffix": "src-tgt"})])
    assert [r.paths for r in results] == [(str(tmp_path / "a.tsv"),), (f"{tmp_path / 'c'}.src", f"{tmp_path / 'c'}.tgt")]
    one = export(alignment, tmp_path / "b.tsv")
    assert (results[0].units, results[0].skipped_unmatched) == (one.units, one.skipped_unmatched)
    assert (tmp_path / "a.tsv").read_bytes() == (tmp_path / "b.tsv").read_bytes()
    with pytest.raises(OutputError, match="standard output") as info:
        export_all(alignment, [(tmp_path / "x.tsv", "tsv", {}), ("-", "tmx", {})])
    assert "\n" not in str(info.value)
    assert not (tmp_path / "x.tsv").exists()


# --- batch: several formats per pair ------------------------------------------------------


def test_batch_writes_each_pair_in_each_format_once_aligned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--format tmx,tsv,moses``: each pair aligned once and written in each format, the
    same bytes as one-format batches; a rerun with the same formats skips the pair."""
    from align.batch import BatchOptions, read_manifest, run_batch
    from tests.hash_encoder import HashEncoder

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    (tmp_path / "pairs.tsv").write_text(f"{SRC}\t{TGT}\tde\ten\tp\n")
    pairs = read_manifest(str(tmp_path / "pairs.tsv"))
    encoder = HashEncoder()
    summary = run_batch(pairs, str(tmp_path / "all"), BatchOptions(fmt="tmx,tsv,moses"), encoder=encoder)
    assert (summary.done, summary.failed) == (1, [])
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [".done", "p.de", "p.en", "p.tmx", "p.tsv"]
    for fmt in ("tmx", "tsv", "moses"):
        assert run_batch(pairs, str(tmp_path / fmt), BatchOptions(fmt=fmt), encoder=encoder).done == 1
        for p in (tmp_path / fmt).iterdir():
            if p.is_file():
                assert p.read_bytes() == (tmp_path / "all" / p.name).read_bytes(), p.name
    assert run_batch(pairs, str(tmp_path / "all"), BatchOptions(fmt="tmx,tsv,moses"), encoder=encoder).skipped == 1
    assert run_batch(pairs, str(tmp_path / "all"), BatchOptions(fmt="tmx,tsv"), encoder=encoder).done == 1


@pytest.mark.parametrize(("formats", "needle"), [("tmx,tmx", "names a format twice"),
                                                 ("tmx,docx", "unknown output format 'docx'")])
def test_batch_refuses_a_bad_format_list_before_any_work(tmp_path: Path, formats: str,
                                                         needle: str) -> None:
    (tmp_path / "pairs.tsv").write_text(f"{SRC}\t{TGT}\tde\ten\tp\n")
    refused(run(tmp_path, "batch", "pairs.tsv", "--out-dir", "out", "--format", formats), needle)
    assert sorted(os.listdir(tmp_path)) == ["pairs.tsv"]
