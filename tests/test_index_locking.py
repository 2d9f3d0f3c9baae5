"""Locking a file index: ``align index add`` leaves no lock file behind, refuses an index that
is not a regular file, and keeps two concurrent writers from losing each other's additions.
The helpers: ``tests/index_hostile_support.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from align.index import open_index
from align.read import read_document
from tests.index_hostile_support import ARTICLES, ROOT, SAMPLE, _cli, _one_line_error
from tests.index_support import build_file_index


def test_index_add_leaves_no_lock_file(tmp_path: Path) -> None:
    for _ in range(2):  # creating the index, then adding to it
        done = _cli("add", SAMPLE, "--index", "w.index", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.index"]


def test_an_index_that_is_not_a_regular_file_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "null.index").symlink_to("/dev/null")
    os.mkfifo(tmp_path / "pipe.index")
    for name in ("null.index", "pipe.index"):
        for command in ("add", "query"):
            err = _one_line_error(_cli(command, SAMPLE, "--index", name, cwd=tmp_path, timeout=60))
            assert "not a regular file" in err and name in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null.index", "pipe.index"]  # no lock file, nothing else


def _waiting_for_a_lock(pid: int) -> bool:
    """Whether process ``pid`` is blocked in ``flock`` (a ``->`` line of ``/proc/locks``)."""
    return any(line.split()[1] == "->" and line.split()[5] == str(pid)
               for line in Path("/proc/locks").read_text().splitlines() if len(line.split()) > 5)


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs /proc/locks to see a blocked writer")
@pytest.mark.parametrize("existing,saved", [(True, False), (False, False), (True, True)],
                         ids=["existing index", "new index", "after a save"])
def test_two_writers_do_not_lose_each_others_additions(tmp_path: Path, existing: bool, saved: bool) -> None:
    """While one writer holds the index, a second ``index add`` waits; then it reads what the
    first saved (the file it waited on was replaced meanwhile) and adds to it. A writer that
    has saved once still holds the index (the new file) until it closes."""
    path = tmp_path / "w.index"
    docs = [read_document(str(p), "und") for p in ARTICLES]
    if existing:
        build_file_index(path, docs[:1])
    first = open_index(str(path), writable=True)
    if saved:
        first.add(docs[3:4])
        first.save()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    second = subprocess.Popen([sys.executable, "-m", "align", "index", "add", str(ARTICLES[2]), "--index", str(path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    try:
        for _ in range(1200):  # until it blocks on the lock (or ends, which is a failure below)
            if _waiting_for_a_lock(second.pid) or second.poll() is not None:
                break
            time.sleep(0.1)
        assert second.poll() is None, second.communicate()
        assert _waiting_for_a_lock(second.pid)
        first.add(docs[1:2])
        first.save()
    finally:
        first.close()
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    expected = {*([ARTICLES[0]] if existing else []), *([ARTICLES[3]] if saved else []), ARTICLES[1], ARTICLES[2]}
    index = open_index(str(path))
    assert index.counts()[0] == len(expected), out
    assert {rec["path"] for rec in index.store.get_docs(list(range(10))).values()} == {str(p) for p in expected}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.index"]
