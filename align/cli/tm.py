"""``align tm merge`` and ``align tm stats``: translation memories from align and other tools."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from align.textsafe import printable

tm_app = typer.Typer(
    help="Translation memories: merge TMX files from align, OmegaT, LF Aligner or Trados into one, "
         "and count what one holds.",
    no_args_is_help=True, rich_markup_mode=None,
)


@tm_app.command("merge")
def tm_merge(
    files: Annotated[list[str], typer.Argument(metavar="FILE.tmx...", help="TMX files to merge, of one language pair.")],
    out: Annotated[Optional[str], typer.Option(
        "--out", "-o", metavar="OUT.tmx", help="The merged TMX (default: stdout); never one of the inputs.",
    )] = None,
) -> None:
    """Merge TMX files into one: duplicate units counted once, conflicting translations all kept.

    Units with the same source and target (white space aside) become one unit with an
    x-align-count prop; a source with different translations keeps each of them. The
    languages of every file must agree (de and de-DE do; a file in the other direction is
    turned round). The merged header lists the files and the totals.

    \b
    Examples:
      align tm merge ours.tmx omegat.tmx lfaligner.tmx -o all.tmx
      align tm stats all.tmx
    """
    from align.files import atomic_output, check_outputs
    from align.tm import merge_tms, write_merged

    check_outputs([out], inputs=files)
    result = merge_tms(files)
    with atomic_output(out, inputs=files) as f:
        written = write_merged(result, f)
    typer.echo(
        f"merged {len(files)} file{'s' if len(files) != 1 else ''} ({result.units_in} units, "
        f"{result.src_lang} to {result.tgt_lang or '?'}): {written} units written to "
        f"{printable(out, keep_newlines=False) if out and out != '-' else 'stdout'}; {result.duplicates} duplicates "
        f"merged, {result.conflicts} source{'s' if result.conflicts != 1 else ''} with conflicting translations kept",
        err=True,
    )


@tm_app.command("stats")
def tm_stats_command(
    file: Annotated[str, typer.Argument(metavar="FILE.tmx", help="A TMX file (from align or another tool).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Count a TMX file's units, languages, scores (x-align-score), duplicates and conflicts.

    \b
    Examples:
      align tm stats all.tmx
      align tm stats all.tmx --json
    """
    from align.tm.stats import render_json, render_text, tm_stats

    stats = tm_stats(file)
    typer.echo(render_json(stats) if as_json else printable(render_text(stats)), nl=False)
