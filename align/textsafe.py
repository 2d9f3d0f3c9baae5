"""Text from users' files shown on a terminal: visible, never obeyed.

An input text or a file name can hold terminal control sequences (``ESC [ 2 J`` clears the
screen, OSC sequences set the window title or write to the clipboard) and bytes that are
not UTF-8 (file names decode to lone surrogates under ``surrogateescape``). Printed as they
are, the first act on the user's terminal and the second crash the print with
``UnicodeEncodeError``. :func:`printable` is the one place that turns such text into a
visible, lossless spelling (``\\x1b``, ``\\udcff`` as ``\\xff``) for human-readable output:
``align segment``, the ``dedup`` and ``index`` reports, file names in messages.
:func:`json_dumps` is the same for machine-readable output: JSON that UTF-8 can always
hold, with a non-UTF-8 file name kept losslessly.

Example::

    >>> printable("Gr\\x1b[31mün")
    'Gr\\\\x1b[31mün'
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

__all__ = ["json_dumps", "printable", "shown_path"]

# C0 controls but tab and newline, DEL, C1 controls, lone surrogates (undecodable bytes),
# and the bidirectional overrides that make text display in another order than it reads.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with control characters, bidi overrides and undecodable bytes spelled out.

    Tabs are kept; newlines too unless ``keep_newlines`` is false (then ``\\n`` is shown
    escaped, for one-line messages). Ordinary text, including every printable Unicode
    letter, is unchanged.
    """
    text = _UNSAFE.sub(_escape, text)
    if not keep_newlines:
        text = text.replace("\n", "\\n")
    return text


def shown_path(path: str | os.PathLike[str]) -> str:
    """A file name as it can be printed in a one-line message (see :func:`printable`)."""
    return printable(os.fspath(path), keep_newlines=False)


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, **kwargs)`` whose result UTF-8 can always encode.

    Lone surrogates (the bytes of a non-UTF-8 file name, kept by ``surrogateescape``) would
    make ``.encode("utf-8")`` fail; they are written as JSON ``\\udcXX`` escapes instead,
    which is valid JSON: ``json.loads`` gives the same string back, and ``os.fsencode`` of
    it the file's real name. Lone surrogates can only occur inside JSON strings, so the
    replacement never touches the document's structure.
    """
    text = json.dumps(value, ensure_ascii=False, **kwargs)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
