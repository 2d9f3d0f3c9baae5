"""Sentence vectors for finding translations across a collection (bitext mining).

A whole-sentence vector of a deep-averaging encoder says *what* a sentence is about;
a sentence of the same scene says much the same. A translation also keeps the *order*
of what is said: its first half matches the first half, its second half the second.
So each sentence is mined with its own vector and the vectors of its two halves (split
at the middle word), concatenated with weights so that the dot product of two mining
vectors is

    (cos(a, b) + w * (cos(a1, b1) + cos(a2, b2)) / 2) / (1 + w)

Retrieval of Tom Sawyer's gold translations among all sentences of the other language
rises from 0.794 to 0.819 (precision at 1) with ``w`` = 0.5, and on the wire-copy
benchmark translated precision from 0.892 to 0.921 at the same recall (mean of five
seeds; ``bench/RESULTS.md``). ``w`` = 0 gives the plain sentence vectors.

Example::

    >>> halves("Tom ran to the door and looked out")
    ('Tom ran to the', 'door and looked out')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["halves", "mining_vectors"]


def halves(text: str) -> tuple[str, str]:
    """The text cut at its middle word boundary (a one-word text is both halves)."""
    words = text.split()
    if len(words) < 2:
        return text, text
    k = len(words) // 2
    return " ".join(words[:k]), " ".join(words[k:])


def mining_vectors(encoder, texts: Sequence[str], half_weight: float) -> np.ndarray:
    """Unit vectors whose dot products mix the sentence and half-sentence cosines (see above)."""
    texts = list(texts)
    whole = encoder.encode(texts)
    if half_weight <= 0 or not texts:
        return whole
    parts = [halves(t) for t in texts]
    first = encoder.encode([a for a, _ in parts])
    second = encoder.encode([b for _, b in parts])
    scale = np.float32(np.sqrt(half_weight / 2))
    out = np.concatenate([whole, scale * first, scale * second], axis=1)
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), np.float32(1e-12))
    return out.astype(np.float32, copy=False)
