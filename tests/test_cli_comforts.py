"""Everyday command-line comforts: ``--version``, progress bars on a terminal, ``align cache``.

``--version`` and the progress bars run as real processes (the bar only appears when
stderr is a terminal, so those runs get a pseudo-terminal from :mod:`pty`); the cache
commands run in this process with typer's CliRunner against a cache in a temporary folder.
"""

from __future__ import annotations

import importlib.metadata
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from align import __version__, cli
from align.cli.app import package_version

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "ALIGN_DEBUG"}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "align", *args], capture_output=True, text=True, env=environ,
                          cwd=ROOT, timeout=300, check=False)


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_prints_the_package_version_and_exits_0(flag: str) -> None:
    done = _run(flag)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"align {importlib.metadata.version('align')}\n"
    assert done.stderr == ""


def test_version_imports_nothing_heavy() -> None:
    code = ("import sys; sys.argv = ['align', '--version']\n"
            "from align.launch import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'torch', 'sqlite3') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.stdout.splitlines()[-1] == "[]", done.stdout + done.stderr


def test_version_from_a_source_tree_never_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert package_version() == __version__
    result = CliRunner().invoke(cli.app, ["--version"])
    assert result.exit_code == 0 and result.output == f"align {__version__}\n"


# ----------------------------------------------------------------------------- the cache
import sqlite3  # noqa: E402

import numpy as np  # noqa: E402

from align.embed import cache as cache_module  # noqa: E402
from align.embed.cache import EmbeddingCache  # noqa: E402
from align.settings import DEFAULT_CACHE_MAX, cache_max_bytes  # noqa: E402

DIM = 256  # 1 KiB rows


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Wall time under the test's control: two hours pass at every reading, so every read
    records its rows' use (they are older than the touch interval)."""
    now = [10**15]

    def tick() -> int:
        now[0] += 2 * 3600 * 10**6
        return now[0]

    monkeypatch.setattr(cache_module, "_wall_us", tick)
    return now


def test_cache_max_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALIGN_CACHE_MAX", raising=False)
    assert cache_max_bytes() == DEFAULT_CACHE_MAX == 1 << 30
    assert [cache_max_bytes(v) for v in ("500M", "2G", "4096", "1.5k", "2GiB", "none")] == [
        500 << 20, 2 << 30, 4096, 1536, 2 << 30, None]
    monkeypatch.setenv("ALIGN_CACHE_MAX", "64K")
    assert cache_max_bytes() == 64 << 10 and EmbeddingCache("/nonexistent").max_bytes == 64 << 10
    for bad in ("0", "-1", "lots", "5X"):
        with pytest.raises(Exception, match="ALIGN_CACHE_MAX=.* is not a cache size; set it to e.g. 500M"):
            cache_max_bytes(bad)


def test_eviction_under_a_small_cap_keeps_the_most_recently_used(tmp_path: Path, clock: list[int]) -> None:
    cap = 256 << 10
    store = EmbeddingCache(tmp_path, max_bytes=cap)
    names = [f"sentence {i}" for i in range(600)]  # about 600 KiB of rows: twice the cap and more
    favourites = names[:20]
    store.put_many("m/sentence", favourites, _vectors(20))
    for start in range(20, 600, 20):
        store.put_many("m/sentence", names[start:start + 20], _vectors(20, start))
        assert all(v is not None for v in store.get_many("m/sentence", favourites, DIM))  # read again: recent
    assert store.evicted > 0
    conn = sqlite3.connect(store.path)
    used = (conn.execute("PRAGMA page_count").fetchone()[0] - conn.execute("PRAGMA freelist_count").fetchone()[0]) \
        * conn.execute("PRAGMA page_size").fetchone()[0]
    assert used <= cap
    kept = store.get_many("m/sentence", names, DIM)
    present = [v is not None for v in kept]
    assert all(present[:20])  # the favourites, used all along, stayed
    assert all(present[-20:])  # so did the newest
    assert not any(present[20:200])  # the oldest untouched went first
    assert 100 < sum(present) < 300
    assert np.array_equal(kept[0], _vectors(20)[0])


def test_the_file_stays_within_the_cap_when_a_write_is_large(tmp_path: Path) -> None:
    cap = 256 << 10
    store = EmbeddingCache(tmp_path, max_bytes=cap)
    for start in range(0, 1000, 100):  # writes of about 100 KiB each: room is made before them
        store.put_many("m/sentence", [str(i) for i in range(start, start + 100)], _vectors(100, start))
        store.close()  # checkpoints the write-ahead log into the file
        assert store.path.stat().st_size <= cap
    assert store.get_many("m/sentence", ["999"], DIM)[0] is not None


def test_reads_within_the_touch_interval_write_nothing(tmp_path: Path) -> None:
    store = EmbeddingCache(tmp_path, max_bytes=None)
    store.put_many("m/sentence", ["a", "b"], _vectors(2))
    before = sqlite3.connect(store.path).execute("SELECT key, used FROM vectors ORDER BY key").fetchall()
    assert all(v is not None for v in store.get_many("m/sentence", ["a", "b"], DIM))
    assert sqlite3.connect(store.path).execute("SELECT key, used FROM vectors ORDER BY key").fetchall() == before


def test_no_cap_never_evicts(tmp_path: Path) -> None:
    store = EmbeddingCache(tmp_path, max_bytes=None)
    store.put_many("m/sentence", [str(i) for i in range(300)], _vectors(300))
    assert store.evicted == 0 and store.info().rows == 300


def _schema1(path: Path, rows: int) -> None:
    """A cache file as align wrote it before the cap (schema 1: no namespace, no use time)."""
    path.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path / "embeddings.sqlite3") as db:
        db.execute("CREATE TABLE vectors (key BLOB PRIMARY KEY, dim INTEGER NOT NULL, data BLOB NOT NULL,"
                   " checksum BLOB NOT NULL)")
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('schema', '1')")
        for i, v in enumerate(_vectors(rows)):
            k = cache_module.row_key("use-m3/state4/x/sentence", f"old {i}")
            db.execute("INSERT INTO vectors VALUES (?, ?, ?, ?)", (k, DIM, v.tobytes(), cache_module.checksum(k, v.tobytes())))


