"""Every command-line option that more than one command takes, declared once.

Why: ``--model``, ``--no-cache``, ``--max-align``, ``--refine``, ``--presegmented`` and the
language options used to be written out in every command that takes them (four or five
times each), so a new search option meant about six edits and the help texts drifted.
Here each is one ``typer`` ``Annotated`` alias; a command declares ``model: Model =
DEFAULT_MODEL``, and :func:`align_settings` is the one place where these options become
the :class:`~align.settings.AlignSettings` a run is made with.

A new search option: one field of :class:`~align.settings.SearchConfig`, one alias here,
one line in :func:`align_settings` and one in :data:`ALIGNING_OPTIONS` (which gives it to
every aligning command).
"""

from __future__ import annotations

import functools
import inspect
import math
from enum import Enum
from typing import Annotated, Any, Callable, Optional

import typer

from align.plugins import READERS
from align.settings import DEFAULT_MODEL, AlignSettings, FilterSettings, ReadSettings, SearchConfig

DEFAULTS = AlignSettings()


def finite(value: float) -> float:
    """Refuse ``nan`` and ``inf`` in a float option: every comparison with nan is false, so a
    range check (``min=``/``max=``) lets it through and it would silently disable a threshold."""
    if not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number; give a value such as 0.6")
    return value


class LayoutChoice(str, Enum):
    auto = "auto"
    lines = "lines"
    paragraphs = "paragraphs"
    wrapped = "wrapped"


def input_format(value: str) -> str:
    """Refuse an input format no reader is registered for, listing the known ones."""
    name = value.strip().lower()
    if name != "auto" and name not in READERS:
        raise typer.BadParameter(f"{value!r} is not an input format; use auto, {', '.join(READERS.names())}")
    return name


class Unmatched(str, Enum):
    skip = "skip"
    include = "include"


# --- inputs ------------------------------------------------------------------------------

Src = Annotated[str, typer.Argument(metavar="SRC", help="Source text file ('-' for stdin).")]
Tgt = Annotated[str, typer.Argument(metavar="TGT", help="Target text file ('-' for stdin).")]
# None: detected from the text, and said on stderr (align.langcheck).
SrcLang = Annotated[Optional[str], typer.Option(
    "--src-lang", "-s", metavar="LANG", help="Source language code, e.g. de (default: detected from the text).",
)]
TgtLang = Annotated[Optional[str], typer.Option(
    "--tgt-lang", "-t", metavar="LANG", help="Target language code, e.g. en (default: detected from the text).",
)]
NoLangCheck = Annotated[bool, typer.Option(
    "--no-lang-check",
    help="Align even when a text is clearly not in the language given for it (by default refused before any work).",
)]
Lang = Annotated[str, typer.Option("--lang", "-l", metavar="LANG", help="Language of every file; auto detects each.")]
Presegmented = Annotated[bool, typer.Option(
    "--presegmented", help="One sentence per line, kept exactly as given (ids are 0-based line numbers).",
)]
# None means $ALIGN_MAX_INPUT_MB, else align.read.DEFAULT_MAX_INPUT_MB (see input_limit).
MaxInputMb = Annotated[Optional[float], typer.Option(
    "--max-input-mb", metavar="MB",
    help="Refuse an input larger than MB megabytes (default: $ALIGN_MAX_INPUT_MB, else 256); stops /dev/zero or a runaway pipe.",
)]

InputFormat = Annotated[str, typer.Option(
    "--input-format", metavar="FORMAT", callback=input_format,
    help=f"auto (from the file's extension, else its content), {READERS.help()}.",
)]
Layout = Annotated[LayoutChoice, typer.Option(
    "--layout",
    help="Plain text: auto (decided per document, said on stderr), lines (every line break ends a sentence), "
         "paragraphs (blank lines separate paragraphs), wrapped (join hard-wrapped lines).",
)]
HtmlKeepAll = Annotated[bool, typer.Option(
    "--html-keep-all", help="HTML: keep every block (a manual), not only the main text with boilerplate removed (an article).",
)]

# --- how to align ------------------------------------------------------------------------

