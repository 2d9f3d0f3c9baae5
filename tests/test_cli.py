"""The command line as a user runs it.

Exit statuses, stderr and stdout are checked on real processes (``python -m align``);
runs that load the model cost about a second each, so only the demo, one bead file to
stdout, stdin and the late-failing output-directory error do that. The other output
formats go through typer's CliRunner in this process, where the model stays loaded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from align import cli
from align.api import align_files
from align.evaluate import read_beads
from align.export import read_tmx
from align.export.tsv import COLUMNS, unescape_field
from align.read import read_document
from align.segment import segment
from align.types import Alignment

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SRC = next(SAMPLES.glob("000_*.txt"))  # German
TGT = next(SAMPLES.glob("001_*.txt"))  # English, partly its original
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEV_GOLD = SHARED_DATA / "textberg-dev" / "dev.defr"

BEAD_LINE = re.compile(r"^\[(\d+(,\d+)*)?\]:\[(\d+(,\d+)*)?\]:\d+(\.\d+)?$")
SCORE_KEYS = {"precision_strict", "recall_strict", "f1_strict", "precision_lax", "recall_lax", "f1_lax"}


def run_align(*args: object, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None):
    """Run ``python -m align ARGS`` as a user would; stdout and stderr decoded as UTF-8."""
    environ = {k: v for k, v in os.environ.items() if k != "ALIGN_DEBUG"}
    environ.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "align", *map(str, args)],
        check=False,
        cwd=cwd,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=environ,
        timeout=300,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


def invoke(*args: object, input: bytes | None = None):
    """Run a command in this process with typer's CliRunner; fail with its output if it fails."""
    result = CliRunner().invoke(cli.app, [str(a) for a in args], input=input)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def joined(alignment: Alignment, side: str, ids: tuple[int, ...]) -> str:
    """A bead side's text as the exporters write it: its sentences joined by one space."""
    doc = alignment.src if side == "src" else alignment.tgt
    return " ".join(doc.sentences[i].text for i in ids)


def bead_ids(alignment: Alignment) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(tuple(b.src), tuple(b.tgt)) for b in alignment.beads]


def assert_partition(beads, n_src: int, n_tgt: int) -> None:
    """Every sentence of both sides in exactly one bead, in document order; no empty bead."""
    assert all(src or tgt for src, tgt in beads), "a bead aligns nothing"
    assert [i for src, _ in beads for i in src] == list(range(n_src))
    assert [j for _, tgt in beads for j in tgt] == list(range(n_tgt))


@pytest.fixture(scope="module")
def reference() -> Alignment:
    """The sample pair aligned through the Python API with default settings (what the CLI should match)."""
    alignment = align_files(str(SRC), str(TGT), "de", "en")
    for doc in (alignment.src, alignment.tgt):
        assert all(s.text == doc.text[s.start : s.end] for s in doc.sentences)
    return alignment


# --- align demo -----------------------------------------------------------------------


TRACKED_DEMO = SAMPLES / "output"  # the demo's outputs as committed: what a demo run must reproduce
DEMO_FILES = ("000-001.de-en.tmx", "000-001.de-en.tsv", "wirecopy.json")


