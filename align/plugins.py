"""Every plug-in align has, by kind and name, in one place; each imported only when used.

Five kinds (see :class:`~align.registry.Registry` for why names are kept apart from
imports): input formats (``--input-format``), output formats (``--format``), encoders (``--model``), wire-copy index stores
and batch engines (``--engine``). This module imports nothing heavy, so help texts and
error messages can list the names without loading numpy, lxml, torch or Ray.

A new plug-in: write its module (an :class:`~align.export.base.Exporter`, an
:class:`~align.embed.base.Encoder`, an :class:`~align.index.store.Store`, or an engine
function ``engine(specs, options, workers, encoder) -> iterable of PairOutcome``), then
add one line below.
"""

from __future__ import annotations

from typing import Any

from align.registry import Registry
from align.settings import DEFAULT_MODEL

__all__ = ["ENCODERS", "ENGINES", "FORMATS", "READERS", "STORES"]

#: Input formats (``--input-format``): how a file becomes blocks of text (:mod:`align.extract`).
READERS: Registry[Any] = Registry("input format", "--input-format")
READERS.add("text", "align.extract.text:TextReader")
READERS.add("docx", "align.extract.docx:DocxReader")
READERS.add("pdf", "align.extract.pdf:PdfReader")
READERS.add("html", "align.extract.html:HtmlReader")
READERS.add("markdown", "align.extract.markdown:MarkdownReader")

#: Output formats, in the order help texts list them.
FORMATS: Registry[Any] = Registry("output format", "--format")
FORMATS.add("tmx", "align.export.tmx:TmxExporter")
FORMATS.add("tsv", "align.export.tsv:TsvExporter")
FORMATS.add("jsonl", "align.export.jsonl:JsonlExporter")
FORMATS.add("moses", "align.export.moses:MosesExporter")
FORMATS.add("beads", "align.export.beads:BeadsExporter")
FORMATS.add("html", "align.report:HtmlExporter")

#: Encoders known by name; any other ``--model`` is a sentence-transformers model name or path.
ENCODERS: Registry[Any] = Registry("encoder", "--model")
ENCODERS.add(DEFAULT_MODEL, "align.embed.usem3:USEM3Encoder")

#: Where a wire-copy index lives: a local file (``--index``) or a Redis server (``--redis``).
STORES: Registry[Any] = Registry("index store")
STORES.add("file", "align.index.file_store:FileStore")
STORES.add("redis", "align.index.redis_store:RedisStore")

#: Batch engines: this machine (one process or a pool), or Ray Data.
ENGINES: Registry[Any] = Registry("engine", "--engine")
ENGINES.add("local", "align.batch.runner:run_local")
ENGINES.add("ray", "align.batch.ray_engine:run_ray")
