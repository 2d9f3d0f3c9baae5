"""Plug-ins found by name, imported only when asked for.

Why: align has four kinds of plug-in — output formats, encoders, wire-copy index stores
and batch engines — and each used to be chosen in its own way (a decorator that worked
only once its module was imported, ``if name == ...`` chains, names written into help
texts). A :class:`Registry` holds one kind: each entry is a name and where its
implementation lives (``"module:attribute"``), so listing the names (for ``--help`` and
error messages) imports nothing, and using one imports only that one — Ray or
sentence-transformers are not loaded to print the list of engines or encoders. This is
how sacrebleu finds its metrics and tokenizers and datasketch its storage backends.

Example::

    >>> from align.export import FORMATS
    >>> "html" in FORMATS.names()
    True
    >>> FORMATS.get("tsv").__name__
    'TsvExporter'

A new plug-in is one module plus one ``REGISTRY.add(name, "module:Class")`` line beside
its kind's registry (``align/export/__init__.py``, ``align/embed/__init__.py``,
``align/index/__init__.py``, ``align/batch/__init__.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from align.errors import AlignError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """One kind of plug-in (``kind`` names it in messages: "output format", "engine")."""

    def __init__(self, kind: str, hint: str = "") -> None:
        self.kind = kind
        self.hint = hint  # what the user gives to choose one (for messages): "--format"
        self._targets: dict[str, str | T] = {}
        self._loaded: dict[str, T] = {}

    def add(self, name: str, target: str | T) -> None:
        """Register ``target`` (an object, or ``"module:attribute"`` imported on first use) as ``name``."""
        key = name.strip().lower()
        if key in self._targets:
            raise ValueError(f"{self.kind} {key!r} is registered already")
        self._targets[key] = target

    def remove(self, name: str) -> None:
        """Take ``name`` out of the registry (a plug-in that is unloaded, a test's own)."""
        key = name.strip().lower()
        self._targets.pop(key, None)
        self._loaded.pop(key, None)

    def names(self) -> tuple[str, ...]:
        """The registered names, in registration order (nothing is imported)."""
        return tuple(self._targets)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.strip().lower() in self._targets

    def get(self, name: str) -> T:
        """The plug-in registered as ``name`` (case-insensitive), imported if need be.

        An unknown name is an :class:`~align.errors.AlignError` that lists the valid ones.
        """
        key = str(name).strip().lower()
        if key in self._loaded:
            return self._loaded[key]
        target = self._targets.get(key)
        if target is None:
            how = f" (given to {self.hint})" if self.hint else ""
            raise AlignError(f"unknown {self.kind} {name!r}{how}; use one of: {', '.join(self._targets)}")
        value: T = _resolve(target) if isinstance(target, str) else target
        self._loaded[key] = value
        return value

    def items(self) -> list[tuple[str, T]]:
        """Every plug-in with its name, each imported (for lookups over all of them)."""
        return [(name, self.get(name)) for name in self._targets]

    def help(self, describe: Callable[[str], str] | None = None) -> str:
        """The names for a help text: ``"a, b or c"``."""
        names = [describe(n) if describe else n for n in self._targets]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _resolve(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)
