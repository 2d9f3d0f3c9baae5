"""Progress bars for a person at a terminal: the command line's :class:`~align.progress.ProgressReporter`.

Why a module of its own: it is used only when stderr is a terminal
(:func:`align.cli.app.progress_printer`), so ``rich`` is imported only then. ``rich`` and
not ``tqdm``: the command-line framework (typer) already depends on it, so it adds
nothing to an installation, and its live display keeps the stage lines scrolling above
the bars.

The stage lines are the ones a terminal always showed (``[   1.2s] embedding ...``).
Each counted loop of the library (:func:`align.progress.steps`: embedding, searching,
hashing, a batch's pairs) gets a bar with its count, rate and time left while it runs;
bars are erased when their loop ends, so what stays on screen is the lines, as before.
A loop shows its bar only once it has run for :data:`SHOW_AFTER` seconds: a short
command's dozen loops of milliseconds would otherwise flicker past.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING

import typer

from align.textsafe import printable

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress, TaskID

__all__ = ["SHOW_AFTER", "TerminalProgress"]

#: Seconds a counted loop runs before its bar appears.
SHOW_AFTER = 0.5


def _columns() -> tuple:
    """Label, bar, done/total, rate and ETA: what a person needs to decide whether to wait."""
    from rich.progress import BarColumn, ProgressColumn, TextColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        """Units per second over the last half minute (``?`` until two updates are seen)."""

        def render(self, task) -> Text:  # type: ignore[no-untyped-def]
            unit = task.fields.get("unit", "")
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else f"? {unit}/s")

    class Eta(ProgressColumn):
        """Time left at the current rate, as ``ETA 0:01:05``."""

        def render(self, task) -> Text:  # type: ignore[no-untyped-def]
            left = task.time_remaining
            if left is None:
                return Text("ETA -:--:--")
            minutes, seconds = divmod(int(round(left)), 60)
            hours, minutes = divmod(minutes, 60)
            return Text(f"ETA {hours}:{minutes:02d}:{seconds:02d}")

    return (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} {task.fields[unit]}"),
        Rate(),
        Eta(),
    )


class TerminalProgress:
    """Stage lines on stderr with the time since the start, and a bar per counted loop.

    Callable (the progress callback every command passes on) and a
    :class:`~align.progress.ProgressReporter` (``steps``). The live display runs only while
    some loop is counting; the lines printed meanwhile go above it.
    """

    def __init__(self) -> None:
        self._start = time.perf_counter()
        self._lock = threading.RLock()
        self._bars: RichProgress | None = None
        self._open = 0

    def __call__(self, message: str) -> None:
        line = f"[{time.perf_counter() - self._start:6.1f}s] {printable(message, keep_newlines=False)}"
        with self._lock:
            if self._bars is not None:
                self._bars.console.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)
                return
        typer.echo(line, err=True)

    def steps(self, label: str, total: int, unit: str) -> _Bar:
        return _Bar(self, label, total, unit)

    def _show(self, bar: _Bar) -> TaskID:
        """Give ``bar`` its line in the live display, starting the display if it is the first."""
        if self._bars is None:
            from rich.console import Console
            from rich.progress import Progress

            # stdout is never redirected: it may carry the results (a pipe), not the bars
            self._bars = Progress(*_columns(), console=Console(file=sys.stderr), transient=True,
                                  redirect_stdout=False, redirect_stderr=False, speed_estimate_period=30.0)
            self._bars.start()
        self._open += 1
        return self._bars.add_task(bar.label, total=bar.total, completed=bar.done, unit=bar.unit)

    def _hide(self, task: TaskID) -> None:
        """Remove a finished bar; the display stops (and is erased) with the last one."""
        if self._bars is None:
            return
        self._bars.remove_task(task)
        self._open -= 1
        if self._open <= 0:
            self._bars.stop()
            self._bars = None
            self._open = 0


class _Bar:
    """One counted loop (:class:`align.progress.Steps`): counted from the start, drawn once it
    has run :data:`SHOW_AFTER` seconds; closing it twice is harmless."""

    def __init__(self, owner: TerminalProgress, label: str, total: int, unit: str) -> None:
        self._owner = owner
        self.label, self.total, self.unit = label, total, unit
        self.done = 0
        self._started = time.perf_counter()
        self._task: TaskID | None = None
        self._closed = False

    def advance(self, n: int = 1) -> None:
        with self._owner._lock:
            if self._closed:
                return
            self.done += n
            if self._task is not None:
                assert self._owner._bars is not None
                self._owner._bars.advance(self._task, n)
            elif time.perf_counter() - self._started >= SHOW_AFTER:
                self._task = self._owner._show(self)

    def close(self) -> None:
        with self._owner._lock:
            if self._closed:
                return
            self._closed = True
            if self._task is not None:
                self._owner._hide(self._task)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
