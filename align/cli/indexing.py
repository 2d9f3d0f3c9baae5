"""``align index add`` and ``align index query``: a wire-copy index that persists across runs."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from align.cli.app import progress_printer
from align.cli.checks import check_index_target
from align.cli.options import Lang, MaxInputMb, input_limit
from align.errors import AlignError
from align.progress import reporting

index_app = typer.Typer(
    help="A wire-copy index that persists across runs: add articles, then query new ones against all of them.",
    no_args_is_help=True, rich_markup_mode=None,
)

Index = Annotated[Optional[str], typer.Option(
    "--index", "-i", metavar="FILE", help="Index file (default: wirecopy.index; created by 'add').",
)]
Redis = Annotated[Optional[str], typer.Option(
    "--redis", metavar="URL",
    help="Keep the index in Redis instead, e.g. redis://localhost:6379/0 (shared by several machines).",
)]
Name = Annotated[str, typer.Option("--name", metavar="NAME", help="Redis only: the index's name (key prefix).")]
CrossLingual = Annotated[bool, typer.Option(
    "--cross-lingual",
    help="add: keep sentence vectors, so that queries find translations (index files only; embeds every "
         "sentence). query: also find indexed passages that the files translate.",
)]


def _read(files: list[str], lang: str, max_input_mb: Optional[float]) -> list:
    from align.read import read_document

    max_bytes = input_limit(max_input_mb)
    return [read_document(f, "und" if lang == "auto" else lang, max_bytes=max_bytes) for f in files]


@index_app.command("add")
def index_add(
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="Text files to add (one document each).")],
    index: Index = None,
    redis: Redis = None,
    name: Name = "align",
    lang: Lang = "auto",
    max_input_mb: MaxInputMb = None,
    cross_lingual: CrossLingual = False,
) -> None:
    """Add FILEs to the index (a file whose text is already indexed is skipped).

    \b
    Examples:
      align index add archive/*.txt
      align index add --cross-lingual archive/*.txt
      align index add archive/*.txt --redis redis://localhost:6379/0
    """
    from align.index import open_index

    if index and redis:
        raise AlignError("give --index or --redis, not both")
    check_index_target(index, redis, files)
    docs = _read(files, lang, max_input_mb)
    idx = open_index(index, redis=redis, name=name, writable=True)
    try:
        with reporting(progress_printer()):  # a bar for the hashing of the passages, on a terminal
            result = idx.add(docs, cross_lingual=cross_lingual)
        idx.save()
        counts = idx.counts()
    finally:
        idx.close()
    vectors = f", {result.vectors} sentence vectors" if idx.store.vector_info() is not None else ""
    typer.echo(f"added {result.added} documents ({result.passages} passages{vectors}); "
               f"{result.present} already indexed")
    typer.echo(f"index {idx.store.location}: {counts[0]} documents, {counts[1]} passages")


@index_app.command("query")
def index_query(
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="Text files to look up (not added).")],
    index: Index = None,
    redis: Redis = None,
    name: Name = "align",
    lang: Lang = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the matches as JSON.")] = False,
    add: Annotated[bool, typer.Option("--add", help="Add the files to the index after the query.")] = False,
    max_input_mb: MaxInputMb = None,
    cross_lingual: CrossLingual = False,
) -> None:
    """Find passages of FILEs that are already in the index (wire copy of earlier articles).

    \b
    Examples:
      align index query new/*.txt
      align index query new.txt --json --redis redis://localhost:6379/0
      align index query today/*.txt --add
      align index query --cross-lingual artikel.txt
    """
    from align.index import open_index
    from align.index.query_output import render_json, render_text

    if index and redis:
        raise AlignError("give --index or --redis, not both")
    if add:
        check_index_target(index, redis, files)
    docs = _read(files, lang, max_input_mb)
    idx = open_index(index, redis=redis, name=name, writable=add)
    try:
        counts = idx.counts()
        results = idx.query(docs, cross_lingual=cross_lingual)
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
