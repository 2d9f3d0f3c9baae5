"""The ``align`` command line: a thin layer over the Python API.

Results go to stdout or ``-o``; progress goes to stderr and only when stderr is a
terminal. Any :class:`~align.errors.AlignError` becomes one line on stderr and exit
status 1; ``--debug`` (or ``ALIGN_DEBUG=1``) shows the traceback instead.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import traceback
import warnings
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import typer

from align.errors import AlignError, AlignWarning, Interrupted
from align.textsafe import printable

if TYPE_CHECKING:
    from align.batch.manifest import PairSpec

# Options that pair, batch, report and plot share word for word.
_REFINE_HELP = (
    "Also align clause by clause and merge beads whose clauses cross (more accurate n-m beads); "
    "--no-refine aligns sentences only, about a fifth faster."
)

# The input size limit, declared once for every command that reads documents. None means
# $ALIGN_MAX_INPUT_MB, else align.read.DEFAULT_MAX_INPUT_MB (resolved by _input_limit).
_MAX_INPUT_MB = typer.Option(
    None, "--max-input-mb", metavar="MB",
    help="Refuse an input larger than MB megabytes (default: $ALIGN_MAX_INPUT_MB, else 256); stops /dev/zero or a runaway pipe.",
)


def _input_limit(max_input_mb: Optional[float]) -> int:
    """Bytes of the limit: the option, else the environment, else the default."""
    from align.read import max_input_bytes

    return max_input_bytes(max_input_mb)


app = typer.Typer(
    name="align",
    help="Align a text with its translation sentence by sentence, export TMX, and find shared wire copy.",
    epilog=(
        "\b\nExamples:\n"
        "  align demo\n"
        "  align pair de.txt en.txt --src-lang de --tgt-lang en -o de-en.tmx\n"
        "  align segment de.txt --lang de\n"
        "  align eval gold.beads test.beads\n"
        "Run 'align COMMAND --help' for a command's options."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_state: dict[str, object] = {"debug": False}


class Unmatched(str, Enum):
    skip = "skip"
    include = "include"


def _progress() -> Callable[[str], None]:
    """Progress lines on stderr, only for a person watching a terminal."""
    if not sys.stderr.isatty():
        return lambda _msg: None
    start = time.perf_counter()
    return lambda msg: typer.echo(f"[{time.perf_counter() - start:6.1f}s] {printable(msg, keep_newlines=False)}", err=True)


def _finite(value: float) -> float:
    """Refuse ``nan`` and ``inf`` in a float option: every comparison with nan is false, so a
    range check (``min=``/``max=``) lets it through and it would silently disable a threshold."""
    if not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number; give a value such as 0.6")
    return value


@app.callback()
def _main(
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on errors."),
) -> None:
    """align: sentence alignment, TMX export and wire-copy detection, offline on a CPU."""
    _state["debug"] = debug or os.environ.get("ALIGN_DEBUG", "") not in ("", "0")


@app.command()
def pair(
    src: str = typer.Argument(..., metavar="SRC", help="Source text file ('-' for stdin)."),
    tgt: str = typer.Argument(..., metavar="TGT", help="Target text file ('-' for stdin)."),
    src_lang: str = typer.Option(..., "--src-lang", "-s", metavar="LANG", help="Source language code, e.g. de."),
    tgt_lang: str = typer.Option(..., "--tgt-lang", "-t", metavar="LANG", help="Target language code, e.g. en."),
    presegmented: bool = typer.Option(
        False, "--presegmented", help="One sentence per line, kept exactly as given (ids are 0-based line numbers)."
    ),
    model: str = typer.Option(
        "use-m3", "--model", "-m", metavar="NAME", help="use-m3 (bundled, offline) or a sentence-transformers model name or path."
    ),
    fmt: Optional[str] = typer.Option(
        None, "--format", "-f", metavar="FORMAT", help="tmx, tsv, jsonl, moses, beads or html (default: from OUT's extension; tmx on stdout)."
    ),
    out: Optional[str] = typer.Option(None, "--output", "-o", metavar="OUT", help="Output file (moses: OUT.src and OUT.tgt); default stdout."),
    max_align: int = typer.Option(5, "--max-align", min=2, max=8, metavar="N", help="Largest bead: source + target sentences."),
    refine: bool = typer.Option(True, "--refine/--no-refine", help=_REFINE_HELP),
    unmatched: Unmatched = typer.Option(Unmatched.skip, "--unmatched", help="TMX only: leave out (skip) or include unmatched sentences."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the embedding cache."),
    plot: Optional[str] = typer.Option(
        None, "--plot", metavar="FILE", help="Also draw the similarity heat-map with the path (.png/.svg/.pdf; needs align[plot])."
    ),
    max_input_mb: Optional[float] = _MAX_INPUT_MB,
) -> None:
    """Align SRC with its translation TGT.

    \b
    Examples:
      align pair de.txt en.txt --src-lang de --tgt-lang en -o de-en.tmx
      align pair de.txt en.txt -s de -t en --format tsv
      align pair dev.de dev.fr -s de -t fr --presegmented --format beads -o dev.beads
    """
    from align.embed import prefetch

    prefetch(model)  # loads beside the checks, reading and segmenting below
    import align.report  # noqa: F401  (registers --format html)
    from align.api import align_files
    from align.export import export, format_for_path, get_exporter
    from align.files import check_outputs
    from align.export.moses import moses_paths
    from align.search import SearchConfig

    if fmt is None and out is not None and out != "-" and format_for_path(out) is None:
        raise AlignError(f"cannot tell the output format from {out!r}; give --format (tmx, tsv, jsonl, moses, beads, html)")
    fmt = fmt or format_for_path(out) or "tmx"
    get_exporter(fmt)  # an unknown format or an unwritable output fails now, not after the alignment work
    max_bytes = _input_limit(max_input_mb)
    _check_languages(model, src_lang, tgt_lang)
    outputs = list(moses_paths(out) if fmt == "moses" and out not in (None, "-") else (out,))
    if plot is not None:
        from align.plot import check_plot_target

        check_plot_target(plot)
        outputs.append(plot)
    check_outputs(outputs, inputs=(src, tgt))
    progress = _progress()
    alignment = align_files(
        src, tgt, src_lang, tgt_lang,
        presegmented=presegmented, model=model, config=SearchConfig(max_align=max_align, refine=refine),
        cache=not no_cache, progress=progress, max_bytes=max_bytes,
    )
    options = {"unmatched": unmatched.value} if fmt == "tmx" else {}
    result = export(alignment, out, fmt, **options)
    if plot is not None:
        from align.plot import plot_alignment

        plot_alignment(alignment, plot, cache=not no_cache)
        progress(f"wrote {plot}")
    matched = sum(1 for b in alignment.beads if b.is_match)
    progress(
        f"{len(alignment.src)} + {len(alignment.tgt)} sentences, {len(alignment.beads)} beads "
        f"({matched} matched); wrote {', '.join(result.paths) or 'stdout'}"
    )
    if result.removed_chars:
        typer.echo(
            f"note: removed {result.removed_chars} characters that {fmt} cannot hold (control characters)", err=True
        )


@app.command()
def segment(
    file: str = typer.Argument(..., metavar="FILE", help="Text file ('-' for stdin)."),
    lang: str = typer.Option(..., "--lang", "-l", metavar="LANG", help="Language code, e.g. de."),
    jsonl: bool = typer.Option(False, "--jsonl", help="One JSON object per sentence with its character span."),
    max_input_mb: Optional[float] = _MAX_INPUT_MB,
) -> None:
    """Split FILE into sentences, one per line.

    \b
    Example:
      align segment samples/000_b5ea64c99ab2f47c.txt --lang de
    """
    from align.read import read_document
    from align.segment import segment as split

    from align.textsafe import json_dumps

    doc = split(read_document(file, lang, max_bytes=_input_limit(max_input_mb)))
    for s in doc.sentences:
        if jsonl:
            typer.echo(json_dumps({"id": s.id, "start": s.start, "end": s.end, "text": s.text}))
        else:  # control characters shown escaped: a sentence must not drive the terminal
            typer.echo(printable(" ".join(s.text.split())))


@app.command(name="eval")
def evaluate(
    gold: str = typer.Argument(..., metavar="GOLD", help="Gold beads file, one bead per line: [src ids]:[tgt ids]."),
    test: str = typer.Argument(..., metavar="TEST", help="Beads to score, same format (a trailing :score is ignored)."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Score TEST against GOLD: strict and lax precision, recall and F1.

    \b
    Example:
      align eval dev.defr dev.beads
    """
    from align.evaluate import read_beads, score

    result = score([read_beads(gold)], [read_beads(test)])
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        typer.echo(result.format())


