"""What every exporter shares: the :class:`Exporter` interface, the format registry,
and :func:`export`, which picks a format and writes atomically.

One class per format, one file per class (as sacrebleu does for metrics), so a new
format is one new file plus one line in :data:`align.plugins.FORMATS`, which imports it when asked. An exporter only turns an
:class:`~align.types.Alignment` into bytes on a stream; where the bytes go (a file written
atomically, standard output, two files for Moses) is decided here.

Example::

    from align.export import export
    result = export(alignment, "out.tmx")          # format from the extension
    result = export(alignment, None, "tsv")        # to stdout
    print(result.removed_chars)                    # characters TMX could not hold
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, BinaryIO, ClassVar

from align.errors import AlignError
from align.files import atomic_output, is_stdout
from align.types import Alignment, Bead

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote, so the CLI can report it without re-reading the file.

    ``paths`` are the files written (empty for standard output). ``units`` counts the
    records written (translation units, TSV/JSONL rows, bead lines, Moses line pairs).
    ``removed_chars`` counts characters dropped because the format
    cannot hold them (XML 1.0 forbids most control characters); ``replaced_chars`` counts
    characters replaced (line breaks inside a Moses line, lone surrogates that UTF-8
    cannot encode). ``skipped_unmatched`` counts insertion/deletion beads left out.
    ``filtered`` counts the units each TM filter removed (:mod:`align.export.filters`).
    """

    format: str
    paths: tuple[str, ...] = ()
    units: int = 0
    removed_chars: int = 0
    replaced_chars: int = 0
    skipped_unmatched: int = 0
    filtered: dict[str, int] = dataclasses.field(default_factory=dict)


class Exporter(ABC):
    """One output format.

    Subclasses set :attr:`name` (what ``--format`` takes), :attr:`extensions` (file
    suffixes that select the format, lower case with the dot) and :attr:`options` (accepted
    keyword options and their defaults), and implement :meth:`write`. A translation-memory
    format sets :attr:`filterable`, so the TM filters (:mod:`align.export.filters`) apply to it.
    """

    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]] = ()
    options: ClassVar[dict[str, Any]] = {}
    filterable: ClassVar[bool] = False

    @abstractmethod
    def write(self, alignment: Alignment, out: BinaryIO, **options: Any) -> ExportResult:
        """Write ``alignment`` to the binary stream ``out``; return what was written."""

    def target_paths(self, alignment: Alignment, path: str | os.PathLike[str] | None, **options: Any) -> tuple[str, ...]:
        """The files :meth:`export` writes for ``path`` (one; Moses names two from it), so
        several outputs can be written together (:func:`align.exporting.export_all`)."""
        self.check_options(options)
        return () if is_stdout(path) else (os.fspath(path),)  # type: ignore[arg-type]

    def export(self, alignment: Alignment, path: str | os.PathLike[str] | None, **options: Any) -> ExportResult:
        """Write to ``path`` atomically (``None`` or ``"-"``: standard output)."""
        self.check_options(options)
        with atomic_output(path, inputs=input_paths(alignment)) as out:
            result = self.write(alignment, out, **options)
        paths = () if is_stdout(path) else (os.fspath(path),)  # type: ignore[arg-type]
        return dataclasses.replace(result, paths=paths)

    def check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """Reject unknown option names (a typo must not be silently ignored); fill defaults."""
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            valid = ", ".join(sorted(self.options)) or "none"
            raise AlignError(f"unknown option {unknown[0]!r} for format {self.name}; valid options: {valid}")
        return {**self.options, **options}


def input_paths(alignment: Alignment) -> tuple[str, ...]:
    """The files an alignment was read from, which none of its outputs may overwrite."""
    return tuple(d.path for d in (alignment.src, alignment.tgt) if d.path not in (None, "-"))  # type: ignore[misc]


def check_unmatched(fmt: str, value: Any) -> bool:
    """Validate an ``unmatched`` option; return True when unmatched beads are included."""
    if value not in ("skip", "include"):
        raise AlignError(f"unmatched={value!r} is not valid for format {fmt}; use 'skip' or 'include'")
    return value == "include"


def side_texts(alignment: Alignment, bead: Bead) -> tuple[str, str]:
    """The source and target text of a bead, the sentences of a side joined by one space."""
    src, tgt = alignment.src.sentences, alignment.tgt.sentences
    try:
        return " ".join(src[i].text for i in bead.src), " ".join(tgt[j].text for j in bead.tgt)
    except IndexError:
        raise AlignError(
            f"bead {list(bead.src)}:{list(bead.tgt)} refers to a sentence that does not exist "
            f"({len(src)} source, {len(tgt)} target sentences); the alignment does not match its documents"
        ) from None


def encodable(text: str) -> tuple[str, int]:
    """Replace lone surrogates (from undecodable input bytes) by U+FFFD so UTF-8 can encode the text.

    Returns the text and how many characters were replaced.
    """
    return _LONE_SURROGATE.subn("\ufffd", text)


def format_score(score: float, digits: int = 4) -> str:
    """A fixed-precision score for text formats; ``nan`` stays readable rather than crashing."""
    if math.isnan(score):
        return "nan"
    return f"{score:.{digits}f}"
