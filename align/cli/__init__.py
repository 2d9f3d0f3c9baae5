"""The ``align`` command line: a thin layer over the Python API.

One module per family of commands, the options they share declared once
(:mod:`align.cli.options`), the application and its error reporting in
:mod:`align.cli.app`. The commands are registered here, in the order ``align --help``
lists them.
"""

from __future__ import annotations

from align.cli.aligning import pair, plot, report
from align.cli.app import app, main
from align.cli.batching import batch
from align.cli.caching import cache_app
from align.cli.collection import dedup, demo, evaluate, segment
from align.cli.indexing import index_app
from align.cli.tm import tm_app

app.command()(pair)
app.command()(segment)
app.command(name="eval")(evaluate)
app.command()(dedup)
app.command()(batch)
app.add_typer(index_app, name="index")
app.add_typer(tm_app, name="tm")
app.command()(demo)
app.command()(report)
app.command(name="plot")(plot)
app.add_typer(cache_app, name="cache")

__all__ = ["app", "main"]
