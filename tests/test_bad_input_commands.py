"""Issue 6, item 1 for every command that takes files, plus the faults of item 4 on a real file system.

``tests/test_hardening_bad_input.py`` goes through item 1 with ``align pair``; this file does the same
for ``segment``, ``eval``, ``dedup``, ``report``, ``batch`` and ``index add``/``index query``
(and ``pair``'s target side, so the matrix is complete): each bad file in each file
argument, then the language, model, output and format cases that apply to each command.
The promise is the same everywhere: exit status 1, exactly one line on stderr that names
the problem and what to do, nothing on stdout, and no output file (nor temporary file, nor
folder) left behind.

The matrix runs the real entry point :func:`align.cli.main` in this process (the model then
loads once for the whole file); ``tests/test_hardening_bad_input.py`` shows the same path through a
fresh ``python -m align``. Where the machine allows it (root, ``mount``), a small tmpfs gives a
real read-only folder and a real full disk; otherwise those tests are skipped and
``test_hardening_faults.py``'s /dev/full and simulated-ENOSPC tests remain.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from lxml import etree

from tests.cli_support import run_cli
from tests.hardening_support import png_image

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SRC = next(SAMPLES.glob("000_*.txt"))  # German
TGT = next(SAMPLES.glob("001_*.txt"))  # English


# --- running the command line in this process -------------------------------------------


def assert_refused(code: int, out: str, err: str, *needles: str, stdout_empty: bool = True) -> None:
    """Exit 1, one ``align: error:`` line naming the problem and what to do (``needles``)."""
    assert code == 1, (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("align: error: "), err
    assert "Traceback" not in err and "rerun with --debug" not in err, err  # anticipated, not a bug
    for needle in needles:
        assert needle.lower() in err.lower(), (needle, err)
    if stdout_empty:
        assert out == "", out


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


# --- the bad files -----------------------------------------------------------------------

#: bad file -> (what is wrong, what to do) as the message says it, by the reader that
#: refuses it: text files, bead files (eval), batch manifests. An unreadable file's advice
#: depends on why it cannot be read (mode bits or an I/O error), so only the path is checked.
BAD_FILES: dict[str, dict[str, tuple[str, str]]] = {
    "missing": {"text": ("no such file", "check the path"), "beads": ("no such file", "check the path"),
                "manifest": ("no such file", "check the path")},
    "unreadable": {"text": ("read", ""), "beads": ("read", ""), "manifest": ("read", "")},
    "directory": {"text": ("is a directory", "give the path of a text file"),
                  "beads": ("is a directory", "give a bead file"),
                  "manifest": ("is a directory", "give a TSV or JSONL file")},
    "empty": {"text": ("empty", "give a file that contains text"), "beads": ("no beads", "give a bead file"),
              "manifest": ("lists no pairs", "write one pair a line")},
    "whitespace-only": {"text": ("only whitespace", "give a file that contains text"),
                        "beads": ("no beads", "give a bead file"),
                        "manifest": ("lists no pairs", "write one pair a line")},
    "NUL bytes": {"text": ("binary", "give a plain-text file"), "beads": ("expected a bead", "fix or remove the line"),
                  "manifest": ("NUL bytes", "save the manifest as UTF-8")},
    "PNG image": {"text": ("binary", "give a plain-text file"), "beads": ("not UTF-8", "give a bead file"),
                  "manifest": ("NUL bytes", "save the manifest as UTF-8")},
    "invalid UTF-8": {"text": ("not UTF-8", "convert it to UTF-8"), "beads": ("not UTF-8", "give a bead file"),
                      "manifest": ("not UTF-8", "save the manifest as UTF-8")},
}


def _unreadable(folder: Path) -> str | None:
    """A path this process cannot read: a chmod-0 file, or for root (whom modes do not stop) /proc/1/mem."""
    path = folder / "secret.txt"
    path.write_text("Geheim.\n", encoding="utf-8")
    path.chmod(0)
    if not os.access(path, os.R_OK):
        return str(path)
    path.chmod(0o644)
    path.unlink()
    try:
        Path("/proc/1/mem").read_bytes()
    except OSError:
        return "/proc/1/mem"
    return None


@pytest.fixture
def bad_file(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The bad file named by the test's ``kind`` parameter, as a path relative to ``tmp_path``."""
    kind = request.param
    contents = {
        "empty": b"",
        "whitespace-only": b" \n\t\r\n \xc2\xa0\n",
        "NUL bytes": b"Text\x00with\x00NUL\x00bytes\x00" * 20,
        "PNG image": png_image(),
        "invalid UTF-8": b"Text " + bytes(range(0x80, 0x100)) * 3,
    }
    if kind == "missing":
        return "nope.txt"
    if kind == "directory":
        (tmp_path / "adir").mkdir()
        return "adir"
    if kind == "unreadable":
        path = _unreadable(tmp_path)
        if path is None:
            pytest.skip("no unreadable file available to this user")
        return path
    (tmp_path / "bad.txt").write_bytes(contents[kind])
    return "bad.txt"


