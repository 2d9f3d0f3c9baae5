"""User-facing errors.

Library code raises :class:`AlignError` (or a subclass) with a one-line message that says
what is wrong and what to do; the CLI prints that line and exits with status 1, without a
traceback unless ``--debug`` or ``ALIGN_DEBUG=1`` asks for one.
"""

from __future__ import annotations


class AlignError(Exception):
    """An error the user can fix; ``str(err)`` is the whole one-line message."""


class InputError(AlignError):
    """A problem with an input file or text (missing, empty, binary, undecodable)."""


class ModelError(AlignError):
    """A problem loading or using an embedding model."""


class OutputError(AlignError):
    """A problem writing an output (missing directory, no permission, disk full)."""


class AlignWarning(UserWarning):
    """Something the user must hear about that did not stop the work (bad bytes replaced).

    Library code never prints: it issues ``warnings.warn(message, AlignWarning)`` with a
    one-line message. The CLI shows each as ``align: warning: MESSAGE`` on stderr; Python
    callers get an ordinary warning they can filter, record, or turn into an error with
    ``warnings.simplefilter("error", AlignWarning)``.
    """


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during work that had already finished some of its outputs.

    ``str(err)`` says what was kept, for the CLI's last line: a batch keeps the pairs it
    finished, so "no partial output was kept" alone would tell the user their work is lost.
    It is a :class:`KeyboardInterrupt`, so code that stops on Ctrl-C still stops.
    """
