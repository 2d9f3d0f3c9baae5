"""Console entry point: start loading the bundled model before the CLI is even imported.

Why a module of its own: a short ``align pair`` spends about a tenth of a second
importing the command-line framework and our commands before it reads its arguments;
the model load (tokenizer parsing, which releases the GIL, and mapping the prepared
weights) can run on the other core meanwhile. So this entry point looks at the raw
arguments first, and only for a command that will embed with the bundled model starts
the tokenizer's parse before anything else is imported (:func:`align.preload.start_tokenizer`);
the command starts the rest of the load in the background once its arguments are parsed
(:func:`align.preload.start_model`). Everything else goes straight to the CLI.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

from align.settings import DEFAULT_MODEL

# commands that embed with --model (default: the bundled use-m3) before anything else
_EMBEDDING_COMMANDS = frozenset({"pair", "report", "demo"})


def model_to_prefetch(args: Sequence[str]) -> str | None:
    """The model a command line will load first, or None when it loads none (or asks for help)."""
    if not args or args[0] not in _EMBEDDING_COMMANDS or "--help" in args:
        return None
    model = DEFAULT_MODEL
    for i, arg in enumerate(args):
        if arg in ("--model", "-m") and i + 1 < len(args):
            model = args[i + 1]
        elif arg.startswith("--model="):
            model = arg.split("=", 1)[1]
    return model


_invoked: list[str] = []  # the command this process was started for, once main() has looked


def invoked_command() -> str | None:
    """The word after ``align`` when :func:`main` started this process and it is not an
    option (a command's name, or a mistake the full command line reports), else None:
    :mod:`align.cli` then registers only that command. None in any other process (a test,
    a program that imports :mod:`align.cli`), which gets every command."""
    return _invoked[0] if _invoked else None


def main() -> None:
    """Run the command line (see :mod:`align.cli`)."""
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        _invoked[:] = [sys.argv[1]]
    model = model_to_prefetch(sys.argv[1:])
    if model is not None and model.strip().lower() == DEFAULT_MODEL:
        from align.preload import start_tokenizer

        # First: the parse releases the GIL, so it runs on the other core while everything
        # below is imported. The rest of the model (numpy, the encoder, the mapped weights)
        # is started by the command (align.preload.start_model), once the command line is
        # parsed: those hold the GIL, and here they would only slow the way to the input.
        start_tokenizer()
    from align.cli import main as cli_main

    try:
        cli_main()
    finally:
        # Nothing is left to collect: moving every object out of the collector's reach
        # saves the interpreter's final collections over the model and the modules
        # (40-50 ms, a few percent of a short run); the operating system reclaims the memory.
        gc.freeze()
