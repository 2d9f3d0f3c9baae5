"""Progress of long work, for whoever shows it: stage lines and counted steps.

Why a module of its own: library code never prints, but a user watching a long run wants
to see it move. Two hooks, so that the old one keeps working:

- a **progress callback** ``Callable[[str], None]`` (:data:`Progress`), which the pipeline
  functions take as ``progress=`` and call once per stage ("embedding 812 + 790
  sentences with use-m3", "aligning");
- **counted steps**: a loop that knows how much work it has (the embedding's micro-batches,
  the search's rows, a batch's pairs, the documents an index adds) asks
  :func:`steps` for a :class:`Steps` and advances it. The steps go to the callback if it
  also has a ``steps(label, total, unit)`` method (:class:`ProgressReporter`; the command
  line's, which draws a bar with rate and ETA on a terminal); with a plain callback, or
  none, they cost one attribute lookup and do nothing.

The loops are deep inside the library (an encoder's batches, the DP), where no
``progress`` argument reaches, and an encoder's interface is a plugin contract; so the
reporter in charge is held in a context variable that the functions taking ``progress=``
set for the work they call (:func:`reporting`). Threads started inside see no reporter
(a batch's worker processes and threads stay silent; the batch itself counts its pairs).

Example (a loop that counts; silent here, since no reporter is set)::

    >>> with steps("embedding", 100, "tokens") as counter:
    ...     counter.advance(60)
    ...     counter.advance(40)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = ["Progress", "ProgressReporter", "Steps", "reporting", "reports_progress", "steps"]

_F = TypeVar("_F", bound=Callable[..., Any])

#: The stage-line callback every pipeline function takes as ``progress=``.
Progress = Callable[[str], None]


class Steps(Protocol):
    """A counter for one loop: ``advance(n)`` as units are done, ``close()`` at the end
    (also as a context manager). Must be safe to advance from several threads."""

    def advance(self, n: int = 1) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Steps: ...

    def __exit__(self, *exc: object) -> None: ...


@runtime_checkable
class ProgressReporter(Protocol):
    """A progress callback that also counts: ``steps(label, total, unit)`` opens a counter
    for ``total`` units (``unit`` in the plural: "tokens", "pairs")."""

    def __call__(self, message: str) -> None: ...

    def steps(self, label: str, total: int, unit: str) -> Steps: ...


class _NoSteps:
    """Counted steps nobody watches."""

    def advance(self, n: int = 1) -> None:
        return None

    def close(self) -> None:
        return None

    def __enter__(self) -> _NoSteps:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


_NO_STEPS = _NoSteps()
_current: ContextVar[Progress | None] = ContextVar("align_progress", default=None)


@contextmanager
def reporting(progress: Progress | None) -> Iterator[None]:
    """Send the counted steps of the work done inside to ``progress`` (when it counts).

    ``None`` keeps whatever reporter an outer caller set: a library function called with
    no ``progress`` from inside a command that shows one still shows its steps.
    """
    if progress is None:
        yield
        return
    token = _current.set(progress)
    try:
        yield
    finally:
        _current.reset(token)


def steps(label: str, total: int, unit: str) -> Steps:
    """A counter for a loop of ``total`` units, reported to the current reporter if it
    counts (:class:`ProgressReporter`), else one that does nothing."""
    make = getattr(_current.get(), "steps", None)
    if make is None or total <= 0:
        return _NO_STEPS
    return make(label, total, unit)


def reports_progress(func: _F) -> _F:
    """Run ``func`` under :func:`reporting` of its ``progress=`` keyword argument: the
    counted steps of everything it calls go to the caller's reporter."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with reporting(kwargs.get("progress")):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
