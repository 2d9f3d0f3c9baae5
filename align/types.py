"""Core value types shared by every stage of the pipeline.

They live in one module so that the reader, segmenter, aligner, exporters, wire-copy
finder and notebooks all speak the same language. Every sentence keeps its character
span in the decoded document text: exporters, reports and the "nothing lost" checks
all rely on ``document.text[s.start:s.end] == s.text``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a document: its 0-based id and its span in the document's text.

    ``kind`` is ``"text"`` for a sentence of prose, or the kind of the block it was taken
    from when that block holds lines that are not prose (``"code"``, ``"table"``: see
    :data:`UNIT_KINDS`); those lines are aligned like sentences but marked, so that
    exports and filters can leave them out of a translation memory.
    """

    id: int
    start: int
    end: int
    text: str
    kind: str = "text"


#: Kinds of block a reader finds in a document (see :class:`Block`).
BLOCK_KINDS = ("heading", "paragraph", "item", "cell", "quote", "code", "table")
#: Block kinds whose lines are units as they stand: never split into sentences nor joined.
UNIT_KINDS = ("code", "table")


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a structured document: a heading, paragraph, list item, table cell,
    quote, code block or table, with its span in the document's text.

    Readers of structured input (wrapped plain text, HTML, DOCX, PDF, Markdown) build the
    document's text from its blocks, one after another with a blank line between them, so
    a block boundary is a line break: a hard sentence boundary and a paragraph break for
    the search. ``source`` is the block's span in the reader's own input (the decoded file
    for text formats) when there is one, so a sentence can be traced back to where it
    stands in the file; None for formats whose source is not text (DOCX, PDF).
    """

    kind: str
    start: int
    end: int
    source: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded text, its language, where it came from, and (once segmented) its sentences.

    ``path`` is the path as the user gave it (``"-"`` for stdin, ``None`` for text passed
    from Python); ``encoding`` records how the bytes were decoded so that reports can say so;
    ``replaced_bytes`` counts the bytes of a mostly-UTF-8 file that were not UTF-8 and became
    U+FFFD (see :mod:`align.read`), so that a caller can tell a clean read from a repaired one.

    ``format`` is the input format the text was extracted from (``text``, ``html``,
    ``markdown``, ``docx``, ``pdf``) and ``layout`` how its lines were read (``lines``:
    every line break is a boundary, the text is the file's text exactly; ``paragraphs``
    or ``wrapped``: lines joined into paragraphs; ``blocks``: the structure came from
    markup). When ``blocks`` is not empty, ``text`` is the extracted text the blocks
    make (see :class:`Block`), and every span refers to it. ``notes`` say how the reader
    read it when that was its own choice (the layout ``auto`` picked and why), for the
    command line to show.
    """

    text: str
    lang: str
    path: str | None = None
    sentences: tuple[Sentence, ...] = ()
    encoding: str = "utf-8"
    replaced_bytes: int = 0
    blocks: tuple[Block, ...] = ()
    format: str = "text"
    layout: str = "lines"
    notes: tuple[str, ...] = ()

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

    def moved(self) -> frozenset[int]:
        """Indices of the matched beads that are out of document order: a passage the
        adaptation moved (found after the monotone search, :mod:`align.search.moved`).

        The monotone backbone is the longest run of matched beads whose source and target
        positions both increase; every other matched bead is moved. Empty for a monotone
        alignment. Reports and plots show moved beads apart from the path.
        """
        matched = sorted((b.src[0], b.tgt[0], k) for k, b in enumerate(self.beads) if b.src and b.tgt)
        # longest strictly increasing run of target starts, in source order (patience sorting)
        tails: list[int] = []  # tails[L]: index into ``matched`` ending the best run of length L + 1
        before: list[int] = [-1] * len(matched)
        for idx, (_, t, _) in enumerate(matched):
            lo, hi = 0, len(tails)
            while lo < hi:
                mid = (lo + hi) // 2
                if matched[tails[mid]][1] < t:
                    lo = mid + 1
                else:
                    hi = mid
            before[idx] = tails[lo - 1] if lo else -1
            if lo == len(tails):
                tails.append(idx)
            else:
                tails[lo] = idx
        keep: set[int] = set()
        idx = tails[-1] if tails else -1
        while idx >= 0:
            keep.add(matched[idx][2])
            idx = before[idx]
        return frozenset(k for _, _, k in matched if k not in keep)

    def content(self, bead: Bead) -> str:
        """What a bead holds: ``"code"`` or ``"table"`` when every sentence on both sides is
        of that kind, ``"identical"`` when both sides have the same words (commands, names,
        numbers left untranslated), else ``"text"``. Exports record it so that a translation
        memory can leave the first three out."""
        if not bead.is_match:
            return "text"
        sides = [self.src.sentences[i] for i in bead.src] + [self.tgt.sentences[j] for j in bead.tgt]
        kinds = {s.kind for s in sides}
        if len(kinds) == 1 and next(iter(kinds)) != "text":
            return next(iter(kinds))
        src = " ".join(self.src.sentences[i].text for i in bead.src).split()
        tgt = " ".join(self.tgt.sentences[j].text for j in bead.tgt).split()
        return "identical" if src == tgt else "text"

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


def bead_index(beads: Sequence[Bead]) -> tuple[dict[int, int], dict[int, int]]:
    """Which bead (its position in ``beads``) holds each source and each target sentence:
    the refinement and the moved-passage passes ask it of a sentence again and again, so it
    is built once per bead list."""
    src: dict[int, int] = {}
    tgt: dict[int, int] = {}
    for k, b in enumerate(beads):
        for i in b.src:
            src[i] = k
        for j in b.tgt:
            tgt[j] = k
    return src, tgt
