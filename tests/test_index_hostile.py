"""A hostile or damaged index, and a Redis URL carrying a password, get one line and no more.

- A Redis password, in any form a URL can carry it (``user:pw@``, an unencoded ``/``, ``#``
  or ``?`` inside it, ``?password=``, a unix socket's query), never reaches stdout or stderr.
- A damaged or hostile index file (a deflate bomb, ``.npy`` headers that lie about their
  size, wrong dtypes, bad settings, missing members) or Redis index (bad JSON, wrong types)
  is refused in one line naming it, before anything big is allocated.
- ``align index add`` leaves no lock file behind, refuses an index that is not a regular
  file, and still keeps two concurrent writers from losing each other's additions.
- File names that are not UTF-8 are indexed and reported without loss.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import resource
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from align.errors import InputError
from align.index import open_index
from align.index.redis_url import redact, redis_params
from align.read import read_document
from tests.conftest import SAMPLES
from tests.index_support import REDIS_URL, build_file_index, needs_redis

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


# --- item 4: a Redis password never shows --------------------------------------------------

#: URLs whose password must never be printed, with the pieces of it that must not show.
_SECRET_URLS = [
    ("redis://:hunter2/swordfish@localhost:1/0", ("hunter2", "swordfish")),
    ("redis://:hunter2#swordfish@localhost:1/0", ("hunter2", "swordfish")),
    ("redis://user:hunter2?swordfish@localhost:1/0", ("hunter2", "swordfish")),
    ("redis://localhost:1/0?password=hunter2", ("hunter2",)),
    ("redis://localhost:1/0?db=0&password=hunter2&socket_timeout=3", ("hunter2",)),
    ("unix:///nonexistent/align-test.sock?password=hunter2", ("hunter2",)),
    ("redis://user:hunter2@localhost:abc/0", ("hunter2",)),  # and a port that is not a number
    ("redis://:hunter2@[::1/0", ("hunter2",)),  # and a broken IPv6 address
    # an unencoded '#' cuts this password where a port could be: the client then connects to
    # localhost:1999, and its "Error 111 connecting to localhost:1999" must not show it either
    ("redis://localhost:1999#swordfish@elsewhere/0", ("1999", "swordfish")),
]


@pytest.mark.parametrize("url,secrets", _SECRET_URLS, ids=[u for u, _ in _SECRET_URLS])
def test_a_redis_password_is_never_printed_by_add_or_query(url: str, secrets: tuple[str, ...], tmp_path: Path) -> None:
    for command in ("add", "query"):
        done = _cli(command, SAMPLE, "--redis", url, cwd=tmp_path)
        err = _one_line_error(done)
        for secret in secrets:
            assert secret not in err, (command, err)
        assert "Redis" in err or "--redis" in err, err


def test_a_port_that_is_not_a_number_is_an_input_error_even_with_a_password() -> None:
    for url in ("redis://host:abc/0", "redis://:hunter2@host:abc/0", "redis://u:hunter2@host:99999999/0"):
        with pytest.raises(InputError) as err:
            redis_params(url)
        message = str(err.value)
        assert "is not a Redis URL" in message and "\n" not in message and "hunter2" not in message, message


def test_redact_hides_the_password_in_every_form_and_never_raises() -> None:
    cases = {
        "redis://user:hunter2@host:6379/0": "redis://user:***@host:6379/0",
        "redis://:hunter2@host:6379/0": "redis://:***@host:6379/0",
        "redis://:pa/ss@host:6379/0": "redis://:***@host:6379/0",
        "redis://:pa#ss@host/0": "redis://:***@host/0",
        "redis://u:p?w@h/0": "redis://u:***@h/0",
        "redis://u:p@ss@h/0": "redis://u:***@h/0",
        "redis://host:6379/0?password=secret": "redis://host:6379/0?password=***",
        "redis://host:6379/0?db=1&password=secret": "redis://host:6379/0?db=1&password=***",
        "unix:///tmp/r.sock?password=secret": "unix:///tmp/r.sock?password=***",
        "redis://host:abc/0": "redis://host:abc/0",
        "redis://:secret@host:abc/0": "redis://:***@host:abc/0",
        "redis://host/0#secret": "redis://host/0#***",
        "redis://host:6379/0": "redis://host:6379/0",
        "redis://secret@host/0": "redis://***@host/0",  # a lone user part may be a password: hidden too
    }
    for url, shown in cases.items():
        assert redact(url) == shown, url
    for url in ("redis://:secret@[::1/0", "redis://:secret\n@host/0", "redis://h/0?secret",
                "redis://h/0?db=0;password=secret",
                "redis://h/0?x=1;password=secret", "redis://h/0?pass%77ord=secret"):
        out = redact(url)
        assert "secret" not in out and "\n" not in out, (url, out)


@needs_redis
def test_a_password_in_the_query_is_not_printed_when_the_index_works(tmp_path: Path, redis_name: str) -> None:
    """A server that answers: the location in the report must not carry the password either."""
    url = REDIS_URL + ("&" if "?" in REDIS_URL else "?") + "password=hunter2"
    added = _cli("add", str(ARTICLES[1]), "--redis", url, "--name", redis_name, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert b"hunter2" not in added.stdout + added.stderr and b"password=***" in added.stdout
    for extra in ((), ("--json",)):
        found = _cli("query", str(_reprint(tmp_path)), "--redis", url, "--name", redis_name, *extra, cwd=tmp_path)
        assert found.returncode == 0, found.stderr
        assert b"hunter2" not in found.stdout + found.stderr and b"password=***" in found.stdout
    report = json.loads(found.stdout)
    assert len(report["documents"][0]["matches"]) == 1  # the index did answer


# --- item 5: damaged or hostile index files ----------------------------------------------------


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rezip(path: Path, members: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, body in members.items():
            if body is not None:
                zf.writestr(name, body)
    return path


def _npy(array: np.ndarray, **header: object) -> bytes:
    """``array`` as ``.npy`` bytes, with header fields (``shape``, ``descr``) replaced if given."""
    out = io.BytesIO()
    fields = {"descr": np.lib.format.dtype_to_descr(array.dtype), "fortran_order": False, "shape": array.shape}
    np.lib.format.write_array_header_1_0(out, {**fields, **header})
    out.write(np.ascontiguousarray(array).tobytes())
    return out.getvalue()


def _array(body: bytes) -> np.ndarray:
    return np.load(io.BytesIO(body), allow_pickle=False)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small valid index of the sample articles."""
    path = tmp_path_factory.mktemp("good") / "good.index"
    return build_file_index(path, [read_document(str(p), "und") for p in ARTICLES[:3]])


