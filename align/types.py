"""Core value types shared by every stage of the pipeline.

They live in one module so that the reader, segmenter, aligner, exporters, wire-copy
finder and notebooks all speak the same language. Every sentence keeps its character
span in the decoded document text: exporters, reports and the "nothing lost" checks
all rely on ``document.text[s.start:s.end] == s.text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a document: its 0-based id and its span in the decoded text."""

    id: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded text, its language, where it came from, and (once segmented) its sentences.

    ``path`` is the path as the user gave it (``"-"`` for stdin, ``None`` for text passed
    from Python); ``encoding`` records how the bytes were decoded so that reports can say so;
    ``replaced_bytes`` counts the bytes of a mostly-UTF-8 file that were not UTF-8 and became
    U+FFFD (see :mod:`align.read`), so that a caller can tell a clean read from a repaired one.
    """

    text: str
    lang: str
    path: str | None = None
    sentences: tuple[Sentence, ...] = ()
    encoding: str = "utf-8"
    replaced_bytes: int = 0

    def __len__(self) -> int:
        return len(self.sentences)

    @property
    def name(self) -> str:
        """A short label for messages and metadata."""
        return self.path if self.path is not None else f"<{self.lang} text>"


@dataclass(frozen=True, slots=True)
class Bead:
    """A group of source sentences aligned to a group of target sentences.

    Either side may be empty (an unmatched sentence on the other side). Ids are 0-based
    sentence ids, consecutive and increasing. ``score`` is the aligner's confidence in
    [0, 1] for matched beads and 0.0 for unmatched ones.
    """

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float = 0.0

    @property
    def kind(self) -> str:
        """The bead type as the field writes it, e.g. ``"1-2"`` or ``"0-1"``."""
        return f"{len(self.src)}-{len(self.tgt)}"

    @property
    def is_match(self) -> bool:
        """True when both sides are non-empty (not an insertion or deletion)."""
        return bool(self.src) and bool(self.tgt)


@dataclass(frozen=True, slots=True)
class Alignment:
    """Two segmented documents and the beads that align them, in document order.

    ``settings`` records what produced the beads (model, algorithm parameters, versions),
    in the spirit of sacrebleu's signatures, so an exported file says how it was made.
    """

    src: Document
    tgt: Document
    beads: tuple[Bead, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Bead]:
        return iter(self.beads)

    def __len__(self) -> int:
        return len(self.beads)

    def export(self, path: str | None = None, fmt: str | None = None, **options: Any) -> Any:
        """Write this alignment (format from ``fmt`` or the path's extension); see :func:`align.exporting.export`."""
        from align.exporting import export

        return export(self, path, fmt, **options)

    def pairs(self, include_unmatched: bool = False) -> Iterator[tuple[Bead, str, str]]:
        """Yield ``(bead, source text, target text)``; sentences of a side are joined by a space."""
        src_s, tgt_s = self.src.sentences, self.tgt.sentences
        for bead in self.beads:
            if not include_unmatched and not bead.is_match:
                continue
            yield (
                bead,
                " ".join(src_s[i].text for i in bead.src),
                " ".join(tgt_s[j].text for j in bead.tgt),
            )
