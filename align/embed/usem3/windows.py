"""What a use-m3 state holds, and how the states of sentences and parts add up to windows.

Why a module of its own: use-m3 is a deep-averaging network (token features -> layer
norm -> **sum over tokens** -> projection / sqrt(n_tokens) -> small head), so the vector
of ``k`` joined sentences comes from per-sentence sums instead of a new pass over its
tokens. This module owns the layout of those sums (a *state*: what
:mod:`align.embed.cache` stores) and the arithmetic that turns states into the summed
input of every window: sum(A B) = (sum(A) + sum(B)) + seam(A, B), where the seam's
correction is join(A, B) - tail(A) - head(B): the head and tail regions are A's and B's
features next to BOS and EOS as computed alone and the join holds the exact features
around the seam (see :mod:`.plan`). The
head of the network then runs once over all of them (:func:`.kernels.head`).

Runs of parts (clauses) work the same way: the parts of a sentence add up to it exactly
(each part state is a sum *in context*), and where a run crosses from one sentence to
the next the same join correction applies.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from align.embed.usem3.model import EMB

__all__ = [
    "FULL",
    "HEAD",
    "JOIN_DIM",
    "NTOK",
    "PART_DIM",
    "STATE_DIM",
    "TAIL",
    "by_size",
    "check_max_window",
    "part_run_sums",
    "seam_corrections",
    "seam_states",
    "sentence_run_sums",
    "whole_sentence_runs",
    "window_sums",
]

STATE_DIM = 3 * EMB + 1
"""Width of a sentence state: [sum | head-region sum | tail-region sum | n_tokens]."""
JOIN_DIM = EMB
"""Width of a join state: the exact feature sum of the tokens around the join."""
PART_DIM = EMB + 1
"""Width of a part state: [feature sum of the part's tokens, in their sentence | n_tokens]."""

FULL = slice(0, EMB)
HEAD = slice(EMB, 2 * EMB)
TAIL = slice(2 * EMB, 3 * EMB)
NTOK = 3 * EMB


def check_max_window(max_window: int) -> None:
    if max_window < 1:
        raise ValueError(f"max_window must be >= 1, got {max_window}")


def _largest(n: int, max_window: int) -> int:
    """The largest run of ``n`` items that exists (1 when there is at most one item)."""
    return min(max_window, n) if n > 1 else 1


def _n_runs(n: int, top: int) -> int:
    return sum(n - k + 1 for k in range(1, top + 1))


def _running_sums(
    items: np.ndarray, counts: np.ndarray, top: int, join: Callable[[int, np.ndarray, np.ndarray], None]
) -> tuple[np.ndarray, np.ndarray]:
    """Sums and token counts of every run of 1..``top`` consecutive items, size after size.

    All sizes live in one preallocated block (rows of size ``k`` follow those of ``k - 1``),
    filled in place: no per-size temporaries and no concatenated copy. Run ``i..i+k-1`` is
    run ``i..i+k-2`` plus item ``i+k-1``; ``join(k, sums, counts)`` then corrects, in place,
    the rows of size ``k`` for the seam between items ``i+k-2`` and ``i+k-1``.
    """
    n = len(items)
    total = _n_runs(n, top)
    sums = np.empty((total, EMB), np.float32)
    out_counts = np.empty(total, np.float32)
    sums[:n] = items
    out_counts[:n] = counts
    prev, start = 0, n
    for k in range(2, top + 1):
        m = n - k + 1
        s, c = sums[start:start + m], out_counts[start:start + m]
        np.add(sums[prev:prev + m], items[k - 1:], out=s)
        np.add(out_counts[prev:prev + m], counts[k - 1:], out=c)
        join(k, s, c)
        prev, start = start, start + m
    return sums, out_counts


def window_sums(states: np.ndarray, joins: np.ndarray | None, max_window: int) -> tuple[np.ndarray, np.ndarray]:
    """The head's input (sums, token counts) for every window of 1..``max_window`` sentences.

    A window crossing the seam between sentences ``i`` and ``i + 1`` adds that seam's
    correction (:func:`seam_corrections`: the join's features less ``i``'s tail and
    ``i + 1``'s head, one row a seam), as a run of clauses does (:func:`part_run_sums`).
    So the windows can be rebuilt later from two rows a sentence (its feature sum and its
    seam, :func:`sentence_run_sums`) instead of being stored for every size.
    """
    n = len(states)
    top = _largest(n, max_window)
    if top > 1 and (joins is None or len(joins) != n - 1):
        raise ValueError(f"need {n - 1} join states for {n} sentences")
    seams = seam_corrections(states, joins) if top > 1 and joins is not None else None
    return sentence_run_sums(states[:, FULL], states[:, NTOK], seams, max_window)


def sentence_run_sums(
    full: np.ndarray, counts: np.ndarray, seams: np.ndarray | None, max_window: int
) -> tuple[np.ndarray, np.ndarray]:
    """The head's input for every window of 1..``max_window`` of ``len(full)`` sentences,
    from each sentence's feature sum and token count and the ``n - 1`` seam corrections.

    A window's sum is made from its own sentences' rows in one order whatever rows come
    before or after it, so the windows of any range of sentences have the bits they have
    in the whole document (what lets :mod:`align.embed.staged` build them a page at a
    time).
    """
    n = len(full)
    top = _largest(n, max_window)
    if top > 1 and (seams is None or len(seams) != n - 1):
        raise ValueError(f"need {n - 1} seam corrections for {n} sentences")

    def join(k: int, s: np.ndarray, c: np.ndarray) -> None:
        assert seams is not None
        s += seams[k - 2:]
        c -= 2.0  # one EOS and one BOS fewer

    return _running_sums(full, counts, top, join)


def seam_corrections(states: np.ndarray, joins: np.ndarray) -> np.ndarray:
    """What crossing from sentence ``i`` to ``i + 1`` adds to a run's sum, for each of the
    ``n - 1`` seams: the join's features less ``i``'s tail and ``i + 1``'s head (as
    computed alone). :func:`part_run_sums` needs nothing else of the sentence states, so
    these (one row a seam) can stand in for states and joins (a third of their size):
    ``part_run_sums(seam_states(n), seams, ...)`` gives the same bits as with the states.
    """
    return joins - states[:-1, TAIL] - states[1:, HEAD]


def seam_states(n: int) -> np.ndarray:
    """Stand-in states for ``n`` sentences whose seams are given as the joins (see
    :func:`seam_corrections`): zero head and tail regions, no memory (a read-only view)."""
    return np.broadcast_to(np.zeros(STATE_DIM, np.float32), (n, STATE_DIM))


def part_run_sums(
    states: np.ndarray, joins: np.ndarray | None, part_states: np.ndarray, owners: np.ndarray, max_window: int
) -> tuple[np.ndarray, np.ndarray]:
    """The head's input (sums, token counts) for every run of 1..``max_window`` parts.

    ``owners[p]`` is the sentence of part ``p``; where a run crosses from sentence ``i``
    to ``i + 1``, ``i``'s tail and ``i + 1``'s head (as computed alone) give way to the
    features around the join, as between the sentences of a window.
    """
    n = len(part_states)
    top = _largest(n, max_window)
    cross = np.flatnonzero(owners[1:] != owners[:-1])  # a sentence ends after part p (p < n - 1)
    if top > 1 and len(cross) and (joins is None or len(joins) != len(states) - 1):
        raise ValueError(f"need {len(states) - 1} join states for {len(states)} sentences")
    correction = np.zeros((max(n - 1, 0), EMB), np.float32)
    shrink = np.zeros(max(n - 1, 0), np.float32)
    if top > 1 and len(cross):
        assert joins is not None
        left = owners[cross]
        # the same operations as seam_corrections, row by row (x - 0 - 0 is x, bit for bit)
        correction[cross] = joins[left] - states[left, TAIL] - states[left + 1, HEAD]
        shrink[cross] = 2.0  # one EOS and one BOS fewer

    def join(k: int, s: np.ndarray, c: np.ndarray) -> None:
        s += correction[k - 2:]
        c -= shrink[k - 2:]

    sums, counts = _running_sums(part_states[:, :EMB], part_states[:, EMB], top, join)
    np.maximum(counts, 1.0, out=counts)  # a part without tokens (never in practice) stays finite
    return sums, counts


def whole_sentence_runs(
    owners: np.ndarray, max_window: int, sentence_windows: list[np.ndarray]
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """The runs of parts that cover whole sentences, whose vectors are sentence windows.

    Returns ``(whole, compute)``: ``whole`` lists ``(rows, vectors)``, rows of the runs
    (laid out as :func:`part_run_sums` lays them out) with their sentence windows'
    vectors, and ``compute`` marks the rows that are not among them.
    """
    n = len(owners)
    top = _largest(n, max_window)
    boundary = owners[1:] != owners[:-1]
    first = np.r_[True, boundary]  # part starts its sentence
    last = np.r_[boundary, True]  # part ends its sentence
    whole: list[tuple[np.ndarray, np.ndarray]] = []
    compute = np.ones(_n_runs(n, top), bool)
    start = 0
    for k in range(1, top + 1):
        m = n - k + 1
        at = np.flatnonzero(first[:m] & last[k - 1:])  # runs of whole sentences
        size = owners[at + k - 1] - owners[at] + 1
        for s in np.unique(size):
            pick = at[size == s]
            whole.append((start + pick, sentence_windows[s - 1][owners[pick]]))
            compute[start + pick] = False
        start += m
    return whole, compute


def by_size(vectors: np.ndarray, n: int, max_window: int) -> list[np.ndarray]:
    """Window vectors laid out size after size (``n``, ``n - 1``, ... rows) as one array per size."""
    out: list[np.ndarray] = []
    start = 0
    for k in range(1, max_window + 1):
        m = max(n - k + 1, 0)
        out.append(vectors[start:start + m] if m else np.zeros((0, EMB), np.float32))
        start += m
    return out