def _hostile_cases(good: Path) -> dict[str, dict[str, bytes | None]]:
    """Member replacements that make a damaged or hostile index (each a dict for :func:`_rezip`)."""
    m = _members(good)
    meta = json.loads(m["meta.json"])
    sig, offsets, shingles, keys = (_array(m[n]) for n in
                                    ("signatures.npy", "shingle_offsets.npy", "shingles.npy", "keys.npy"))

    def with_meta(**changes: object) -> dict[str, bytes | None]:
        return {"meta.json": json.dumps({**meta, **changes}).encode()}

    def with_settings(**changes: object) -> dict[str, bytes | None]:
        return with_meta(settings={**meta["settings"], **changes})

    first = next(iter(meta["docs"]))
    return {
        # .npy headers that do not tell the truth about the data behind them
        "huge shape": {"shingle_offsets.npy": _npy(offsets, shape=(10**12,))},
        "huge 2-d shape": {"signatures.npy": _npy(sig, shape=(2**40, sig.shape[1]))},
        "short array": {"signatures.npy": _npy(sig)[: -sig.nbytes // 2]},
        "trailing bytes": {"shingles.npy": _npy(shingles) + b"\0" * 400},
        "wrong dtype": {"signatures.npy": _npy(sig.astype(np.float64))},
        "wrong int width": {"shingle_offsets.npy": _npy(offsets.astype(np.int32))},
        "wrong ndim": {"signatures.npy": _npy(sig.reshape(-1))},
        "structured dtype": {"keys.npy": _npy(keys.view([("a", "u1")]))},
        "not an npy": {"shingles.npy": b"\x93NUMPY\x09\x00" + b"x" * 64},
        "huge npy header": {"shingles.npy": b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31) + b"{" * 100},
        "offsets out of order": {"shingle_offsets.npy": _npy(offsets[::-1].copy())},
        # members missing
        **{f"no {name}": {name: None} for name in m},
        # settings with the wrong types or values
        "settings: num_perm a string": with_settings(num_perm="128"),
        "settings: shingle 0": with_settings(shingle=0),
        "settings: threshold NaN": with_settings(threshold=float("nan")),
        "settings: threshold a string": with_settings(threshold="0.6"),
        "settings: negative window": with_settings(window=-1),
        "settings: huge window": with_settings(window=10**9),
        "settings: bool gap": with_settings(gap=True),
        "settings: unknown key": with_settings(colour="blue"),
        "settings: a list": with_meta(settings=[1, 2]),
        # the rest of meta.json
        "passages negative": with_meta(passages=-1),
        "next_doc a string": with_meta(next_doc="7"),
        "lines negative": with_meta(lines={"a b": -3}),
        "odd spans": with_meta(docs={**meta["docs"], first: {**meta["docs"][first], "spans": [0, 5, 9]}}),
        "doc id not ascii digits": with_meta(docs={"\u00b2": meta["docs"][first]}),
        "meta not json": {"meta.json": b"{\"magic\": "},
        "meta not utf-8": {"meta.json": b"\xff\xfe{}"},
    }


def test_every_hostile_index_file_is_refused_in_one_line_naming_it(good: Path, tmp_path: Path) -> None:
    refused = []
    for label, changes in _hostile_cases(good).items():
        path = _rezip(tmp_path / (re.sub(r"\W+", "-", label) + ".index"), {**_members(good), **changes})
        try:
            open_index(str(path)).close()
            outcome = "opened"
        except InputError as err:
            outcome = str(err)
        except Exception as err:  # noqa: BLE001 (reported below, with the case)
            outcome = f"{type(err).__name__}: {err}"
        ok = ("damaged" in outcome and "rebuild" in outcome and str(path) in outcome and "\n" not in outcome)
        if not ok:
            refused.append(f"{label}: {outcome[:300]}")
    assert not refused, "\n".join(refused)


def test_sizes_are_checked_before_anything_is_read(good: Path, tmp_path: Path) -> None:
    """A header that declares far more than the member holds is named as such (not found out by a
    failed 8 TB allocation or a short read)."""
    m = _members(good)
    offsets = _array(m["shingle_offsets.npy"])
    path = _rezip(tmp_path / "huge.index", {**m, "shingle_offsets.npy": _npy(offsets, shape=(10**12,))})
    with pytest.raises(InputError, match=r"shingle_offsets\.npy declares 8000000000000 bytes of data"):
        open_index(str(path))


def test_a_truncated_or_corrupted_index_file_gives_one_line(good: Path, tmp_path: Path) -> None:
    data = good.read_bytes()
    bodies = {f"cut at {k}/8": data[: len(data) * k // 8] for k in range(1, 8)}
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF  # inside a member: its CRC no longer matches
    bodies["flipped byte"] = bytes(flipped)
    bodies["no central directory"] = data[: data.rindex(b"PK\x01\x02")]
    for label, body in bodies.items():
        path = tmp_path / "bad.index"
        path.write_bytes(body)
        with pytest.raises(InputError) as err:
            open_index(str(path))
        message = str(err.value)
        assert "\n" not in message and str(path) in message, (label, message)
        assert ("damaged" in message and "rebuild" in message) or "not an align wire-copy index" in message, \
            (label, message)


def _zip_with(members: dict[str, bytes], name: str, deflated: bytes, crc: int, size: int) -> bytes:
    """A zip of ``members`` (stored) and one member ``name`` given as a raw deflate stream."""
    out, central = io.BytesIO(), []
    entries = [(n, 0, body, zlib.crc32(body), len(body)) for n, body in members.items() if n != name]
    entries.append((name, 8, deflated, crc, size))
    for n, method, body, c, usize in entries:
        offset = out.tell()
        raw = n.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, c, len(body), usize, len(raw), 0))
        out.write(raw + body)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, c, len(body), usize,
                                   len(raw), 0, 0, 0, 0, 0, offset) + raw)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), out.tell() - start, start, 0))
    return out.getvalue()