Model = Annotated[str, typer.Option(
    "--model", "-m", metavar="NAME",
    help=f"{DEFAULT_MODEL} (bundled, offline) or a sentence-transformers model name or path.",
)]
MaxAlign = Annotated[int, typer.Option(
    "--max-align", min=2, max=8, metavar="N", help="Largest bead: source + target sentences.",
)]
Refine = Annotated[bool, typer.Option(
    "--refine/--no-refine",
    help="Also align clause by clause and merge beads whose clauses cross (more accurate n-m beads); "
         "--no-refine aligns sentences only, about a fifth faster.",
)]
Monotone = Annotated[bool, typer.Option(
    "--monotone",
    help="Only the monotone alignment: do not look for moved passages (unmatched runs that translate each other "
         "elsewhere in the documents, aligned out of order).",
)]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the embedding cache.")]

# --- outputs ---------------------------------------------------------------------------

UnmatchedOpt = Annotated[Unmatched, typer.Option(
    "--unmatched", help="TMX only: leave out (skip) or include unmatched sentences.",
)]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]

# --- TM filters (align.export.filters): tmx, tsv, jsonl, moses; never beads --------------


def finite_or_none(value: Optional[float]) -> Optional[float]:
    """:func:`finite` for an option that may be left out."""
    return None if value is None else finite(value)


def unit_kinds(value: Optional[str]) -> tuple[str, ...]:
    """``code,table`` as the kinds :func:`align.export.filters.check_kinds` accepts."""
    from align.errors import AlignError
    from align.export.filters import check_kinds

    try:
        return check_kinds([k for k in (value or "").split(",") if k.strip()])
    except AlignError as err:
        raise typer.BadParameter(str(err)) from None


MinScore = Annotated[Optional[float], typer.Option(
    "--min-score", min=0.0, max=1.0, metavar="X", callback=finite_or_none,
    help="Matched units scoring below X go out as unmatched (left out of TMX and Moses; shown by tsv, jsonl "
         "and --unmatched include).",
)]
DropIdentical = Annotated[bool, typer.Option(
    "--drop-identical",
    help="Leave out units whose two sides are the same text (white space and case ignored): lines left untranslated.",
)]
DropNonword = Annotated[bool, typer.Option(
    "--drop-nonword",
    help="Leave out units with a side without letters (numbers, punctuation, table borders).",
)]
DropKinds = Annotated[Optional[str], typer.Option(
    "--drop-kinds", metavar="KINDS",
    help="Leave out units of these block kinds, comma-separated: code, table (marked by the document readers).",
)]
MaxRatio = Annotated[Optional[float], typer.Option(
    "--max-ratio", min=1.0, metavar="R", callback=finite_or_none,
    help="Leave out matched units whose longer side has more than R times the characters of the shorter.",
)]
CheckUnitLang = Annotated[bool, typer.Option(
    "--check-unit-lang",
    help="Leave out units with a side confidently in another language than declared (sides under 20 letters "
         "are not judged).",
)]

FILTER_DEFAULTS = FilterSettings()

#: The TM filter options of ``pair``, ``report`` and ``batch``: name, declaration, default.
FILTER_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("min_score", MinScore, FILTER_DEFAULTS.min_score),
    ("drop_identical", DropIdentical, FILTER_DEFAULTS.drop_identical),
    ("drop_nonword", DropNonword, FILTER_DEFAULTS.drop_nonword),
    ("drop_kinds", DropKinds, None),
    ("max_ratio", MaxRatio, FILTER_DEFAULTS.max_ratio),
    ("check_unit_lang", CheckUnitLang, FILTER_DEFAULTS.check_unit_lang),
)


def filter_settings(*, min_score: Optional[float] = None, drop_identical: bool = False, drop_nonword: bool = False,
                    drop_kinds: Optional[str] = None, max_ratio: Optional[float] = None,
                    check_unit_lang: bool = False) -> FilterSettings:
    """The TM filters a run writes with, from the filter options."""
    return FilterSettings(min_score=min_score, drop_identical=drop_identical, drop_nonword=drop_nonword,
                          drop_kinds=unit_kinds(drop_kinds), max_ratio=max_ratio, check_unit_lang=check_unit_lang)


class MosesSuffix(str, Enum):
    lang = "lang"
    src_tgt = "src-tgt"