def test_a_schema_1_cache_is_rebuilt_with_its_rows(tmp_path: Path, clock: list[int]) -> None:
    _schema1(tmp_path, 5)
    store = EmbeddingCache(tmp_path, max_bytes=None)
    got = store.get_many("use-m3/state4/x/sentence", [f"old {i}" for i in range(5)], DIM)
    assert all(np.array_equal(g, v) for g, v in zip(got, _vectors(5)))  # the old rows are read as before
    store.put_many("use-m3/state4/x/sentence", ["new"], _vectors(1), "use-m3")
    info = store.info()
    assert info.rows == 6
    assert {(n.model, n.rows) for n in info.namespaces} == {
        ("(written before namespaces were recorded)", 5), ("use-m3", 1)}
    schema = sqlite3.connect(store.path).execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()[0]
    assert schema == "2"


def _cli(*args: str, env: dict[str, str]):
    return CliRunner().invoke(cli.app, list(args), env=env)


def test_cache_info_and_clear_commands(tmp_path: Path) -> None:
    env = {"ALIGN_CACHE_DIR": str(tmp_path / "c"), "ALIGN_CACHE_MAX": "500M"}
    result = _cli("cache", "info", env=env)
    assert result.exit_code == 0
    assert result.output == (f"path: {tmp_path / 'c' / 'embeddings.sqlite3'}\n"
                             "size: 0 (no cache yet); cap 500.0 MiB (ALIGN_CACHE_MAX)\n")
    assert not (tmp_path / "c").exists()  # info creates nothing
    store = EmbeddingCache(tmp_path / "c")
    store.put_many("use-m3/state4/v/sentence", ["a", "b", "c"], _vectors(3), "use-m3")
    store.put_many("use-m3/state4/v/join", ["ab"], _vectors(1), "use-m3")
    store.put_many("st:LaBSE/vector", ["a", "b"], _vectors(2), "LaBSE")
    store.close()
    lines = _cli("cache", "info", env=env).output.splitlines()
    assert lines[0] == f"path: {tmp_path / 'c' / 'embeddings.sqlite3'}"
    assert re.fullmatch(r"size: \d+\.\d KiB on disk, \d+\.\d KiB in use; cap 500\.0 MiB \(ALIGN_CACHE_MAX\)", lines[1])
    assert lines[2:] == [
        "rows: 6",
        "model LaBSE: 2 rows, 2.0 KiB of vectors",
        "  st:LaBSE/vector: 2 rows, 2.0 KiB",
        "model use-m3: 4 rows, 4.0 KiB of vectors",
        "  use-m3/state4/v/join: 1 rows, 1.0 KiB",
        "  use-m3/state4/v/sentence: 3 rows, 3.0 KiB",
    ]
    result = _cli("cache", "clear", "--model", "nope", env=env)
    assert result.exit_code == 1
    assert str(result.exception) == "the embedding cache has no rows of 'nope'; models there: LaBSE, use-m3"
    result = _cli("cache", "clear", "--model", "use-m3", env=env)
    assert result.exit_code == 0, result.output
    assert result.output == f"cleared use-m3 from {tmp_path / 'c' / 'embeddings.sqlite3'}: 4 rows removed\n"
    assert EmbeddingCache(tmp_path / "c").info().rows == 2
    result = _cli("cache", "clear", env=env)
    assert result.output == f"cleared {tmp_path / 'c' / 'embeddings.sqlite3'}: 2 rows removed\n"
    info = EmbeddingCache(tmp_path / "c").info()
    assert info.rows == 0 and info.namespaces == ()


