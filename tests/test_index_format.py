"""The index's stored formats execute nothing: a file is a zip of plain arrays and JSON, Redis
holds passage keys as plain bytes, and an index in the old pickled layout (or a file made
to run code when unpickled) is refused in one line without ever reaching ``pickle``."""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from align.errors import InputError
from align.index import open_index
from align.index.query_output import to_dict
from align.index.store import FORMAT
from align.read import read_document
from tests.index_support import REDIS_URL, build_file_index, needs_redis
from tests.conftest import SAMPLES

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = sorted(SAMPLES.glob("0*.txt"))


class _Payload:
    """Unpickling this creates ``marker``: what a hostile 'index' file would do instead."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple:
        return (open, (self.marker, "w"))


def _live(payload: bytes, marker: Path) -> None:
    """Check that ``payload`` really runs code when unpickled, so a test on it can fail."""
    assert not marker.exists()
    pickle.loads(payload)
    assert marker.exists()
    marker.unlink()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "align", "index", *args], check=False, capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def _docs() -> list:
    return [read_document(str(p), "und") for p in ARTICLES]


def _reprint(tmp_path: Path) -> Path:
    lines = (SAMPLES / "001_aab225ae7d9de552.txt").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "reprint.txt"
    path.write_text("A local paper reprinted the story.\n" + "\n".join(lines[2:6]) + "\n", encoding="utf-8")
    return path




def _matches(index, docs) -> list[dict]:
    return to_dict(index.query(docs), "", (0, 0), {})["documents"]


# --- the file format ------------------------------------------------------------------------


def test_an_index_file_is_a_zip_of_plain_arrays_and_json(tmp_path: Path) -> None:
    path = tmp_path / "w.index"
    build_file_index(path, _docs())
    assert path.read_bytes()[:4] == b"PK\x03\x04"
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["keys.npy", "meta.json", "shingle_offsets.npy", "shingles.npy",
                                         "signatures.npy"]
        meta = json.loads(zf.read("meta.json"))
    assert (meta["magic"], meta["version"]) == ("align-wirecopy-index", FORMAT) and FORMAT == 2
    assert len(meta["docs"]) == len(ARTICLES) and meta["next_doc"] == len(ARTICLES)
    with np.load(path, allow_pickle=False) as z:  # every member readable with pickling off
        keys = z["keys"].tobytes().decode().split("\n")
        sig, offsets, flat = z["signatures"], z["shingle_offsets"], z["shingles"]
    assert meta["passages"] == len(keys) == len(set(keys)) == sig.shape[0] == len(offsets) - 1 > 100
    assert sig.dtype == np.uint32 and sig.shape[1] == meta["settings"]["num_perm"]
    assert offsets[-1] == len(flat) and all(re.fullmatch(r"\d+:\d+:\d+", k) for k in keys)
    # what is stored is what the index computes: the signature rows are the MinHash of the shingles
    index = open_index(str(path))
    assert np.array_equal(index.hasher.signatures([flat[offsets[i]:offsets[i + 1]] for i in range(len(keys))]), sig)


def test_a_reloaded_index_answers_like_the_one_in_memory(tmp_path: Path) -> None:
    """Built over three runs (load, add, save), the file gives the same matches, counts and
    LSH candidates as one index built in memory at once."""
    docs, reprint = _docs(), [read_document(str(_reprint(tmp_path)), "und")]
    memory = open_index(str(tmp_path / "never-saved.index"), writable=True)
    memory.add(docs)
    path = tmp_path / "runs.index"
    for part in (docs[:2], docs[2:3], docs[3:]):
        build_file_index(path, part)
    loaded = open_index(str(path))
    assert loaded.counts() == memory.counts() == (len(docs), memory.counts()[1])
    assert _matches(loaded, reprint) == _matches(memory, reprint) != [{"doc": str(tmp_path / "reprint.txt"),
                                                                        "lang": "en", "matches": []}]
    assert _matches(loaded, docs) == _matches(memory, docs)
    sigs = loaded.hasher.signatures(loaded.hasher.shingles([["the", "pentagon", "said"], ["xinhua", "reported"]]))
    candidates = [[sorted(k) for k in i.store.lsh.query_many(sigs)] for i in (loaded, memory)]
    assert candidates[0] == candidates[1]
    memory.close()


def test_bulk_insertion_fills_datasketch_storage_exactly_as_its_own_insert() -> None:
    """``PassageIndex.add`` fills the in-memory LSH's dicts directly (loading a file rebuilds
    the buckets that way); the result must be what datasketch's insertion session makes."""
    from datasketch import MinHashLSH

    from align.wirecopy.lsh import PassageIndex
    from align.wirecopy.minhash import MinHasher
    from align.wirecopy.monolingual import sentence_words

    hasher = MinHasher()
    words = [w for doc in sentence_words(_prepared()) for w in doc]
    shingles = hasher.shingles(words + [words[0]])  # a repeated passage: shared buckets
    rng = np.random.default_rng(0)
    signatures = np.vstack([hasher.signatures(shingles),
                            rng.integers(0, 2**32, size=(66_000, 128), dtype=np.uint32)])  # > one block
    keys = [f"{i}:0:0" for i in range(len(signatures))]
    bulk = PassageIndex(hasher, 0.6)
    bulk.add(keys[:10], signatures[:10])
    assert bulk._bulk_ok(keys[0], signatures[0])  # the direct fill is what is tested here, not the fallback
    bulk.add(keys[10:], signatures[10:])
    reference = MinHashLSH(threshold=0.6, num_perm=128)
    with reference.insertion_session() as session:
        for key, sig in zip(keys, signatures):
            session.insert(key, hasher.lean(sig), check_duplication=False)
    assert dict(bulk.lsh.keys._dict) == dict(reference.keys._dict)
    assert len(bulk.lsh.hashtables) == len(reference.hashtables) == 18
    for ours, theirs in zip(bulk.lsh.hashtables, reference.hashtables):
        assert dict(ours._dict) == dict(theirs._dict)
    assert bulk.lsh._minhash_scheme == reference._minhash_scheme == "affine32"
    for sig in signatures[::997]:
        assert sorted(bulk.query(sig)) == sorted(reference.query(hasher.lean(sig)))


