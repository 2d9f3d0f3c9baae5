"""The plain-text reader: a text's lines, read in the layout asked for or found
(:mod:`align.extract.plain`)."""

from __future__ import annotations

from align.extract.base import Extraction, Reader
from align.extract.plain import read_plain
from align.settings import ReadSettings

__all__ = ["TextReader"]


class TextReader(Reader):
    """Plain text (``.txt`` and anything no other reader claims)."""

    name = "text"
    extensions = (".txt", ".text")

    def read(self, data: str | bytes, settings: ReadSettings, source: str) -> Extraction:
        assert isinstance(data, str)
        layout, pieces = read_plain(data, settings.layout)
        notes = (layout.describe(),) if layout.worth_saying() else ()
        return Extraction(pieces, layout.layout, notes)
