"""The ``align`` command line: a thin layer over the Python API.

One module per family of commands, the options they share declared once
(:mod:`align.cli.options`), the application and its error reporting in
:mod:`align.cli.app`. The commands are registered here (:data:`COMMANDS`), in the order
``align --help`` lists them.
"""

from __future__ import annotations

import importlib

from align.cli.app import app, main
from align.launch import invoked_command

#: Every command, in the order ``align --help`` lists them: (name, module, attribute, a group of sub-commands?).
COMMANDS = (
    ("pair", "align.cli.aligning", "pair", False),
    ("segment", "align.cli.collection", "segment", False),
    ("eval", "align.cli.collection", "evaluate", False),
    ("dedup", "align.cli.collection", "dedup", False),
    ("batch", "align.cli.batching", "batch", False),
    ("index", "align.cli.indexing", "index_app", True),
    ("tm", "align.cli.tm", "tm_app", True),
    ("demo", "align.cli.collection", "demo", False),
    ("report", "align.cli.aligning", "report", False),
    ("plot", "align.cli.aligning", "plot", False),
    ("cache", "align.cli.caching", "cache_app", True),
)


def _register(only: str | None) -> None:
    """Register every command, or only ``only`` when the console entry point was started
    for it (:func:`align.launch.invoked_command`): building a command's options from its
    signature is typer's work at start-up, about 1 ms a command, and each module imports
    its own helpers. A command's help, errors and output do not depend on its siblings;
    anything else (``align --help``, an unknown or misspelt command, options before the
    command) gets them all."""
    names = {name for name, *_ in COMMANDS}
    for name, module, attribute, group in COMMANDS:
        if only in names and name != only:
            continue
        obj = getattr(importlib.import_module(module), attribute)
        if group:
            app.add_typer(obj, name=name)
        else:
            app.command(name=name)(obj)


_register(invoked_command())

__all__ = ["app", "main"]
