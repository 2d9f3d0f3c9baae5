"""The on-disk embedding cache, where it lives, and :func:`align.embed.load_encoder`.

A hit avoids recomputation (sentence states and joins for use-m3, whole texts for other
encoders); a damaged entry is recomputed and repaired; a cache folder that cannot be used
(unwritable, a file in the way, a garbage database) only turns the cache off. The
fixtures and counting encoders: ``tests/embed_support.py``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from align.embed import CachedEncoder, EmbeddingCache, USEM3Encoder, default_cache_dir, load_encoder
from align.errors import ModelError
from tests.embed_support import _CountingUSE, _FakeEncoder
from tests.privileges import run_python


def test_cache_hit_avoids_recomputation(tmp_path: Path, de_sents: list[str]) -> None:
    inner = _CountingUSE()
    cached = CachedEncoder(inner, EmbeddingCache(tmp_path))
    first = cached.encode_windows(de_sents, 3)
    assert (inner.sentences, inner.joins) == (len(de_sents), len(de_sents) - 1)
    again = CachedEncoder(inner, EmbeddingCache(tmp_path)).encode_windows(de_sents, 3)  # new connection
    assert (inner.sentences, inner.joins) == (len(de_sents), len(de_sents) - 1)
    for a, b in zip(first, again):
        assert np.array_equal(a, b)
    direct = inner.encode_windows(de_sents, 3)
    for a, b in zip(first, direct):
        assert np.abs(a - b).max() < 1e-5
    # sentence vectors come from the same cached states: no new work
    before = (inner.sentences, inner.joins)
    assert np.abs(cached.encode(de_sents[:3]) - first[0][:3]).max() < 1e-6
    assert (inner.sentences, inner.joins) == before


def test_cache_generic_encoder_and_duplicates(tmp_path: Path) -> None:
    inner = _FakeEncoder()
    cached = CachedEncoder(inner, EmbeddingCache(tmp_path))
    v1 = cached.encode(["x", "y", "x"])
    assert inner.seen == ["x", "y"]  # duplicates embedded once
    v2 = cached.encode(["y", "x", "z"])
    assert inner.seen == ["x", "y", "z"]
    assert np.array_equal(v1[0], v2[1]) and np.array_equal(v1[2], v1[0])
    w = cached.encode_windows(["x", "y"], 2)  # windows go through the cache as joined texts
    assert inner.seen == ["x", "y", "z", "x y"] and w[1].shape == (1, 8)


def test_corrupted_entry_is_recomputed(tmp_path: Path) -> None:
    inner = _FakeEncoder()
    store = EmbeddingCache(tmp_path)
    good = CachedEncoder(inner, store).encode(["alpha", "beta"])
    store.close()
    with sqlite3.connect(tmp_path / "embeddings.sqlite3") as db:
        rows = db.execute("SELECT key, data FROM vectors").fetchall()
        key, data = rows[0]
        damaged = bytes([data[0] ^ 0xFF]) + bytes(data[1:])
        db.execute("UPDATE vectors SET data = ? WHERE key = ?", (damaged, key))
        db.execute("UPDATE vectors SET data = ? WHERE key = ?", (bytes(rows[1][1][:5]), rows[1][0]))
    inner.seen.clear()
    store2 = EmbeddingCache(tmp_path)
    again = CachedEncoder(inner, store2).encode(["alpha", "beta"])
    assert sorted(inner.seen) == ["alpha", "beta"]  # both damaged rows recomputed
    assert store2.corrupt == 2
    assert np.array_equal(good, again)
    inner.seen.clear()
    CachedEncoder(inner, EmbeddingCache(tmp_path)).encode(["alpha", "beta"])
    assert inner.seen == []  # and repaired on disk


def test_unusable_cache_dir_runs_without_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    store = EmbeddingCache(blocker / "cache")  # cannot be created: its parent is a file
    inner = _FakeEncoder()
    cached = CachedEncoder(inner, store)
    assert cached.encode(["a"]).shape == (1, 8)
    assert cached.encode(["a"]).shape == (1, 8)
    assert inner.seen == ["a", "a"]
    assert not store.enabled and store.disabled_reason


def test_read_only_cache_dir_runs_without_cache(tmp_path: Path) -> None:
    """A cache folder the process may not write: embedding works, without the cache (checked
    in a child that obeys permission bits even when the tests run as root)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    code = (
        "import sys\nfrom align.embed import load_encoder\nfrom align.embed.cache import EmbeddingCache\n"
        "from align.embed.cached import CachedEncoder\n"
        "store = EmbeddingCache(sys.argv[1])\n"
        "vectors = CachedEncoder(load_encoder('use-m3', cache=False), store).encode(['Der Hund bellt.'])\n"
        "print(vectors.shape, store.enabled)\n"
    )
    try:
        done = run_python(code, str(ro))
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["(1,", "512)", "False"], done.stdout
        assert os.listdir(ro) == []
    finally:
        ro.chmod(0o700)


def test_garbage_database_file_runs_without_cache(tmp_path: Path) -> None:
    (tmp_path / "embeddings.sqlite3").write_bytes(b"this is not a database" * 100)
    store = EmbeddingCache(tmp_path)
    inner = _FakeEncoder()
    assert CachedEncoder(inner, store).encode(["a", "b"]).shape == (2, 8)
    assert not store.enabled


def test_cache_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("ALIGN_CACHE_DIR")
    assert default_cache_dir() == tmp_path / "xdg" / "align"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "align"


def test_load_encoder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path))
    plain = load_encoder("use-m3", cache=False)
    assert isinstance(plain, USEM3Encoder) and plain is load_encoder("use-m3", cache=False)
    cached = load_encoder()
    assert isinstance(cached, CachedEncoder) and cached.encoder is plain
    assert cached.name == "use-m3" and cached.dim == 512
    cached.encode(["Hallo."])
    assert (tmp_path / "embeddings.sqlite3").exists()


def test_missing_model_directory_is_a_one_line_model_error() -> None:
    with pytest.raises(ModelError) as err:
        load_encoder("./no/such/model-dir", cache=False)
    assert "\n" not in str(err.value) and "does not exist" in str(err.value)
