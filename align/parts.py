"""Parts of sentences (their clauses), shared by the three stages that use them.

The segmenter cuts each sentence into parts (:func:`align.segment.clauses.clause_spans`),
the encoder embeds the parts in the context of their sentence
(:meth:`align.embed.base.Encoder.encode_with_parts`), and the search aligns them to
refine the sentence beads (:func:`align.search.refine.refine_alignment`). This module
holds what all three must agree on: the shape of the parts and which sentence each
part belongs to.

Example::

    >>> part_owners([[(0, 10), (10, 25)], [(0, 8)]]).tolist()
    [0, 0, 1]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["Parts", "part_lengths", "part_owners"]

Parts = Sequence[Sequence[tuple[int, int]]]
"""Per sentence, character spans ``(start, end)`` that cover it in order (its clauses)."""


def part_owners(parts: Parts) -> np.ndarray:
    """The sentence each part belongs to, part by part."""
    return np.repeat(np.arange(len(parts)), [len(p) for p in parts]).astype(np.int64)


def part_lengths(parts: Parts) -> np.ndarray:
    """The length in characters of each part, part by part (what the search weighs them by)."""
    return np.array([b - a for p in parts for a, b in p], dtype=np.float64)
