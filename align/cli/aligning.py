"""The commands that align a pair of files: ``pair``, ``report`` and ``plot``.

All three make the alignment the same way, from the same options
(:func:`align.cli.options.takes_align_settings` declares them and hands each command the
settings), and differ only in what they write.
"""

from __future__ import annotations

from typing import Annotated, Callable, Optional

import typer

from align.cli.app import progress_printer, say_notes, warn
from align.cli.checks import check_languages, same_language
from align.cli.options import (
    MosesSuffix,
    MosesSuffixOpt,
    Src,
    SrcLang,
    Tgt,
    TgtLang,
    Unmatched,
    UnmatchedOpt,
    finite,
    say_filtered,
    takes_align_settings,
    takes_filter_settings,
)
from align.plugins import FORMATS
from align.settings import AlignSettings, FilterSettings


def _load_langid(src_lang: str | None, tgt_lang: str | None, no_lang_check: bool) -> None:
    """Start loading the language identifier beside the start-up work when it will be used
    (a language to check or to detect): about 0.7 s that then costs no waiting."""
    if not no_lang_check or src_lang is None or tgt_lang is None:
        from align.langid import prefetch

        prefetch()


def _align(src: str, tgt: str, src_lang: str | None, tgt_lang: str | None, settings: AlignSettings,
           progress: Callable[[str], None]):
    """The alignment every command here writes, made one way (a language left out is
    detected, and the document's note says so)."""
    from align.api import align_files

    alignment = align_files(src, tgt, src_lang, tgt_lang, **settings.api_options(), progress=progress)
    for doc in (alignment.src, alignment.tgt):
        say_notes(doc)
    if (src_lang is None or tgt_lang is None) and same_language(alignment.src.lang, alignment.tgt.lang):
        warn(f"both sides are in the same language ({alignment.src.lang}, {alignment.tgt.lang}); "
             "aligned anyway (check --src-lang and --tgt-lang if this is a translation)")
    return alignment


@takes_align_settings
@takes_filter_settings
def pair(
    src: Src,
    tgt: Tgt,
    src_lang: SrcLang = None,
    tgt_lang: TgtLang = None,
    fmt: Annotated[Optional[str], typer.Option(
        "--format", "-f", metavar="FORMAT",
        help=f"{FORMATS.help()} (default: from OUT's extension; tmx on stdout; with several -o, the format of "
             "those whose extension names none).",
    )] = None,
    out: Annotated[Optional[list[str]], typer.Option(
        "--output", "-o", metavar="OUT",
        help="Output file (moses: OUT.de and OUT.en); default stdout. Repeat for several outputs of the one "
             "alignment, each in the format its extension names (.html: the review page), written together.",
    )] = None,
    unmatched: UnmatchedOpt = Unmatched.skip,
    moses_suffix: MosesSuffixOpt = MosesSuffix.lang,
    plot: Annotated[Optional[str], typer.Option(
        "--plot", metavar="FILE",
        help="Also draw the similarity heat-map with the path (.png/.svg/.pdf; needs align[plot]).",
    )] = None,
    *,
    settings: AlignSettings,
    filters: FilterSettings,
) -> None:
    """Align SRC with its translation TGT.

    \b
    Examples:
      align pair de.txt en.txt --src-lang de --tgt-lang en -o de-en.tmx
      align pair de.txt en.txt -s de -t en --format tsv
      align pair de.txt en.txt -o de-en.tmx        (languages detected from the texts)
      align pair de.txt en.txt -s de -t en -o de-en.tmx -o de-en.tsv -o review.html
      align pair de.txt en.txt -s de -t en --format moses -o corpus   (corpus.de and corpus.en)
      align pair dev.de dev.fr -s de -t fr --presegmented --format beads -o dev.beads
    """
    from align.cli.outputs import output_paths, plan_outputs, write_outputs
    from align.files import check_outputs

    # an unknown format, filters for beads or an unwritable output fail now, not after the alignment work
    planned = plan_outputs(out, fmt, unmatched=unmatched.value, moses_suffix=moses_suffix.value, filters=filters)
    check_languages(settings.model, src_lang, tgt_lang)
    outputs = output_paths(planned, src_lang, tgt_lang)
    if plot is not None:
        from align.plot import check_plot_target

        check_plot_target(plot)
        outputs.append(plot)
    check_outputs(outputs, inputs=(src, tgt))
    progress = progress_printer()
    from align.preload import start_model

    start_model(settings.model)  # imports numpy and loads the model beside the reading and segmenting
    _load_langid(src_lang, tgt_lang, not settings.lang_check)
    alignment = _align(src, tgt, src_lang, tgt_lang, settings, progress)
    results = write_outputs(alignment, planned, filters)
    say_filtered(filters, next((r.filtered for r in results if r.filtered), {}))
    if plot is not None:
        from align.plot import plot_alignment

        plot_alignment(alignment, plot, cache=settings.cache)
        progress(f"wrote {plot}")
    matched = sum(1 for b in alignment.beads if b.is_match)
    progress(
        f"{len(alignment.src)} + {len(alignment.tgt)} sentences, {len(alignment.beads)} beads "
        f"({matched} matched); wrote {', '.join(p for r in results for p in r.paths) or 'stdout'}"
    )
    for result in results:
        if result.removed_chars:
            typer.echo(f"note: removed {result.removed_chars} characters that {result.format} cannot hold "
                       "(control characters)", err=True)


