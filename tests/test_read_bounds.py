"""Issue 15, item 3 (bounded inputs) and item 6's closed stdin: reading stops, never blocks.

- every input is read in chunks up to a limit (256 MB by default; ``--max-input-mb`` on
  every command that reads documents, ``$ALIGN_MAX_INPUT_MB``, ``max_bytes=`` in Python):
  ``/dev/zero``, ``/dev/urandom``, an endless pipe or a huge file stop with one line naming
  the limit and how to raise it, and Ctrl-C works while reading;
- where a file is read more than once or by a worker (the files of a batch manifest), a
  FIFO or device is refused at once, without opening it in a way that blocks; pipes given
  to ``align pair`` (``-``, ``<(cat x)`` = ``/dev/fd/N``) keep working;
- a closed standard input (``<&-``) is one line, not an AttributeError.

Long lines (cut by the segmenter) are in ``tests/test_segment.py``; the decoding rule for
mostly-UTF-8 files in ``tests/test_read.py``.
"""

from __future__ import annotations

import io
import os
import resource
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from align.batch import BatchOptions, read_manifest, run_batch
from align.batch.work import file_digest
from align.errors import AlignError, AlignWarning, InputError
from align.read import (
    DEFAULT_MAX_INPUT_MB,
    MAX_INPUT_ENV,
    max_input_bytes,
    read_document,
)
from tests.cli_support import run_cli
from tests.hash_encoder import HashEncoder
from tests.test_bad_input_commands import assert_refused

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SRC = next(SAMPLES.glob("000_*.txt"))  # German, 3.4 KB
TGT = next(SAMPLES.glob("001_*.txt"))  # English
MB = 1 << 20
LIMIT_WORDS = ("input limit", "--max-input-mb", MAX_INPUT_ENV)


def python_align(*args: object, **popen: object) -> subprocess.Popen:
    """``python -m align ARGS`` with this checkout's code, as a user starts it."""
    env = {k: v for k, v in os.environ.items() if k not in ("ALIGN_DEBUG", MAX_INPUT_ENV)}
    env["PYTHONPATH"] = str(ROOT)
    env.update(popen.pop("env", {}))  # type: ignore[arg-type]
    return subprocess.Popen([sys.executable, "-m", "align", *map(str, args)], env=env, cwd=popen.pop("cwd", ROOT),
                            **popen)  # type: ignore[call-overload]