def tracked_demo_date() -> dict[str, str]:
    """SOURCE_DATE_EPOCH for the TMX date of the tracked demo output, so a run can reproduce its bytes."""
    import datetime

    date = re.search(r'creationdate="(\d{8}T\d{6}Z)"', (TRACKED_DEMO / DEMO_FILES[0]).read_text(encoding="utf-8"))
    assert date is not None
    when = datetime.datetime.strptime(date.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    return {"SOURCE_DATE_EPOCH": str(int(when.timestamp()))}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    out_dir = tmp_path_factory.mktemp("demo") / "out"  # does not exist yet: demo creates it
    done = run_align("demo", "--out-dir", out_dir, cwd=ROOT, env=tracked_demo_date())
    return done, out_dir / "000-001.de-en.tmx", out_dir / "000-001.de-en.tsv"


def test_demo_reproduces_the_tracked_outputs_byte_for_byte(demo_run) -> None:
    done, tmx, _ = demo_run
    assert done.returncode == 0, done.stderr
    for name in DEMO_FILES:
        assert (tmx.parent / name).read_bytes() == (TRACKED_DEMO / name).read_bytes(), name


def test_demo_run_elsewhere_writes_align_demo_there_and_leaves_samples_output_alone(tmp_path: Path) -> None:
    """From another folder the demo finds the samples beside the package; it writes into
    ./align-demo there, never into the tracked samples/output, and its files are the tracked
    ones but for the samples' paths (absolute now) that the TMX header and the JSON record."""
    before = {name: ((TRACKED_DEMO / name).stat().st_mtime_ns, (TRACKED_DEMO / name).read_bytes()) for name in DEMO_FILES}
    done = run_align("demo", cwd=tmp_path, env=tracked_demo_date())
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path)) == ["align-demo"]
    assert sorted(os.listdir(tmp_path / "align-demo")) == sorted(DEMO_FILES)
    assert done.stdout.splitlines()[-3:] == [f"  {Path('align-demo') / name}" for name in DEMO_FILES]
    assert {name: ((TRACKED_DEMO / name).stat().st_mtime_ns, (TRACKED_DEMO / name).read_bytes())
            for name in DEMO_FILES} == before
    here = f"{SAMPLES.resolve()}{os.sep}".encode()
    for name in DEMO_FILES:
        written = (tmp_path / "align-demo" / name).read_bytes()
        assert written.replace(here, b"samples/") == (TRACKED_DEMO / name).read_bytes(), name


def test_demo_succeeds_and_summary_names_both_outputs(demo_run, reference: Alignment) -> None:
    done, tmx, tsv = demo_run
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # progress only when stderr is a terminal
    assert tmx.is_file() and tsv.is_file()
    lines = done.stdout.splitlines()
    assert f"  {tmx}" in lines and f"  {tsv}" in lines
    matched = sum(1 for b in reference.beads if b.is_match)
    assert f"(de, {len(reference.src)} sentences)" in done.stdout
    assert f"(en, {len(reference.tgt)} sentences)" in done.stdout
    assert f"{matched} matched beads" in done.stdout


def test_demo_tmx_is_valid_against_the_dtd(demo_run, tmx_dtd) -> None:
    from lxml import etree

    done, tmx, _ = demo_run
    assert done.returncode == 0, done.stderr
    dtd = tmx_dtd
    tree = etree.parse(str(tmx), etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False))
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()


def test_demo_tmx_gives_back_every_aligned_sentence(demo_run, reference: Alignment) -> None:
    done, tmx, _ = demo_run
    assert done.returncode == 0, done.stderr
    units = read_tmx(tmx)
    matched = [b for b in reference.beads if b.is_match]  # unmatched beads are skipped by default
    assert len(units) == len(matched) > 0
    for unit, bead in zip(units, matched):
        assert unit["props"]["x-align-src-ids"] == ",".join(map(str, bead.src))
        assert unit["props"]["x-align-tgt-ids"] == ",".join(map(str, bead.tgt))
        assert unit["tuvs"] == [
            {"lang": "de", "text": joined(reference, "src", bead.src)},
            {"lang": "en", "text": joined(reference, "tgt", bead.tgt)},
        ]


def test_demo_tsv_has_one_row_per_bead(demo_run, reference: Alignment) -> None:
    done, _, tsv = demo_run
    assert done.returncode == 0, done.stderr
    lines = tsv.read_bytes().decode("utf-8").split("\n")
    assert lines[0] == "\t".join(COLUMNS)
    assert lines[-1] == ""  # a final newline, nothing after it
    rows = [line.split("\t") for line in lines[1:-1]]
    assert len(rows) == len(reference.beads)
    for row, bead in zip(rows, reference.beads):
        assert len(row) == len(COLUMNS)
        assert row[0] == ",".join(map(str, bead.src)) and row[1] == ",".join(map(str, bead.tgt))
        assert unescape_field(row[3]) == joined(reference, "src", bead.src)
        assert unescape_field(row[4]) == joined(reference, "tgt", bead.tgt)


