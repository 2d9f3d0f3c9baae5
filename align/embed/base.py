"""The encoder interface every embedding backend implements.

The aligner scores a source window of sentences against a target window, so besides
``encode`` (one vector per sentence) an encoder offers ``encode_windows``: vectors for
every run of 1..K consecutive sentences. The default implementation embeds the joined
strings, which is what a transformer needs (its vector of a concatenation cannot be
derived from the parts). Encoders whose vectors *can* be assembled from per-sentence
pieces (the bundled USE-m3 deep-averaging network) derive from :class:`AdditiveEncoder`
and make windows almost free; the on-disk cache then stores those pieces instead of
final vectors, so cached sentences also give cached windows.

Example::

    >>> enc = load_encoder("use-m3")          # doctest: +SKIP
    >>> enc.encode(["Guten Morgen.", "Good morning."]).shape   # doctest: +SKIP
    (2, 512)
    >>> [w.shape for w in enc.encode_windows(["A.", "B.", "C."], 2)]  # doctest: +SKIP
    [(3, 512), (2, 512)]
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from align.parts import Parts, part_owners

__all__ = ["Encoder", "AdditiveEncoder", "check_parts", "l2_normalize", "window_texts", "part_texts"]


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Return ``x`` as float32 with unit-length rows (zero rows stay zero).

    Every encoder returns normalised rows so that a dot product is a cosine, whatever
    the backend does internally.
    """
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    np.maximum(norms, np.float32(1e-12), out=norms)
    return x / norms


def window_texts(texts: Sequence[str], k: int) -> list[str]:
    """The ``len(texts) - k + 1`` strings of ``k`` consecutive texts joined by one space."""
    return [" ".join(texts[i:i + k]) for i in range(len(texts) - k + 1)]


def check_parts(parts: Parts, n: int) -> None:
    """Refuse a parts list that does not give every one of ``n`` texts one or more spans."""
    if len(parts) != n or any(len(p) == 0 for p in parts):
        raise ValueError(f"need one or more parts for each of the {n} texts")


def part_texts(texts: Sequence[str], parts: Parts) -> list[str]:
    """The texts of all parts, text by text, in order."""
    return [t[a:b] for t, spans in zip(texts, parts) for a, b in spans]