def _prepared() -> list:
    from align.wirecopy.finder import prepare_document as prepare

    return [prepare(d) for d in _docs()]


def test_a_pickle_index_file_is_refused_in_one_line_and_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    state = {"magic": "align-wirecopy-index", "version": 1, "settings": _Payload(marker), "docs": {}}
    payload = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    _live(payload, marker)
    evil = tmp_path / "evil.index"
    evil.write_bytes(payload)
    sample = str(ARTICLES[0])
    for args in (("query", sample, "--index", str(evil)), ("add", sample, "--index", str(evil)),
                 ("query", sample, "--index", str(evil), "--json")):
        done = _cli(*args, cwd=tmp_path)
        assert not marker.exists(), "the index file was unpickled"
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert "old format" in done.stderr and "rebuild it" in done.stderr and "align index add" in done.stderr
    assert evil.read_bytes() == payload  # 'add' did not replace it either
    # a protocol-0 pickle (no PROTO opcode in front) is not taken for anything either
    evil.write_bytes(pickle.dumps(state, protocol=0))
    with pytest.raises(InputError, match="not an align wire-copy index"):
        open_index(str(evil))
    assert not marker.exists()


def test_a_pickle_inside_the_zip_is_refused_and_never_unpickled(tmp_path: Path) -> None:
    """An otherwise valid index whose signatures member is an object array (a pickle in .npy)."""
    good = tmp_path / "good.index"
    build_file_index(good, _docs()[:2])
    marker = tmp_path / "pwned"
    _live(pickle.dumps(_Payload(marker)), marker)
    evil = tmp_path / "evil.index"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w") as dst:
        for name in src.namelist():
            if name == "signatures.npy":
                with dst.open(name, "w") as out:
                    np.lib.format.write_array(out, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
            else:
                dst.writestr(name, src.read(name))
    done = _cli("query", str(ARTICLES[0]), "--index", str(evil), cwd=tmp_path)
    assert not marker.exists(), "the signatures member was unpickled"
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "damaged" in done.stderr and "rebuild it" in done.stderr


def test_other_bad_files_give_one_line_saying_what_to_do(tmp_path: Path) -> None:
    good = tmp_path / "good.index"
    build_file_index(good, _docs()[:2])
    data = good.read_bytes()
    cases = {
        "truncated": (data[: len(data) // 2], "damaged or not an align index file"),
        "text": (b"archive of 2025\n", "not an align wire-copy index"),
        "empty": (b"", "not an align wire-copy index"),
    }
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    meta = json.loads(members["meta.json"])

    def rezip(**changes: bytes) -> bytes:
        path = tmp_path / "rezip"
        with zipfile.ZipFile(path, "w") as zf:
            for name, body in {**members, **changes}.items():
                if body is not None:
                    zf.writestr(name, body)
        return path.read_bytes()

    cases["newer"] = (rezip(**{"meta.json": json.dumps({**meta, "version": 3}).encode()}), "another version of align")
    cases["other zip"] = (rezip(**{"meta.json": b'{"tool": "something else"}'}), "not an align wire-copy index")
    cases["no meta"] = (rezip(**{"meta.json": None}), "damaged")
    cases["bad record"] = (rezip(**{"meta.json": json.dumps({**meta, "docs": {"0": {"path": 1}}}).encode()}),
                           "document record '0' is malformed")
    cases["short keys"] = (rezip(**{"meta.json": json.dumps({**meta, "passages": meta["passages"] + 1}).encode()}),
                           "do not match")
    for label, (body, says) in cases.items():
        path = tmp_path / f"{label}.index"
        path.write_bytes(body)
        with pytest.raises(InputError) as err:
            open_index(str(path))
        message = str(err.value)
        assert says in message and "\n" not in message, (label, message)
        assert "rebuild" in message or "give another --index" in message, (label, message)


# --- Redis --------------------------------------------------------------------------------


@needs_redis
def test_redis_keys_are_plain_bytes(tmp_path: Path, redis_name: str) -> None:
    import redis

    r = redis.Redis.from_url(REDIS_URL)
    index = open_index(redis=REDIS_URL, name=redis_name, writable=True)
    index.add(_docs())
    assert r.hget(f"{redis_name}:meta", "format") == str(FORMAT).encode()
    stored = r.hkeys(f"{redis_name}:lsh_keys")
    assert len(stored) == index.counts()[1] and all(re.fullmatch(rb"\d+:\d+:\d+", k) for k in stored)
    members = r.smembers(r.hvals(f"{redis_name}:lsh_bucket_\x00\x00")[0])
    assert members and all(re.fullmatch(rb"\d+:\d+:\d+", k) for k in members)
    reprint = [read_document(str(_reprint(tmp_path)), "und")]
    assert len(_matches(index, reprint)[0]["matches"]) == 1
    index.close()


@needs_redis
def test_a_pickle_planted_in_redis_runs_nothing(tmp_path: Path, redis_name: str) -> None:
    """Someone with write access to the Redis plants a pickle in the buckets a query reads."""
    import redis

    from align.wirecopy.finder import prepare_document as prepare
    from align.wirecopy.monolingual import sentence_words

    r = redis.Redis.from_url(REDIS_URL)
    index = open_index(redis=REDIS_URL, name=redis_name, writable=True)
    index.add(_docs())
    reprint = [prepare(read_document(str(_reprint(tmp_path)), "und"))]
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(marker))
    _live(payload, marker)
    lsh = index.store.lsh.lsh
    _, _, signatures = index._passages(reprint, sentence_words(reprint))
    start, end = lsh.hashranges[0]
    for sig in signatures:
        r.sadd(lsh.hashtables[0].redis_key(lsh._H(sig[start:end])), payload)
    found = index.store.lsh.query_many(signatures)
    assert not marker.exists(), "a key read from Redis was unpickled"
    assert all(payload.decode("utf-8", "surrogateescape") in keys for keys in found)  # handed back as text
    try:
        index.query(reprint)
        refused = ""
    except Exception as err:  # noqa: BLE001 (the message is checked below)
        refused = f"{type(err).__name__}: {err}"
    assert not marker.exists(), "a key read from Redis was unpickled"
    assert refused.startswith("InputError") and "that align did not write; rebuild the index" in refused, refused
    index.close()


@needs_redis
def test_a_redis_index_made_with_pickled_keys_is_refused_in_one_line(tmp_path: Path, redis_name: str) -> None:
    """An index the previous align made: settings in NAME:meta, no format, keys pickled."""
    import redis

    from align.index.archive import IndexSettings

    r = redis.Redis.from_url(REDIS_URL)
    r.hset(f"{redis_name}:meta", mapping={"settings": json.dumps(IndexSettings().to_dict()), "next_doc": 1})
    r.hset(f"{redis_name}:lsh_keys", pickle.dumps("0:0:0"), f"{redis_name}:lsh_keys".encode() + pickle.dumps("0:0:0"))
    for writable in (False, True):
        with pytest.raises(InputError, match="made by an older align, whose LSH keys are pickles.*rebuild it"):
            open_index(redis=REDIS_URL, name=redis_name, writable=writable)
    done = _cli("query", str(ARTICLES[0]), "--redis", REDIS_URL, "--name", redis_name, cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert f"--pattern '{redis_name}:*'" in done.stderr
    assert r.hget(f"{redis_name}:meta", "format") is None  # refused before anything was written