@takes_align_settings
@takes_filter_settings
def report(
    src: Src,
    tgt: Tgt,
    src_lang: SrcLang = None,
    tgt_lang: TgtLang = None,
    out: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="OUT", help="The HTML file to write; default stdout.",
    )] = None,
    collection: Annotated[Optional[list[str]], typer.Option(
        "--collection", "-c", metavar="FILE",
        help="Highlight wire copy shared with these files (repeat the option; a folder means its *.txt files).",
    )] = None,
    low_score: Annotated[float, typer.Option(
        "--low-score", min=0.0, max=1.0, callback=finite, help="Mark matched beads scoring below this.",
    )] = 0.5,
    title: Annotated[Optional[str], typer.Option("--title", help="Page title (default: the two file names).")] = None,
    *,
    settings: AlignSettings,
    filters: FilterSettings,
) -> None:
    """Write a self-contained HTML page to review the alignment of SRC and TGT.

    Beads side by side with their scores; low-confidence beads and sentences without
    counterpart marked; wire copy highlighted with --collection. A reviewer can mark beads
    as wrong and download the corrected alignment. No server, no network.

    \b
    Examples:
      align report de.txt en.txt --src-lang de --tgt-lang en -o review.html
      align report samples/000_*.txt samples/001_*.txt -s de -t en --collection samples -o review.html
    """
    from align.preload import start_model

    start_model(settings.model)
    _load_langid(src_lang, tgt_lang, not settings.lang_check)
    from align.files import check_outputs
    from align.report import collection_paths, collection_wire_copy, write_report

    check_languages(settings.model, src_lang, tgt_lang)
    # a missing collection file fails now, not after the alignment; none of them may be the output
    check_outputs([out], inputs=(src, tgt, *collection_paths(collection or [])))
    progress = progress_printer()
    alignment = _align(src, tgt, src_lang, tgt_lang, settings, progress)
    wire = None
    if collection:
        wire = collection_wire_copy(alignment, collection, model=settings.model, cache=settings.cache, progress=progress,
                                    max_bytes=settings.max_input_bytes)
    size = write_report(alignment, out, wirecopy=wire, low_score=low_score, title=title, filters=filters)
    if filters.active():
        from align.export.filters import apply_filters

        say_filtered(filters, apply_filters(alignment, filters)[1], "the page's TMX download: ")
    progress(f"wrote {out or 'stdout'} ({size:,} bytes, {len(alignment.beads)} beads)")


@takes_align_settings
def plot(
    src: Src,
    tgt: Tgt,
    out: Annotated[str, typer.Option(
        "--output", "-o", metavar="FILE", help="The picture to write: .png, .svg or .pdf.",
    )],
    src_lang: SrcLang = None,
    tgt_lang: TgtLang = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Title above the heat-map.")] = None,
    *,
    settings: AlignSettings,
) -> None:
    """Draw the sentence-similarity heat-map of SRC and TGT with the alignment path over it.

    Needs matplotlib: pip install 'align[plot]'.

    \b
    Examples:
      align plot de.txt en.txt -s de -t en -o de-en.png
      align plot dev.de dev.fr -s de -t fr --presegmented -o dev.svg
    """
    _load_langid(src_lang, tgt_lang, not settings.lang_check)
    from align.files import check_outputs
    from align.plot import check_plot_target, plot_alignment

    check_languages(settings.model, src_lang, tgt_lang)
    check_plot_target(out)
    check_outputs([out], inputs=(src, tgt))
    progress = progress_printer()
    alignment = _align(src, tgt, src_lang, tgt_lang, settings, progress)
    plot_alignment(alignment, out, cache=settings.cache, title=title)
    progress(f"wrote {out}")
