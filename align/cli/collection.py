"""The commands that work on single files or a collection: ``segment``, ``eval``, ``dedup``, ``demo``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from align.cli.app import progress_printer, say_notes
from align.cli.options import (
    DEFAULTS,
    AsJson,
    HtmlKeepAll,
    InputFormat,
    Lang,
    Layout,
    LayoutChoice,
    MaxInputMb,
    Model,
    NoCache,
    finite,
    input_limit,
    read_settings,
)
from align.settings import DEFAULT_MODEL
from align.textsafe import json_dumps, printable

if TYPE_CHECKING:
    from align.types import Sentence


def segment(
    file: Annotated[str, typer.Argument(metavar="FILE", help="Text file ('-' for stdin).")],
    lang: Annotated[str, typer.Option("--lang", "-l", metavar="LANG", help="Language code, e.g. de.")],
    jsonl: Annotated[bool, typer.Option(
        "--jsonl", help="One JSON object per block and per sentence, with kinds and character spans.",
    )] = False,
    max_input_mb: MaxInputMb = None,
    input_format: InputFormat = DEFAULTS.read.input_format,
    layout: Layout = LayoutChoice(DEFAULTS.read.layout),
    html_keep_all: HtmlKeepAll = DEFAULTS.read.html_keep_all,
) -> None:
    """Split FILE into sentences, one per line.

    With --jsonl, a first line describes the document (format, layout, encoding), then
    each block (heading, paragraph, item, cell, quote, code, table) is followed by its
    sentences; spans are offsets in the extracted text, a block's "source" its span in
    the file where the format has one.

    \b
    Examples:
      align segment samples/000_b5ea64c99ab2f47c.txt --lang de
      align segment man.txt --lang de --layout wrapped --jsonl
    """
    from align.read import read_document
    from align.segment import segment as split

    reading = read_settings(input_format, layout, html_keep_all)
    doc = split(read_document(file, lang, max_bytes=input_limit(max_input_mb), reading=reading))
    say_notes(doc)
    if not jsonl:
        for s in doc.sentences:  # control characters shown escaped: a sentence must not drive the terminal
            typer.echo(printable(" ".join(s.text.split())))
        return
    typer.echo(json_dumps({"type": "document", "path": doc.path, "lang": doc.lang, "format": doc.format,
                           "layout": doc.layout, "encoding": doc.encoding, "blocks": len(doc.blocks),
                           "sentences": len(doc.sentences)}))
    sentences = iter(doc.sentences)
    pending = next(sentences, None)
    for b, block in enumerate(doc.blocks):
        typer.echo(json_dumps({"type": "block", "id": b, "kind": block.kind, "start": block.start, "end": block.end,
                               "source": list(block.source) if block.source else None}))
        while pending is not None and pending.start < block.end:
            typer.echo(json_dumps(_sentence_record(pending, b)))
            pending = next(sentences, None)
    while pending is not None:
        typer.echo(json_dumps(_sentence_record(pending, None)))
        pending = next(sentences, None)


def _sentence_record(s: Sentence, block: Optional[int]) -> dict:
    """One sentence of ``align segment --jsonl``."""
    return {"type": "sentence", "id": s.id, "start": s.start, "end": s.end, "kind": s.kind, "block": block,
            "text": s.text}


def evaluate(
    gold: Annotated[str, typer.Argument(
        metavar="GOLD", help="Gold beads file, one bead per line: [src ids]:[tgt ids].",
    )],
    test: Annotated[str, typer.Argument(
        metavar="TEST", help="Beads to score, same format (a trailing :score is ignored).",
    )],
    as_json: AsJson = False,
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


def dedup(
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="Text files to compare (one document each).")],
    lang: Lang = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report (documents, clusters, repeats).")] = False,
    out: Annotated[Optional[str], typer.Option("--output", "-o", metavar="OUT", help="Write the report to OUT.")] = None,
    threshold: Annotated[float, typer.Option(
        "--threshold", min=0.05, max=1.0, callback=finite, help="Shingle Jaccard for a monolingual match.",
    )] = 0.6,
    shingle: Annotated[int, typer.Option("--shingle", min=1, max=8, help="Words per shingle.")] = 2,
    cross_lingual: Annotated[bool, typer.Option(
        "--cross-lingual/--no-cross-lingual", help="Also find translated copies.",
    )] = True,
    model: Model = DEFAULT_MODEL,
    no_cache: NoCache = not DEFAULTS.cache,
    max_input_mb: MaxInputMb = None,
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
    from align.wirecopy.report_output import render_json, render_text

    check_outputs([out], inputs=files)
    max_bytes = input_limit(max_input_mb)
    if cross_lingual and model.strip().lower() != DEFAULT_MODEL:
        from align.embed import load_encoder

        # A model that is not installed must fail now, not after the monolingual work (or
        # never, when the files share one language and the model would go unused).
        load_encoder(model, cache=False)
    progress = progress_printer()
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


def demo(
    samples: Annotated[Optional[Path], typer.Option(
        "--samples", help="Folder with the sample articles (default: ./samples).",
    )] = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out-dir", help="Where to write the outputs (default: ./align-demo, created if missing).",
    )] = None,
) -> None:
    """Run the main job on the bundled samples: align the German/English pair and write TMX and TSV
    (and the wire copy across the samples as JSON) into ./align-demo.

    \b
    Examples:
      align demo
      align demo --out-dir /tmp/align-demo
    """
    from align.demo import run_demo
    from align.preload import start_model

    start_model(DEFAULT_MODEL)  # loads beside the reading of the samples
    summary = run_demo(samples, out_dir, progress=progress_printer())
    typer.echo(summary)
