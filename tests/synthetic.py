"""Synthetic document pairs with a known alignment, for tests and the search benchmark.

Source sentences are random unit vectors; each target "sentence" is built from the source
sentences it translates (their sum plus noise), or is random where it translates nothing.
Window embeddings are normalised sums, which is how a deep-averaging encoder behaves.
"""

from __future__ import annotations

import numpy as np


def windows(vecs: np.ndarray, max_window: int) -> list[np.ndarray]:
    """Unit embeddings of every run of 1..max_window consecutive sentences."""
    out = []
    for k in range(1, max_window + 1):
        if len(vecs) < k:
            out.append(np.zeros((0, vecs.shape[1]), dtype=np.float32))
            continue
        csum = np.concatenate([np.zeros((1, vecs.shape[1])), np.cumsum(vecs, axis=0)])
        w = csum[k:] - csum[:-k]
        out.append((w / np.linalg.norm(w, axis=1, keepdims=True)).astype(np.float32))
    return out


def make_pair(
    n_beads: int, seed: int = 0, dim: int = 128, noise: float = 0.5,
    mix: dict[tuple[int, int], float] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """Source vectors, target vectors and the gold beads of a random document pair."""
    rng = np.random.default_rng(seed)
    mix = mix or {(1, 1): 0.85, (1, 2): 0.05, (2, 1): 0.05, (0, 1): 0.025, (1, 0): 0.025}
    kinds = list(mix)
    probs = np.array([mix[k] for k in kinds])
    src, tgt, gold = [], [], []
    for _ in range(n_beads):
        a, b = kinds[rng.choice(len(kinds), p=probs / probs.sum())]
        s_ids = tuple(range(len(src), len(src) + a))
        t_ids = tuple(range(len(tgt), len(tgt) + b))
        # a 1-2 bead: the source sentence carries both meanings, each target sentence one of them
        meaning = [rng.standard_normal(dim) for _ in range(max(a, b))]
        for k in range(a):
            src.append(meaning[k] if b <= 1 or a > 1 else sum(meaning))
        for k in range(b):
            base = meaning[k] if a <= 1 or b > 1 else sum(meaning)
            if a == 0:
                base = rng.standard_normal(dim)
            tgt.append(base + noise * rng.standard_normal(dim) * np.sqrt(np.dot(base, base) / dim))
        gold.append((s_ids, t_ids))
    s = np.array(src, dtype=np.float64)
    t = np.array(tgt, dtype=np.float64)
    s /= np.linalg.norm(s, axis=1, keepdims=True)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    return s.astype(np.float32), t.astype(np.float32), gold
