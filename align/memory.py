"""Freed memory handed back to the system between the stages of a long alignment.

Why: glibc keeps memory that Python and numpy free, in the heap of the thread that
allocated it. The embedding runs on worker threads, each with its own heap (arena), and
frees a few hundred MB of working rows there; the search then allocates on the main
thread, whose heap cannot reuse them, so the freed rows stayed in the process's RSS on
top of the search's. ``malloc_trim(0)`` returns the free pages of every heap
(``madvise``) to the system. It costs milliseconds and changes no result. Elsewhere than
glibc it is a no-op.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable

__all__ = ["release_freed_memory"]


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_freed_memory() -> bool:
    """Hand freed heap pages back to the system; whether the C library could."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