@pytest.fixture(scope="module")
def beads_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("beads") / "good.beads"
    path.write_text("[0]:[0]:0.9\n[1]:[1,2]:0.8\n[]:[3]:0.0\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def index_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wire-copy index holding the English sample, for ``index query``."""
    from align.index import open_index
    from align.read import read_document

    path = tmp_path_factory.mktemp("index") / "w.index"
    index = open_index(str(path), writable=True)
    try:
        index.add([read_document(str(TGT), "und")])
        index.save()
    finally:
        index.close()
    return path


#: command -> (arguments with {bad}; which reader refuses the file)
FILE_COMMANDS: dict[str, tuple[list[str], str]] = {
    "pair target": (["pair", str(SRC), "{bad}", "-s", "de", "-t", "en", "-o", "out.tmx"], "text"),
    "segment": (["segment", "{bad}", "--lang", "de"], "text"),
    "eval gold": (["eval", "{bad}", "{beads}"], "beads"),
    "eval test": (["eval", "{beads}", "{bad}", "--json"], "beads"),
    "dedup": (["dedup", str(SRC), "{bad}", "--json", "-o", "report.json"], "text"),
    "report source": (["report", "{bad}", str(TGT), "-s", "de", "-t", "en", "-o", "review.html"], "text"),
    "report target": (["report", str(SRC), "{bad}", "-s", "de", "-t", "en", "-o", "review.html"], "text"),
    "batch manifest": (["batch", "{bad}", "--out-dir", "out"], "manifest"),
    "index add": (["index", "add", str(SRC), "{bad}", "--index", "w.index"], "text"),
    "index query": (["index", "query", "{bad}", "--index", "{index}"], "text"),
}


@pytest.mark.parametrize("bad_file", list(BAD_FILES), indirect=True)
@pytest.mark.parametrize("command", list(FILE_COMMANDS))
def test_every_command_refuses_every_bad_file(
    command: str, bad_file: str, request: pytest.FixtureRequest, tmp_path: Path,
    beads_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    args, reader = FILE_COMMANDS[command]
    kind = request.node.callspec.params["bad_file"]
    index = request.getfixturevalue("index_file") if command == "index query" else ""
    argv = [a.format(bad=bad_file, beads=beads_file, index=index) for a in args]
    before = files_under(tmp_path)
    code, out, err = run_cli(argv, tmp_path, monkeypatch, capsys)
    assert_refused(code, out, err, bad_file, *BAD_FILES[kind][reader])
    assert files_under(tmp_path) == before  # no output, no temporary file, no folder


@pytest.mark.parametrize("bad_file", list(BAD_FILES), indirect=True)
def test_batch_fails_a_pair_with_a_bad_file_and_writes_nothing_for_it(
    bad_file: str, request: pytest.FixtureRequest, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A bad file listed in a manifest fails that pair with its reason; the good pair is still done."""
    kind = request.node.callspec.params["bad_file"]
    bad = bad_file if os.path.isabs(bad_file) else str(tmp_path / bad_file)
    (tmp_path / "pairs.tsv").write_text(f"{SRC}\t{bad}\tde\ten\tbroken\n{SRC}\t{TGT}\tde\ten\tgood\n", encoding="utf-8")
    code, out, err = run_cli(["batch", "pairs.tsv", "--out-dir", "out", "-f", "beads"], tmp_path, monkeypatch, capsys)
    assert_refused(code, out, err, "1 of 2 pairs failed", stdout_empty=False)
    assert "2 pairs: 1 done, 0 skipped (already done), 1 failed" in out
    reason = next(line for line in out.splitlines() if line.startswith("failed broken: "))
    assert bad_file in reason and all(n.lower() in reason.lower() for n in BAD_FILES[kind]["text"])
    assert files_under(tmp_path / "out") == [".done", ".done/good.json", "good.beads"]


# --- languages, models, output paths and formats, per command ------------------------------

OTHER_CASES: dict[str, tuple[list[str], list[str]]] = {
    # name: (arguments; {src}/{tgt}/{manifest:LANG,LANG} are filled in; what the message says)
    "segment: not a language code": (["segment", "{src}", "--lang", "english"], ["'english' is not a language code", "ISO 639-1"]),
    "dedup: not a language code": (["dedup", "{src}", "{tgt}", "--lang", "German", "-o", "r.json"], ["'German'", "ISO 639-1"]),
    "index add: not a language code": (["index", "add", "{src}", "--lang", "deutsch", "-i", "w.index"], ["'deutsch'", "ISO 639-1"]),
    "index query: not a language code": (
        ["index", "query", "{src}", "--lang", "xx-yy-zz", "-i", "w.index"], ["'xx-yy-zz'", "ISO 639-1"]),
    "batch: not a language code": (["batch", "{manifest:de,English}", "-d", "out"], ["line 1", "'English'", "ISO 639-1"]),
    "report: language use-m3 does not know": (
        ["report", "{src}", "{tgt}", "-s", "el", "-t", "en", "-o", "r.html"], ["--src-lang el", "does not know", "--model"]),
    "batch: language use-m3 does not know": (
        ["batch", "{manifest:de,el}", "-d", "out"], ["line 1", "tgt_lang el", "does not know", "--model"]),
    "report: model not installed": (
        ["report", "{src}", "{tgt}", "-s", "de", "-t", "en", "-m", "no-such-org/no-such-model", "-o", "r.html"],
        ["no-such-org/no-such-model", "not installed", "pass --model DIR"]),
    "dedup: model not installed": (
        ["dedup", "{src}", "{tgt}", "-m", "no-such-org/no-such-model", "-o", "r.json"],
        ["no-such-org/no-such-model", "not installed", "pass --model DIR"]),
    "dedup: model not installed, one language": (
        ["dedup", "{src}", "{src}", "--lang", "de", "-m", "no-such-org/no-such-model", "-o", "r.json"],
        ["not installed", "pass --model DIR"]),
    "batch: model not installed": (
        ["batch", "{manifest:de,en}", "-d", "out/new", "-m", "no-such-org/no-such-model"],
        ["no-such-org/no-such-model", "not installed", "pass --model DIR"]),
    "dedup: output in missing directory": (["dedup", "{src}", "{tgt}", "-o", "missing/r.json"], ["does not exist", "create it"]),
    "report: output in missing directory": (
        ["report", "{src}", "{tgt}", "-s", "de", "-t", "en", "-o", "missing/r.html"], ["does not exist", "create it"]),
    "index add: index in missing directory": (
        ["index", "add", "{src}", "-i", "missing/w.index"], ["missing/w.index", "choose another --index"]),
    "index add: index is a directory": (["index", "add", "{src}", "-i", "."], ["is a directory", "give an index file name"]),
    "index query: no such index": (["index", "query", "{src}", "-i", "none.index"], ["none.index", "build it first"]),
    "batch: out-dir is a file": (["batch", "{manifest:de,en}", "-d", "pairs.tsv"], ["is a file", "give a folder"]),
    "batch: unknown format": (["batch", "{manifest:de,en}", "-d", "out", "-f", "xml"], ["unknown output format 'xml'", "tmx, tsv"]),
    "batch: unknown engine": (["batch", "{manifest:de,en}", "-d", "out", "-e", "spark"], ["unknown engine 'spark'", "use one of: local, ray"]),
}


def _fill(args: list[str], folder: Path) -> list[str]:
    filled = []
    for a in args:
        if a.startswith("{manifest:"):
            src_lang, tgt_lang = a[len("{manifest:"):-1].split(",")
            (folder / "pairs.tsv").write_text(f"{SRC}\t{TGT}\t{src_lang}\t{tgt_lang}\n", encoding="utf-8")
            a = "pairs.tsv"
        filled.append(a.format(src=SRC, tgt=TGT))
    return filled


@pytest.mark.parametrize("case", list(OTHER_CASES))
def test_bad_options_are_refused_before_any_output(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    args, needles = OTHER_CASES[case]
    argv = _fill(args, tmp_path)
    before = files_under(tmp_path)
    code, out, err = run_cli(argv, tmp_path, monkeypatch, capsys)
    assert_refused(code, out, err, *needles)
    assert files_under(tmp_path) == before


def test_same_language_is_allowed_with_a_warning_in_report_and_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(["report", TGT, TGT, "-s", "en", "-t", "en-GB", "-o", "r.html"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    assert err.splitlines() == [
        "align: warning: both sides are in the same language (en, en-GB); aligning anyway "
        "(check --src-lang and --tgt-lang if this is a translation)"
    ]
    assert (tmp_path / "r.html").stat().st_size > 0

    (tmp_path / "pairs.tsv").write_text(
        f"{SRC}\t{TGT}\tde\ten\tcross\n{TGT}\t{TGT}\ten\ten\tsame\n", encoding="utf-8"
    )
    code, out, err = run_cli(["batch", "pairs.tsv", "-d", "out", "-f", "beads"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    assert len(err.splitlines()) == 1 and err.startswith("align: warning: 1 pair of pairs.tsv"), err
    assert "(line 2)" in err
    from align.read import read_document
    from align.segment import segment

    n = len(segment(read_document(str(TGT), "en")).sentences)
    beads = (tmp_path / "out" / "same.beads").read_text().splitlines()
    assert [line.split(":")[0] for line in beads] == [f"[{i}]" for i in range(n)]  # a text aligns with itself 1-1
    assert "2 pairs: 2 done" in out


def test_legacy_encodings_are_decoded_in_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A Windows-1252 German file gives the right characters in segment, report, batch, dedup and index."""
    de = "Grüße aus Köln – „Das kostet 5 €“, sagte er.\nÜber die Brücke gehen wir heute nicht.\n"
    (tmp_path / "de.txt").write_bytes(de.encode("cp1252"))
    (tmp_path / "copy.txt").write_bytes(("Ein ganz anderer Satz steht am Anfang.\n" + de).encode("cp1252"))
    want = de.splitlines()

    code, out, err = run_cli(["segment", "de.txt", "--lang", "de"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    assert out.splitlines() == want

    code, out, err = run_cli(["report", "de.txt", TGT, "-s", "de", "-t", "en", "-o", "r.html"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert all(line in page.replace("&quot;", '"') for line in want) and "Ã" not in page

    (tmp_path / "pairs.tsv").write_text(f"de.txt\t{TGT}\tde\ten\tp\n", encoding="utf-8")
    code, out, err = run_cli(["batch", "pairs.tsv", "-d", "out", "-f", "jsonl"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    records = [json.loads(line) for line in (tmp_path / "out" / "p.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["src"] for r in records if r["src_ids"]] == want

    code, out, err = run_cli(["dedup", "de.txt", "copy.txt", "--lang", "de", "--json"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    members = [m for c in json.loads(out)["clusters"] for m in c["members"]]
    assert members and all(m["text"] in de for m in members) and any("Grüße" in m["text"] for m in members)

    code, out, err = run_cli(["index", "add", "de.txt", "-i", "w.index"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    code, out, err = run_cli(["index", "query", "copy.txt", "-i", "w.index", "--json"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    matches = json.loads(out)["documents"][0]["matches"]
    copy = "Ein ganz anderer Satz steht am Anfang.\n" + de
    assert matches and all(copy[m["query"]["start"]:m["query"]["end"]] == m["query"]["text"] for m in matches)
    assert any("Grüße" in de[m["indexed"]["start"]:m["indexed"]["end"]] for m in matches)  # offsets into the decoded text


# --- item 5: derived output names stay in the output folder (batch ids, through the CLI) --------


def test_batch_ids_cannot_escape_the_output_folder_from_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    manifest = "".join(
        json.dumps({"src": str(SRC), "tgt": str(TGT), "src_lang": "de", "tgt_lang": "en", "id": pid}) + "\n"
        for pid in ("../x", "/tmp/abs", "a/../../b", "..\\win", ".hidden")
    )
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "pairs.jsonl").write_text(manifest, encoding="utf-8")
    code, out, err = run_cli(["batch", "pairs.jsonl", "-d", "out", "-f", "beads"], tmp_path / "work", monkeypatch, capsys)
    assert code == 0, err
    outputs = files_under(tmp_path)
    assert all(p == "work" or p.startswith("work/") for p in outputs), outputs  # nothing next to work/, nothing in /tmp
    assert not os.path.exists("/tmp/abs.beads")
    beads = sorted(p for p in outputs if p.endswith(".beads"))
    assert beads == ["work/out/a_.._.._b.beads", "work/out/hidden.beads", "work/out/tmp_abs.beads",
                     "work/out/win.beads", "work/out/x.beads"]

    (tmp_path / "work" / "dots.tsv").write_text(f"{SRC}\t{TGT}\tde\ten\t../..\n", encoding="utf-8")
    code, out, err = run_cli(["batch", "dots.tsv", "-d", "out2"], tmp_path / "work", monkeypatch, capsys)
    assert_refused(code, out, err, "line 1", "no letters or digits")
    assert not (tmp_path / "work" / "out2").exists()


# --- item 5: XML output that is not TMX or HTML: the heat-map as SVG ------------------------------


def test_svg_plot_keeps_hostile_titles_and_names_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("matplotlib")
    hostile = '<script>alert(1)</script> & "x" <img src=x onerror=alert(2)>'
    src = tmp_path / "<b>quelle&.txt"
    src.write_bytes(SRC.read_bytes())
    code, out, err = run_cli(["plot", src.name, TGT, "-s", "de", "-t", "en", "-o", "p.svg", "--title", hostile],
                             tmp_path, monkeypatch, capsys)
    assert code == 0, err
    raw = (tmp_path / "p.svg").read_bytes()
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))  # well-formed
    assert not [e for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname in ("script", "img")]
    assert not [k for e in root.iter() for k in e.attrib if k.lower().startswith("on")]
    assert b"<script>alert(1)" not in raw and b"<b>quelle" not in raw


# --- item 4 on a real file system: a read-only folder and a full disk (tmpfs) -----------------


@contextmanager
def tmpfs(where: Path, *options: str) -> Iterator[Path]:
    """Mount a tmpfs at ``where`` with ``options`` (root only; the test is skipped otherwise)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(where)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill_disk(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte, so that the next write fails with ENOSPC."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    block = b"\0" * 65536
    try:
        while True:
            os.write(fd, block)
    except OSError as err:
        assert err.errno == errno.ENOSPC, err
    finally:
        os.close(fd)


@pytest.mark.parametrize("command", ["pair", "dedup", "report", "batch", "index add"])
def test_read_only_file_system_is_refused_before_the_work(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    import align.api

    def no_work(*_args, **_kwargs):
        raise AssertionError("the output folder must be checked before the alignment starts")

    with tmpfs(tmp_path / "ro", "size=1m", "ro") as ro:
        argv = {
            "pair": ["pair", SRC, TGT, "-s", "de", "-t", "en", "-o", ro / "out.tmx"],
            "dedup": ["dedup", SRC, TGT, "--json", "-o", ro / "out.json"],
            "report": ["report", SRC, TGT, "-s", "de", "-t", "en", "-o", ro / "out.html"],
            "batch": ["batch", "{manifest:de,en}", "-d", ro / "out"],
            "index add": ["index", "add", SRC, "-i", ro / "w.index"],
        }[command]
        if command in ("pair", "report"):
            monkeypatch.setattr(align.api, "align_files", no_work)
        code, out, err = run_cli(_fill([str(a) for a in argv], tmp_path), tmp_path, monkeypatch, capsys)
        assert_refused(code, out, err, str(ro))
        assert "read-only" in err or "Read-only" in err or "permission" in err.lower(), err
        assert os.listdir(ro) == []


@pytest.mark.parametrize("command", ["pair", "dedup", "report", "batch", "index add"])
def test_full_disk_is_reported_and_leaves_the_previous_file(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A real ENOSPC: 'disk full' in one line, the previous output intact, no temporary file."""
    with tmpfs(tmp_path / "disk", "size=256k") as disk:
        target = {"pair": "out.tmx", "dedup": "out.json", "report": "out.html", "batch": "out/p.tmx",
                  "index add": "w.index"}[command]
        (disk / "out").mkdir()
        if command == "index add":  # the previous index, holding one article
            code, out, err = run_cli(["index", "add", SRC, "-i", disk / target], tmp_path, monkeypatch, capsys)
            assert code == 0, err
        else:
            (disk / target).write_bytes(b"previous result\n")
        previous = (disk / target).read_bytes()
        argv = {
            "pair": ["pair", SRC, TGT, "-s", "de", "-t", "en", "-o", disk / target],
            "dedup": ["dedup", SRC, TGT, "--json", "-o", disk / target],
            "report": ["report", SRC, TGT, "-s", "de", "-t", "en", "-o", disk / target],
            "batch": ["batch", "{manifest:de,en}", "-d", disk / "out"],
            "index add": ["index", "add", SRC, TGT, "-i", disk / target],
        }[command]
        if command == "batch":
            (tmp_path / "pairs.tsv").write_text(f"{SRC}\t{TGT}\tde\ten\tp\n", encoding="utf-8")
            argv[1] = "pairs.tsv"
        _fill_disk(disk)
        code, out, err = run_cli([str(a) for a in argv], tmp_path, monkeypatch, capsys)
        assert_refused(code, out, err, "disk full", "free space")
        assert (disk / target).read_bytes() == previous
        left = sorted(set(files_under(disk)) - {"filler", "out", target, "out/.done", "w.index.lock"})
        assert left == [], left