# --- align pair -----------------------------------------------------------------------


def test_pair_beads_to_stdout_cover_every_sentence_once(tmp_path: Path, reference: Alignment) -> None:
    done = run_align("pair", SRC, TGT, "--src-lang", "de", "--tgt-lang", "en", "--format", "beads", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert all(BEAD_LINE.match(line) for line in done.stdout.splitlines()), done.stdout
    beads = read_beads(done.stdout.splitlines())
    assert_partition(beads, len(reference.src), len(reference.tgt))
    assert beads == bead_ids(reference)
    assert os.listdir(tmp_path) == []  # stdout only


def test_pair_reads_one_side_from_stdin(tmp_path: Path, reference: Alignment) -> None:
    done = run_align(
        "pair", "-", TGT, "-s", "de", "-t", "en", "--format", "beads", cwd=tmp_path, stdin=SRC.read_bytes()
    )
    assert done.returncode == 0, done.stderr
    assert read_beads(done.stdout.splitlines()) == bead_ids(reference)


def test_pair_output_format_from_extension(tmp_path: Path, reference: Alignment) -> None:
    tsv, tmx = tmp_path / "out.tsv", tmp_path / "out.tmx"
    assert invoke("pair", SRC, TGT, "-s", "de", "-t", "en", "-o", tsv).stdout == ""
    assert invoke("pair", SRC, TGT, "-s", "de", "-t", "en", "-o", tmx).stdout == ""
    assert sorted(os.listdir(tmp_path)) == ["out.tmx", "out.tsv"]  # no temporary files left

    lines = tsv.read_bytes().decode("utf-8").splitlines()
    assert lines[0] == "\t".join(COLUMNS) and len(lines) == 1 + len(reference.beads)

    assert tmx.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
    units = read_tmx(tmx)
    matched = [b for b in reference.beads if b.is_match]
    assert [u["tuvs"][0]["text"] for u in units] == [joined(reference, "src", b.src) for b in matched]
    assert [u["tuvs"][1]["text"] for u in units] == [joined(reference, "tgt", b.tgt) for b in matched]


def test_pair_jsonl_to_stdout(reference: Alignment) -> None:
    result = invoke("pair", SRC, TGT, "-s", "de", "-t", "en", "--format", "jsonl")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(reference.beads)
    for record, bead in zip(records, reference.beads):
        assert (tuple(record["src_ids"]), tuple(record["tgt_ids"])) == (tuple(bead.src), tuple(bead.tgt))
        assert record["src"] == joined(reference, "src", bead.src)
        assert record["tgt"] == joined(reference, "tgt", bead.tgt)
        for side, doc in (("src", reference.src), ("tgt", reference.tgt)):
            ids = record[f"{side}_ids"]
            assert [doc.text[s:e] for s, e in record[f"{side}_spans"]] == [doc.sentences[i].text for i in ids]


def test_pair_moses_writes_two_parallel_files(tmp_path: Path, reference: Alignment) -> None:
    out = tmp_path / "corpus"
    invoke("pair", SRC, TGT, "-s", "de", "-t", "en", "--format", "moses", "-o", out)
    assert sorted(os.listdir(tmp_path)) == ["corpus.de", "corpus.en"]  # OUT.<lang>, as the Moses tools expect
    src_lines = (tmp_path / "corpus.de").read_bytes().decode("utf-8").split("\n")
    tgt_lines = (tmp_path / "corpus.en").read_bytes().decode("utf-8").split("\n")
    matched = [b for b in reference.beads if b.is_match]
    assert len(src_lines) == len(tgt_lines) == len(matched) + 1  # + the empty string after the last newline
    assert src_lines[:-1] == [joined(reference, "src", b.src) for b in matched]
    assert tgt_lines[:-1] == [joined(reference, "tgt", b.tgt) for b in matched]


def test_pair_presegmented_ids_are_line_numbers(tmp_path: Path) -> None:
    src_lines = [
        "Der Hund schläft im Korb.",
        "",  # a blank line is an (empty) sentence, so that ids stay line numbers
        "Die Katze spielt im Garten mit einem Ball.",
        "  Es regnet heute den ganzen Tag.  ",  # kept exactly as given
    ]
    tgt_lines = [
        "The dog is sleeping in its basket.",
        "The cat is playing in the garden with a ball.",
        "It is raining all day today.",
    ]
    (tmp_path / "de.txt").write_bytes(("\n".join(src_lines) + "\n").encode("utf-8"))
    (tmp_path / "en.txt").write_bytes(("\n".join(tgt_lines) + "\n").encode("utf-8"))
    args = ("pair", tmp_path / "de.txt", tmp_path / "en.txt", "-s", "de", "-t", "en", "--presegmented")

    beads = read_beads(invoke(*args, "--format", "beads").stdout.splitlines())
    assert_partition(beads, len(src_lines), len(tgt_lines))

    records = [json.loads(line) for line in invoke(*args, "--format", "jsonl").stdout.splitlines()]
    assert [(tuple(r["src_ids"]), tuple(r["tgt_ids"])) for r in records] == beads
    for r in records:
        assert r["src"] == " ".join(src_lines[i] for i in r["src_ids"])
        assert r["tgt"] == " ".join(tgt_lines[j] for j in r["tgt_ids"])
    # The three real sentence pairs are found.
    assert {((0,), (0,)), ((2,), (1,)), ((3,), (2,))} <= set(beads)


@pytest.mark.skipif(not DEV_GOLD.is_file(), reason=f"{DEV_GOLD} not found (../shared/data is absent)")
def test_pair_refines_by_default_and_no_refine_turns_it_off(tmp_path: Path) -> None:
    # the opening of Text+Berg dev: a German sentence listing three error sources that the
    # French splits into "a) ...", "b) ...", "c) ..." lines, next to a sentence the French joins
    dev = DEV_GOLD.parent
    de = (dev / "dev.de").read_text(encoding="utf-8").split("\n")[:12]
    fr = (dev / "dev.fr").read_text(encoding="utf-8").split("\n")[:14]
    gold = read_beads((dev / "dev.defr").read_text(encoding="utf-8").split("\n")[:10])
    (tmp_path / "de.txt").write_text("\n".join(de) + "\n", encoding="utf-8")
    (tmp_path / "fr.txt").write_text("\n".join(fr) + "\n", encoding="utf-8")
    args = ("pair", tmp_path / "de.txt", tmp_path / "fr.txt", "-s", "de", "-t", "fr", "--presegmented")
    from align.evaluate import score

    refined = read_beads(invoke(*args, "--format", "beads").stdout.splitlines())
    plain = read_beads(invoke(*args, "--format", "beads", "--no-refine").stdout.splitlines())
    assert_partition(refined, 12, 14)
    assert_partition(plain, 12, 14)
    assert ((6, 7), (6, 7, 8, 9)) in refined and ((6, 7), (6, 7, 8, 9)) not in plain
    assert score([gold], [refined]).f1_strict > score([gold], [plain]).f1_strict
    for extra, flag in (((), "true"), (("--no-refine",), "false")):
        tmx = invoke(*args, "--format", "tmx", *extra).stdout
        assert f'"refine": {flag}' in tmx  # the setting is recorded in the header


# --- align eval -----------------------------------------------------------------------


@pytest.mark.skipif(not DEV_GOLD.is_file(), reason=f"{DEV_GOLD} not found (../shared/data is absent)")
def test_eval_gold_against_itself_is_perfect(tmp_path: Path) -> None:
    done = run_align("eval", DEV_GOLD, DEV_GOLD, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines() if line.strip()}
    assert rows["strict"] == ["lax"]
    for name in ("precision", "recall", "F1"):
        assert rows[name] == ["1.000", "1.000"], done.stdout

    done = run_align("eval", DEV_GOLD, DEV_GOLD, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert SCORE_KEYS <= set(figures)
    assert {key: figures[key] for key in SCORE_KEYS} == dict.fromkeys(SCORE_KEYS, 1.0)


# --- align segment --------------------------------------------------------------------


def test_segment_prints_one_sentence_per_line(tmp_path: Path) -> None:
    done = run_align("segment", SRC, "--lang", "de", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = segment(read_document(str(SRC), "de")).sentences
    assert len(expected) > 5
    assert done.stdout.splitlines() == [" ".join(s.text.split()) for s in expected]
    assert all(line.strip() for line in done.stdout.splitlines())


@pytest.mark.parametrize("kind", ["sample", "crlf"])
def test_segment_jsonl_spans_index_the_file_text(tmp_path: Path, kind: str) -> None:
    if kind == "sample":
        path = SRC
    else:  # CRLF line ends and non-ASCII text: offsets are into the decoded text, \r included
        path = tmp_path / "crlf.txt"
        path.write_bytes("Erster Satz über Äpfel. Zweiter Satz!\r\nDritter Satz – am 10. Juli.\r\n".encode())
    file_text = path.read_bytes().decode("utf-8-sig")
    done = run_align("segment", path, "--lang", "de", "--jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    head, records = lines[0], lines[1:]
    # one paragraph (or sentence) per line: read as it stands, no blocks, spans into the file's text
    assert head["type"] == "document" and head["layout"] == "lines" and head["blocks"] == 0
    assert all(r["type"] == "sentence" and r["kind"] == "text" and r["block"] is None for r in records)
    assert [r["id"] for r in records] == list(range(len(records)))
    assert len(records) >= 3
    previous_end = 0
    for r in records:
        assert r["text"] == file_text[r["start"] : r["end"]]
        assert previous_end <= r["start"] < r["end"]
        previous_end = r["end"]


# --- errors ---------------------------------------------------------------------------


ERROR_CASES = {
    # name: (argument list with {src}/{tgt}/{tmp} placeholders, stdin)
    "missing file": (["pair", "{tmp}/nope.txt", "{tgt}", "-s", "de", "-t", "en", "-o", "{tmp}/out.tmx"], None),
    "directory as file": (["pair", "{tmp}/adir", "{tgt}", "-s", "de", "-t", "en", "-o", "{tmp}/out.tmx"], None),
    "empty file": (["pair", "{tmp}/empty.txt", "{tgt}", "-s", "de", "-t", "en", "-o", "{tmp}/out.tmx"], None),
    "binary file": (["pair", "{src}", "{tmp}/image.png", "-s", "de", "-t", "en", "-o", "{tmp}/out.tmx"], None),
    "unknown format": (["pair", "{src}", "{tgt}", "-s", "de", "-t", "en", "-f", "xml", "-o", "{tmp}/out.xml"], None),
    "output in missing directory": (["pair", "{src}", "{tgt}", "-s", "de", "-t", "en", "-o", "{tmp}/no/out.tmx"], None),
    "bad language code": (["pair", "{src}", "{tgt}", "-s", "DE", "-t", "en", "-o", "{tmp}/out.tmx"], None),
    "unknown language code": (["pair", "{src}", "{tgt}", "-s", "german", "-t", "en", "-o", "{tmp}/out.tmx"], None),
    "both sides stdin": (["pair", "-", "-", "-s", "de", "-t", "en", "-o", "{tmp}/out.tmx"], b"Ein Satz.\n"),
    "segment missing file": (["segment", "{tmp}/nope.txt", "--lang", "de"], None),
    "eval malformed beads": (["eval", "{tmp}/bad.beads", "{tmp}/bad.beads"], None),
}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder with the awkward inputs the error cases use."""
    (tmp_path / "adir").mkdir()
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(range(256)))
    (tmp_path / "bad.beads").write_text("[0]:[0]\n0 -> 1\n", encoding="utf-8")
    return tmp_path


def expand(args: list[str], tmp: Path) -> list[str]:
    return [a.format(src=SRC, tgt=TGT, tmp=tmp) for a in args]


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_error_is_one_line_exit_1_and_no_output(workdir: Path, case: str) -> None:
    args, stdin = ERROR_CASES[case]
    before = sorted(os.listdir(workdir))
    done = run_align(*expand(args, workdir), cwd=workdir, stdin=stdin)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith("align: error: "), done.stderr
    assert "Traceback" not in done.stderr
    assert "rerun with --debug" not in done.stderr  # an anticipated error, not a bug
    assert done.stdout == ""
    assert sorted(os.listdir(workdir)) == before  # no output, no temporary file, no folder created


def test_usage_error_exits_2(tmp_path: Path) -> None:
    # (--src-lang may be left out since languages are detected: a missing argument instead)
    done = run_align("pair", SRC, "--tgt-lang", "en", cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Missing argument 'TGT'" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "flags, env, traceback_shown",
    [(["--debug"], {}, True), ([], {"ALIGN_DEBUG": "1"}, True), ([], {"ALIGN_DEBUG": "0"}, False)],
    ids=["--debug", "ALIGN_DEBUG=1", "ALIGN_DEBUG=0"],
)
def test_debug_shows_the_traceback(
    tmp_path: Path, flags: list[str], env: dict[str, str], traceback_shown: bool
) -> None:
    done = run_align(*flags, "pair", tmp_path / "nope.txt", TGT, "-s", "de", "-t", "en", cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert ("Traceback (most recent call last)" in done.stderr) == traceback_shown, done.stderr
    assert done.stderr.splitlines()[-1].startswith("align: error: ")
    if traceback_shown:
        assert "InputError" in done.stderr


def test_interrupt_exits_130_and_keeps_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], reference: Alignment
) -> None:
    """Ctrl-C while the TMX is being written: status 130, a one-line note, no file (not even a temporary one)."""
    import align.api
    from align.export.tmx import TmxExporter

    def interrupted(self, alignment, out, **options):
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<tmx')
        raise KeyboardInterrupt

    monkeypatch.setattr(align.api, "align_files", lambda *args, **kwargs: reference)
    monkeypatch.setattr(TmxExporter, "write", interrupted)
    argv = ["align", "pair", str(SRC), str(TGT), "-s", "de", "-t", "en", "-o", str(tmp_path / "out.tmx")]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 130
    err = capsys.readouterr().err
    assert err.startswith("align: interrupted") and len(err.splitlines()) == 1, err
    assert os.listdir(tmp_path) == []


# --- help -----------------------------------------------------------------------------


def test_help_shows_commands_and_examples(tmp_path: Path) -> None:
    done = run_align("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("pair", "segment", "eval", "demo"):
        assert re.search(rf"^\s+{command}\s", done.stdout, re.MULTILINE), done.stdout
    assert "Examples:" in done.stdout
    assert "align demo" in done.stdout and "align pair de.txt en.txt" in done.stdout


def test_pair_help_shows_options_and_examples(tmp_path: Path) -> None:
    done = run_align("pair", "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Examples:" in done.stdout
    assert "align pair de.txt en.txt --src-lang de --tgt-lang en -o de-en.tmx" in done.stdout
    assert "--presegmented" in done.stdout and "--format" in done.stdout and "--src-lang" in done.stdout