MosesSuffixOpt = Annotated[MosesSuffix, typer.Option(
    "--moses-suffix",
    help="Moses only: name the two files by language, OUT.de and OUT.en, as the Moses tools expect (lang), "
         "or OUT.src and OUT.tgt (src-tgt; also for a pair in one language).",
)]


def input_limit(max_input_mb: Optional[float]) -> int:
    """Bytes of the input limit: the option, else the environment, else the default."""
    from align.read import max_input_bytes

    return max_input_bytes(max_input_mb)


def read_settings(input_format: str = "auto", layout: LayoutChoice | str = "auto",
                  html_keep_all: bool = False) -> ReadSettings:
    """How files are read, from the reading options (:class:`~align.settings.ReadSettings`)."""
    return ReadSettings(input_format=input_format, layout=getattr(layout, "value", layout), html_keep_all=html_keep_all)


def align_settings(
    *, model: str, presegmented: bool, max_align: int, refine: bool, no_cache: bool, max_input_mb: Optional[float],
    input_format: str = "auto", layout: LayoutChoice | str = "auto", html_keep_all: bool = False,
    no_lang_check: bool = False, monotone: bool = False,
) -> AlignSettings:
    """The settings a run is made with, from the options every aligning command shares."""
    return AlignSettings(
        model=model,
        search=SearchConfig(max_align=max_align, refine=refine, moved=not monotone),
        presegmented=presegmented,
        cache=not no_cache,
        max_input_bytes=input_limit(max_input_mb),
        read=read_settings(input_format, layout, html_keep_all),
        lang_check=not no_lang_check,
    )


#: The options every aligning command takes (``pair``, ``report``, ``plot``, ``batch``), in
#: the order ``--help`` lists them after the command's own: name, declaration, default.
ALIGNING_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("presegmented", Presegmented, DEFAULTS.presegmented),
    ("model", Model, DEFAULT_MODEL),
    ("max_align", MaxAlign, DEFAULTS.search.max_align),
    ("refine", Refine, DEFAULTS.search.refine),
    ("monotone", Monotone, not DEFAULTS.search.moved),
    ("no_cache", NoCache, not DEFAULTS.cache),
    ("max_input_mb", MaxInputMb, None),
    ("input_format", InputFormat, DEFAULTS.read.input_format),
    ("layout", Layout, LayoutChoice(DEFAULTS.read.layout)),
    ("html_keep_all", HtmlKeepAll, DEFAULTS.read.html_keep_all),
    ("no_lang_check", NoLangCheck, not DEFAULTS.lang_check),
)


def takes_align_settings(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``command`` (which takes ``settings: AlignSettings``) every option of
    :data:`ALIGNING_OPTIONS` instead, and call it with the settings they make.

    Why: the aligning commands used to list these ten options and the call of
    :func:`align_settings` each, so a new one meant five edits; now it is one line of
    :data:`ALIGNING_OPTIONS` (and its field in :mod:`align.settings`). typer reads a
    command's parameters from its signature, so the wrapper's signature is the command's
    own parameters followed by these options.
    """
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "settings"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=declared)
             for name, declared, default in ALIGNING_OPTIONS]

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name, _, _ in ALIGNING_OPTIONS}
        return command(*args, settings=align_settings(**values), **kwargs)

    run.__signature__ = inspect.Signature(own + added)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in own + added}
    return run


def takes_filter_settings(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``command`` (which takes ``filters: FilterSettings``) the options of
    :data:`FILTER_OPTIONS` instead, and call it with the settings they make (as
    :func:`takes_align_settings` does for the aligning options; the two stack)."""
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "filters"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=declared)
             for name, declared, default in FILTER_OPTIONS]

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name, _, _ in FILTER_OPTIONS}
        return command(*args, filters=filter_settings(**values), **kwargs)

    run.__signature__ = inspect.Signature(own + added)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in own + added}
    return run



def say_filtered(filters: FilterSettings, removed: dict[str, int], where: str = "") -> None:
    """One stderr line per TM filter that removed anything (``where``: what was filtered, e.g. a page's download)."""
    from align.export.filters import filter_lines

    for line in filter_lines(filters, removed):
        typer.echo(f"align: {where}{line}", err=True)