def test_clear_while_another_process_reads(tmp_path: Path) -> None:
    store = EmbeddingCache(tmp_path, max_bytes=None)
    store.put_many("m/sentence", ["a", "b"], _vectors(2), "m")
    reader = sqlite3.connect(store.path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM vectors").fetchone()[0] == 2  # a read in progress
    assert EmbeddingCache(tmp_path).clear() == 2
    assert reader.execute("SELECT count(*) FROM vectors").fetchone()[0] == 2  # its snapshot stays whole
    reader.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM vectors").fetchone()[0] == 0
    reader.close()
    assert store.get_many("m/sentence", ["a"], DIM) == [None]  # the other object goes on, empty
    store.put_many("m/sentence", ["c"], _vectors(1), "m")  # with the namespace id it already knew
    assert [(n.model, n.rows) for n in EmbeddingCache(tmp_path).info().namespaces] == [("m", 1)]


def test_busy_and_damaged_caches_give_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "_COMMAND_TIMEOUT", 0.05)
    store = EmbeddingCache(tmp_path / "busy", max_bytes=None)
    store.put_many("m/sentence", ["a"], _vectors(1), "m")
    writer = sqlite3.connect(store.path, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")  # another run in the middle of a write
    env = {"ALIGN_CACHE_DIR": str(tmp_path / "busy")}
    result = CliRunner().invoke(cli.app, ["cache", "clear"], env=env)
    assert result.exit_code != 0, result.output
    assert "is busy (another align run is writing to it); try again" in str(result.exception)
    result = CliRunner().invoke(cli.app, ["cache", "info"], env=env)  # reading needs no lock (WAL)
    assert result.exit_code == 0 and "rows: 1\n" in result.output
    writer.execute("ROLLBACK")
    writer.close()
    assert store.info().rows == 1  # nothing was lost

    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "embeddings.sqlite3").write_bytes(b"this is not a database" * 100)
    env = {"ALIGN_CACHE_DIR": str(damaged)}
    result = CliRunner().invoke(cli.app, ["cache", "info"], env=env)
    assert "is not a usable database (file is not a database); 'align cache clear' replaces it" in str(result.exception)
    result = CliRunner().invoke(cli.app, ["cache", "clear"], env=env)
    assert result.exit_code == 0
    assert result.output == f"removed {damaged / 'embeddings.sqlite3'}: it was not a database (it is rebuilt on the next run)\n"
    fresh = EmbeddingCache(damaged)
    fresh.put_many("m/sentence", ["a"], _vectors(1))
    assert fresh.enabled and fresh.get_many("m/sentence", ["a"], DIM)[0] is not None