def _deflate_bomb(prefix: bytes, suffix: bytes, blocks: int) -> tuple[bytes, int, int]:
    """A raw deflate stream of ``prefix``, ``blocks`` x 16 MiB of spaces and ``suffix``: about
    1/1000 of its inflated size. Returns (stream, CRC-32, inflated size)."""
    chunk = b" " * (16 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = co.compress(prefix) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)  # the same bytes each time after a full flush
    tail = co.compress(suffix) + co.flush()
    crc = zlib.crc32(prefix)
    for _ in range(blocks):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(suffix, crc)
    return head + block * blocks + tail, crc, len(prefix) + blocks * len(chunk) + len(suffix)


#: The address-space limit the hostile files are opened under: a normal run needs far less.
_LIMIT = 1536 << 20


def test_a_deflate_bomb_in_meta_json_gives_one_line_in_bounded_memory(good: Path, tmp_path: Path) -> None:
    members = _members(good)
    meta = members["meta.json"]
    assert meta.endswith(b"}")
    # valid JSON (and a valid index) once inflated: 1.6 GB of spaces before the final brace
    stream, crc, size = _deflate_bomb(meta[:-1], b"}", blocks=100)
    assert len(stream) < 2 << 20 and size > 1600 << 20
    bomb = tmp_path / "bomb.index"
    bomb.write_bytes(_zip_with(members, "meta.json", stream, crc, size))
    with zipfile.ZipFile(bomb) as zf:  # what the zip itself says, which is what is checked
        assert zf.getinfo("meta.json").file_size == size
    # the same run on the good index works under this limit
    assert _cli("query", SAMPLE, "--index", str(good), cwd=tmp_path, memory=_LIMIT).returncode == 0
    done = _cli("query", SAMPLE, "--index", str(bomb), cwd=tmp_path, memory=_LIMIT)
    err = _one_line_error(done)
    assert "damaged" in err and "rebuild it" in err and str(bomb) in err, err


