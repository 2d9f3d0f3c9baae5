"""An encoder whose vectors (or states) come from the on-disk embedding cache.

:class:`CachedEncoder` wraps any :class:`~align.embed.base.Encoder`: it asks the
:class:`~align.embed.cache.EmbeddingCache` first and computes only what is missing, so a
document seen before costs only the cheap head. Kept apart from the store: the store
knows rows, bytes and eviction; this module knows what an encoder's vectors are made of
(sentence and join states of an additive encoder, or final vectors).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from align.embed.base import AdditiveEncoder, Encoder, check_parts
from align.embed.cache import EmbeddingCache
from align.parts import Parts

__all__ = ["CachedEncoder"]


class CachedEncoder(Encoder):
    """Wrap an encoder so that its vectors (or states) come from an :class:`EmbeddingCache`.

    For an :class:`~align.embed.base.AdditiveEncoder` (use-m3) it caches sentence states
    (namespace ``<fingerprint>/sentence``, keyed by the sentence) and join states
    (``<fingerprint>/join``, keyed by the two neighbouring sentences), so a document seen
    before costs only the cheap head, windows included. For any other encoder it caches
    final vectors (``<fingerprint>/vector``); windows go through the same cache as their
    joined texts.
    """

    def __init__(self, encoder: Encoder, cache: EmbeddingCache) -> None:
        self.encoder = encoder
        self.cache = cache
        self.name = encoder.name

    @property
    def dim(self) -> int:  # type: ignore[override]  # a backend may know it only once loaded
        return self.encoder.dim

    @property
    def fingerprint(self) -> str:
        return self.encoder.fingerprint

    def __repr__(self) -> str:
        return f"CachedEncoder({self.encoder!r}, {self.cache!r})"

    def __getattr__(self, attr: str):
        # expose the wrapped encoder's extras (load, tokenize, threads...) unchanged
        if attr in ("encoder", "cache"):
            raise AttributeError(attr)
        return getattr(self.encoder, attr)

    def _sentence_states(self, texts: list[str]) -> np.ndarray:
        enc = self.encoder
        assert isinstance(enc, AdditiveEncoder)
        return self.cache.memo(
            f"{enc.fingerprint}/sentence", texts, enc.state_dim,
            lambda idx: enc.sentence_states([texts[i] for i in idx]), enc.name,
        )

    def _join_states(self, texts: list[str]) -> np.ndarray:
        enc = self.encoder
        assert isinstance(enc, AdditiveEncoder)
        # an unambiguous key for the pair: length prefix, then both texts
        pairs = [f"{len(a)}:{a}{b}" for a, b in zip(texts[:-1], texts[1:])]
        return self.cache.memo(
            f"{enc.fingerprint}/join", pairs, enc.join_dim,
            lambda idx: enc.join_states([texts[i] for i in idx], [texts[i + 1] for i in idx]), enc.name,
        )

    def _sentence_part_states(self, texts: list[str], parts: Parts) -> tuple[np.ndarray, np.ndarray]:
        """Sentence and part states, cached; a text missing either is computed whole, in one pass.

        Part states are keyed by the part's span and its sentence (namespace
        ``<fingerprint>/part``): a part's features depend on the sentence around it.
        """
        enc = self.encoder
        assert isinstance(enc, AdditiveEncoder)
        check_parts(parts, len(texts))
        states = self.cache.get_many(f"{enc.fingerprint}/sentence", texts, enc.state_dim)
        part_keys = [f"{a}:{b}:{t}" for t, spans in zip(texts, parts) for a, b in spans]
        cached_parts = self.cache.get_many(f"{enc.fingerprint}/part", part_keys, enc.part_dim)
        starts = np.concatenate(([0], np.cumsum([len(p) for p in parts]))).astype(np.int64)
        first: dict[tuple[str, tuple[tuple[int, int], ...]], int] = {}
        todo: list[int] = []
        for i, t in enumerate(texts):
            whole = states[i] is not None and all(v is not None for v in cached_parts[starts[i]:starts[i + 1]])
            if not whole and first.setdefault((t, tuple(parts[i])), i) == i:
                todo.append(i)
        if todo:
            fresh_states, fresh_parts = enc.sentence_part_states([texts[i] for i in todo], [parts[i] for i in todo])
            fresh_starts = np.concatenate(([0], np.cumsum([len(parts[i]) for i in todo]))).astype(np.int64)
            self.cache.put_many(f"{enc.fingerprint}/sentence", [texts[i] for i in todo], fresh_states, enc.name)
            self.cache.put_many(
                f"{enc.fingerprint}/part",
                [k for i in todo for k in part_keys[starts[i]:starts[i + 1]]], fresh_parts, enc.name,
            )
            for r, i in enumerate(todo):
                states[i] = fresh_states[r]
                cached_parts[starts[i]:starts[i + 1]] = list(fresh_parts[fresh_starts[r]:fresh_starts[r + 1]])
        for i, t in enumerate(texts):  # repeated texts take the rows computed for the first
            j = first.get((t, tuple(parts[i])), i)
            if j != i:
                states[i] = states[j]
                cached_parts[starts[i]:starts[i + 1]] = cached_parts[starts[j]:starts[j + 1]]
        return np.stack(states).astype(np.float32), np.stack(cached_parts).astype(np.float32)

    def additive_states(
        self, texts: Sequence[str], parts: Parts, joins: bool
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Sentence states, join states (None unless ``joins``) and part states of consecutive
        ``texts``, from the cache where it has them: what a use-m3 window is assembled from
        (:mod:`align.embed.staged` builds the windows itself, a chunk of sentences at a time,
        keeping only the rows the refinement needs later). The wrapped encoder must be an
        :class:`~align.embed.base.AdditiveEncoder`."""
        if not isinstance(self.encoder, AdditiveEncoder):
            raise TypeError(f"{self.encoder.name} has no sentence states: its windows are embedded whole")
        texts = list(texts)
        states, part_states = self._sentence_part_states(texts, parts)
        return states, (self._join_states(texts) if joins else None), part_states

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        enc = self.encoder
        if isinstance(enc, AdditiveEncoder):
            return enc.embed_states(self._sentence_states(texts))
        return self.cache.memo(
            f"{enc.fingerprint}/vector", texts, enc.dim,
            lambda idx: enc.encode([texts[i] for i in idx]), enc.name,
        )

    def encode_windows(self, texts: Sequence[str], max_window: int) -> list[np.ndarray]:
        enc = self.encoder
        if not isinstance(enc, AdditiveEncoder):
            # the base implementation encodes joined texts through self.encode (cached)
            return super().encode_windows(texts, max_window)
        if max_window < 1:
            raise ValueError(f"max_window must be >= 1, got {max_window}")
        texts = list(texts)
        states = self._sentence_states(texts)
        joins = self._join_states(texts) if max_window > 1 and len(texts) > 1 else None
        return enc.window_embeddings(states, joins, max_window)

    def encode_with_parts(
        self, texts: Sequence[str], parts: Parts, max_window: int
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        enc = self.encoder
        if not isinstance(enc, AdditiveEncoder):
            # the base implementation embeds texts and parts through self.encode_windows (cached)
            return super().encode_with_parts(texts, parts, max_window)
        if max_window < 1:
            raise ValueError(f"max_window must be >= 1, got {max_window}")
        texts = list(texts)
        if not texts:
            return enc.encode_with_parts(texts, parts, max_window)
        states, part_states = self._sentence_part_states(texts, parts)
        joins = self._join_states(texts) if max_window > 1 and len(texts) > 1 else None
        return enc.windows_with_parts(states, joins, part_states, parts, max_window)
