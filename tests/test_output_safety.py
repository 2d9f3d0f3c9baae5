"""No output ever destroys an input or lands where the user did not ask (issue 15, item 1).

Every writer goes through ``align.files`` (``check_outputs`` before the work,
``atomic_output``/``atomic_outputs`` at the write), so these tests drive the real
commands and check the one rule from each of them: an output that is, or resolves to, an
input is refused before any work; tool-named outputs are never written through a link;
a read-only file is refused as the shell refuses ``> file``; Moses' two files change
together or not at all.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from align.errors import OutputError
from align.files import atomic
from align.files import atomic_output, atomic_outputs, check_outputs
from tests.conftest import SAMPLES
from tests.privileges import without_override_rights

SRC = next(SAMPLES.glob("000_*.txt"))
TGT = next(SAMPLES.glob("001_*.txt"))


def run(*args: object, cwd: Path, preexec_fn=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ALIGN_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "align", *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=600, check=False, preexec_fn=preexec_fn,
    )


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder``: file digests, link targets, folders (to see nothing changed)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            out[key] = "-> " + os.readlink(path)
        elif path.is_dir():
            out[key] = "dir"
        else:
            out[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def one_line_error(done: subprocess.CompletedProcess, *needles: str) -> None:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if not line.startswith("align: warning:")]
    assert len(lines) == 1 and lines[0].startswith("align: error: "), done.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.fixture
def texts(tmp_path: Path) -> Path:
    shutil.copy(SRC, tmp_path / "de.txt")
    shutil.copy(TGT, tmp_path / "en.txt")
    return tmp_path


# --- an output that is an input ---------------------------------------------------------

CASES = {
    "pair -o SRC": ["pair", "de.txt", "en.txt", "-s", "de", "-t", "en", "--format", "tmx", "-o", "de.txt"],
    "pair -o link to TGT": ["pair", "de.txt", "en.txt", "-s", "de", "-t", "en", "-o", "x.tmx"],
    "pair -o hard link to TGT": ["pair", "de.txt", "en.txt", "-s", "de", "-t", "en", "-o", "hard.tsv"],
    "pair --format moses OUT.en is TGT": ["pair", "de.txt", "en_copy.en", "-s", "de", "-t", "en", "--format", "moses",
                                          "-o", "en_copy"],
    "pair --format moses --moses-suffix src-tgt .tgt is TGT": [
        "pair", "de.txt", "en_copy.tgt", "-s", "de", "-t", "en", "--format", "moses", "--moses-suffix", "src-tgt",
        "-o", "en_copy"],
    "pair -o twice, the second TGT": ["pair", "de.txt", "en.txt", "-s", "de", "-t", "en", "-o", "new.tmx",
                                      "-o", "hard.tsv"],
    "dedup -o": ["dedup", "de.txt", "en.txt", "-o", "en.txt"],
    "report -o": ["report", "de.txt", "en.txt", "-s", "de", "-t", "en", "-o", "de.txt"],
    "report -o collection file": ["report", "de.txt", "en.txt", "-s", "de", "-t", "en", "--collection", "other.txt",
                                  "-o", "other.txt"],
    "plot -o": ["plot", "de.svg", "en.txt", "-s", "de", "-t", "en", "-o", "de.svg"],
    "index add --index": ["index", "add", "de.txt", "--index", "de.txt"],
    "index query --add --index": ["index", "query", "de.txt", "--add", "--index", "de.txt"],
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_output_that_is_an_input_is_refused_before_any_work(texts: Path, case: str) -> None:
    (texts / "x.tmx").symlink_to("en.txt")
    os.link(texts / "en.txt", texts / "hard.tsv")
    shutil.copy(texts / "en.txt", texts / "en_copy.tgt")
    shutil.copy(texts / "en.txt", texts / "en_copy.en")
    shutil.copy(texts / "de.txt", texts / "de.svg")
    shutil.copy(texts / "en.txt", texts / "other.txt")
    before = snapshot(texts)
    done = run(*CASES[case], cwd=texts)
    one_line_error(done, "input", "choose another output path")
    assert snapshot(texts) == before  # the inputs intact, nothing written, no temporary file


def test_two_outputs_of_one_run_that_are_one_file_are_refused(texts: Path) -> None:
    before = snapshot(texts)
    done = run("pair", "de.txt", "en.txt", "-s", "de", "-t", "en", "--format", "tsv", "-o", "out.svg",
               "--plot", "out.svg", cwd=texts)
    one_line_error(done, "same output file")
    assert snapshot(texts) == before


def test_library_export_refuses_to_overwrite_the_documents_it_aligned(texts: Path) -> None:
    """The rule holds without the CLI: ``Alignment.export`` knows its documents' files."""
    from align import align_files

    shutil.copy(texts / "en.txt", texts / "corpus.en")
    alignment = align_files(str(texts / "de.txt"), str(texts / "corpus.en"), "de", "en")
    before = snapshot(texts)
    for target, fmt in (("de.txt", "tmx"), ("de.txt", "tsv"), ("corpus", "moses")):
        with pytest.raises(OutputError, match="it is the input"):
            alignment.export(str(texts / target), fmt)
        assert snapshot(texts) == before


