"""The reader interface: an input file's bytes in, blocks of text out.

A reader is a plug-in found by name in :data:`align.plugins.READERS` (``--input-format``):
its module defines a :class:`Reader` subclass and ``plugins.py`` one line. Readers of
text formats (plain text, HTML, Markdown) get the decoded text (:mod:`align.decode` has
already refused mojibake); readers of container formats (DOCX, PDF) get the bytes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from align.extract.blocks import Piece
from align.settings import ReadSettings

__all__ = ["Extraction", "Reader"]


@dataclass(frozen=True)
class Extraction:
    """What a reader found: the blocks in reading order, how it read them (``layout``:
    ``blocks`` for markup, or the plain-text layout), and notes for the user (one phrase
    each: what was left out, what was chosen). An empty ``pieces`` with layout ``lines``
    means: use the decoded text exactly as it stands."""

    pieces: list[Piece]
    layout: str = "blocks"
    notes: tuple[str, ...] = ()


class Reader(ABC):
    """Turns one input format into blocks (see :mod:`align.extract.blocks`)."""

    #: The name ``--input-format`` takes and outputs record.
    name: str = ""
    #: File name endings (lower case, with the dot) that mean this format.
    extensions: tuple[str, ...] = ()
    #: True when :meth:`read` takes the file's bytes, False when it takes decoded text.
    binary: bool = False

    def sniff(self, head: bytes) -> bool:
        """Whether the first bytes of a file say it is in this format (for files whose
        name says nothing: stdin, no or unknown extension)."""
        return False

    @abstractmethod
    def read(self, data: str | bytes, settings: ReadSettings, source: str) -> Extraction:
        """The blocks of ``data`` (text or bytes, see :attr:`binary`); ``source`` names the
        input in error messages. Raises :class:`~align.errors.InputError` for input that is
        not in this format or has no text."""