def test_cache_errors_are_one_line_from_the_real_command(tmp_path: Path) -> None:
    done = _run("cache", "info", env={"ALIGN_CACHE_DIR": str(tmp_path), "ALIGN_CACHE_MAX": "lots"})
    assert done.returncode == 1
    assert done.stderr == ("align: error: ALIGN_CACHE_MAX='lots' is not a cache size; set it to e.g. 500M or 2G "
                           "(bytes without a unit), to none for no cap, or unset it for the default of 1G\n")
    done = _run("cache", "clear", "--model", "use-m3", env={"ALIGN_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "nothing of 'use-m3' to clear" in done.stderr


# ---------------------------------------------------------------------- progress bars
import threading  # noqa: E402

from align.progress import ProgressReporter, reporting, steps  # noqa: E402

SAMPLES = ROOT / "samples"
DE = next(SAMPLES.glob("000_*.txt"))
EN = next(SAMPLES.glob("001_*.txt"))


class Recorder:
    """A :class:`ProgressReporter` that writes down the lines and every counted loop."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.loops: list[list] = []  # [label, total, unit, advanced, closed]
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        self.lines.append(message)

    def steps(self, label: str, total: int, unit: str):
        record = [label, total, unit, 0, False]
        self.loops.append(record)
        recorder = self

        class Counter:
            def advance(self, n: int = 1) -> None:
                with recorder._lock:
                    record[3] += n

            def close(self) -> None:
                record[4] = True

            def __enter__(self):
                return self

            def __exit__(self, *exc: object) -> None:
                self.close()

        return Counter()

    def labels(self) -> set[str]:
        return {loop[0] for loop in self.loops}


def test_library_loops_report_counted_steps_to_a_reporter(tmp_path: Path) -> None:
    from align.api import align_files
    from align.batch import BatchOptions, parse_manifest, run_batch
    from align.index import open_index
    from align.read import read_document
    from align.wirecopy import find_wire_copy

    assert isinstance(Recorder(), ProgressReporter)
    rec = Recorder()
    align_files(str(DE), str(EN), "de", "en", cache=False, progress=rec)
    assert rec.lines[0].startswith("embedding ")  # the stage lines, as before
    embedding = [loop for loop in rec.loops if loop[0] == "embedding"]
    assert embedding and all(loop[2] == "tokens" and loop[3] == loop[1] and loop[4] for loop in embedding)
    assert "searching" in rec.labels() and all(loop[4] for loop in rec.loops)  # every loop closed

    rec = Recorder()
    manifest = f"{DE}\t{EN}\tde\ten\n{EN}\t{DE}\ten\tde\n"
    summary = run_batch(parse_manifest(manifest, "pairs.tsv"), str(tmp_path / "out"),
                        BatchOptions(fmt="beads"), progress=rec)
    assert summary.done == 2
    assert [loop for loop in rec.loops if loop[0] == "batch"] == [["batch", 2, "pairs", 2, True]]

    docs = [read_document(str(p), lang) for p, lang in ((DE, "de"), (EN, "en"))]
    rec = Recorder()
    find_wire_copy(docs, cache=False, progress=rec)
    assert {"hashing", "embedding"} <= rec.labels()

    rec = Recorder()
    idx = open_index(str(tmp_path / "w.index"), writable=True)
    with reporting(rec):
        idx.add(docs)
    idx.close()
    assert "hashing" in rec.labels()


def test_a_plain_callback_or_none_counts_nothing() -> None:
    lines: list[str] = []
    with reporting(lines.append):
        with steps("embedding", 10, "tokens") as counter:
            counter.advance(10)  # a callback without steps(): nothing to draw, no error
    with steps("embedding", 10, "tokens") as counter:
        counter.advance(3)
    assert lines == []


def _under_pty(args: list[str], tmp_path: Path) -> tuple[str, bytes, int]:
    """Run ``python -m align ARGS`` with stderr on a pseudo-terminal: (what the terminal
    showed, stdout, exit status)."""
    import pty

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "ALIGN_DEBUG"}
    env.update(COLUMNS="120", TERM="xterm", ALIGN_CACHE_DIR=str(tmp_path / "cache"))
    # the bar's half-second delay off, so that a short run shows it on any machine
    code = ("import sys; import align.cli.bars as bars; bars.SHOW_AFTER = 0.0; sys.argv[0] = 'align'\n"
            "from align.launch import main; main()")
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave, env=env, cwd=ROOT)
    os.close(slave)
    shown = bytearray()
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal (EIO)
            break
        if not data:
            break
        shown += data
    os.close(master)
    out = proc.stdout.read()
    proc.wait(timeout=300)
    return shown.decode("utf-8", "replace"), out, proc.returncode


def test_a_terminal_gets_bars_with_rate_and_eta_and_a_pipe_gets_what_it_got(tmp_path: Path) -> None:
    src, tgt = tmp_path / "de.txt", tmp_path / "en.txt"
    src.write_text("\n\n".join(f"Teil {i}.\n\n" + DE.read_text(encoding="utf-8") for i in range(40)), encoding="utf-8")
    tgt.write_text("\n\n".join(f"Part {i}.\n\n" + EN.read_text(encoding="utf-8") for i in range(40)), encoding="utf-8")
    args = ["pair", str(src), str(tgt), "--src-lang", "de", "--tgt-lang", "en", "--no-cache", "--format", "beads"]
    shown, out, code = _under_pty(args, tmp_path)
    assert code == 0, shown
    assert re.search(r"\[ +\d+\.\ds\] embedding \d+ \+ \d+ sentences with use-m3", shown)  # the lines stay
    bar = re.search(r"embedding .*? ([\d,]+)/([\d,]+) tokens ([\d,]+) tokens/s ETA \d+:\d\d:\d\d", shown)
    assert bar, shown[-2000:]
    assert int(bar.group(1).replace(",", "")) <= int(bar.group(2).replace(",", ""))
    assert "wrote stdout" in shown

    plain = _run(*args, env={"ALIGN_CACHE_DIR": str(tmp_path / "cache")})
    assert plain.returncode == 0
    assert plain.stderr == ""  # no terminal: no lines and no bars, as before
    assert plain.stdout.encode() == out  # and the results are the same bytes
