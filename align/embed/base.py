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

__all__ = [
    "CHUNK_SENTENCES",
    "AdditiveEncoder",
    "Encoder",
    "check_parts",
    "l2_normalize",
    "part_texts",
    "window_texts",
    "windows_in_chunks",
]

#: Sentences per call of :func:`windows_in_chunks`: enough for the encoder's batches and
#: threads to stay busy, few enough that one call's working set (token lists, states,
#: joins, the first layer's products, window sums; about 40 KB a sentence for use-m3) is a
#: small constant beside a long document's window vectors.
CHUNK_SENTENCES = 2048


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



def _fill(out: list[np.ndarray | None], got: list[np.ndarray], at: int, rows: int, total: int) -> None:
    """Copy the first ``rows`` rows of each window size of ``got`` (one chunk's windows) to
    rows ``at..`` of ``out`` (the document's, ``total`` items, allocated on first use)."""
    for k, vectors in enumerate(got, start=1):
        if out[k - 1] is None:
            out[k - 1] = np.empty((max(total - k + 1, 0), vectors.shape[1]), vectors.dtype)
        take = min(rows, len(vectors), max(total - k + 1 - at, 0))
        out[k - 1][at:at + take] = vectors[:take]  # type: ignore[index]


def windows_in_chunks(
    encoder: Encoder, texts: Sequence[str], parts: Parts | None, max_window: int,
    chunk: int | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """:meth:`Encoder.encode_windows` (``parts`` None) or :meth:`Encoder.encode_with_parts`
    of a long document, ``chunk`` sentences a call (default :data:`CHUNK_SENTENCES`), into
    arrays of the document's size.

    Why: one call over a whole document holds the whole working set of the embedding at
    once (use-m3: sentence and join states, clause states, the token lists, every window's
    sum), about twice the window vectors themselves; in chunks it is one chunk's. Each call
    takes ``max_window - 1`` sentences past its chunk, so that every window (and run of
    parts) starting in the chunk is whole; only those rows are kept. A window's vector
    depends on its own sentences alone (:meth:`Encoder.encode`'s contract; use-m3 is exact,
    :mod:`align.exact`), so the result is the single call's, bit for bit. Returns the
    sentence windows and the parts' windows (None without ``parts``).
    """
    if max_window < 1:
        raise ValueError(f"max_window must be >= 1, got {max_window}")
    chunk = CHUNK_SENTENCES if chunk is None else chunk
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    texts = list(texts)
    n = len(texts)
    if parts is not None:
        check_parts(parts, n)
    if n <= chunk:
        if parts is None:
            return encoder.encode_windows(texts, max_window), None
        return encoder.encode_with_parts(texts, parts, max_window)
    windows: list[np.ndarray | None] = [None] * max_window
    part_windows: list[np.ndarray | None] = [None] * max_window
    first_part = np.concatenate(([0], np.cumsum([len(p) for p in parts]))) if parts is not None else None
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        end = min(hi + max_window - 1, n)  # the windows that start in the chunk end by here
        if parts is None:
            got = encoder.encode_windows(texts[lo:end], max_window)
        else:
            assert first_part is not None
            got, got_parts = encoder.encode_with_parts(texts[lo:end], parts[lo:end], max_window)
            p0, p1 = int(first_part[lo]), int(first_part[hi])
            _fill(part_windows, got_parts, p0, p1 - p0, int(first_part[-1]))
            del got_parts
        _fill(windows, got, lo, hi - lo, n)
        del got
    out = [w for w in windows if w is not None]
    out_parts = [w for w in part_windows if w is not None]
    assert len(out) == max_window and (parts is None or len(out_parts) == max_window)
    return out, (out_parts if parts is not None else None)
