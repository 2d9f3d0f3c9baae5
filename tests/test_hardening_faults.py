"""Issue 6, section 4: interruptions and faults lose nothing and leave no partial output.

Ctrl-C, kill and kill -9 while aligning and while writing, a corrupted embedding cache,
and a full disk (``/dev/full`` and a simulated ENOSPC halfway through a file). The helpers
and the other sections: ``tests/hardening_support.py``.

Checklist (issue item -> test):

4. Interruptions and faults
   - Ctrl-C / kill during pair, dedup . test_signal_leaves_no_partial_output[...] (SIGINT, SIGTERM, SIGKILL; while
                                        aligning and while writing)
   - corrupted cache entry ............ test_corrupted_cache_entries_are_recomputed_by_the_real_model
                                        (and tests/test_embed_cache.py::test_corrupted_entry_is_recomputed)
   - full disk ........................ test_disk_full_device, test_disk_full_regular_file; on a real full
                                        tmpfs for pair, dedup, report, batch and index add:
                                        tests/test_bad_input_commands.py::test_full_disk_is_reported_and_leaves_the_previous_file
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from align import cli
from align.read import read_document
from align.segment import segment
from tests.hardening_support import SRC, TGT, assert_one_line_error, run_align


# Runs the real CLI with one stage slowed down and a marker file written when it starts,
# so the test can signal the process at a known point.
_WRAPPER = r"""
import os, stat, sys, time
marker, stage = os.environ["ALIGN_TEST_MARKER"], os.environ["ALIGN_TEST_STAGE"]

def pause():
    open(marker, "w").close()
    time.sleep(60)

if stage == "write":  # the temporary file is written, not yet renamed
    real_fsync = os.fsync
    def slow_fsync(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode):
            pause()
        real_fsync(fd)
    os.fsync = slow_fsync
else:  # the alignment or wire-copy work is under way
    import align.search, align.wirecopy
    real_align, real_find = align.search.align_windows, align.wirecopy.find_wire_copy
    def slow_align(*a, **k):
        pause()
        return real_align(*a, **k)
    def slow_find(*a, **k):
        pause()
        return real_find(*a, **k)
    align.search.align_windows = slow_align  # align.api imports it when it aligns
    align.wirecopy.find_wire_copy = slow_find
from align.cli import main
sys.argv = ["align", *sys.argv[1:]]
main()
"""

COMMANDS = {
    "pair": ["pair", str(SRC), str(TGT), "-s", "de", "-t", "en", "-o", "out.tmx"],
    "dedup": ["dedup", str(SRC), str(TGT), "--json", "-o", "out.tmx"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("stage", ["work", "write"])
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_signal_leaves_no_partial_output(tmp_path: Path, command: str, stage: str, sig: str) -> None:
    """Ctrl-C, kill or kill -9 mid-run: the target never holds a partial file; an old one survives."""
    (tmp_path / "out.tmx").write_text("previous result\n", encoding="utf-8")
    marker = tmp_path.parent / f"{tmp_path.name}.marker"
    env = {**os.environ, "ALIGN_TEST_MARKER": str(marker), "ALIGN_TEST_STAGE": stage}
    env.pop("ALIGN_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRAPPER, *COMMANDS[command]],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the command never reached the stage"
            time.sleep(0.05)
        proc.send_signal(getattr(signal, sig))
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (tmp_path / "out.tmx").read_text(encoding="utf-8") == "previous result\n"
    leftovers = sorted(set(os.listdir(tmp_path)) - {"out.tmx"})
    if sig == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL
        assert all(name.startswith(".out.tmx.") and name.endswith(".tmp") for name in leftovers), leftovers
        assert len(leftovers) == (1 if stage == "write" else 0)
    else:
        assert proc.returncode == 130, err
        assert err.decode().strip().splitlines()[-1] == "align: interrupted; no partial output was kept"
        assert leftovers == []


def test_corrupted_cache_entries_are_recomputed_by_the_real_model(tmp_path: Path) -> None:
    """Damaged rows of the use-m3 state cache are detected, recomputed and rewritten, never used."""
    import sqlite3

    from align.api import align_documents
    from align.embed import load_encoder

    src = segment(read_document(str(SRC), "de"))
    tgt = segment(read_document(str(TGT), "en"))
    encoder = load_encoder("use-m3", cache=True, cache_dir=tmp_path)
    first = align_documents(src, tgt, model=encoder)
    store = encoder.cache
    warm_before = store.hits
    align_documents(src, tgt, model=encoder)
    warm_hits = store.hits - warm_before  # a warm run's reads (the moved-passage step reads some rows again)
    db = sqlite3.connect(tmp_path / "embeddings.sqlite3")
    rows = db.execute("SELECT key, data FROM vectors").fetchall()
    assert rows
    for k, (key, data) in enumerate(rows):  # flip a bit in every row; truncate some
        damaged = bytes([data[0] ^ 0x10]) + data[1:] if k % 3 else data[: len(data) // 2]
        db.execute("UPDATE vectors SET data = ? WHERE key = ?", (damaged, key))
    db.commit()
    db.close()
    corrupt_before, hits_before = store.corrupt, store.hits
    second = align_documents(src, tgt, model=encoder)
    assert store.corrupt - corrupt_before == len(rows)
    assert store.hits - hits_before == warm_hits - len(rows)  # no damaged row read as a hit; only rows rewritten in this run
    assert second.beads == first.beads
    third_hits = store.hits
    align_documents(src, tgt, model=encoder)
    assert store.hits - third_hits == warm_hits >= len(rows)  # rewritten good rows are now used, every one


def test_disk_full_device(tmp_path: Path) -> None:
    """``-o /dev/full``: every write fails with ENOSPC; the device itself stays a device."""
    if not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full")
    for args in (["pair", SRC, TGT, "-s", "de", "-t", "en", "-f", "beads"], ["dedup", SRC, TGT, "--json"]):
        done = run_align(*args, "-o", "/dev/full", cwd=tmp_path)
        assert_one_line_error(done, "disk full", "/dev/full", "free space")
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert os.listdir(tmp_path) == []


def test_disk_full_regular_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """ENOSPC halfway through a regular file: one line saying the disk is full, no file, no temp file."""
    from align.files import atomic

    real_fdopen = os.fdopen

    class FillsUp:
        def __init__(self, f) -> None:
            self.f, self.written = f, 0

        def write(self, data: bytes) -> int:
            if self.written + len(data) > 200:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.written += len(data)
            return self.f.write(data)

        def __getattr__(self, name: str):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.f.close()

    monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode: FillsUp(real_fdopen(fd, mode)))
    (tmp_path / "out.tmx").write_text("previous result\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["align", "pair", str(SRC), str(TGT), "-s", "de", "-t", "en",
                                      "-o", str(tmp_path / "out.tmx")])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("align: error: disk full while writing") and len(err.splitlines()) == 1, err
    assert "free space" in err
    assert os.listdir(tmp_path) == ["out.tmx"]
    assert (tmp_path / "out.tmx").read_text(encoding="utf-8") == "previous result\n"
