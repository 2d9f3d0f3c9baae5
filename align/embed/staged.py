"""Sentence windows for the sentence search now, clause windows for the refinement later.

Why a module of its own: the refinement's clause windows (about 1.75 clauses a sentence,
four run sizes each: 14 KB a sentence) were built with the sentence windows (8 KB) and
held through the sentence search, whose own working data came on top; that moment was a
long document's peak. With use-m3 a clause window is assembled from small per-clause and
per-seam rows (:mod:`align.embed.usem3.windows`), so those rows (under 6 KB a sentence)
are what is kept through the sentence search, and the clause windows are built after it,
side by side, each side's sentence windows (whose vectors the runs of whole sentences
copy) dropped as soon as its clause windows exist. Every vector is the one
:meth:`~align.embed.base.Encoder.encode_with_parts` gives, bit for bit.

Any other encoder gets both at once (:func:`~align.embed.base.windows_in_chunks`), as
before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from align.embed import base
from align.embed.base import AdditiveEncoder, Encoder, check_parts, windows_in_chunks
from align.embed.cached import CachedEncoder
from align.parts import Parts, part_owners

__all__ = ["ClauseWindows", "embed_staged"]

#: Sentences a call when clause windows are built from kept rows: no pass over tokens
#: then, so nothing is gained by larger calls, and a call's temporaries (every run's sum,
#: the head's activations, copies of whole-sentence runs) are about four times its output.
CLAUSE_CHUNK = 512

#: Builds a side's clause windows from its sentence windows (which it may then drop).
ClauseWindows = Callable[[list[np.ndarray]], list[np.ndarray]]


def _use_m3(encoder: Encoder) -> AdditiveEncoder | None:
    """The use-m3 encoder under ``encoder`` (direct or cached), or None."""
    from align.embed.usem3.encoder import USEM3Encoder

    inner = encoder.encoder if isinstance(encoder, CachedEncoder) else encoder
    return inner if isinstance(inner, USEM3Encoder) else None


def _states(encoder: Encoder, inner: AdditiveEncoder, texts: list[str], parts: Parts,
            joins: bool) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Sentence, join and part states of consecutive texts (from the cache when it has them)."""
    if isinstance(encoder, CachedEncoder):
        states, part_states = encoder._sentence_part_states(texts, parts)
        join_states = encoder._join_states(texts) if joins else None
    else:
        states, part_states = inner.sentence_part_states(texts, parts)
        join_states = inner.join_states(texts[:-1], texts[1:]) if joins else None
    return states, join_states, part_states


def embed_staged(
    encoder: Encoder, texts: Sequence[str], parts: Parts, max_window: int, chunk: int | None = None,
) -> tuple[list[np.ndarray], ClauseWindows]:
    """The sentence windows of ``texts`` and a function that gives their parts' windows.

    Call the function once, with the sentence windows returned here, after the sentence
    search: it builds the parts' windows (:meth:`Encoder.encode_with_parts`' second list)
    and lets go of what it kept. Embedding runs ``chunk`` sentences at a time, as
    :func:`~align.embed.base.windows_in_chunks` does.
    """
    from align.embed.usem3.windows import seam_corrections, seam_states

    texts = list(texts)
    check_parts(parts, len(texts))
    inner = _use_m3(encoder)
    if inner is None or max_window < 1:
        windows, part_windows = windows_in_chunks(encoder, texts, parts, max_window, chunk)
        assert part_windows is not None
        return windows, lambda _windows: part_windows
    n = len(texts)
    chunk = base.CHUNK_SENTENCES if chunk is None else chunk
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    first_part = np.concatenate(([0], np.cumsum([len(p) for p in parts]))).astype(np.int64)
    joins = max_window > 1 and n > 1
    windows: list[np.ndarray] = [np.empty((max(n - k + 1, 0), inner.dim), np.float32)
                                 for k in range(1, max_window + 1)]
    part_states = np.empty((int(first_part[-1]), inner.part_dim), np.float32)
    seams = np.empty((max(n - 1, 0), inner.dim), np.float32) if joins else None
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        end = min(hi + max_window - 1, n)  # the windows that start in the chunk end by here
        ext_joins = joins and end - lo > 1
        states, join_states, ext_parts = _states(encoder, inner, texts[lo:end], parts[lo:end], ext_joins)
        got = inner.window_embeddings(states, join_states, max_window)
        for k, vectors in enumerate(got, start=1):
            take = min(hi - lo, len(vectors))
            windows[k - 1][lo:lo + take] = vectors[:take]
        del got
        p0, p1 = int(first_part[lo]), int(first_part[hi])
        part_states[p0:p1] = ext_parts[:p1 - p0]
        if seams is not None and join_states is not None:
            take = min(hi, n - 1) - lo  # the seams after sentences lo .. hi - 1
            seams[lo:lo + take] = seam_corrections(states, join_states)[:take]
        del states, join_states, ext_parts
    owners = part_owners(parts)
    kept: dict[str, np.ndarray | None] = {"part_states": part_states, "seams": seams}
    del part_states, seams

    def clause_windows(sentence_windows: list[np.ndarray]) -> list[np.ndarray]:
        if "part_states" not in kept:
            raise RuntimeError("a side's clause windows are built once: what they are built from is gone")
        part_states, seams = kept.pop("part_states"), kept.pop("seams")
        assert part_states is not None
        total = len(part_states)
        out: list[np.ndarray] = [np.empty((max(total - k + 1, 0), inner.dim), np.float32)
                                 for k in range(1, max_window + 1)]
        step = min(chunk, CLAUSE_CHUNK)
        for lo in range(0, n, step):
            hi = min(lo + step, n)
            end = min(hi + max_window - 1, n)
            p0, p1, p_end = int(first_part[lo]), int(first_part[hi]), int(first_part[end])
            got = inner.part_window_embeddings(
                seam_states(end - lo), seams[lo:end - 1] if seams is not None and end - lo > 1 else None,
                part_states[p0:p_end], owners[p0:p_end] - lo, max_window,
                [w[lo:] for w in sentence_windows],
            )
            for k, vectors in enumerate(got, start=1):
                take = min(p1 - p0, len(vectors))
                out[k - 1][p0:p0 + take] = vectors[:take]
            del got
        return out

    return windows, clause_windows
