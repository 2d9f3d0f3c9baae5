"""Embedding parts of sentences (clauses): pieces fall in their clause, parts add up to
their sentence, part windows of whole sentences are the sentence windows, and the cache
stores parts from one pass. The fixtures: ``tests/embed_support.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import align.embed.usem3.plan as usem3_plan
from align.embed import CachedEncoder, EmbeddingCache, USEM3Encoder
from align.embed.usem3.model import load_model
from tests.embed_support import _cos, _CountingUSE, _FakeEncoder


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
