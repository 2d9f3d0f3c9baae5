"""Hostile and unlucky inputs against the real ``align`` command: is anything lost, does anything hang?

Usage: python -m bench.hostile [--only SUBSTRING] [--keep]

Each case builds a small folder (the sample pair, links, read-only files, devices, a
FIFO, damaged indexes, ...), runs one ``align`` command as a user would (a fresh process,
stdin closed unless the case says otherwise), and prints one row:

    case | exit status | inputs intact | as expected | seconds

"inputs intact" compares the SHA-256 of every file the case marks precious (the inputs,
and whatever a link points at) before and after. "as expected" is the case's own check:
the exit status it must have (1 for a refused input or output, 0 where the tool must cope)
and, for some, what must or must not be in the output (no mojibake, no password, ...).
Every command runs under a hang guard (``--timeout``, default 300 s) and an 8 GiB
address-space limit: a case that hits either is a failure. The script exits 1 when any row is not intact or not as expected.

Timings are of whole commands on a shared machine and only show the order of magnitude
(a refused case should take about a second: the start-up, no work).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Address-space limit of every command (RLIMIT_AS): far above what align needs for these
#: inputs, far below what an unbounded read would take.
MEMORY_LIMIT = 8 << 30
SAMPLES = ROOT / "samples"
SRC = next(SAMPLES.glob("000_*.txt"))
TGT = next(SAMPLES.glob("001_*.txt"))


@dataclass
class Case:
    """One command in a prepared folder, and what must be true after it."""

    name: str
    setup: Callable[[Path], list[str]]  # builds the folder, returns the command's arguments
    expect_exit: int | tuple[int, ...] = 1
    precious: tuple[str, ...] = ("de.txt", "en.txt")  # paths (relative to the folder) that must not change
    check: Callable[[Path, subprocess.CompletedProcess], str | None] | None = None  # a problem, or None
    interrupt_after: float | None = None  # send SIGINT this many seconds after the start
    drop_override_rights: bool = False
    stdin: object = subprocess.DEVNULL
    env: dict[str, str] = field(default_factory=dict)


def digest(path: Path) -> str:
    try:
        if path.is_dir():
            return "dir:" + ",".join(sorted(p.name for p in path.iterdir()))
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as err:
        return f"error {err.errno}"


def texts(folder: Path) -> None:
    shutil.copy(SRC, folder / "de.txt")
    shutil.copy(TGT, folder / "en.txt")


def _drop_override_rights() -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP


PAIR = ["pair", "de.txt", "en.txt", "-s", "de", "-t", "en"]


def case_symlink(folder: Path) -> list[str]:
    texts(folder)
    (folder / "x.tmx").symlink_to("en.txt")
    return [*PAIR, "-o", "x.tmx"]


def case_hardlink(folder: Path) -> list[str]:
    texts(folder)
    os.link(folder / "en.txt", folder / "hard.tsv")
    return [*PAIR, "-o", "hard.tsv"]


def case_moses(folder: Path) -> list[str]:
    texts(folder)
    shutil.copy(folder / "en.txt", folder / "en_copy.en")  # moses writes OUT.de and OUT.en
    return ["pair", "de.txt", "en_copy.en", "-s", "de", "-t", "en", "--format", "moses", "-o", "en_copy"]


def batch_setup(folder: Path, plant: str) -> list[str]:
    texts(folder)
    (folder / "m.tsv").write_text("de.txt\ten.txt\tde\ten\tp1\n", encoding="utf-8")
    victim = folder / "elsewhere"
    victim.mkdir()
    (victim / "victim.txt").write_text("precious\n", encoding="utf-8")
    (victim / ".x.abcdefgh.tmp").write_text("not align's\n", encoding="utf-8")
    out = folder / "out"
    (out / ".done").mkdir(parents=True) if plant == "marker" else out.mkdir()
    if plant == "output":
        (out / "p1.tmx").symlink_to(victim / "victim.txt")
    elif plant == "marker folder":
        (out / ".done").symlink_to(victim)
    else:
        (out / ".done" / "p1.json").symlink_to(victim / "victim.txt")
    return ["batch", "m.tsv", "--out-dir", "out"]


def case_read_only(folder: Path) -> list[str]:
    texts(folder)
    os.chmod(folder, 0o777)
    (folder / "ro.tmx").write_text("keep me\n", encoding="utf-8")
    os.chmod(folder / "ro.tmx", 0o444)
    return [*PAIR, "-o", "ro.tmx"]


def case_fifo_in_manifest(folder: Path) -> list[str]:
    texts(folder)
    os.mkfifo(folder / "fifo.txt")
    (folder / "m.tsv").write_text("fifo.txt\ten.txt\tde\ten\tp1\nde.txt\ten.txt\tde\ten\tp2\n", encoding="utf-8")
    return ["batch", "m.tsv", "--out-dir", "out"]


def case_bad_byte(folder: Path) -> list[str]:
    texts(folder)
    data = (folder / "de.txt").read_bytes().replace("heißt".encode(), "hei\xdft".encode("latin-1") + b"\xff", 1)
    (folder / "de.txt").write_bytes(data)
    return [*PAIR, "--format", "tsv", "-o", "out.tsv"]


def check_bad_byte(folder: Path, done: subprocess.CompletedProcess) -> str | None:
    text = (folder / "out.tsv").read_text(encoding="utf-8") if (folder / "out.tsv").exists() else ""
    if "Ã" in text or "Ã¼" in text:
        return "mojibake in the output"
    if "Erklärung" not in text:
        return "umlauts lost"
    return None


def case_long_line(folder: Path) -> list[str]:
    texts(folder)
    words = (SRC.read_text(encoding="utf-8").replace("\n", " ") + " ") * 1
    line = (words * (50_000_000 // len(words.encode()) + 1))[:50_000_000]
    (folder / "long.txt").write_text(line + "\n", encoding="utf-8")
    return ["pair", "long.txt", "en.txt", "-s", "de", "-t", "en", "--format", "beads", "-o", "out.beads"]


def check_no_secret(folder: Path, done: subprocess.CompletedProcess) -> str | None:
    return "the password was printed" if "s3cr3t" in done.stdout + done.stderr else None


def one_line(folder: Path, done: subprocess.CompletedProcess) -> str | None:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if len(lines) != 1 or not lines[0].startswith("align: "):
        return f"not one line on stderr: {done.stderr[-300:]!r}"
    if "Traceback" in done.stderr or "rerun with --debug" in done.stderr:
        return "an internal error, not a user error"
    return None


def deflate_bomb(folder: Path) -> list[str]:
    import zipfile

    texts(folder)
    with zipfile.ZipFile(folder / "bomb.index", "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("meta.json", "w", force_zip64=True) as f:
            chunk = b" " * (1 << 20)
            for _ in range(4096):  # 4 GiB of spaces, a few MB compressed
                f.write(chunk)
    return ["index", "query", "de.txt", "--index", "bomb.index"]


CASES = [
    Case("pair -o SRC", lambda f: (texts(f), [*PAIR, "--format", "tmx", "-o", "de.txt"])[1], check=one_line),
    Case("pair -o link to TGT", case_symlink, check=one_line),
    Case("pair -o hard link to TGT", case_hardlink, check=one_line),
    Case("pair moses OUT.en is TGT", case_moses, precious=("de.txt", "en_copy.en"), check=one_line),
    Case("dedup -o input", lambda f: (texts(f), ["dedup", "de.txt", "en.txt", "-o", "en.txt"])[1], check=one_line),
    Case("report -o input", lambda f: (texts(f), ["report", *PAIR[1:], "-o", "de.txt"])[1], check=one_line),
    Case("index add --index input", lambda f: (texts(f), ["index", "add", "de.txt", "--index", "de.txt"])[1],
         check=one_line),
    Case("batch: output is a link", lambda f: batch_setup(f, "output"),
         precious=("de.txt", "en.txt", "elsewhere/victim.txt", "elsewhere"), check=one_line),
    Case("batch: .done is a link", lambda f: batch_setup(f, "marker folder"),
         precious=("de.txt", "en.txt", "elsewhere/victim.txt", "elsewhere"), check=one_line),
    Case("batch: marker is a link", lambda f: batch_setup(f, "marker"),
         precious=("de.txt", "en.txt", "elsewhere/victim.txt", "elsewhere"), check=one_line),
    Case("read-only output, no override rights", case_read_only, precious=("de.txt", "en.txt", "ro.tmx"),
         drop_override_rights=True, check=one_line),
    Case("segment /dev/zero", lambda f: ["segment", "/dev/zero", "--lang", "de"], precious=(), check=one_line),
    Case("segment /dev/zero, Ctrl-C", lambda f: ["segment", "/dev/zero", "--lang", "de", "--max-input-mb", "100000"],
         expect_exit=130, precious=(), interrupt_after=2.0),
    Case("FIFO in a batch manifest", case_fifo_in_manifest, precious=("de.txt", "en.txt", "m.tsv")),
    Case("UTF-8 with one bad byte", case_bad_byte, expect_exit=0, precious=("en.txt",), check=check_bad_byte),
    # 50 MB of punctuated text on one line is ~260,000 sentences: aligned, or (under the
    # memory ceiling) refused in one line; never a hang or a traceback
    Case("50 MB single line", case_long_line, expect_exit=(0, 1), precious=("en.txt",),
         check=lambda f, d: None if d.returncode == 0 else one_line(f, d)),
    Case("closed stdin", lambda f: (texts(f), ["pair", "-", "en.txt", "-s", "de", "-t", "en"])[1], stdin=None,
         check=one_line),
    Case("--threshold nan", lambda f: (texts(f), ["dedup", "de.txt", "en.txt", "--threshold", "nan"])[1],
         expect_exit=2),
    Case("Redis password in the query", lambda f: (texts(f), ["index", "add", "de.txt", "--redis",
                                                              "redis://localhost:1/0?password=s3cr3t"])[1],
         check=lambda f, d: check_no_secret(f, d) or one_line(f, d)),
    Case("Redis password with /#?", lambda f: (texts(f), ["index", "add", "de.txt", "--redis",
                                                         "redis://:s3cr3t/#?x@localhost:1/0"])[1],
         check=lambda f, d: check_no_secret(f, d) or one_line(f, d)),
    Case("deflate bomb in an index", deflate_bomb, precious=("de.txt", "bomb.index"), check=one_line),
]


def run_case(case: Case, folder: Path, timeout: float) -> tuple[int | str, bool, str | None, float]:
    args = case.setup(folder)
    precious = {p: digest(folder / p) for p in case.precious}
    env = {k: v for k, v in os.environ.items() if k != "ALIGN_DEBUG"}
    env.update(case.env)
    drop = case.drop_override_rights and os.geteuid() == 0
    close_stdin = case.stdin is None  # the process starts with no file descriptor 0 at all

    def preexec() -> None:
        # a memory ceiling, so that an unbounded read shows as a failed case, not a machine in trouble
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if drop:
            _drop_override_rights()
        if close_stdin:
            os.close(0)

    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "align", *args], cwd=folder, env=env,
        stdin=None if close_stdin else case.stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=preexec,
    )
    try:
        if case.interrupt_after is not None:
            try:
                proc.wait(timeout=case.interrupt_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=timeout)
        code: int | str = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        code = "hang"
    seconds = time.perf_counter() - start
    done = subprocess.CompletedProcess(args, proc.returncode, out, err)
    intact = all(digest(folder / p) == d for p, d in precious.items())
    expected = (case.expect_exit,) if isinstance(case.expect_exit, int) else case.expect_exit
    problem = None if code in expected else f"exit {code}, expected {case.expect_exit}: {err.strip()[-200:]}"
    if problem is None and case.check is not None:
        problem = case.check(folder, done)
    return code, intact, problem, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="run only cases whose name contains this")
    parser.add_argument("--timeout", type=float, default=300.0, help="hang guard per case, seconds")
    parser.add_argument("--keep", action="store_true", help="keep the case folders (printed)")
    args = parser.parse_args()
    cases = [c for c in CASES if args.only.lower() in c.name.lower()]
    width = max(len(c.name) for c in cases)
    print(f"{'case':<{width}}  exit  intact  as expected  seconds")
    failures = 0
    for case in cases:
        folder = Path(tempfile.mkdtemp(prefix="align-hostile-"))
        try:
            code, intact, problem, seconds = run_case(case, folder, args.timeout)
        finally:
            if not args.keep:
                for path in folder.rglob("*"):  # read-only files and folders first made writable again
                    if not path.is_symlink():
                        os.chmod(path, 0o700 if path.is_dir() else 0o600)
                shutil.rmtree(folder, ignore_errors=True)
        ok = intact and problem is None
        failures += not ok
        print(f"{case.name:<{width}}  {str(code):>4}  {'yes' if intact else 'NO':>6}  {'yes' if problem is None else 'NO':>11}  "
              f"{seconds:7.1f}" + (f"   <- {problem}" if problem else ""))
        sys.stdout.flush()
    print(f"{len(cases)} cases, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
