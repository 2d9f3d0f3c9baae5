"""The ``align`` command line: a thin layer over the Python API.

Results go to stdout or ``-o``; progress goes to stderr and only when stderr is a
terminal. Any :class:`~align.errors.AlignError` becomes one line on stderr and exit
status 1; ``--debug`` (or ``ALIGN_DEBUG=1``) shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from enum import Enum
from pathlib import Path
from typing import Callable, Optional

import typer

from align.errors import AlignError

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

_state = {"debug": False}


class Unmatched(str, Enum):
    skip = "skip"
    include = "include"


def _progress() -> Callable[[str], None]:
    """Progress lines on stderr, only for a person watching a terminal."""
    if not sys.stderr.isatty():
        return lambda _msg: None
    start = time.perf_counter()
    return lambda msg: typer.echo(f"[{time.perf_counter() - start:6.1f}s] {msg}", err=True)


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
        None, "--format", "-f", metavar="FORMAT", help="tmx, tsv, jsonl, moses or beads (default: from OUT's extension; tmx on stdout)."
    ),
    out: Optional[str] = typer.Option(None, "--output", "-o", metavar="OUT", help="Output file (moses: OUT.src and OUT.tgt); default stdout."),
    max_align: int = typer.Option(5, "--max-align", min=2, max=8, metavar="N", help="Largest bead: source + target sentences."),
    unmatched: Unmatched = typer.Option(Unmatched.skip, "--unmatched", help="TMX only: leave out (skip) or include unmatched sentences."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the embedding cache."),
) -> None:
    """Align SRC with its translation TGT.

    \b
    Examples:
      align pair de.txt en.txt --src-lang de --tgt-lang en -o de-en.tmx
      align pair de.txt en.txt -s de -t en --format tsv
      align pair dev.de dev.fr -s de -t fr --presegmented --format beads -o dev.beads
    """
    from align.api import align_files
    from align.export import export, format_for_path, get_exporter
    from align.export.atomic import check_target
    from align.export.moses import moses_paths
    from align.search import SearchConfig

    if fmt is None and out is not None and out != "-" and format_for_path(out) is None:
        raise AlignError(f"cannot tell the output format from {out!r}; give --format (tmx, tsv, jsonl, moses, beads)")
    fmt = fmt or format_for_path(out) or "tmx"
    get_exporter(fmt)  # an unknown format or an unwritable output fails now, not after the alignment work
    if out is not None and out != "-":
        for path in moses_paths(out) if fmt == "moses" else (out,):
            check_target(path)
    progress = _progress()
    alignment = align_files(
        src, tgt, src_lang, tgt_lang,
        presegmented=presegmented, model=model, config=SearchConfig(max_align=max_align),
        cache=not no_cache, progress=progress,
    )
    options = {"unmatched": unmatched.value} if fmt == "tmx" else {}
    result = export(alignment, out, fmt, **options)
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
) -> None:
    """Split FILE into sentences, one per line.

    \b
    Example:
      align segment samples/000_b5ea64c99ab2f47c.txt --lang de
    """
    from align.read import read_document
    from align.segment import segment as split

    doc = split(read_document(file, lang))
    for s in doc.sentences:
        if jsonl:
            typer.echo(json.dumps({"id": s.id, "start": s.start, "end": s.end, "text": s.text}, ensure_ascii=False))
        else:
            typer.echo(" ".join(s.text.split()))


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
    threshold: float = typer.Option(0.6, "--threshold", min=0.05, max=1.0, help="Shingle Jaccard for a monolingual match."),
    shingle: int = typer.Option(2, "--shingle", min=1, max=8, help="Words per shingle."),
    cross_lingual: bool = typer.Option(True, "--cross-lingual/--no-cross-lingual", help="Also find translated copies."),
    model: str = typer.Option("use-m3", "--model", "-m", metavar="NAME", help="Encoder for the cross-lingual step."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the embedding cache."),
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
    from align.export.atomic import atomic_output, check_target
    from align.read import read_document
    from align.wirecopy import WireCopyConfig, find_wire_copy
    from align.wirecopy.render import render_json, render_text

    if out is not None and out != "-":
        check_target(out)
    progress = _progress()
    docs = [read_document(f, "und" if lang == "auto" else lang) for f in files]
    config = WireCopyConfig(threshold=threshold, shingle=shingle, cross_lingual=cross_lingual)
    report = find_wire_copy(docs, config, model=model, cache=not no_cache, progress=progress)
    text = render_json(report) if as_json or (out or "").endswith(".json") else render_text(report)
    if out is None or out == "-":
        typer.echo(text, nl=False)
    else:
        with atomic_output(out) as fh:
            fh.write(text.encode("utf-8"))
        progress(f"wrote {out}")


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


def main() -> None:
    """Console entry point: run the app, turning errors into one line and an exit status."""
    debug = "--debug" in sys.argv or os.environ.get("ALIGN_DEBUG", "") not in ("", "0")
    try:
        code = app(standalone_mode=False)
    except AlignError as err:
        if debug:
            traceback.print_exc()
        typer.echo(f"align: error: {err}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("align: interrupted; no partial output was kept", err=True)
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
        typer.echo(f"align: error: {type(err).__name__}: {err} (rerun with --debug for a traceback)", err=True)
        sys.exit(1)
    # Outside standalone mode typer returns a typer.Exit's code instead of exiting; Ctrl-C
    # inside a command arrives here as 130.
    if code == 130:
        typer.echo("align: interrupted; no partial output was kept", err=True)
    if isinstance(code, int) and code:
        sys.exit(code)
