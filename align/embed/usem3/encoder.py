"""The use-m3 encoder: texts in, vectors of sentences, windows and parts out.

Why a module of its own: this is the :class:`~align.embed.base.AdditiveEncoder` contract
for use-m3 and the orchestration around the arithmetic: tokenising, planning the
sequences and regions (:mod:`.plan`), cutting them into micro-batches, spreading those
and the head's row blocks over worker threads with single-threaded BLAS, and assembling
sentence, join and part states (:mod:`.windows`). None of it decides a bit of a vector:
the kernels (:mod:`.kernels`) do, and their products are exact, so how the work is cut
and threaded here is free to change.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import chain

import numpy as np

from align.embed.base import AdditiveEncoder, check_parts
from align.embed.usem3 import kernels, model
from align.embed.usem3.model import EMB
from align.embed.usem3.plan import (
    Region,
    part_bounds,
    plan_join,
    plan_parts,
    plan_sentence,
)
from align.embed.usem3.windows import (
    FULL,
    JOIN_DIM,
    NTOK,
    PART_DIM,
    STATE_DIM,
    by_size,
    check_max_window,
    part_run_sums,
    sentence_run_sums,
    whole_sentence_runs,
    window_sums,
)
from align.exact import blas_is_limited, single_threaded_blas
from align.progress import steps

__all__ = ["USEM3Encoder"]

# Bump when the meaning of a cached state changes (layout, numerics): it is part of the
# cache key, so stale entries are never read back.
STATE_VERSION = 4  # 4: exact products (align.exact), so states no longer depend on the batch
# Rows per block of the DNN head (see USEM3Encoder._head): big enough for GEMMs near
# peak speed, small enough that a block's temporaries stay in cache.
HEAD_ROWS = 1024


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


class USEM3Encoder(AdditiveEncoder):
    """Universal Sentence Encoder Multilingual v3 (512-d, 16 languages: :data:`~align.embed.usem3.model.LANGUAGES`), offline, numpy.

    ``threads``: worker threads for the forward pass (default: the usable CPUs). Each
    worker runs whole micro-batches with single-threaded BLAS (via ``threadpoolctl``;
    without it, the work runs in one thread and BLAS threads the GEMMs, which is much
    slower on a busy machine).
    ``token_budget``: tokens per micro-batch; 512 keeps a batch's working set in cache
    while making the GEMMs large enough to run near peak speed. Neither setting changes
    a single bit of the results (the products are exact).

    Windows (:meth:`encode_windows`) cost almost nothing beyond the sentences themselves:
    a token's feature only depends on tokens at most 4 positions away, so the feature sum
    of ``A B`` equals sum(A) + sum(B), minus A's tail region and B's head region (as
    computed alone, with EOS/BOS), plus the exact features of the tokens around the join,
    computed once per adjacent pair from a 16-token snippet. Windows of 2 sentences are
    exact; longer windows are exact unless an inner sentence is shorter than 8 tokens (then
    tokens see across it; cosine to the true vector still > 0.997 on real text).

    Example::

        >>> enc = USEM3Encoder()                       # doctest: +SKIP
        >>> de, en = enc.encode(["Der Hund bellt.", "The dog barks."])  # doctest: +SKIP
        >>> float(de @ en) > 0.8                        # doctest: +SKIP
        True
    """

    name = "use-m3"
    dim = EMB
    state_dim = STATE_DIM
    join_dim = JOIN_DIM
    part_dim = PART_DIM

    def __init__(self, *, threads: int | None = None, token_budget: int = 512) -> None:
        if token_budget < 16:
            raise ValueError(f"token_budget must be >= 16, got {token_budget}")
        self.threads = max(1, threads if threads is not None else _usable_cpus())
        self.token_budget = token_budget

    # ------------------------------------------------------------------ identity
    @functools.cached_property
    def fingerprint(self) -> str:
        """``use-m3`` + our state layout version + the package version and resource sizes."""
        return f"use-m3/state{STATE_VERSION}/{model.model_version()}"

    def load(self) -> USEM3Encoder:
        """Load weights and tokenizer now (otherwise on first use); returns ``self``."""
        model.load_model()
        return self

    # ------------------------------------------------------------- tokenization
    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Piece ids with BOS/EOS, as the model sees them (see :func:`.model.tokenize`)."""
        return model.tokenize(texts)

    # --------------------------------------------------------- AdditiveEncoder
    def sentence_states(self, texts: Sequence[str]) -> np.ndarray:
        states, _, _ = self._states(list(texts), joins=False)
        return states

    def sentence_part_states(
        self, texts: Sequence[str], parts: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, np.ndarray]:
        states, _, part_states = self._states(list(texts), joins=False, parts=parts)
        assert part_states is not None
        return states, part_states

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Sentence vectors; skips the head/tail sums that only windows need."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        ids = self.tokenize(texts)
        seqs: list[list[int]] = []
        regions: list[Region] = []
        for i, seq in enumerate(ids):
            plan_sentence(seq, i, seqs, regions, edges=False)
        sums = self._region_sums(seqs, regions, len(texts))
        return self._head(sums, np.fromiter(map(len, ids), np.float32, len(ids)))

    def join_states(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        left, right = list(left), list(right)
        if len(left) != len(right):
            raise ValueError("left and right must have the same length")
        if not left:
            return np.zeros((0, JOIN_DIM), np.float32)
        ids_l, ids_r = self.tokenize(left), self.tokenize(right)
        seqs: list[list[int]] = []
        regions: list[Region] = []
        for j, (a, b) in enumerate(zip(ids_l, ids_r)):
            plan_join(a, b, j, seqs, regions)
        return self._region_sums(seqs, regions, len(left))

    def embed_states(self, states: np.ndarray) -> np.ndarray:
        states = np.asarray(states, np.float32)
        if len(states) == 0:
            return np.zeros((0, self.dim), np.float32)
        return self._head(states[:, FULL], states[:, NTOK])

    def window_embeddings(
        self, states: np.ndarray, joins: np.ndarray | None, max_window: int
    ) -> list[np.ndarray]:
        """Assemble window vectors; the head runs once over all windows of all sizes."""
        check_max_window(max_window)
        states = np.asarray(states, np.float32)
        sums, counts = window_sums(states, joins, max_window)
        if len(states):
            self._head(sums, counts, out=sums)
        return by_size(sums, len(states), max_window)

    def embed_sums(self, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Vectors of windows given their head inputs (feature sums and token counts), each
        row computed on its own: the same bits as in any larger call."""
        if len(sums) == 0:
            return np.zeros((0, self.dim), np.float32)
        return self._head(np.ascontiguousarray(sums, np.float32), counts)

    def sentence_window_embeddings(
        self, full: np.ndarray, counts: np.ndarray, seams: np.ndarray | None, max_window: int, smallest: int = 1,
    ) -> list[np.ndarray]:
        """Window vectors of sizes ``smallest .. max_window`` from each sentence's feature sum
        and token count and the seam corrections between them (two rows a sentence, what
        :mod:`align.embed.staged` keeps instead of every size's windows); the same bits as
        :meth:`window_embeddings` gives for those sizes. The head runs only on the sizes asked for.
        """
        check_max_window(max_window)
        n = len(full)
        sums, counts = sentence_run_sums(full, counts, seams, max_window)
        skip = sum(max(n - k + 1, 0) for k in range(1, smallest))
        if len(sums) > skip:
            self._head(sums[skip:], counts[skip:], out=sums[skip:])
        return by_size(sums, n, max_window)[smallest - 1:]

    def encode_windows(self, texts: Sequence[str], max_window: int) -> list[np.ndarray]:
        """Window vectors (see :meth:`Encoder.encode_windows`) in one pass over the tokens."""
        check_max_window(max_window)
        texts = list(texts)
        states, joins, _ = self._states(texts, joins=max_window > 1 and len(texts) > 1)
        return self.window_embeddings(states, joins, max_window)

    def encode_with_parts(
        self, texts: Sequence[str], parts: Sequence[Sequence[tuple[int, int]]], max_window: int
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Window vectors of the texts and of their parts, in one pass over the tokens."""
        check_max_window(max_window)
        texts = list(texts)
        states, joins, part_states = self._states(texts, joins=max_window > 1 and len(texts) > 1, parts=parts)
        assert part_states is not None
        return self.windows_with_parts(states, joins, part_states, parts, max_window)

    def part_window_embeddings(
        self, states: np.ndarray, joins: np.ndarray | None, part_states: np.ndarray,
        owners: np.ndarray, max_window: int, sentence_windows: list[np.ndarray] | None = None,
    ) -> list[np.ndarray]:
        """Vectors of every run of 1..max_window consecutive parts, as :meth:`window_embeddings`.

        Parts of one sentence add up exactly (their states are sums in context); where a
        run crosses from sentence ``i`` to ``i + 1`` the join correction of the sentence
        level applies (``i``'s tail and ``i + 1``'s head, as computed alone, give way to
        the features around the join), so a run of whole sentences is their window, and
        is taken from ``sentence_windows`` when given (a third of all runs, whose head
        need not run again).
        """
        check_max_window(max_window)
        part_states = np.asarray(part_states, np.float32)
        owners = np.asarray(owners, np.int64)
        n = len(part_states)
        sums, counts = part_run_sums(states, joins, part_states, owners, max_window)
        # the head writes into the sums' own rows (no second array of this size); runs
        # of whole sentences are copied from the sentence windows afterwards
        whole: list[tuple[np.ndarray, np.ndarray]] = []  # (rows, their sentence windows' vectors)
        compute = np.ones(len(sums), bool)
        if sentence_windows is not None and n:
            whole, compute = whole_sentence_runs(owners, max_window, sentence_windows)
        todo = np.flatnonzero(compute)
        vectors = sums
        if len(todo) == len(sums):
            if n:
                self._head(sums, counts, out=sums)
        else:  # in slices, so the gathered rows never add a second copy of the sums
            for a in range(0, len(todo), 8 * HEAD_ROWS):
                rows = todo[a:a + 8 * HEAD_ROWS]
                vectors[rows] = self._head(sums[rows], counts[rows])
            for rows, copied in whole:
                vectors[rows] = copied
        return by_size(vectors, n, max_window)

    # ----------------------------------------------------------- forward pass
    def _states(
        self, texts: list[str], joins: bool, parts: Sequence[Sequence[tuple[int, int]]] | None = None
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Sentence states, join states and part states from one batched pass over all sequences.

        ``parts[i]`` (optional) are character spans covering text ``i`` in order; a part
        state is the feature sum of the part's tokens *as they are in the sentence* (they
        see the neighbouring part), so the parts of a sentence add up to the sentence and
        cost no extra pass over the tokens.
        """
        n = len(texts)
        if n == 0:
            empty = np.zeros((0, PART_DIM), np.float32) if parts is not None else None
            return np.zeros((0, STATE_DIM), np.float32), None, empty
        ids = self.tokenize(texts)
        seqs: list[list[int]] = []
        regions: list[Region] = []
        pieces = [plan_sentence(seq, i, seqs, regions) for i, seq in enumerate(ids)]
        if joins:
            for j in range(n - 1):
                plan_join(ids[j], ids[j + 1], 3 * n + j, seqs, regions)
        n_targets = 3 * n + (n - 1 if joins else 0)
        planned: dict[int, tuple[int, list[int]]] = {}  # texts of several parts: (first row, bounds)
        if parts is not None:
            check_parts(parts, n)
            split = [i for i in range(n) if len(parts[i]) > 1]
            bounds = part_bounds(self, [texts[i] for i in split], [parts[i] for i in split],
                                  [len(ids[i]) for i in split])
            for i, b in zip(split, bounds):  # text i's parts go to rows first..first + len(b) - 2
                planned[i] = (n_targets, b)
                plan_parts(pieces[i], b, n_targets, regions)
                n_targets += len(b) - 1
            regions.sort(key=lambda r: r[0])  # _region_sums reads the regions in sequence order
        sums = self._region_sums(seqs, regions, n_targets)
        states = np.empty((n, STATE_DIM), np.float32)
        states[:, :3 * EMB] = sums[:3 * n].reshape(n, 3 * EMB)
        states[:, NTOK] = [len(s) for s in ids]
        join_states = sums[3 * n:4 * n - 1] if joins else None
        if parts is None:
            return states, join_states, None
        part_states = np.empty((sum(map(len, parts)), PART_DIM), np.float32)
        row = 0
        for i in range(n):
            if i not in planned:  # one part: the sentence itself
                part_states[row, :EMB] = states[i, FULL]
                part_states[row, EMB] = states[i, NTOK]
                row += 1
                continue
            t, b = planned[i]
            k = len(b) - 1
            part_states[row:row + k, :EMB] = sums[t:t + k]
            part_states[row:row + k, EMB] = np.diff(b)
            row += k
        return states, join_states, part_states

    def _region_sums(
        self, seqs: list[list[int]], regions: list[Region], n_targets: int
    ) -> np.ndarray:
        """Projected feature sums over regions of sequences, accumulated per target row.

        ``regions`` holds ``(seq index, start, end, target)`` in seq order; every sequence
        is run in isolation (zero padding at both ends), and the features of positions
        ``start:end`` are summed into row ``target`` of the result.
        """
        m = model.load_model()
        reg = np.asarray(regions, dtype=np.int64).reshape(-1, 4)
        # micro-batches of whole sequences, cut at the token budget, or smaller when
        # that is what it takes to give every worker a share of a small input
        total = sum(map(len, seqs))
        budget = min(self.token_budget, max(64, -(-total // self.threads)))
        batches: list[tuple[int, int]] = []
        first, tokens = 0, 0
        for i, seq in enumerate(seqs):
            if i > first and tokens + len(seq) > budget:
                batches.append((first, i))
                first, tokens = i, 0
            tokens += len(seq)
        batches.append((first, len(seqs)))
        bounds = np.searchsorted(reg[:, 0], [b for b, _ in batches] + [len(seqs)])

        # token offset of each sequence in the flat list of all tokens
        seq_start = np.zeros(len(seqs) + 1, np.int64)
        np.cumsum(np.fromiter(map(len, seqs), np.int64, len(seqs)), out=seq_start[1:])
        flat = np.fromiter(chain.from_iterable(seqs), np.int64, int(seq_start[-1]))

        # each batch writes its rows in place (not a list of parts to concatenate, which
        # held every row twice at the peak)
        sums = np.empty((len(reg), EMB), np.float32)

        workers = self._workers(len(batches))
        # counted in tokens: the work a batch costs, so the rate and ETA hold whatever the sentence lengths
        with single_threaded_blas(), ThreadPoolExecutor(max(workers, 1)) as ex, \
                steps("embedding", total, "tokens") as done:
            first = kernels.FirstLayer.build(m, flat, ex, workers)

            def run(b: int) -> None:
                s0, s1 = batches[b]
                t0, t1 = seq_start[s0], seq_start[s1]
                r = reg[bounds[b]:bounds[b + 1]]
                sums[bounds[b]:bounds[b + 1]] = kernels.batch_region_sums(
                    m, first, seqs[s0:s1], flat[t0:t1], first.slots[t0:t1], r[:, 0] - s0, r[:, 1], r[:, 2]
                )
                done.advance(int(t1 - t0))

            if workers > 1:
                list(ex.map(run, range(len(batches))))
            else:
                for b in range(len(batches)):
                    run(b)
            del first
        if len(reg) == n_targets and np.array_equal(reg[:, 3], np.arange(n_targets)):
            return sums  # regions already in target order (the usual case): no copy
        if len(reg) == n_targets and np.array_equal(np.sort(reg[:, 3]), np.arange(n_targets)):
            out = np.empty((n_targets, EMB), np.float32)
            out[reg[:, 3]] = sums  # one region per target: no accumulation needed
        else:  # long sentences: several pieces add up to one target
            out = np.zeros((n_targets, EMB), np.float32)
            np.add.at(out, reg[:, 3], sums)
        return out

    def _workers(self, jobs: int) -> int:
        """Threads for ``jobs`` independent jobs. Without threadpoolctl BLAS keeps its own
        threads: then stay serial rather than oversubscribe the cores."""
        return min(self.threads, jobs) if blas_is_limited() else 1

    def _head(self, sums: np.ndarray, counts: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The DNN head (:func:`.kernels.head`) over many rows, in blocks over the threads.

        Rows are independent, so they run in blocks of ``HEAD_ROWS`` spread over the
        worker threads: a document's windows are four rows per sentence, and one call
        over all of them at once ran on one core and held about 9 KB of temporaries per
        row (175 MB for 20,000 windows); blocks keep that to a few MB and use both cores.
        ``out`` may be ``sums`` itself (a block is read whole before its rows are
        written), which saves a second window-sized array for a long document.
        """
        m = model.load_model()
        n = len(sums)
        counts = np.asarray(counts, np.float32)
        if n <= HEAD_ROWS:
            with single_threaded_blas():
                vectors = kernels.head(m, sums, counts)
            if out is None:
                return vectors
            out[:] = vectors
            return out
        if out is None:
            out = np.empty((n, EMB), np.float32)
        starts = range(0, n, HEAD_ROWS)

        def run(a: int) -> None:
            b = a + HEAD_ROWS
            out[a:b] = kernels.head(m, sums[a:b], counts[a:b])

        workers = self._workers(len(starts))
        with single_threaded_blas():
            if workers > 1:
                with ThreadPoolExecutor(workers) as ex:
                    list(ex.map(run, starts))
            else:
                for a in starts:
                    run(a)
        return out