# --- batch: outputs the tool names are never written through links ---------------------


def batch_folder(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SRC, data / "de.txt")
    shutil.copy(TGT, data / "en.txt")
    manifest = data / "pairs.tsv"
    manifest.write_text("de.txt\ten.txt\tde\ten\tp1\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "victim.txt").write_text("precious\n", encoding="utf-8")
    (elsewhere / ".x.abcdefgh.tmp").write_text("not align's temporary file\n", encoding="utf-8")
    return manifest, elsewhere


@pytest.mark.parametrize("planted", ["output", "marker folder", "marker"])
def test_batch_refuses_links_planted_in_its_output_folder(tmp_path: Path, planted: str) -> None:
    manifest, elsewhere = batch_folder(tmp_path)
    out = tmp_path / "out"
    (out / ".done").mkdir(parents=True) if planted == "marker" else out.mkdir()
    link = {"output": out / "p1.tmx", "marker folder": out / ".done", "marker": out / ".done" / "p1.json"}[planted]
    link.symlink_to(elsewhere if planted == "marker folder" else elsewhere / "victim.txt")
    before, before_out = snapshot(elsewhere), snapshot(out)
    done = run("batch", manifest, "--out-dir", out, cwd=tmp_path)
    one_line_error(done, "symbolic link")
    assert snapshot(elsewhere) == before  # the link's target untouched, its .x.*.tmp not "cleaned up"
    assert snapshot(out) == before_out


def test_batch_refuses_an_output_that_is_an_input_of_another_pair(tmp_path: Path) -> None:
    manifest, _ = batch_folder(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(SRC, out / "p1.tmx")  # pair p2's German text happens to sit where p1's output goes
    manifest.write_text(f"de.txt\ten.txt\tde\ten\tp1\n{out / 'p1.tmx'}\ten.txt\tde\ten\tp2\n", encoding="utf-8")
    before = snapshot(tmp_path)
    done = run("batch", manifest, "--out-dir", out, cwd=tmp_path)
    one_line_error(done, "it is the input")
    assert snapshot(tmp_path) == before


def test_batch_refuses_to_write_over_its_manifest(tmp_path: Path) -> None:
    manifest, _ = batch_folder(tmp_path)
    out = manifest.parent  # the manifest folder as output folder, the manifest named like p1's output
    os.replace(manifest, out / "p1.tsv")
    before = snapshot(tmp_path)
    done = run("batch", out / "p1.tsv", "--out-dir", out, "--format", "tsv", cwd=tmp_path)
    one_line_error(done, "it is the input")
    assert snapshot(tmp_path) == before  # not even the marker folder is left


# --- read-only files are refused as a shell refuses "> file" ---------------------------


def test_a_read_only_output_is_refused_without_override_rights(texts: Path) -> None:
    preexec = without_override_rights()
    os.chmod(texts, 0o777)
    (texts / "ro.tmx").write_text("keep me\n", encoding="utf-8")
    os.chmod(texts / "ro.tmx", 0o444)
    before = snapshot(texts)
    done = run("pair", "de.txt", "en.txt", "-s", "de", "-t", "en", "-o", "ro.tmx", cwd=texts, preexec_fn=preexec)
    one_line_error(done, "read-only", "chmod u+w")
    done = run("dedup", "de.txt", "en.txt", "-o", "ro.tmx", cwd=texts, preexec_fn=preexec)
    one_line_error(done, "read-only")
    assert snapshot(texts) == before
    # the same file made writable again is replaced as usual
    os.chmod(texts / "ro.tmx", 0o644)
    done = run("pair", "de.txt", "en.txt", "-s", "de", "-t", "en", "-o", "ro.tmx", cwd=texts, preexec_fn=preexec)
    assert done.returncode == 0, done.stderr
    assert (texts / "ro.tmx").read_text(encoding="utf-8").startswith("<?xml")


def test_a_read_only_file_is_refused_in_the_library_without_override_rights(tmp_path: Path) -> None:
    """The check itself, in a child that obeys permission bits."""
    preexec = without_override_rights()
    target = tmp_path / "ro.tsv"
    target.write_text("keep\n", encoding="utf-8")
    os.chmod(target, 0o444)
    code = (
        "import sys\nfrom align.files import atomic_output\nfrom align.errors import OutputError\n"
        "try:\n    with atomic_output(sys.argv[1]) as f:\n        f.write(b'new')\n"
        "except OutputError as err:\n    print(err)\n    sys.exit(7)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True,
                          preexec_fn=preexec, check=False)
    assert done.returncode == 7, (done.stdout, done.stderr)
    assert "read-only" in done.stdout
    assert target.read_text(encoding="utf-8") == "keep\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro.tsv"]


# --- files that belong together change together ---------------------------------------


def write_pair(base: Path, content: bytes) -> None:
    with atomic_outputs([f"{base}.src", f"{base}.tgt"]) as (src, tgt):
        src.write(content)
        tgt.write(content)


def read_pair(base: Path, suffixes: tuple[str, str] = ("src", "tgt")) -> tuple[bytes, bytes]:
    return Path(f"{base}.{suffixes[0]}").read_bytes(), Path(f"{base}.{suffixes[1]}").read_bytes()


def test_a_failing_second_rename_puts_the_first_file_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "out"
    write_pair(base, b"old\n")
    real_replace = os.replace

    def failing(src, dst, *args, **kwargs):
        if str(dst).endswith(".tgt") and ".tmp" in str(src):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(atomic.os, "replace", failing)
    with pytest.raises(OutputError, match="disk full"):
        write_pair(base, b"new\n")
    monkeypatch.setattr(atomic.os, "replace", real_replace)
    assert read_pair(base) == (b"old\n", b"old\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.src", "out.tgt"]  # no temporary or backup left


def test_a_failing_fsync_of_the_second_file_changes_neither(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "out"
    write_pair(base, b"old\n")
    real_fsync, calls = os.fsync, []

    def failing(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        return real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", failing)
    with pytest.raises(OSError):
        write_pair(base, b"new\n")
    monkeypatch.setattr(atomic.os, "fsync", real_fsync)
    assert read_pair(base) == (b"old\n", b"old\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.src", "out.tgt"]


def test_ctrl_c_between_the_renames_is_held_until_both_are_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "out"
    write_pair(base, b"old\n")
    real_replace = os.replace

    def interrupted(src, dst, *args, **kwargs):
        real_replace(src, dst, *args, **kwargs)
        if str(dst).endswith(".src"):
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C right after the first rename

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_pair(base, b"new\n")
    assert read_pair(base) == (b"new\n", b"new\n")  # the interrupt took effect after the commit
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def _writer(base: str, content: bytes, rounds: int) -> None:
    for _ in range(rounds):
        write_pair(Path(base), content)


def test_two_runs_writing_one_moses_pair_never_leave_a_mix(tmp_path: Path) -> None:
    """Two processes commit different pairs over and over; a reader holding the folder's
    shared lock, and the final state, always see two files of one run."""
    import fcntl

    base = tmp_path / "out"
    write_pair(base, b"A\n")
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_writer, args=(str(base), c, 150)) for c in (b"A\n", b"B\n")]
    for w in writers:
        w.start()
    seen = set()
    while any(w.is_alive() for w in writers):
        fd = os.open(tmp_path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            pair = read_pair(base)
        finally:
            os.close(fd)
        assert pair[0] == pair[1], pair
        seen.add(pair[0])
    for w in writers:
        w.join()
        assert w.exitcode == 0
    src, tgt = read_pair(base)
    assert src == tgt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.src", "out.tgt"]


def test_moses_export_writes_both_files_or_neither(texts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the exporter: an error while writing the target side keeps both old files."""
    from align import align_files
    from align.export import moses

    alignment = align_files(str(texts / "de.txt"), str(texts / "en.txt"), "de", "en")
    alignment.export(str(texts / "out"), "moses")
    before = read_pair(texts / "out", ("de", "en"))
    real_write = moses.MosesExporter.write

    def broken(self, alignment, out, **options):
        real_write(self, alignment, out, **options)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(moses.MosesExporter, "write", broken)
    with pytest.raises(OutputError, match="disk full"):
        alignment.export(str(texts / "out"), "moses")
    assert read_pair(texts / "out", ("de", "en")) == before
    assert not [p for p in texts.iterdir() if p.name.endswith(".tmp")]


def test_check_outputs_allows_stdout_and_new_files(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("x", encoding="utf-8")
    check_outputs([None, "-", tmp_path / "new.tmx"], inputs=[source, "-", None])
    with atomic_output(tmp_path / "new.tmx", inputs=[source]) as f:
        f.write(b"ok")
    assert (tmp_path / "new.tmx").read_bytes() == b"ok"