class Endless(io.RawIOBase):
    """A byte stream that never ends (like /dev/zero); refuses an unbounded ``read()``."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            raise AssertionError("an unbounded read() of an endless stream never returns")
        self.total = getattr(self, "total", 0) + size
        return b"a" * size


# --- the limit ------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_in_one_line_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"Ein Satz. " * 300)  # 3,000 bytes
    with pytest.raises(InputError) as excinfo:
        read_document(str(path), "de", max_bytes=2_999)
    message = str(excinfo.value)
    assert "\n" not in message and str(path) in message and all(w in message for w in LIMIT_WORDS), message
    assert read_document(str(path), "de", max_bytes=3_000).text == "Ein Satz. " * 300  # the limit itself is allowed


def test_an_endless_stream_stops_at_the_limit() -> None:
    stream = Endless()
    with pytest.raises(InputError) as excinfo:
        read_document("-", "en", stdin=stream, max_bytes=3 * MB)  # type: ignore[arg-type]
    assert "<stdin>" in str(excinfo.value) and "3 MB" in str(excinfo.value)
    assert stream.total <= 3 * MB + 1  # read up to the limit and not a chunk more


def test_the_limit_comes_from_the_environment_then_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MAX_INPUT_ENV, raising=False)
    assert max_input_bytes() == DEFAULT_MAX_INPUT_MB * MB == 256 * MB
    assert max_input_bytes(0.5) == MB // 2
    path = tmp_path / "de.txt"
    path.write_bytes(b"Ein Satz. " * 300)
    monkeypatch.setenv(MAX_INPUT_ENV, "0.002")  # 2,097 bytes
    with pytest.raises(InputError, match="input limit of 0.002 MB"):
        read_document(str(path), "de")
    assert read_document(str(path), "de", max_bytes=4_000).text  # an explicit limit wins
    for bad in ("abc", "0", "-5", "nan"):
        monkeypatch.setenv(MAX_INPUT_ENV, bad)
        with pytest.raises(AlignError, match=MAX_INPUT_ENV):
            max_input_bytes()


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_endless_devices_stop_at_the_limit_with_one_line(device: str, tmp_path: Path) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    proc = python_align("segment", device, "--lang", "de", "--max-input-mb", "8", stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, cwd=tmp_path)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and out == b"", (proc.returncode, err)
    lines = err.decode().splitlines()
    assert lines == [f"align: error: {device}: larger than the input limit of 8 MB; if it really is one document, "
                     f"raise the limit with --max-input-mb N or {MAX_INPUT_ENV}=N (N in MB)"], lines


def test_ctrl_c_while_reading_dev_zero_exits_130(tmp_path: Path) -> None:
    """SIGINT during a read of /dev/zero: exit status 130 at once, with the memory of the
    chunks read so far. Before, one read() into an ever-growing buffer never returned to
    Python, so the signal waited while the process grew to 22 GB; here the limit is raised
    through the environment so that the read outlasts the signal. The child is watched
    after the signal: past 2 GB of memory, or after 60 s (a hang guard, not a speed test),
    it is killed and the test fails; an address-space cap is the last safety net.
    """
    if not os.path.exists("/dev/zero") or not os.path.exists("/proc/self/io"):
        pytest.skip("needs /dev/zero and /proc/PID/io")

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))

    def proc_field(name: str, field: str) -> int:
        """A number from /proc/PID/NAME; 0 once the child has exited (a zombie has no VmRSS)."""
        with open(f"/proc/{proc.pid}/{name}") as fh:
            parts = fh.read().split(field)
        return int(parts[1].split()[0]) if len(parts) > 1 else 0

    proc = python_align("segment", "/dev/zero", "--lang", "de", env={MAX_INPUT_ENV: "100000000"},
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path, preexec_fn=cap_memory)
    ended = None
    try:
        deadline = time.monotonic() + 120
        while proc_field("io", "rchar:") < 64 * MB:  # start-up reads ~3 MB of modules; then /dev/zero
            assert time.monotonic() < deadline, "never started reading"
            time.sleep(0.002)
        proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 60
        while ended is None or ended[0] == 0:
            ended = os.wait4(proc.pid, os.WNOHANG)
            if ended[0]:
                break
            assert proc_field("status", "VmRSS:") < 2 << 20, "still reading after SIGINT (over 2 GB)"
            assert time.monotonic() < deadline, "no exit within 60 s of SIGINT"
            time.sleep(0.005)
    finally:
        if ended is None or ended[0] == 0:
            proc.kill()
            proc.wait()
    _, status, usage = ended
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.returncode == 130, (proc.returncode, err)
    assert err.splitlines() == ["align: interrupted; no partial output was kept"]
    assert usage.ru_maxrss < 2 << 20  # KB: it stopped with what it had read, far below the cap


#: Every command that reads documents, with the sample files (3-4 KB each); {manifest}: a batch
#: manifest of the two samples. A limit of 0.001 MB (1,048 bytes) refuses any of them.
READING_COMMANDS = {
    "pair": ["pair", SRC, TGT, "-s", "de", "-t", "en", "-f", "beads"],
    "segment": ["segment", SRC, "--lang", "de"],
    "dedup": ["dedup", SRC, TGT],
    "report": ["report", SRC, TGT, "-s", "de", "-t", "en", "-o", "r.html"],
    "plot": ["plot", SRC, TGT, "-s", "de", "-t", "en", "-o", "p.svg"],
    "index add": ["index", "add", SRC, "--index", "w.index"],
    "index query": ["index", "query", SRC, "--index", "w.index"],
}


@pytest.mark.parametrize("command", list(READING_COMMANDS))
def test_every_reading_command_takes_max_input_mb(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    if command == "plot":
        pytest.importorskip("matplotlib")
    argv = [*READING_COMMANDS[command], "--max-input-mb", "0.001"]
    code, out, err = run_cli(argv, tmp_path, monkeypatch, capsys)
    assert_refused(code, out, err, str(SRC), "larger than the input limit of 0.001 MB", "--max-input-mb N")
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "p.svg").exists()


def test_batch_takes_max_input_mb_for_the_manifest_and_for_every_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "pairs.tsv").write_text(f"{SRC}\t{TGT}\tde\ten\tp\n", encoding="utf-8")
    code, out, err = run_cli(["batch", "pairs.tsv", "-d", "out", "--max-input-mb", "0.00001"], tmp_path, monkeypatch, capsys)
    assert_refused(code, out, err, "manifest pairs.tsv", "input limit")  # the manifest itself: 10 bytes is too few
    code, out, err = run_cli(["batch", "pairs.tsv", "-d", "out", "-f", "beads", "--max-input-mb", "0.001"],
                             tmp_path, monkeypatch, capsys)
    assert_refused(code, out, err, "1 of 1 pairs failed", stdout_empty=False)
    assert f"failed p: {SRC}: larger than the input limit of 0.001 MB" in out
    monkeypatch.setenv(MAX_INPUT_ENV, "0.001")  # the driver resolves the environment for its workers
    assert run_batch(read_manifest(str(tmp_path / "pairs.tsv")), str(tmp_path / "env"), BatchOptions(fmt="beads"),
                     encoder=HashEncoder()).failed[0][1].endswith("(N in MB)")


# --- FIFOs and pipes ----------------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path):
    """A named pipe nobody writes to. After 20 s a watchdog serves every reader that waits on
    it, so a regression that blocks on it fails the test instead of hanging the run."""
    path = tmp_path / "de.fifo"
    os.mkfifo(path)
    done = threading.Event()

    def watchdog() -> None:
        if done.wait(20):
            return
        while not done.is_set():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)  # fails while no one reads
            except OSError:
                time.sleep(0.05)
                continue
            with os.fdopen(fd, "wb") as fh:
                fh.write("Ein Satz aus der Pipe.\n".encode())

    thread = threading.Thread(target=watchdog, daemon=True)
    thread.start()
    yield path
    done.set()
    thread.join(5)


def test_a_fifo_is_refused_at_once_where_a_regular_file_is_needed(fifo: Path) -> None:
    with pytest.raises(InputError) as excinfo:
        read_document(str(fifo), "de", regular_only=True)
    message = str(excinfo.value)
    assert "named pipe (FIFO)" in message and "save the text to a file" in message and "\n" not in message
    assert file_digest(str(fifo)) == ""  # the batch's check for finished pairs does not block either
    with pytest.raises(InputError, match="character device"):
        read_document("/dev/zero", "de", regular_only=True)


def test_a_fifo_in_a_manifest_fails_its_pair_at_once_and_the_batch_goes_on(fifo: Path, tmp_path: Path) -> None:
    (tmp_path / "pairs.tsv").write_text(f"{fifo.name}\t{TGT}\tde\ten\tpiped\n{SRC}\t{TGT}\tde\ten\tgood\n")
    summary = run_batch(read_manifest(str(tmp_path / "pairs.tsv")), str(tmp_path / "out"), BatchOptions(fmt="beads"),
                        encoder=HashEncoder())
    assert summary.done == 1 and [pid for pid, _ in summary.failed] == ["piped"]
    reason = summary.failed[0][1]
    assert reason.startswith(f"{fifo}: is a named pipe (FIFO), not a regular file"), reason
    assert (tmp_path / "out" / "good.beads").exists() and not (tmp_path / "out" / "piped.beads").exists()


def test_pair_reads_real_pipes_and_bounds_them_too(tmp_path: Path) -> None:
    """``align pair <(cat de.txt) en.txt`` (a pipe as /dev/fd/N) and ``-`` keep working; a pipe
    longer than --max-input-mb is refused like a file."""
    source = SRC.read_bytes()

    def run_with_pipe(*extra: str) -> tuple[int, str, str]:
        read_end, write_end = os.pipe()
        proc = python_align("pair", f"/dev/fd/{read_end}", TGT, "-s", "de", "-t", "en", "-f", "tsv", *extra,
                            pass_fds=(read_end,), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
        os.close(read_end)
        try:
            with os.fdopen(write_end, "wb") as fh:
                fh.write(source)
        except BrokenPipeError:  # refused before reading it all
            pass
        out, err = proc.communicate(timeout=300)
        return proc.returncode, out.decode(), err.decode()

    code, out, err = run_with_pipe()
    assert code == 0, err
    assert "Die Gespräche dauerten etwa 90 Minuten, sagte Meiners." in out
    code, out, err = run_with_pipe("--max-input-mb", "0.001")
    assert code == 1 and out == "" and len(err.splitlines()) == 1, err
    assert "/dev/fd/" in err and "larger than the input limit of 0.001 MB" in err

    proc = python_align("pair", "-", TGT, "-s", "de", "-t", "en", "-f", "tsv", "--max-input-mb", "1",
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    out, err = proc.communicate(source, timeout=300)
    assert proc.returncode == 0 and "sagte Meiners." in out.decode(), err


# --- closed standard input (issue 15, item 6) -----------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["pair", "-", TGT, "-s", "de", "-t", "en"], "<stdin>: standard input is closed"),
        (["segment", "-", "--lang", "de"], "<stdin>: standard input is closed"),
        (["batch", "-", "--out-dir", "out"], "manifest <stdin>: standard input is closed"),
    ],
)
def test_a_closed_stdin_is_one_line(args: list[object], needle: str, tmp_path: Path) -> None:
    """``align pair - en.txt -s de -t en <&-``: Python sets sys.stdin to None (an AttributeError before)."""
    proc = python_align(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                        preexec_fn=lambda: os.close(0))
    out, err = proc.communicate(timeout=300)
    lines = err.decode().splitlines()
    assert proc.returncode == 1 and out == b"", (proc.returncode, lines)
    assert len(lines) == 1 and lines[0].startswith(f"align: error: {needle}"), lines
    assert "give a file" in lines[0]


# --- the warning of a repaired file reaches the user from a batch worker ---------------------


def test_a_batch_pair_with_a_stray_byte_warns_through_the_driver(tmp_path: Path) -> None:
    (tmp_path / "de.txt").write_bytes("Grüße aus München. Schöne Stadt.".encode("utf-8") + b"\xff Ende.\n")
    (tmp_path / "pairs.tsv").write_text(f"de.txt\t{TGT}\tde\ten\tgruss\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = run_batch(read_manifest(str(tmp_path / "pairs.tsv")), str(tmp_path / "out"),
                            BatchOptions(fmt="tsv"), encoder=HashEncoder())
    assert summary.done == 1
    messages = [str(w.message) for w in caught if issubclass(w.category, AlignWarning)]
    assert messages == [f"gruss: {tmp_path / 'de.txt'}: 1 byte that is not UTF-8 replaced by U+FFFD (first at byte "
                        "offset 36); the rest was read as UTF-8. If characters are missing there, fix the file and "
                        "save it as UTF-8 again"]
    assert "Grüße aus München." in (tmp_path / "out" / "gruss.tsv").read_text(encoding="utf-8")