def test_declared_sizes_are_not_allocated_under_a_memory_limit(good: Path, tmp_path: Path) -> None:
    """A header declaring 8 TB, and settings asking for a billion permutations of an empty
    index (no array to contradict them), are refused before anything is allocated."""
    m = _members(good)
    meta = json.loads(m["meta.json"])
    huge = _rezip(tmp_path / "huge.index", {**m, "shingle_offsets.npy": _npy(_array(m["shingle_offsets.npy"]),
                                                                            shape=(10**12,))})
    empty = {
        "meta.json": json.dumps({**meta, "settings": {**meta["settings"], "num_perm": 10**9}, "docs": {},
                                 "lines": {}, "passages": 0, "next_doc": 0}).encode(),
        "keys.npy": _npy(np.zeros(0, np.uint8)),
        "signatures.npy": _npy(np.zeros((0, 10**9), np.uint32)),
        "shingle_offsets.npy": _npy(np.zeros(1, np.int64)),
        "shingles.npy": _npy(np.zeros(0, np.uint32)),
    }
    perms = _rezip(tmp_path / "perms.index", empty)
    for path in (huge, perms):
        for command in ("query", "add"):
            err = _one_line_error(_cli(command, SAMPLE, "--index", str(path), cwd=tmp_path, memory=_LIMIT))
            assert "damaged" in err and "rebuild it" in err and str(path) in err, err


def test_a_passage_beyond_its_documents_sentences_is_refused_when_queried(tmp_path: Path) -> None:
    """Keys and document records that disagree (spans too short for a key's sentences)."""
    path = build_file_index(tmp_path / "w.index", [read_document(str(p), "und") for p in ARTICLES])
    m = _members(path)
    meta = json.loads(m["meta.json"])
    docs = {i: {**rec, "spans": rec["spans"][:2]} for i, rec in meta["docs"].items()}
    _rezip(path, {**m, "meta.json": json.dumps({**meta, "docs": docs}).encode()})
    index = open_index(str(path))
    with pytest.raises(InputError, match=r"damaged.*rebuild"):
        index.query([read_document(str(_reprint(tmp_path)), "und")])
    index.close()


# --- the Redis index's keys ---------------------------------------------------------------------


