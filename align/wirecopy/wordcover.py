"""Word coverage: how much of each sentence finds a counterpart word in the other.

A sentence vector says what a sentence is about, and a sentence of the same scene is
about the same thing: "Tom groaned louder" and "Tom got out a bit of paper" both sit
near every other sentence about Tom. A translation differs in that *each* of its words
has a counterpart on the other side ("Papier" / "paper", "sorgfältig" / "carefully").
So each word is embedded alone with the multilingual encoder, each word of one sentence
takes its best cosine to a word of the other, and the coverage of a pair is the smaller
of the two directions' means, each word weighted by its inverse sentence frequency in
the collection (a name on every page, or "und", vouches for little).

On the wire-copy benchmark's one-sentence candidates it adds to what the sentence
cosine and the margin tell: over ten seeds
(each of the five fitting seeds scored by a model fitted on the other four, five more
never fitted on), the lone-pair model takes 150 of 181 true candidates for 10 false
ones with coverage, 142 for 9 without it; the fixed bars it replaced took 129 for 7
(``python -m bench.wirecopy_lone [--drop coverage]``).

Only the words of the pairs scored are embedded, in one encoder call (cached like any
text); the finder scores only the lone pairs its model could take at full coverage.

The word cosines are exact for the vectors as rounded by
:func:`align.exact.quantize_rows`, and the weighted means are exactly rounded sums
(``math.fsum``): a float32 BLAS product and a BLAS dot rounded them differently with
the kernel and the call's shape, and the lone-pair model turns coverage into a decision.

Example::

    >>> content_words("Tom got out a bit of paper.")
    ['tom', 'got', 'out', 'bit', 'paper']
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from align.exact import quantize_rows

__all__ = ["content_words", "WordCoverage"]

_WORD = re.compile(r"\w+(?:['’]\w+)?")
_MIN_LETTERS = 3


def content_words(text: str) -> list[str]:
    """Lower-cased words of three characters or more, numbers left out (they are anchors, not words)."""
    return [w.lower() for w in _WORD.findall(text) if len(w) >= _MIN_LETTERS and not w.isdigit()]


class WordCoverage:
    """Coverage scores for sentence pairs of one collection (see the module docstring).

    ``collection``: every sentence of the collection, for the words' sentence frequencies.
    """

    def __init__(self, encoder, collection: Iterable[str]) -> None:
        self.encoder = encoder
        self.frequency: Counter[str] = Counter()
        self.sentences = 0
        for text in collection:
            self.frequency.update(set(content_words(text)))
            self.sentences += 1

    def _weight(self, word: str) -> float:
        # a word of a candidate is in the collection; +1 keeps a stranger's weight finite
        return math.log((self.sentences + 1) / (self.frequency.get(word, 0) + 1)) + 1e-3

    def scores(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Coverage in [-1, 1] of each ``(a, b)`` pair (0 when either side has no words)."""
        split = [(content_words(a), content_words(b)) for a, b in pairs]
        vocab = sorted({w for wa, wb in split for w in (*wa, *wb)})
        out = np.zeros(len(pairs), np.float64)
        if not vocab:
            return out
        q, scale = quantize_rows(np.asarray(self.encoder.encode(vocab), np.float32))
        row = {w: i for i, w in enumerate(vocab)}
        weight = np.array([self._weight(w) for w in vocab])
        for k, (wa, wb) in enumerate(split):
            if not wa or not wb:
                continue
            ia = np.fromiter((row[w] for w in wa), np.int64, len(wa))
            ib = np.fromiter((row[w] for w in wb), np.int64, len(wb))
            sims = q[ia] @ q[ib].T  # integers below 2**53: exact in any order of summation
            sims *= scale[ia, None]  # powers of two: exact
            sims *= scale[None, ib]
            out[k] = min(_weighted_mean(sims.max(axis=1), weight[ia]), _weighted_mean(sims.max(axis=0), weight[ib]))
        return out


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """``sum(values * weights) / sum(weights)``, each sum exactly rounded (in any order)."""
    return math.fsum((values * weights).tolist()) / math.fsum(weights.tolist())