@app.command()
def dedup(
    files: list[str] = typer.Argument(..., metavar="FILE...", help="Text files to compare (one document each)."),
    lang: str = typer.Option("auto", "--lang", "-l", metavar="LANG", help="Language of every file; auto detects each."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report (documents, clusters, repeats)."),
    out: Optional[str] = typer.Option(None, "--output", "-o", metavar="OUT", help="Write the report to OUT."),
    threshold: float = typer.Option(0.6, "--threshold", min=0.05, max=1.0, callback=_finite,
                                    help="Shingle Jaccard for a monolingual match."),
    shingle: int = typer.Option(2, "--shingle", min=1, max=8, help="Words per shingle."),
    cross_lingual: bool = typer.Option(True, "--cross-lingual/--no-cross-lingual", help="Also find translated copies."),
    model: str = typer.Option("use-m3", "--model", "-m", metavar="NAME", help="Encoder for the cross-lingual step."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the embedding cache."),
    max_input_mb: Optional[float] = _MAX_INPUT_MB,
) -> None:
    """Find passages shared across FILEs (wire copy), within and across languages.

    Repeats inside one file (a headline printed twice) are listed separately as
    in-document repeats.

    \b
    Examples:
      align dedup samples/*.txt
      align dedup samples/*.txt --json -o wirecopy.json
      align dedup a.txt b.txt --lang en --threshold 0.6
    """
    from align.files import atomic_output, check_outputs
    from align.read import read_document
    from align.wirecopy import WireCopyConfig, find_wire_copy
    from align.wirecopy.render import render_json, render_text

    check_outputs([out], inputs=files)
    max_bytes = _input_limit(max_input_mb)
    if cross_lingual and model.strip().lower() != "use-m3":
        from align.embed import load_encoder

        # A model that is not installed must fail now, not after the monolingual work (or
        # never, when the files share one language and the model would go unused).
        load_encoder(model, cache=False)
    progress = _progress()
    docs = [read_document(f, "und" if lang == "auto" else lang, max_bytes=max_bytes) for f in files]
    config = WireCopyConfig(threshold=threshold, shingle=shingle, cross_lingual=cross_lingual)
    report = find_wire_copy(docs, config, model=model, cache=not no_cache, progress=progress)
    text = render_json(report) if as_json or (out or "").endswith(".json") else render_text(report)
    if out is None or out == "-":
        typer.echo(text, nl=False)
    else:
        with atomic_output(out, inputs=files) as fh:
            fh.write(text.encode("utf-8"))
        progress(f"wrote {out}")


@app.command()
def batch(
    manifest: str = typer.Argument(..., metavar="MANIFEST", help="TSV (src, tgt, src_lang, tgt_lang[, id]; no header) or JSONL."),
    out_dir: str = typer.Option(..., "--out-dir", "-d", metavar="DIR", help="Folder for the outputs, one set per pair named by id."),
    fmt: str = typer.Option("tmx", "--format", "-f", metavar="FORMAT", help="tmx, tsv, jsonl, moses, beads or html (as for pair)."),
    presegmented: bool = typer.Option(False, "--presegmented", help="One sentence per line in every file, kept exactly as given."),
    model: str = typer.Option("use-m3", "--model", "-m", metavar="NAME", help="use-m3 (bundled, offline) or a sentence-transformers model name or path."),
    max_align: int = typer.Option(5, "--max-align", min=2, max=8, metavar="N", help="Largest bead: source + target sentences."),
    refine: bool = typer.Option(True, "--refine/--no-refine", help=_REFINE_HELP),
    unmatched: Unmatched = typer.Option(Unmatched.skip, "--unmatched", help="TMX only: leave out (skip) or include unmatched sentences."),
    engine: str = typer.Option("local", "--engine", "-e", metavar="ENGINE", help="local (this machine) or ray (Ray Data; RAY_ADDRESS for a cluster)."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, metavar="N", help="Worker processes (local) or actors (ray), each loading the model once."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the embedding cache."),
    max_input_mb: Optional[float] = _MAX_INPUT_MB,
) -> None:
    """Align every pair listed in MANIFEST into DIR; rerunning skips finished pairs.

    Relative paths in MANIFEST are relative to its folder. A pair that fails is listed
    with its reason and the others go on; the exit status is 1 if any failed.

    \b
    Examples:
      align batch pairs.tsv --out-dir out/
      align batch pairs.jsonl --out-dir out/ --format tsv --presegmented --workers 2
      RAY_ADDRESS=auto align batch pairs.tsv --out-dir /shared/out --engine ray --workers 8
    """
    from align.batch import BatchOptions, read_manifest, run_batch

    from align.export import get_exporter

    get_exporter(fmt)  # an unknown format fails before any work
    if engine not in ("local", "ray"):
        raise AlignError(f"unknown engine {engine!r}; use local or ray")
    max_bytes = _input_limit(max_input_mb)
    pairs = read_manifest(manifest, max_bytes=max_bytes)
    _check_manifest_languages(model, manifest, pairs)
    options = BatchOptions(fmt=fmt.strip().lower(), model=model, presegmented=presegmented, max_align=max_align, refine=refine,
                           unmatched=unmatched.value, cache=not no_cache, max_input_bytes=max_bytes)
    try:
        summary = run_batch(pairs, out_dir, options, engine=engine, workers=workers, progress=_progress(),
                            inputs=[manifest])
    except Interrupted as err:  # typer turns Ctrl-C into exit status 130; main() says what was kept
        _state["interrupted"] = str(err)
        raise
    typer.echo(printable(summary.format()))
    if summary.failed:
        typer.echo(f"align: error: {len(summary.failed)} of {summary.total} pairs failed (reasons above); "
                   "fix them and rerun the same command to do only those", err=True)
        raise typer.Exit(1)


index_app = typer.Typer(
    help="A wire-copy index that persists across runs: add articles, then query new ones against all of them.",
    no_args_is_help=True, rich_markup_mode=None,
)
app.add_typer(index_app, name="index")

_INDEX_HELP = "Index file (default: wirecopy.index; created by 'add')."
_REDIS_HELP = "Keep the index in Redis instead, e.g. redis://localhost:6379/0 (shared by several machines)."


@index_app.command("add")
def index_add(
    files: list[str] = typer.Argument(..., metavar="FILE...", help="Text files to add (one document each)."),
    index: Optional[str] = typer.Option(None, "--index", "-i", metavar="FILE", help=_INDEX_HELP),
    redis: Optional[str] = typer.Option(None, "--redis", metavar="URL", help=_REDIS_HELP),
    name: str = typer.Option("align", "--name", metavar="NAME", help="Redis only: the index's name (key prefix)."),
    lang: str = typer.Option("auto", "--lang", "-l", metavar="LANG", help="Language of every file; auto detects each."),
    max_input_mb: Optional[float] = _MAX_INPUT_MB,
) -> None:
    """Add FILEs to the index (a file whose text is already indexed is skipped).

    \b
    Examples:
      align index add archive/*.txt
      align index add archive/*.txt --redis redis://localhost:6379/0
    """
    from align.index import open_index
    from align.read import read_document

    if index and redis:
        raise AlignError("give --index or --redis, not both")
    _check_index_target(index, redis, files)
    max_bytes = _input_limit(max_input_mb)
    docs = [read_document(f, "und" if lang == "auto" else lang, max_bytes=max_bytes) for f in files]
    idx = open_index(index, redis=redis, name=name, writable=True)
    try:
        result = idx.add(docs)
        idx.save()
        counts = idx.counts()
    finally:
        idx.close()
    typer.echo(f"added {result.added} documents ({result.passages} passages); {result.present} already indexed")
    typer.echo(f"index {idx.store.location}: {counts[0]} documents, {counts[1]} passages")


@index_app.command("query")
def index_query(
    files: list[str] = typer.Argument(..., metavar="FILE...", help="Text files to look up (not added)."),
    index: Optional[str] = typer.Option(None, "--index", "-i", metavar="FILE", help=_INDEX_HELP),
    redis: Optional[str] = typer.Option(None, "--redis", metavar="URL", help=_REDIS_HELP),
    name: str = typer.Option("align", "--name", metavar="NAME", help="Redis only: the index's name (key prefix)."),
    lang: str = typer.Option("auto", "--lang", "-l", metavar="LANG", help="Language of every file; auto detects each."),
    as_json: bool = typer.Option(False, "--json", help="Print the matches as JSON."),
    add: bool = typer.Option(False, "--add", help="Add the files to the index after the query."),
    max_input_mb: Optional[float] = _MAX_INPUT_MB,
) -> None:
    """Find passages of FILEs that are already in the index (wire copy of earlier articles).

    \b
    Examples:
      align index query new/*.txt
      align index query new.txt --json --redis redis://localhost:6379/0
      align index query today/*.txt --add
    """
    from align.index import open_index
    from align.index.render import render_json, render_text
    from align.read import read_document

    if index and redis:
        raise AlignError("give --index or --redis, not both")
    if add:
        _check_index_target(index, redis, files)
    max_bytes = _input_limit(max_input_mb)
    docs = [read_document(f, "und" if lang == "auto" else lang, max_bytes=max_bytes) for f in files]
    idx = open_index(index, redis=redis, name=name, writable=add)
    try:
        counts = idx.counts()
        results = idx.query(docs)
        if add:
            idx.add(docs)
            idx.save()
    finally:
        idx.close()
    location = idx.store.location
    if as_json:
        typer.echo(render_json(results, location, counts, idx.settings.to_dict()), nl=False)
    else:
        typer.echo(render_text(results, location, counts), nl=False)


def _check_index_target(index: str | None, redis: str | None, files: list[str]) -> None:
    """A file index that will be written must not be one of the documents being added."""
    if redis:
        return
    from align.files import InputFiles
    from align.index import DEFAULT_INDEX

    InputFiles(files).check(index or DEFAULT_INDEX)  # the store itself checks the folder (--index messages)


@app.command()
def demo(
    samples: Optional[Path] = typer.Option(None, "--samples", help="Folder with the sample articles (default: ./samples)."),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", help="Where to write the outputs (default: SAMPLES/output)."),
) -> None:
    """Run the main job on the bundled samples: align the German/English pair and write TMX and TSV.

    \b
    Examples:
      align demo
      align demo --out-dir /tmp/align-demo
    """
    from align.demo import run_demo

    summary = run_demo(samples, out_dir, progress=_progress())
    typer.echo(summary)


def _align_for_view(
    src: str, tgt: str, src_lang: str, tgt_lang: str, presegmented: bool, model: str, max_align: int,
    no_cache: bool, progress: Callable[[str], None], refine: bool = True, max_bytes: Optional[int] = None,
):
    """The alignment ``report`` and ``plot`` show, made exactly as ``pair`` makes it."""
    from align.api import align_files
    from align.search import SearchConfig

    return align_files(
        src, tgt, src_lang, tgt_lang,
        presegmented=presegmented, model=model, config=SearchConfig(max_align=max_align, refine=refine),
        cache=not no_cache, progress=progress, max_bytes=max_bytes,
    )


@app.command()
def report(
    src: str = typer.Argument(..., metavar="SRC", help="Source text file ('-' for stdin)."),
    tgt: str = typer.Argument(..., metavar="TGT", help="Target text file ('-' for stdin)."),
    src_lang: str = typer.Option(..., "--src-lang", "-s", metavar="LANG", help="Source language code, e.g. de."),
    tgt_lang: str = typer.Option(..., "--tgt-lang", "-t", metavar="LANG", help="Target language code, e.g. en."),
    presegmented: bool = typer.Option(
        False, "--presegmented", help="One sentence per line, kept exactly as given (ids are 0-based line numbers)."
    ),
    model: str = typer.Option(
        "use-m3", "--model", "-m", metavar="NAME", help="use-m3 (bundled, offline) or a sentence-transformers model name or path."
    ),
    out: Optional[str] = typer.Option(None, "--output", "-o", metavar="OUT", help="The HTML file to write; default stdout."),
    collection: Optional[list[str]] = typer.Option(
        None, "--collection", "-c", metavar="FILE",
        help="Highlight wire copy shared with these files (repeat the option; a folder means its *.txt files).",
    ),
    low_score: float = typer.Option(0.5, "--low-score", min=0.0, max=1.0, callback=_finite,
                                    help="Mark matched beads scoring below this."),
    title: Optional[str] = typer.Option(None, "--title", help="Page title (default: the two file names)."),
    max_align: int = typer.Option(5, "--max-align", min=2, max=8, metavar="N", help="Largest bead: source + target sentences."),
    refine: bool = typer.Option(True, "--refine/--no-refine", help=_REFINE_HELP),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the embedding cache."),
    max_input_mb: Optional[float] = _MAX_INPUT_MB,
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
    from align.embed import prefetch

    prefetch(model)
    from align.files import check_outputs
    from align.report import collection_paths, collection_wire_copy, write_report

    _check_languages(model, src_lang, tgt_lang)
    # a missing collection file fails now, not after the alignment; none of them may be the output
    check_outputs([out], inputs=(src, tgt, *collection_paths(collection or [])))
    max_bytes = _input_limit(max_input_mb)
    progress = _progress()
    alignment = _align_for_view(src, tgt, src_lang, tgt_lang, presegmented, model, max_align, no_cache, progress, refine,
                                max_bytes)
    wire = None
    if collection:
        wire = collection_wire_copy(alignment, collection, model=model, cache=not no_cache, progress=progress,
                                    max_bytes=max_bytes)
    size = write_report(alignment, out, wirecopy=wire, low_score=low_score, title=title)
    progress(f"wrote {out or 'stdout'} ({size:,} bytes, {len(alignment.beads)} beads)")


@app.command(name="plot")
def plot_command(
    src: str = typer.Argument(..., metavar="SRC", help="Source text file ('-' for stdin)."),
    tgt: str = typer.Argument(..., metavar="TGT", help="Target text file ('-' for stdin)."),
    src_lang: str = typer.Option(..., "--src-lang", "-s", metavar="LANG", help="Source language code, e.g. de."),
    tgt_lang: str = typer.Option(..., "--tgt-lang", "-t", metavar="LANG", help="Target language code, e.g. en."),
    out: str = typer.Option(..., "--output", "-o", metavar="FILE", help="The picture to write: .png, .svg or .pdf."),
    presegmented: bool = typer.Option(
        False, "--presegmented", help="One sentence per line, kept exactly as given (ids are 0-based line numbers)."
    ),
    model: str = typer.Option(
        "use-m3", "--model", "-m", metavar="NAME", help="use-m3 (bundled, offline) or a sentence-transformers model name or path."
    ),
    title: Optional[str] = typer.Option(None, "--title", help="Title above the heat-map."),
    max_align: int = typer.Option(5, "--max-align", min=2, max=8, metavar="N", help="Largest bead: source + target sentences."),
    refine: bool = typer.Option(True, "--refine/--no-refine", help=_REFINE_HELP),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the embedding cache."),
    max_input_mb: Optional[float] = _MAX_INPUT_MB,
) -> None:
    """Draw the sentence-similarity heat-map of SRC and TGT with the alignment path over it.

    Needs matplotlib: pip install 'align[plot]'.

    \b
    Examples:
      align plot de.txt en.txt -s de -t en -o de-en.png
      align plot dev.de dev.fr -s de -t fr --presegmented -o dev.svg
    """
    from align.files import check_outputs
    from align.plot import check_plot_target, plot_alignment

    _check_languages(model, src_lang, tgt_lang)
    check_plot_target(out)
    check_outputs([out], inputs=(src, tgt))
    max_bytes = _input_limit(max_input_mb)
    progress = _progress()
    alignment = _align_for_view(src, tgt, src_lang, tgt_lang, presegmented, model, max_align, no_cache, progress, refine,
                                max_bytes)
    plot_alignment(alignment, out, cache=not no_cache, title=title)
    progress(f"wrote {out}")


def _check_languages(model: str, src_lang: str, tgt_lang: str) -> None:
    """Refuse a language the bundled model was not trained on; warn when both sides share one.

    use-m3 embeds any text, but outside its 16 languages the vectors are noise and the
    alignment would look plausible while being wrong. A sentence-transformers model's
    languages are not known here, so only the code itself is checked for those.
    """
    from align.read import check_lang

    for option, lang in (("--src-lang", src_lang), ("--tgt-lang", tgt_lang)):
        check_lang(lang)
        _refuse_unknown_to_model(model, lang, option)
    if _same_language(src_lang, tgt_lang):
        typer.echo(
            f"align: warning: both sides are in the same language ({src_lang}, {tgt_lang}); "
            "aligning anyway (check --src-lang and --tgt-lang if this is a translation)",
            err=True,
        )


def _refuse_unknown_to_model(model: str, lang: str, where: str) -> None:
    """Raise when the bundled model does not know ``lang`` (``where`` names the option or manifest line)."""
    from align.embed.usem3 import LANGUAGES as ENCODER_LANGS  # not wirecopy: it imports datasketch+scipy (0.5 s)

    if model.strip().lower() == "use-m3" and lang.split("-")[0] not in ENCODER_LANGS:
        raise AlignError(
            f"{where} {lang}: the bundled model use-m3 does not know this language (it knows "
            f"{', '.join(ENCODER_LANGS)}); give a model that does, e.g. --model sentence-transformers/LaBSE"
        )


def _same_language(src_lang: str, tgt_lang: str) -> bool:
    """Both sides in one language (regions ignored: en-GB and en-US are still the same language)."""
    return src_lang.split("-")[0] == tgt_lang.split("-")[0]


def _check_manifest_languages(model: str, manifest: str, pairs: list[PairSpec]) -> None:
    """What ``pair`` checks for its two languages, for every pair of a batch, before any work.

    A language the model does not know stops the batch (like a malformed manifest line:
    it would be wrong for every run of that pair); pairs with the same language on both
    sides are allowed and named in one warning line.
    """
    for spec in pairs:
        for column, lang in (("src_lang", spec.src_lang), ("tgt_lang", spec.tgt_lang)):
            _refuse_unknown_to_model(model, lang, f"manifest {manifest} line {spec.line}: {column}")
    same = [spec for spec in pairs if _same_language(spec.src_lang, spec.tgt_lang)]
    if same:
        lines = ", ".join(str(spec.line) for spec in same[:5]) + (", …" if len(same) > 5 else "")
        typer.echo(
            f"align: warning: {len(same)} pair{'s' if len(same) != 1 else ''} of {manifest} have the same language "
            f"on both sides (line{'s' if len(same) != 1 else ''} {lines}); aligning anyway (check the language "
            "columns if these are translations)",
            err=True,
        )


_python_showwarning = warnings.showwarning


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: object = None, line: str | None = None) -> None:
    """Print align's own warnings as one line each (``align: warning: ...``); others as Python does."""
    if issubclass(category, AlignWarning):
        typer.echo(f"align: warning: {printable(str(message), keep_newlines=False)}", err=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)  # type: ignore[arg-type]


def _interrupted_note(err: BaseException | None) -> str:
    """What an interruption left: what the command said it kept, else that nothing partial was."""
    note = str(err) if isinstance(err, Interrupted) else str(_state.get("interrupted") or "")
    return printable(note, keep_newlines=False) if note else "no partial output was kept"


def _terminate_as_interrupt(signum: int, _frame: object) -> None:
    """Handle SIGTERM (a plain ``kill``) like Ctrl-C, so temporary output files are removed."""
    raise KeyboardInterrupt


def main() -> None:
    """Console entry point: run the app, turning errors into one line and an exit status."""
    import signal

    warnings.simplefilter("always", AlignWarning)  # one line per warned file, even when the text repeats
    warnings.showwarning = _show_warning
    try:
        signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    except (ValueError, OSError):  # not the main thread, or a platform without SIGTERM
        pass
    debug = "--debug" in sys.argv or os.environ.get("ALIGN_DEBUG", "") not in ("", "0")
    try:
        code = app(standalone_mode=False)
    except AlignError as err:
        if debug:
            traceback.print_exc()
        typer.echo(f"align: error: {printable(str(err), keep_newlines=False)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt as err:
        typer.echo(f"align: interrupted; {_interrupted_note(err)}", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as err:  # a bug, or an environment problem we did not foresee
        try:  # typer >= 0.2x vendors click as typer._click; older typer uses click itself
            from typer._click.exceptions import ClickException
        except ImportError:
            from click.exceptions import ClickException

        if isinstance(err, ClickException):  # usage errors: typer's message, exit status 2
            err.show()
            sys.exit(err.exit_code)
        if isinstance(err, typer.Abort):
            typer.echo("align: aborted", err=True)
            sys.exit(1)
        if debug:
            traceback.print_exc()
        if isinstance(err, MemoryError):
            typer.echo("align: error: out of memory; split the documents into smaller parts (a few hundred "
                       "thousand sentences at most), or use a machine with more memory", err=True)
            sys.exit(1)
        typer.echo(f"align: error: {type(err).__name__}: {printable(str(err), keep_newlines=False)} "
                   "(rerun with --debug for a traceback)", err=True)
        sys.exit(1)
    # Outside standalone mode typer returns a typer.Exit's code instead of exiting; Ctrl-C
    # inside a command arrives here as 130.
    if code == 130:
        typer.echo(f"align: interrupted; {_interrupted_note(None)}", err=True)
    if isinstance(code, int) and code:
        sys.exit(code)
