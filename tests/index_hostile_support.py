"""Shared helpers of the hostile-index tests: ``align index`` run as a user runs it, and its one-line errors.

The tests, one file per promise (issue 16 split the former ``test_index_hostile.py``):

- ``tests/test_index_redis_password.py``: a Redis password, in any form a URL can carry it,
  never reaches stdout or stderr;
- ``tests/test_index_damaged_file.py`` and ``tests/test_index_damaged_redis.py``: a damaged
  or hostile index file or Redis index is refused in one line naming it, before anything
  big is allocated;
- ``tests/test_index_locking.py``: ``align index add`` leaves no lock file behind, refuses an
  index that is not a regular file, and keeps two concurrent writers from losing each
  other's additions;
- ``tests/test_index_non_utf8_names.py``: file names that are not UTF-8 are indexed and
  reported without loss.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

from align.errors import InputError
from align.index import open_index
from tests.conftest import SAMPLES

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = sorted(SAMPLES.glob("0*.txt"))
SAMPLE = str(ARTICLES[0])


def _cli(*args: str | bytes, cwd: Path, memory: int | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m align index ARGS`` in a subprocess (bytes in and out; optional address-space limit)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": "C.UTF-8"}
    env.pop("PYTHONUTF8", None)
    env.pop("PYTHONIOENCODING", None)

    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([sys.executable, "-m", "align", "index", *args], check=False, capture_output=True,
                          cwd=cwd, env=env, timeout=timeout, preexec_fn=limit)


def _one_line_error(done: subprocess.CompletedProcess) -> str:
    """The single stderr line of a run that failed as a user error should (exit 1, nothing on stdout)."""
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, (done.returncode, err)
    assert err.count("\n") == 1 and err.startswith("align: error: "), err
    assert "Traceback" not in err and "rerun with --debug" not in err, err  # not an internal error
    assert done.stdout == b"", done.stdout
    return err


def _reprint(tmp_path: Path) -> Path:
    lines = (SAMPLES / "001_aab225ae7d9de552.txt").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "reprint.txt"
    path.write_text("A local paper reprinted the story.\n" + "\n".join(lines[2:6]) + "\n", encoding="utf-8")
    return path


# --- index files taken apart and put together again ------------------------------------


def zip_members(path: Path) -> dict[str, bytes]:
    """Every member of an index file (a zip archive), by name."""
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def rezip(path: Path, members: dict[str, bytes | None]) -> Path:
    """Write ``members`` as the index file ``path`` (a member given as None is left out)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, body in members.items():
            if body is not None:
                zf.writestr(name, body)
    return path


def open_outcome(path: Path) -> str:
    """What opening the index file ``path`` gives: "opened", its one-line error, or the crash."""
    try:
        open_index(str(path)).close()
        return "opened"
    except InputError as err:
        return str(err)
    except Exception as err:  # noqa: BLE001 (the caller reports it, with its case)
        return f"{type(err).__name__}: {err}"


def refused_as_damaged(outcome: str, path: Path) -> bool:
    """The promise for a damaged index: one line that names the file and says to rebuild it."""
    return "damaged" in outcome and "rebuild" in outcome and str(path) in outcome and "\n" not in outcome
