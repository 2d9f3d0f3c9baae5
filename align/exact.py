"""Matrix products whose result does not depend on how or where they are computed.

Why: a float32 BLAS product rounds its partial sums in an order chosen by the kernel
(the CPU's SIMD width, OpenBLAS's ``OPENBLAS_CORETYPE``), by the shape of the call (how
many other rows share it, where a row sits in it: OpenBLAS's Haswell kernel rounds a row
differently at another offset) and, for the 1-3 row calls, by another code path (gemv).
A sentence's vector then depends on which other sentences were embedded with it, so a
warm cache, another worker or another machine printed ``0.6476`` where a cold run
printed ``0.6477``. Rounding the result afterwards cannot fix that: whatever the grid,
a value near one of its boundaries still falls either way.

What: both factors are rounded to integers first (each row of the left factor, and each
column of the right one, scaled by its own power of two), small enough that every
product and every partial sum is an integer below 2**53. A float64 GEMM then computes
each entry *exactly*, in any order, on any kernel, in any block shape; scaling back by
powers of two is exact as well, and the one rounding to float32 at the end is a plain
IEEE rounding of an exact value. Proof of the bound: with ``|a| <= 2**p`` and
``|w| <= 2**q`` integers and ``k <= 2**c`` terms, every partial sum is at most
``2**(p + q + c) <= 2**53`` in magnitude (:func:`split_bits` picks ``p + q = 53 - c``).

Cost: a float64 GEMM runs at half the speed of a float32 one (measured 2.0-2.2x on
AVX-512), plus a few element-wise passes to round the left factor; use-m3's forward
pass takes about twice the CPU time it took with float32 products. Precision: 21-23
significant bits per factor, relative to its row's or column's largest entry; the
largest error of a 1280-term product is about twice a float32 GEMM's (1.2e-6 against
5.7e-7 of the largest entry), and use-m3's vectors stay at cosine 0.999999 to the
reference implementation's (``bench/embed_speed.py``).

Example::

    >>> w = ExactMatrix(np.eye(3, dtype=np.float32))
    >>> w.matmul(np.array([[1.0, 2.0, 3.0]], np.float32))
    array([[1., 2., 3.]], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

__all__ = ["ExactMatrix", "blas_is_limited", "exact_dots", "quantize_rows", "single_threaded_blas", "split_bits"]

_MANTISSA = 53  # significant bits of a float64: integers up to 2**53 are exact


def split_bits(k: int) -> tuple[int, int]:
    """Bits ``(p, q)`` for the left and right factors of a product of ``k`` terms.

    ``p + q + ceil(log2 k) <= 53``, so sums of ``k`` products of integers of at most
    ``p`` and ``q`` bits (plus sign) are exact in float64, whatever their order.
    """
    if k < 1:
        raise ValueError(f"need at least one term, got {k}")
    room = _MANTISSA - (k - 1).bit_length()
    return room - room // 2, room // 2


def _pow2(exponents: np.ndarray) -> np.ndarray:
    return np.ldexp(np.ones(exponents.shape, np.float64), exponents.astype(np.int32))


def quantize_rows(a: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row of ``a`` as integers of at most ``bits`` bits (float64) and its scale.

    ``a[i] ~= q[i] * scale[i]``, ``scale[i]`` a power of two chosen from row ``i``
    alone (so a row's integers never depend on the other rows), with ``|q| <= 2**bits``
    and a rounding error of at most ``scale[i] / 2`` per entry.
    """
    a = np.asarray(a)
    if a.size == 0:
        return np.zeros(a.shape, np.float64), np.ones(len(a), np.float64)
    # the row peaks from the input as it is (float32 input: half the memory traffic)
    peak = np.maximum(a.max(axis=1), -a.min(axis=1)).astype(np.float64)
    _, exp = np.frexp(peak)  # peak < 2**exp (0 for a zero row)
    shift = bits - exp
    q = np.empty(a.shape, np.float64)
    np.multiply(a, _pow2(shift)[:, None], out=q)  # in float64; a power of two: exact
    np.rint(q, out=q)
    return q, _pow2(-shift)


class ExactMatrix:
    """A fixed right factor ``w`` (``k x n``), rounded once, for exact products with it.

    ``matmul(a)`` is ``a @ w`` with every entry computed exactly from the rounded
    factors, so a row's result is the same bits whatever else is in ``a``, however many
    threads or which BLAS kernel computes it. ``w`` is kept as ``q * scale`` with ``q``
    integers (float64, C order) and one power-of-two ``scale`` per column.
    """

    def __init__(self, w: np.ndarray) -> None:
        w = np.asarray(w)
        if w.ndim != 2:
            raise ValueError(f"need a matrix, got shape {w.shape}")
        self.shape = w.shape
        self.row_bits, col_bits = split_bits(w.shape[0])
        q, scale = quantize_rows(np.ascontiguousarray(w.T), col_bits)
        self.q = np.ascontiguousarray(q.T)
        self.scale = scale

    @property
    def value(self) -> np.ndarray:
        """The rounded factor itself (float64), i.e. what the products are exact for."""
        return self.q * self.scale

    def matmul(self, a: np.ndarray, dtype: type = np.float32) -> np.ndarray:
        """``a @ w`` (``a`` is ``m x k``), exact before the final rounding to ``dtype``."""
        if a.ndim != 2 or a.shape[1] != self.shape[0]:
            raise ValueError(f"cannot multiply {a.shape} by {self.shape}")
        q, row_scale = quantize_rows(a, self.row_bits)
        c = q @ self.q  # integers below 2**53: exact in any summation order
        c *= self.scale  # powers of two: exact
        if np.dtype(dtype) == np.float64:
            c *= row_scale[:, None]
            return c
        out = np.empty(c.shape, dtype)
        np.multiply(c, row_scale[:, None], out=out, casting="same_kind")  # one rounding
        return out


def exact_dots(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b.T`` (float64) for two sets of rows, exact for the rows as rounded.

    Each row of either side is rounded on its own (:func:`quantize_rows`), so a dot
    product is the same number whichever block of rows it is computed in and whichever
    kernel computes it. For unit vectors of 512 dimensions (22 bits per side) the
    rounding moves a cosine by about 1e-8, less than float32's rounding of the same sum.
    """
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"cannot take dot products of rows of shapes {a.shape} and {b.shape}")
    p, q = split_bits(max(1, a.shape[1]))
    qa, sa = quantize_rows(a, p)
    qb, sb = quantize_rows(b, q)
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
