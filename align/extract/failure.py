"""What the binary readers (DOCX, PDF) share: a library's exception as a phrase for a
one-line :class:`~align.errors.InputError` (their messages run over lines and pages)."""

from __future__ import annotations

__all__ = ["short_error"]

#: The longest phrase an exception becomes.
_MAX = 120


def short_error(err: BaseException) -> str:
    """``err`` as one short phrase: its message on one line, cut at :data:`_MAX` characters
    (the exception's type name when it says nothing)."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= _MAX else text[: _MAX - 3] + "..."
