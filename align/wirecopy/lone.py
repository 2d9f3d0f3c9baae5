"""Is a lone cross-lingual sentence pair a translation? A small logistic model decides.

A passage of several matched sentences vouches for itself (chance rarely lines up
consecutive sentences in both documents). A passage of one sentence pair has only its
own evidence, and no single measure of it is enough: a sentence of the same novel or
the same story can have a translation's cosine ("Tom groaned louder" near "Tom got out
a bit of paper"), and a sentence among unrelated ones gets a high margin from a modest
cosine. Five measures of the pair together do much better than thresholds on two or
three of them:

* ``margin``: the ratio margin of the pair (:mod:`align.wirecopy.crosslingual`);
* ``cosine``: its mixed sentence/half-sentence cosine (:mod:`align.wirecopy.mining`);
* ``coverage``: word coverage (:mod:`align.wirecopy.wordcover`);
* ``log_chars``: the natural log of the shorter sentence's length in characters (a
  short sentence's vector rests on few words);
* ``length_ratio``: shorter / longer length (translations keep their proportions).

The probability is ``1 / (1 + exp(-(weights . features + bias)))`` and a pair is taken
at ``threshold`` or above. Decisions compare the logit ``weights . features + bias``,
summed term by term in a fixed order, with the threshold's logit: a BLAS dot product
adds the terms in an order (and with fused multiply-adds) chosen by the kernel, and
numpy's ``exp`` has its own SIMD code on some CPUs, so either could move a pair
across the threshold on another machine. The default coefficients were fitted by logistic regression
on the wire-copy benchmark's one-sentence candidates (five seeds, both parallel sets)
and the threshold set where the fitted model keeps 95 % precision on them;
``python -m bench.wirecopy_lone`` refits them and prints the held-out figures
(each seed scored by a model fitted on the other four).

The coefficients are the bundled use-m3 encoder's: another encoder spreads its cosines
and margins differently, so with ``--model NAME`` refit them with
``python -m bench.wirecopy_lone --model NAME`` and pass the printed model as
``WireCopyConfig(lone=...)``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["FEATURES", "LoneModel", "DEFAULT_LONE_MODEL", "best_per_sentence", "lone_features"]

FEATURES = ("margin", "cosine", "coverage", "log_chars", "length_ratio")


@dataclass(frozen=True)
class LoneModel:
    """Logistic model over :data:`FEATURES`; ``accept`` says which pairs are translations."""

    weights: tuple[float, ...]
    bias: float
    threshold: float

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"a lone model needs {len(FEATURES)} weights ({', '.join(FEATURES)}), got {len(self.weights)}")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"the lone model's threshold is a probability in (0, 1), got {self.threshold}")

    def logit(self, features: np.ndarray) -> np.ndarray:
        """``weights . features + bias`` for each row, the same bits on every machine:
        numpy's element-wise products and sums, in the order of :data:`FEATURES` (no
        BLAS, whose dot product sums in the kernel's own order)."""
        features = np.asarray(features, np.float64).reshape(-1, len(FEATURES))
        z = np.zeros(len(features), np.float64)
        for j, w in enumerate(self.weights):
            z += features[:, j] * w
        z += self.bias
        return z

    @property
    def logit_threshold(self) -> float:
        """The logit at which the probability reaches ``threshold``."""
        return math.log(self.threshold) - math.log1p(-self.threshold)

    def probability(self, features: np.ndarray) -> np.ndarray:
        """Probability that each row of ``features`` (columns as :data:`FEATURES`) is a translation."""
        return 1.0 / (1.0 + np.exp(-self.logit(features)))

    def accept(self, features: np.ndarray) -> np.ndarray:
        """Which rows the model takes (probability at ``threshold`` or above, compared as logits)."""
        return self.logit(features) >= self.logit_threshold

    def could_accept(self, features: np.ndarray, column: int, lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
        """Which rows would be accepted for some value in ``[lo, hi]`` of feature ``column``
        (the others need not have it computed)."""
        features = np.array(features, np.float64).reshape(-1, len(FEATURES))
        features[:, column] = hi if self.weights[column] >= 0 else lo
        return self.accept(features)

    def to_dict(self) -> dict:
        return {"features": list(FEATURES), "weights": list(self.weights), "bias": self.bias,
                "threshold": self.threshold}


def lone_features(margin: float, cosine: float, coverage: float, chars_a: int, chars_b: int) -> list[float]:
    """The :data:`FEATURES` row of one pair (lengths in characters of its two sentences)."""
    shorter, longer = min(chars_a, chars_b), max(chars_a, chars_b)
    return [margin, cosine, coverage, math.log(max(shorter, 1)), shorter / max(longer, 1)]


def best_per_sentence(pairs: Sequence[tuple[Hashable, str, Hashable, str]], probability: np.ndarray) -> np.ndarray:
    """Which candidates are the most probable partner of both their sentences.

    ``pairs[i]`` is ``(sentence_a, text_a, sentence_b, text_b)`` (sentences as any keys,
    e.g. ``(doc, index)``); ``probability`` may be any increasing function of it, such
    as :meth:`LoneModel.logit`. A lone pair has no context to tell it from its sentence's
    better match elsewhere ("There was something in the tone that made Tom apprehensive."
    beside both "Es war etwas in dem Ton, was Tom stutzen machte." and a sentence of
    another scene), so a sentence keeps only its most probable partner *text*: copies of
    one text in several documents tie and all stay.
    """
    best: dict[Hashable, tuple[float, str]] = {}
    for (ka, ta, kb, tb), p in zip(pairs, probability):
        for key, partner in ((ka, tb), (kb, ta)):
            if key not in best or p > best[key][0]:
                best[key] = (float(p), partner)
    return np.array([best[ka][1] == tb and best[kb][1] == ta for ka, ta, kb, tb in pairs], bool)


# fitted by ``python -m bench.wirecopy_lone`` (see the module docstring)
DEFAULT_LONE_MODEL = LoneModel(weights=(12.3648, 7.839, 7.048, 0.8141, 0.668), bias=-30.9108, threshold=0.216)
