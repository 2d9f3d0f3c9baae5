"""Moses plain text: ``OUT.de`` and ``OUT.en``, line *n* of one the translation of line *n* of the other.

The two files are named by the languages of the sides (``OUT.<src lang>``,
``OUT.<tgt lang>``), which is what the Moses tools expect (``clean-corpus-n.perl OUT de en``,
``train-model.perl --corpus OUT --f de --e en``). ``suffix="src-tgt"`` (``--moses-suffix
src-tgt``) names them ``OUT.src`` and ``OUT.tgt`` instead, as align did before, and is the
way out for a pair whose two sides have the same language code (both files would be
``OUT.de``; that is refused rather than one overwriting the other).

This is what MT training pipelines read, so the two files must have the same number of
lines, and only aligned beads (both sides non-empty) can be written. A multi-sentence
side becomes one line, its sentences joined by one space. Line breaks inside a sentence
(LF, CR, VT, FF, NEL, U+2028/U+2029 and the other characters :meth:`str.splitlines`
splits on) would shift every following line, so each is replaced by a space and counted in
:attr:`ExportResult.replaced_chars`. Lines follow the bead order (source order; a moved
passage's target lines come from elsewhere in the target document, :mod:`align.search.moved`).

Two files cannot go to standard output: exporting to ``None``/``"-"`` is an
:class:`~align.errors.OutputError` that says to give an output path. The two files change
together or not at all (:func:`~align.files.atomic_outputs`): both are written and
fsynced beside their targets first; an error or Ctrl-C before or during the two renames
leaves both old files in place (the renames run with Ctrl-C held back, the folder locked
against a second run's renames, and the old versions kept until both succeeded). Only a
machine crash or SIGKILL between the two renames can leave a new ``OUT.de`` beside an old
``OUT.en``; the old version then stays beside it as a hidden ``.OUT.de.XXXXXXXX.tmp`` file.
"""

from __future__ import annotations

import os
import re
from typing import Any

from align.errors import AlignError, OutputError
from align.export.base import Exporter, ExportResult, encodable, input_paths, side_texts
from align.files import atomic_outputs, is_stdout
from align.types import Alignment

_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


#: How the two files are told apart: by language code (the default) or as ``.src``/``.tgt``.
SUFFIXES = ("lang", "src-tgt")


def moses_suffixes(src_lang: str, tgt_lang: str, suffix: str = "lang") -> tuple[str, str]:
    """The two file suffixes (without the dot) for a pair in ``src_lang`` and ``tgt_lang``.

    ``suffix="lang"`` gives the language codes (``("de", "en")``), ``"src-tgt"`` gives
    ``("src", "tgt")``. Two sides with the same code would name the same file twice, so
    that is an :class:`~align.errors.OutputError` saying how to get distinct names.
    """
    if suffix == "src-tgt":
        return "src", "tgt"
    if suffix != "lang":
        raise AlignError(f"suffix={suffix!r} is not valid for format moses; use {' or '.join(map(repr, SUFFIXES))}")
    if src_lang.casefold() == tgt_lang.casefold():
        raise OutputError(
            f"both sides are in {src_lang}, so the moses files named by language would both be OUT.{src_lang}; "
            "give --moses-suffix src-tgt to write OUT.src and OUT.tgt"
        )
    return src_lang, tgt_lang


def moses_paths(path: str | os.PathLike[str], suffixes: tuple[str, str]) -> tuple[str, str]:
    """The two files written for output path ``OUT``: ``OUT.<suffix>`` for each side
    (``suffixes`` from :func:`moses_suffixes`)."""
    base = os.fspath(path)
    return f"{base}.{suffixes[0]}", f"{base}.{suffixes[1]}"


def _one_line(text: str) -> tuple[str, int]:
    text, breaks = _LINE_BREAK.subn(" ", text)
    text, surrogates = encodable(text)
    return text, breaks + surrogates


class MosesExporter(Exporter):
    """Moses parallel text (two files). Options: ``unmatched`` (only ``"skip"``, the default),
    ``suffix`` (``"lang"``, the default: ``OUT.de``/``OUT.en``; or ``"src-tgt"``).

    :meth:`write` takes ``out`` as a *pair* of binary streams ``(src_out, tgt_out)``.
    """

    name = "moses"
    extensions = ()
    filterable = True
    options = {"unmatched": "skip", "suffix": "lang"}

    def write(self, alignment: Alignment, out: Any, **options: Any) -> ExportResult:
        opts = self.check_options(options)
        if opts["unmatched"] != "skip":
            raise AlignError(
                "moses output pairs line n of one file with line n of the other, so unmatched sentences "
                "cannot be included; use --format tsv or jsonl to see them"
            )
        src_out, tgt_out = out
        lines = skipped = replaced = 0
        for bead in alignment.beads:
            if not bead.is_match:
                skipped += 1
                continue
            src_text, tgt_text = side_texts(alignment, bead)
            src_line, n_src = _one_line(src_text)
            tgt_line, n_tgt = _one_line(tgt_text)
            replaced += n_src + n_tgt
            src_out.write((src_line + "\n").encode("utf-8"))
            tgt_out.write((tgt_line + "\n").encode("utf-8"))
            lines += 1
        return ExportResult(self.name, units=lines, replaced_chars=replaced, skipped_unmatched=skipped)

    def target_paths(self, alignment: Alignment, path: str | os.PathLike[str] | None, **options: Any) -> tuple[str, ...]:
        opts = self.check_options(options)
        if is_stdout(path):
            raise OutputError(
                "moses format writes two files (OUT.<src lang> and OUT.<tgt lang>) and cannot go to standard output; "
                "give -o OUT"
            )
        return moses_paths(path, moses_suffixes(alignment.src.lang, alignment.tgt.lang, opts["suffix"]))  # type: ignore[arg-type]

    def export(self, alignment: Alignment, path: str | os.PathLike[str] | None, **options: Any) -> ExportResult:
        src_path, tgt_path = self.target_paths(alignment, path, **options)
        with atomic_outputs((src_path, tgt_path), inputs=input_paths(alignment)) as (src_out, tgt_out):
            result = self.write(alignment, (src_out, tgt_out), **options)
        return ExportResult(
            result.format,
            paths=(src_path, tgt_path),
            units=result.units,
            replaced_chars=result.replaced_chars,
            skipped_unmatched=result.skipped_unmatched,
        )