class Encoder(ABC):
    """A sentence encoder: text in, unit-length float32 vectors out.

    ``name`` is a stable id recorded in output metadata and in cache keys (e.g.
    ``"use-m3"``); ``fingerprint`` adds what must change the cache key when the model
    changes (weights, code version); ``dim`` is the vector size.
    """

    name: str
    dim: int

    @property
    def fingerprint(self) -> str:
        """Cache-key identity of the model; override when ``name`` alone is not enough."""
        return self.name

    @abstractmethod
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed each text independently: float32 ``(len(texts), dim)``, rows L2-normalised.

        An empty input gives an empty ``(0, dim)`` array rather than an error, so callers
        need no special case for empty documents. Row ``i`` should depend on ``texts[i]``
        alone, bit for bit, or a vector read from the cache differs from one computed
        beside other texts (use-m3 guarantees it; see :mod:`align.exact`).
        """

    def encode_windows(self, texts: Sequence[str], max_window: int) -> list[np.ndarray]:
        """Embed every run of ``k`` consecutive texts, for ``k = 1 .. max_window``.

        Element ``k - 1`` has shape ``(len(texts) - k + 1, dim)`` (``(0, dim)`` when there
        are fewer than ``k`` texts); its row ``i`` embeds ``" ".join(texts[i:i + k])``.

        This default embeds the joined strings with :meth:`encode`. It costs about
        ``max_window * (max_window + 1) / 2`` times the work of ``encode``, which is
        unavoidable for contextual models such as sentence-transformers.
        """
        if max_window < 1:
            raise ValueError(f"max_window must be >= 1, got {max_window}")
        texts = list(texts)
        # one encode call for all window sizes, so the backend batches them together
        joined: list[str] = []
        counts: list[int] = []
        for k in range(1, max_window + 1):
            w = window_texts(texts, k)
            joined.extend(w)
            counts.append(len(w))
        vectors = self.encode(joined) if joined else np.zeros((0, self.dim), np.float32)
        out: list[np.ndarray] = []
        start = 0
        for c in counts:
            out.append(vectors[start:start + c])
            start += c
        return out

    def encode_with_parts(
        self, texts: Sequence[str], parts: Parts, max_window: int
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Window vectors of ``texts`` and of their parts (``parts[i]`` splits ``texts[i]``).

        The second list is :meth:`encode_windows` over the sequence of all parts, text by
        text. This default embeds each part as a text of its own; an encoder that can take
        parts from the pass over the whole texts (:class:`AdditiveEncoder`) does so, at
        almost no extra cost.
        """
        texts = list(texts)
        return self.encode_windows(texts, max_window), self.encode_windows(part_texts(texts, parts), max_window)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class AdditiveEncoder(Encoder):
    """An encoder whose window vectors are assembled from per-sentence and per-join states.

    A deep-averaging network sums per-token features before a small head, so a window's
    feature sum is the sum of its sentences' sums, corrected at each join between two
    neighbours (the tokens near a join see the other sentence). Subclasses provide:

    - :meth:`sentence_states`: one fixed-size float32 row per sentence;
    - :meth:`join_states`: one row per adjacent pair ``(left[i], right[i])``;
    - :meth:`embed_states` / :meth:`window_embeddings`: the cheap head on top;
    - :meth:`sentence_part_states` / :meth:`part_window_embeddings`: the same for the
      parts of sentences (clauses), taken from the sentence's own pass.

    Splitting it this way lets :class:`~align.embed.cached.CachedEncoder` cache the states
    (keyed by a sentence, or by a pair of neighbours) instead of final vectors.
    ``state_dim`` and ``join_dim`` are the widths of those rows.
    """

    state_dim: int
    join_dim: int
    part_dim: int

    @abstractmethod
    def sentence_states(self, texts: Sequence[str]) -> np.ndarray:
        """Per-sentence states, float32 ``(len(texts), state_dim)``."""

    @abstractmethod
    def join_states(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        """Per-join corrections for ``left[i]`` followed by ``right[i]``: float32 ``(n, join_dim)``."""

    @abstractmethod
    def embed_states(self, states: np.ndarray) -> np.ndarray:
        """Sentence vectors from sentence states: ``(n, dim)``, rows L2-normalised."""

    @abstractmethod
    def window_embeddings(
        self, states: np.ndarray, joins: np.ndarray | None, max_window: int
    ) -> list[np.ndarray]:
        """Window vectors (as :meth:`Encoder.encode_windows`) from the states of ``n``
        consecutive sentences and the ``n - 1`` joins between them (``joins`` may be
        ``None`` when ``max_window == 1`` or ``n < 2``)."""

    @abstractmethod
    def sentence_part_states(self, texts: Sequence[str], parts: Parts) -> tuple[np.ndarray, np.ndarray]:
        """Sentence states and part states (``(total parts, part_dim)``, text by text) from one pass."""

    @abstractmethod
    def part_window_embeddings(
        self, states: np.ndarray, joins: np.ndarray | None, part_states: np.ndarray,
        owners: np.ndarray, max_window: int, sentence_windows: list[np.ndarray] | None = None,
    ) -> list[np.ndarray]:
        """Window vectors over the sequence of parts; ``owners[p]`` is the text part ``p`` is in.

        ``sentence_windows`` (the texts' :meth:`window_embeddings`, optional) lets runs of
        whole texts be copied instead of computed."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_states(self.sentence_states(list(texts)))

    def encode_windows(self, texts: Sequence[str], max_window: int) -> list[np.ndarray]:
        if max_window < 1:
            raise ValueError(f"max_window must be >= 1, got {max_window}")
        texts = list(texts)
        states = self.sentence_states(texts)
        if max_window > 1 and len(texts) > 1:
            joins = self.join_states(texts[:-1], texts[1:])
        else:
            joins = None
        return self.window_embeddings(states, joins, max_window)

    def encode_with_parts(
        self, texts: Sequence[str], parts: Parts, max_window: int
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        if max_window < 1:
            raise ValueError(f"max_window must be >= 1, got {max_window}")
        texts = list(texts)
        states, part_states = self.sentence_part_states(texts, parts)
        joins = self.join_states(texts[:-1], texts[1:]) if max_window > 1 and len(texts) > 1 else None
        return self.windows_with_parts(states, joins, part_states, parts, max_window)

    def windows_with_parts(
        self, states: np.ndarray, joins: np.ndarray | None, part_states: np.ndarray, parts: Parts,
        max_window: int,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Sentence windows and part windows from states, however those were obtained
        (one pass, or the cache): the parts' runs of whole sentences reuse the former."""
        windows = self.window_embeddings(states, joins, max_window)
        return windows, self.part_window_embeddings(
            states, joins, part_states, part_owners(parts), max_window, windows
        )

