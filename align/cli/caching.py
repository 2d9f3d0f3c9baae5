"""``align cache info`` and ``align cache clear``: the on-disk embedding cache seen and emptied.

The cache itself (:mod:`align.embed.cache`) never makes a run fail and says nothing; these
commands are where a user looks at it: where it is, how big against its cap
(``$ALIGN_CACHE_MAX``), what each model holds, and a way to empty it, all or one model's.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from align.textsafe import printable

cache_app = typer.Typer(
    help="The embedding cache: where it is, its size and cap (ALIGN_CACHE_MAX), and emptying it.",
    no_args_is_help=True, rich_markup_mode=None,
)


def _size(n: int) -> str:
    """Bytes in binary units, as ALIGN_CACHE_MAX reads them (500M is 500 MiB)."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


@cache_app.command("info")
def cache_info() -> None:
    """Show where the embedding cache is, its size, rows and cap, and what each model holds.

    \b
    Examples:
      align cache info
      ALIGN_CACHE_DIR=/tmp/c align cache info
    """
    from align.embed.cache import EmbeddingCache
    from align.settings import CACHE_MAX_ENV

    store = EmbeddingCache()
    info = store.info()
    cap = _size(info.cap) if info.cap is not None else "none"
    typer.echo(f"path: {printable(str(info.path), keep_newlines=False)}")
    if not info.exists:
        typer.echo(f"size: 0 (no cache yet); cap {cap} ({CACHE_MAX_ENV})")
        return
    typer.echo(f"size: {_size(info.file_bytes)} on disk, {_size(info.used_bytes)} in use; cap {cap} ({CACHE_MAX_ENV})")
    typer.echo(f"rows: {info.rows:,}")
    models: dict[str, list] = {}
    for space in info.namespaces:
        models.setdefault(space.model, []).append(space)
    for model, spaces in models.items():
        rows = sum(s.rows for s in spaces)
        size = sum(s.bytes for s in spaces)
        typer.echo(f"model {printable(model, keep_newlines=False)}: {rows:,} rows, {_size(size)} of vectors")
        for s in spaces:
            if s.namespace:
                typer.echo(f"  {printable(s.namespace, keep_newlines=False)}: {s.rows:,} rows, {_size(s.bytes)}")


@cache_app.command("clear")
def cache_clear(
    model: Annotated[Optional[str], typer.Option(
        "--model", "-m", metavar="NAME", help="Remove only this model's rows (a name 'align cache info' lists).",
    )] = None,
) -> None:
    """Empty the embedding cache, or remove one model's rows (safe while other runs use it).

    \b
    Examples:
      align cache clear
      align cache clear --model use-m3
    """
    from align.embed.cache import EmbeddingCache

    store = EmbeddingCache()
    removed = store.clear(model)
    where = printable(str(store.path), keep_newlines=False)
    if removed is None:
        typer.echo(f"removed {where}: it was not a database (it is rebuilt on the next run)")
    elif model is None:
        typer.echo(f"cleared {where}: {removed:,} rows removed")
    else:
        typer.echo(f"cleared {printable(model, keep_newlines=False)} from {where}: {removed:,} rows removed")