@needs_redis
def test_damaged_redis_keys_are_refused_in_one_line(tmp_path: Path, redis_name: str) -> None:
    import redis

    from align.index.archive import IndexSettings, digest
    from align.wirecopy.finder import prepare_document as prepare

    r = redis.Redis.from_url(REDIS_URL)
    docs = [read_document(str(p), "und") for p in ARTICLES]
    index = open_index(redis=REDIS_URL, name=redis_name, writable=True)
    index.add(docs)
    index.close()
    saved = {part: r.hgetall(f"{redis_name}:{part}") for part in ("meta", "docs", "digests", "lines")}
    settings = IndexSettings().to_dict()
    reprint = read_document(str(_reprint(tmp_path)), "und")
    some_doc = b"1"  # the article the reprint copies (added second)
    assert some_doc in saved["docs"]

    def restore() -> None:
        for part, values in saved.items():
            r.delete(f"{redis_name}:{part}")
            r.hset(f"{redis_name}:{part}", mapping=values)

    def using(writable: bool, work):  # noqa: ANN001, ANN202 (a test helper)
        def run() -> None:
            idx = open_index(redis=REDIS_URL, name=redis_name, writable=writable)
            try:
                work(idx)
            finally:
                idx.close()
        return run

    query = using(False, lambda idx: idx.query([reprint]))
    query_self = using(False, lambda idx: idx.query([docs[0]]))  # its short lines are in the index
    add_known = using(True, lambda idx: idx.add(docs[:1]))
    add_new = using(True, lambda idx: idx.add([read_document(str(_reprint(tmp_path)), "und")]))

    digest0 = digest(prepare(docs[0]))
    cases = {
        "settings not json": ("meta", "settings", b"{not json", query),
        "settings num_perm a string": ("meta", "settings", json.dumps({**settings, "num_perm": "x"}), query),
        "settings threshold NaN": ("meta", "settings", json.dumps({**settings, "threshold": math.nan}), query),
        "settings unknown key": ("meta", "settings", json.dumps({**settings, "colour": 1}), query),
        "doc not json": ("docs", some_doc, b"{broken", query),
        "doc of wrong types": ("docs", some_doc, json.dumps({"path": 5}), query),
        "doc spans too short": ("docs", some_doc, json.dumps({**json.loads(saved["docs"][some_doc]), "spans": []}),
                                query),
        "digest not a number": ("digests", digest0, b"zz", add_known),
        "line count not a number": ("lines", "*", b"zz", query_self),
        "next_doc not a number": ("meta", "next_doc", b"zz", add_new),
    }
    failures = []
    for label, (part, field, value, action) in cases.items():
        restore()
        fields = list(saved[part]) if field == "*" else [field]
        r.hset(f"{redis_name}:{part}", mapping={f: value for f in fields})
        try:
            action()
            outcome = "no error"
        except InputError as err:
            outcome = str(err)
        except Exception as err:  # noqa: BLE001 (reported below)
            outcome = f"{type(err).__name__}: {err}"
        if not ("damaged" in outcome and "rebuild" in outcome and repr(redis_name) in outcome and "\n" not in outcome):
            failures.append(f"{label}: {outcome[:300]}")
    assert not failures, "\n".join(failures)
    # and through the CLI: one line
    restore()
    r.hset(f"{redis_name}:docs", some_doc, b"{broken")
    err = _one_line_error(_cli("query", str(_reprint(tmp_path)), "--redis", REDIS_URL, "--name", redis_name,
                               cwd=tmp_path))
    assert "damaged" in err, err


# --- locking --------------------------------------------------------------------------------------


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


# --- file names that are not UTF-8 ---------------------------------------------------------------


def test_file_names_that_are_not_utf8_are_indexed_and_shown_losslessly(tmp_path: Path) -> None:
    raw_dir = os.fsencode(tmp_path)
    name = raw_dir + b"/caf\xe9.txt"
    with open(name, "wb") as f:
        f.write((SAMPLES / "001_aab225ae7d9de552.txt").read_bytes())
    index = raw_dir + b"/ind\xe9x.index"
    added = _cli("add", name, "--index", index, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert b"ind\\xe9x.index: 1 documents" in added.stdout, added.stdout
    with zipfile.ZipFile(os.fsdecode(index)) as zf:  # still UTF-8 JSON (an escaped surrogate), readable as before
        meta = json.loads(zf.read("meta.json").decode("utf-8"))
    (rec,) = meta["docs"].values()
    assert os.fsencode(rec["path"]) == name

    reprint = str(_reprint(tmp_path))
    text = _cli("query", reprint, "--index", index, cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert b"indexed: " + raw_dir + b"/caf\\xe9.txt [en]" in text.stdout, text.stdout
    text.stdout.decode("utf-8")  # what is printed is UTF-8
    as_json = _cli("query", reprint, "--index", index, "--json", cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout.decode("utf-8"))
    assert os.fsencode(report["documents"][0]["matches"][0]["indexed"]["doc"]) == name
    assert report["index"]["location"].endswith("/ind\\xe9x.index")  # the location is a label, shown escaped
    # the file itself queried: its own name, shown escaped, in the text report
    itself = _cli("query", name, "--index", index, cwd=tmp_path)
    assert itself.returncode == 0, itself.stderr
    assert raw_dir + b"/caf\\xe9.txt (en, " in itself.stdout, itself.stdout
    itself_json = json.loads(_cli("query", name, "--index", index, "--json", cwd=tmp_path).stdout.decode("utf-8"))
    assert os.fsencode(itself_json["documents"][0]["doc"]) == name
