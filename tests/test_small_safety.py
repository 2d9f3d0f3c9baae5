"""Issue 15, item 6: the smaller ways a hostile or unlucky input went wrong, one test each.

Non-UTF-8 file names, ``nan`` thresholds, terminal escape sequences in the text, lines of
punctuation only, and the message an interrupted batch prints.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from align import align_texts
from align.textsafe import json_dumps, printable, shown_path
from tests.conftest import SAMPLES

SRC = next(SAMPLES.glob("000_*.txt"))
TGT = next(SAMPLES.glob("001_*.txt"))
NON_UTF8 = os.fsdecode(b"caf\xe9.txt")  # a Latin-1 file name, as an old archive brings it


def run(*args: object, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ALIGN_DEBUG"}
    return subprocess.run([sys.executable, "-m", "align", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=600, check=False, **kwargs)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(SRC, tmp_path / NON_UTF8)
    shutil.copy(TGT, tmp_path / "en.txt")
    return tmp_path


# --- file names that are not UTF-8 -----------------------------------------------------


def test_dedup_writes_json_for_a_file_name_that_is_not_utf8(folder: Path) -> None:
    done = run("dedup", NON_UTF8, "en.txt", "-o", "out.json", cwd=folder)
    assert done.returncode == 0, done.stderr
    report = json.loads((folder / "out.json").read_bytes().decode("utf-8"))
    doc = report["documents"][0]["doc"]
    assert os.fsencode(doc) == b"caf\xe9.txt"  # the real name comes back, byte for byte
    member = report["clusters"][0]["members"][0]
    text = (folder / NON_UTF8).read_text(encoding="utf-8")
    assert os.fsencode(member["doc"]) == b"caf\xe9.txt" and text[member["start"]:member["end"]] == member["text"]
    done = run("dedup", NON_UTF8, "en.txt", cwd=folder)  # the human report shows the byte escaped
    assert done.returncode == 0 and b"caf\\xe9.txt (de)" in done.stdout, done.stderr


@pytest.mark.parametrize("fmt", ["tmx", "tsv", "jsonl", "beads", "moses", "html"])
def test_pair_with_a_file_name_that_is_not_utf8(folder: Path, fmt: str) -> None:
    done = run("pair", NON_UTF8, "en.txt", "-s", "de", "-t", "en", "--format", fmt, "-o", f"out.{fmt}", cwd=folder)
    assert done.returncode == 0, done.stderr
    if fmt == "tmx":
        assert b"caf\\xe9.txt" in (folder / "out.tmx").read_bytes()


def test_segment_with_a_file_name_that_is_not_utf8(folder: Path) -> None:
    done = run("segment", NON_UTF8, "--lang", "de", cwd=folder)
    assert done.returncode == 0 and done.stdout.count(b"\n") == 14, done.stderr


def test_json_dumps_keeps_undecodable_bytes_as_valid_json() -> None:
    text = json_dumps({"doc": NON_UTF8, "text": "Grüße"})
    raw = text.encode("utf-8")  # never a UnicodeEncodeError
    assert json.loads(raw)["doc"] == NON_UTF8 and "Grüße" in text


# --- nan is not a threshold ------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["dedup", "a.txt", "b.txt", "--threshold", "nan"],
    ["dedup", "a.txt", "b.txt", "--threshold", "inf"],
    ["report", "a.txt", "b.txt", "-s", "de", "-t", "en", "--low-score", "nan"],
])
def test_nan_and_inf_are_refused_as_usage_errors(tmp_path: Path, args: list[str]) -> None:
    shutil.copy(SRC, tmp_path / "a.txt")
    shutil.copy(TGT, tmp_path / "b.txt")
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert b"is not a number" in done.stderr or b"not in the range" in done.stderr
    assert done.stdout == b""


# --- terminal escape sequences are shown, never obeyed ---------------------------------

HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x9b31m"


def test_segment_and_dedup_show_escape_sequences_escaped(tmp_path: Path) -> None:
    text = SRC.read_text(encoding="utf-8").replace("Pentagon heißt", f"Pentagon {HOSTILE}heißt", 1)
    (tmp_path / "de.txt").write_text(text, encoding="utf-8")
    shutil.copy(SRC, tmp_path / "copy.txt")
    done = run("segment", "de.txt", "--lang", "de", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert b"\x1b" not in done.stdout and b"\x07" not in done.stdout and "\x9b".encode() not in done.stdout
    assert b"\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m" in done.stdout
    jsonl = run("segment", "de.txt", "--lang", "de", "--jsonl", cwd=tmp_path)  # machine output keeps the text
    assert any(HOSTILE in json.loads(line).get("text", "") for line in jsonl.stdout.splitlines())
    done = run("dedup", "de.txt", "copy.txt", "--no-cross-lingual", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert b"\x1b" not in done.stdout and b"\\x1b[2J" in done.stdout


def test_escape_sequences_in_a_file_name_are_escaped_in_errors(tmp_path: Path) -> None:
    name = "bad\x1b[2Jname.txt"
    done = run("segment", name, "--lang", "de", cwd=tmp_path)
    assert done.returncode == 1
    assert b"\x1b" not in done.stderr and b"bad\\x1b[2Jname.txt" in done.stderr


def test_printable_and_shown_path() -> None:
    assert printable("a\x1b[1mb\tc\nd") == "a\\x1b[1mb\tc\nd"
    assert printable("x\ny", keep_newlines=False) == "x\\ny"
    assert printable("Grüße, 東京, ‘quotes’") == "Grüße, 東京, ‘quotes’"
    assert printable("evil\u202etxt.exe") == "evil\\u202etxt.exe"
    assert shown_path(NON_UTF8) == "caf\\xe9.txt"


# --- punctuation-only units are never paired with sentences ----------------------------


def test_punctuation_only_lines_stay_unmatched() -> None:
    src = "!!!\n???\n...\n"
    tgt = ("China's ambassador met the top US defence official for Asia on Wednesday.\n"
           "The discussions lasted about 90 minutes, a spokesman said.\n"
           "Both sides agreed to keep talking.\n")
    for refine in (True, False):
        from align.search import SearchConfig

        alignment = align_texts(src, tgt, "de", "en", presegmented=True, config=SearchConfig(refine=refine))
        assert not [b for b in alignment.beads if b.is_match], alignment.beads
    mixed = align_texts("Der Hund bellt laut.\n!!!\nDie Katze schläft.\n", "The dog barks loudly.\nThe cat sleeps.\n",
                        "de", "en", presegmented=True)
    assert [(b.src, b.tgt) for b in mixed.beads] == [((0,), (0,)), ((1,), ()), ((2,), (1,))]


# --- an interrupted batch says what it kept ---------------------------------------------


@pytest.mark.slow
def test_an_interrupted_batch_says_finished_pairs_are_kept(tmp_path: Path) -> None:
    shutil.copy(SRC, tmp_path / "de.txt")
    shutil.copy(TGT, tmp_path / "en.txt")
    (tmp_path / "m.tsv").write_text("".join(f"de.txt\ten.txt\tde\ten\tp{i}\n" for i in range(8)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "ALIGN_DEBUG"}
    proc = subprocess.Popen([sys.executable, "-m", "align", "batch", "m.tsv", "--out-dir", "out", "--no-cache"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    marker = tmp_path / "out" / ".done" / "p0.json"
    deadline = time.monotonic() + 300  # a hang guard, not a speed limit
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    if proc.returncode == 0:
        pytest.skip("the batch finished before the interrupt arrived")
    assert proc.returncode == 130, err
    assert "kept in out" in err and "rerun the same command" in err and err.count("\n") == 1, err
    assert (tmp_path / "out" / "p0.tmx").exists()


# --- running out of memory is one line, not a traceback --------------------------------


def test_out_of_memory_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Running out of memory (numpy's MemoryError, wherever it is raised) ends in one line
    that says what to do, and no output file. (Where a real out-of-memory shows up depends
    on the machine: under a hard address-space limit OpenBLAS may fail first in its own
    allocator; so the MemoryError is raised on purpose here, inside the alignment.)"""
    from align import api, cli

    shutil.copy(SRC, tmp_path / "de.txt")
    shutil.copy(TGT, tmp_path / "en.txt")

    def exhausted(*args, **kwargs):
        raise MemoryError("Unable to allocate 512. MiB for an array with shape (1000, 67108) and data type float64")

    monkeypatch.setattr(api, "align_documents", exhausted)
    monkeypatch.setattr(sys, "argv", ["align", "pair", str(tmp_path / "de.txt"), str(tmp_path / "en.txt"),
                                      "-s", "de", "-t", "en", "-o", str(tmp_path / "out.tsv")])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        "align: error: out of memory; split the documents into smaller parts (a few hundred thousand sentences "
        "at most), or use a machine with more memory"
    ]
    assert not (tmp_path / "out.tsv").exists()


def test_a_fifo_in_a_report_collection_is_refused_without_blocking(tmp_path: Path) -> None:
    shutil.copy(SRC, tmp_path / "de.txt")
    shutil.copy(TGT, tmp_path / "en.txt")
    os.mkfifo(tmp_path / "pipe.txt")  # nobody ever writes to it: opening it for reading would block
    done = run("report", "de.txt", "en.txt", "-s", "de", "-t", "en", "--collection", "pipe.txt", "-o", "r.html",
               cwd=tmp_path)
    assert done.returncode == 1 and b"pipe.txt" in done.stderr and done.stderr.count(b"\n") == 1, done.stderr
    assert not (tmp_path / "r.html").exists()
