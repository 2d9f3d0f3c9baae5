"""Matrix products whose result does not depend on how or where they are computed.

Why: a float32 BLAS product rounds its partial sums in an order chosen by the kernel
(the CPU's SIMD width, OpenBLAS's ``OPENBLAS_CORETYPE``), by the shape of the call (how
many other rows share it, where a row sits in it: OpenBLAS's Haswell kernel rounds a row
differently at another offset) and, for the 1-3 row calls, by another code path (gemv).
A sentence's vector then depends on which other sentences were embedded with it, so a
warm cache, another worker or another machine printed ``0.6476`` where a cold run
printed ``0.6477``. Rounding the result afterwards cannot fix that: whatever the grid,
a value near one of its boundaries still falls either way.

What: both factors are rounded to integers first: each row of the left factor, and each
column of the right one, is scaled by a power of two (chosen from that row or column
alone) that brings its Euclidean norm below ``2**NORM_BITS``, then rounded. By Cauchy-
Schwarz every product of such a row and column, and every partial sum of their dot
product in any order, is an integer of magnitude at most ``|a| * |w| < (2**26 +
sqrt(k) / 2)**2 < 2**53``: a float64 GEMM computes each entry *exactly*, in any order, on
any kernel, in any block shape, with FMA or without. Scaling back by powers of two is
exact as well, and the one rounding to float32 at the end is a plain IEEE rounding of an
exact value.

Cost: a float64 GEMM runs at half the speed of a float32 one (measured 2.0-2.2x on
AVX-512), plus a few element-wise passes to round the left factor; use-m3's forward
pass takes a little over twice the CPU time it took with float32 products.

Precision: each entry is rounded to within ``2**-26`` of its row's (column's) norm, so a
product entry is off by about ``2**-27 * |a| * |w|``, near float32's own rounding of the
product. (Rounding relative to each row's largest entry instead was 7 times less
precise on use-m3's heavy-tailed activations.) Where that is not enough, rounding in
blocks of columns gives back some bits (see :class:`ExactMatrix`).

Example::

    >>> w = ExactMatrix(np.eye(3, dtype=np.float32))
    >>> w.matmul(np.array([[1.0, 2.0, 3.0]], np.float32))
    array([[1., 2., 3.]], dtype=float32)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

__all__ = ["NORM_BITS", "ExactMatrix", "blas_is_limited", "exact_dots", "quantize_rows", "quantize_rows_",
           "single_threaded_blas"]

NORM_BITS = 26
"""Bits of the Euclidean norm of a rounded row or column: ``(2**26 + sqrt(k) / 2)**2 <
2**53`` for any ``k`` below ``2**40``, with room to spare for the rounding of the norm."""


def _pow2(exponents: np.ndarray) -> np.ndarray:
    return np.ldexp(np.ones(exponents.shape, np.float64), exponents.astype(np.int32))


def quantize_rows(a: np.ndarray, bits: int = NORM_BITS) -> tuple[np.ndarray, np.ndarray]:
    """Each row of ``a`` as integers (float64) whose Euclidean norm is below ``2**bits``
    plus rounding, and its scale.

    ``a[i] ~= q[i] * scale[i]``, ``scale[i]`` a power of two chosen from row ``i`` alone
    (so a row's integers never depend on the other rows), with a rounding error of at
    most ``scale[i] / 2 <= 2**-bits * |a[i]|`` per entry. The norm is numpy's own sum
    (not BLAS), so the scale is the same on every machine.
    """
    return quantize_rows_(np.array(a, dtype=np.float64, order="C", copy=True), bits)


def quantize_rows_(q: np.ndarray, bits: int = NORM_BITS) -> tuple[np.ndarray, np.ndarray]:
    """:func:`quantize_rows` in place, on a C-contiguous float64 array the caller gives
    up: the same integers and scales, without the copy (a third of the rounding's passes
    over a product's left factor)."""
    if q.dtype != np.float64 or not q.flags.c_contiguous or q.ndim != 2:
        raise ValueError("quantize_rows_ needs a C-contiguous float64 matrix")
    if q.size == 0:
        return q, np.ones(len(q), np.float64)
    norms = np.sqrt(np.einsum("ij,ij->i", q, q))
    _, exp = np.frexp(norms)  # |a[i]| < 2**exp (up to the rounding of the norm; 0 for a zero row)
    shift = bits - exp
    q *= _pow2(shift)[:, None]  # a power of two: exact
    np.rint(q, out=q)
    return q, _pow2(-shift)


class ExactMatrix:
    """A fixed right factor ``w`` (``k x n``), rounded once, for exact products with it.

    ``matmul(a)`` is ``a @ w`` with every entry computed exactly from the rounded
    factors, so a row's result is the same bits whatever else is in ``a``, however many
    threads or which BLAS kernel computes it. ``w`` is kept as ``q * scale`` with ``q``
    integers (float64, C order) and one power-of-two ``scale`` per column.

    ``block``: round and multiply ``block`` rows of ``w`` (columns of ``a``) at a time,
    each block on its own scales, and add the block products in float64 in a fixed
    order (deterministic, though no longer exact). A row of 1,280 similar entries loses
    about 5 bits to rounding relative to its norm; blocks of 64 give back 2.2 of them
    on each side. use-m3's output projection needs that: windows take differences of
    the region sums it projects (two sentences minus two edges plus a join), and one
    block resolved their cosines 4x worse than float32 did (mean error against a
    float64 computation 3.3e-7, float32 7.6e-8, blocks of 64 8.2e-8, for 1.6x the time
    of one block; two-term splits of both factors reached 5.6e-8 for 3.3x).
    """

    def __init__(self, w: np.ndarray, *, block: int | None = None) -> None:
        w = np.asarray(w)
        if w.ndim != 2:
            raise ValueError(f"need a matrix, got shape {w.shape}")
        k = w.shape[0]
        step = k if block is None else block
        if step < 1:
            raise ValueError(f"block must be at least 1, got {block}")
        self.shape = w.shape
        self.blocks = [(lo, min(lo + step, k)) for lo in range(0, k, step)]
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []  # per block: (integers, scale per column)
        for lo, hi in self.blocks:
            q, scale = quantize_rows(w[lo:hi].T)
            self.parts.append((np.ascontiguousarray(q.T), scale))

    def arrays(self) -> dict[str, np.ndarray]:
        """What the matrix is made of, as named arrays: the block bounds and, per block, the
        integers and the column scales. :meth:`from_arrays` rebuilds the same matrix from
        them, so the rounding can be done once and kept (the bundled model keeps its
        matrices this way in the cache folder: :mod:`align.embed.usem3.prepared`)."""
        out = {"blocks": np.array(self.blocks, np.int64).reshape(-1, 2)}
        for i, (q, scale) in enumerate(self.parts):
            out[f"q{i}"] = q
            out[f"s{i}"] = scale
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ExactMatrix:
        """The matrix :meth:`arrays` described, its arrays used as they are (no copy, so
        memory-mapped ones stay mapped). Raises ``ValueError`` when they do not fit together."""
        blocks = [(int(lo), int(hi)) for lo, hi in np.asarray(arrays["blocks"]).reshape(-1, 2)]
        parts = [(arrays[f"q{i}"], arrays[f"s{i}"]) for i in range(len(blocks))]
        if not blocks or blocks[0][0] != 0 or any(a[1] != b[0] for a, b in zip(blocks, blocks[1:])):
            raise ValueError("the blocks of an exact matrix do not follow each other")
        n = parts[0][0].shape[1] if parts[0][0].ndim == 2 else -1
        for (lo, hi), (q, scale) in zip(blocks, parts):
            if q.dtype != np.float64 or scale.dtype != np.float64 or q.shape != (hi - lo, n) or scale.shape != (n,):
                raise ValueError("the parts of an exact matrix do not match its blocks")
        matrix = cls.__new__(cls)
        matrix.shape = (blocks[-1][1], n)
        matrix.blocks = blocks
        matrix.parts = parts
        return matrix

    @property
    def value(self) -> np.ndarray:
        """The rounded factor itself (float64), i.e. what the products are exact for."""
        return np.vstack([q * scale for q, scale in self.parts])

    def matmul(self, a: np.ndarray, dtype: type = np.float32, *, overwrite_a: bool = False) -> np.ndarray:
        """``a @ w`` (``a`` is ``m x k``): exact products of the rounded factors (added
        block by block in a fixed order when there are blocks), then rounded to ``dtype``.

        ``overwrite_a``: ``a`` is a C-contiguous float64 array the caller no longer needs;
        it is rounded in place (same result, one copy fewer).
        """
        if a.ndim != 2 or a.shape[1] != self.shape[0]:
            raise ValueError(f"cannot multiply {a.shape} by {self.shape}")
        if len(self.blocks) > 1:
            total = self._blocked(a, overwrite_a)
        else:
            wq, col_scale = self.parts[0]
            owned = overwrite_a and a.dtype == np.float64 and a.flags.c_contiguous
            q, row_scale = quantize_rows_(a) if owned else quantize_rows(a)
            total = q @ wq  # integers below 2**53: exact in any summation order
            total *= col_scale  # powers of two: exact
            total *= row_scale[:, None]
        if np.dtype(dtype) == np.float64:
            return total
        return total.astype(dtype)  # one rounding

    @functools.cached_property
    def _scaled_parts(self) -> list[np.ndarray]:
        """Per block, the integers times their column scales (exact: powers of two), so a
        block product needs no pass over its result to scale it (see :meth:`_blocked`)."""
        return [q * scale for q, scale in self.parts]

    def _blocked(self, a: np.ndarray, overwrite_a: bool) -> np.ndarray:
        """The product of a matrix in blocks, each block's rows of ``a`` rounded on their
        own scale (:func:`quantize_rows`), the exact block products added in block order.

        The same numbers as rounding each block's columns of ``a`` separately and scaling
        each block product's rows and columns afterwards, at less cost: when the blocks are
        equal, all of them are rounded at once (a block is a row of ``a`` reshaped to
        ``(m * blocks, block)``: the same rows, contiguous like a block's copy, so the
        same norms and integers); the row scales multiply the block's integers before the
        product and the column scales are in the weights. A dot product's terms then all
        carry the same power of two, so it is still exact, and so equal to the
        unscaled product scaled afterwards.
        """
        m, k = a.shape
        step = self.blocks[0][1] - self.blocks[0][0]
        scaled = self._scaled_parts
        if all(hi - lo == step for lo, hi in self.blocks):
            owned = overwrite_a and a.dtype == np.float64 and a.flags.c_contiguous
            q = a if owned else np.array(a, dtype=np.float64, order="C", copy=True)
            flat, scale = quantize_rows_(q.reshape(m * len(self.blocks), step))
            flat *= scale[:, None]  # powers of two: exact
            q = flat.reshape(m, k)
            total: np.ndarray | None = None
            for (lo, hi), w in zip(self.blocks, scaled):
                c = q[:, lo:hi] @ w  # one power of two per entry times integers below 2**53: exact
                if total is None:
                    total = c
                else:
                    total += c  # numpy's own addition, block after block
            assert total is not None
            return total
        total = None
        for (lo, hi), w in zip(self.blocks, scaled):
            qb, row_scale = quantize_rows(a[:, lo:hi])
            qb *= row_scale[:, None]
            c = qb @ w
            if total is None:
                total = c
            else:
                total += c
        assert total is not None
        return total


def exact_dots(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b.T`` (float64) for two sets of rows, exact for the rows as rounded.

    Each row of either side is rounded on its own (:func:`quantize_rows`), so a dot
    product is the same number whichever block of rows it is computed in and whichever
    kernel computes it. For unit vectors the rounding moves a cosine by about 1e-8.
    """
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"cannot take dot products of rows of shapes {a.shape} and {b.shape}")
    qa, sa = quantize_rows(a)
    qb, sb = quantize_rows(b)
    out = qa @ qb.T  # integers below 2**53: exact in any summation order
    out *= sa[:, None]  # powers of two: exact
    out *= sb[None, :]
    return out


_blas_limiter: Callable[..., AbstractContextManager[Any]] | None | bool = False


def single_threaded_blas() -> AbstractContextManager[Any]:
    """A context that limits BLAS to one thread (a no-op without threadpoolctl).

    The products here are small (a micro-batch of tokens, a block of a band), and
    multi-threaded BLAS on small GEMMs is worse than useless: its threads synchronise
    after every call, so when another process holds a core a 3-sentence call was
    measured at 80 ms instead of 3 ms, and the search's band products took 0.6 s instead
    of 0.44 s. Parallelism, where there is any, comes from the callers' own threads
    (the use-m3 encoder's workers run whole micro-batches, GEMMs and numpy work alike).
    Results do not depend on it: the products are exact.
    """
    global _blas_limiter
    if _blas_limiter is False:
        try:
            from threadpoolctl import ThreadpoolController

            # discover the BLAS libraries once, not on every call
            _blas_limiter = ThreadpoolController().limit
        except Exception:  # optional dependency, or an unusual BLAS setup
            _blas_limiter = None
    if _blas_limiter is None:
        return nullcontext()
    return _blas_limiter(limits=1, user_api="blas")


def blas_is_limited() -> bool:
    """Whether :func:`single_threaded_blas` can limit BLAS (threadpoolctl works here)."""
    single_threaded_blas()
    return _blas_limiter is not None
