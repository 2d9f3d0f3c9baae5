"""``align batch``: every pair of a manifest, resumable, on this machine or a Ray cluster."""

from __future__ import annotations

from typing import Annotated

import typer

from align.cli.app import progress_printer, state
from align.cli.checks import check_manifest_languages
from align.cli.options import (
    MosesSuffix,
    MosesSuffixOpt,
    Unmatched,
    UnmatchedOpt,
    say_filtered,
    takes_align_settings,
    takes_filter_settings,
)
from align.errors import AlignError, Interrupted
from align.plugins import ENGINES, FORMATS
from align.settings import AlignSettings, FilterSettings
from align.textsafe import printable


@takes_align_settings
@takes_filter_settings
def batch(
    manifest: Annotated[str, typer.Argument(
        metavar="MANIFEST", help="TSV (src, tgt, src_lang, tgt_lang[, id]; no header) or JSONL.",
    )],
    out_dir: Annotated[str, typer.Option(
        "--out-dir", "-d", metavar="DIR", help="Folder for the outputs, one set per pair named by id.",
    )],
    fmt: Annotated[str, typer.Option(
        "--format", "-f", metavar="FORMAT",
        help=f"{FORMATS.help()} (as for pair); several, comma-separated (tmx,tsv), write each pair in each.",
    )] = "tmx",
    unmatched: UnmatchedOpt = Unmatched.skip,
    moses_suffix: MosesSuffixOpt = MosesSuffix.lang,
    engine: Annotated[str, typer.Option(
        "--engine", "-e", metavar="ENGINE",
        help=f"{ENGINES.help()}: local is this machine, ray is Ray Data (RAY_ADDRESS for a cluster).",
    )] = "local",
    workers: Annotated[int, typer.Option(
        "--workers", "-w", min=1, metavar="N", help="Worker processes (local) or actors (ray), each loading the model once.",
    )] = 1,
    *,
    settings: AlignSettings,
    filters: FilterSettings,
) -> None:
    """Align every pair listed in MANIFEST into DIR; rerunning skips finished pairs.

    Relative paths in MANIFEST are relative to its folder. A pair that fails is listed
    with its reason and the others go on (a pair whose text is clearly not in its
    manifest language fails too, unless --no-lang-check); the exit status is 1 if any failed.

    \b
    Examples:
      align batch pairs.tsv --out-dir out/
      align batch pairs.jsonl --out-dir out/ --format tsv --presegmented --workers 2
      align batch pairs.tsv --out-dir out/ --format tmx,tsv,html
      RAY_ADDRESS=auto align batch pairs.tsv --out-dir /shared/out --engine ray --workers 8
    """
    from align.batch import BatchOptions, read_manifest, run_batch
    from align.export import get_exporter
    from align.export.filters import check_filterable

    formats = [get_exporter(name.strip()).name for name in fmt.split(",")]  # an unknown format fails before any work
    if len(set(formats)) < len(formats):
        raise AlignError(f"--format {fmt} names a format twice; give each once (e.g. tmx,tsv)")
    for name in formats:
        check_filterable(get_exporter(name), filters)  # so do filters for beads
    ENGINES.get(engine)  # so does an unknown engine (and a missing Ray, before the manifest is read)
    pairs = read_manifest(manifest, max_bytes=settings.max_input_bytes)
    check_manifest_languages(settings.model, manifest, pairs)
    options = BatchOptions(fmt=",".join(formats), unmatched=unmatched.value, settings=settings,
                           moses_suffix=moses_suffix.value, filters=filters)
    try:
        summary = run_batch(pairs, out_dir, options, engine=engine, workers=workers, progress=progress_printer(),
                            inputs=[manifest])
    except Interrupted as err:  # typer turns Ctrl-C into exit status 130; main() says what was kept
        state["interrupted"] = str(err)
        raise
    typer.echo(printable(summary.format()))
    say_filtered(filters, summary.filtered, "over the pairs aligned: ")
    if summary.failed:
        typer.echo(f"align: error: {len(summary.failed)} of {summary.total} pairs failed (reasons above); "
                   "fix them and rerun the same command to do only those", err=True)
        raise typer.Exit(1)
