"""Shared helpers of the issue-6 hardening tests (``tests/test_hardening_*.py``).

Issue 6: bad input, interruptions and untrusted content lose nothing and crash nothing.
Every item of the issue's sections 1 (bad input) and 2 (hard but valid input), plus the
faults of section 4 and the untrusted content of section 5, is checked through the command
line as a user runs it, one file per section:

- ``tests/test_hardening_bad_input.py`` (1): exit status 1, one line on stderr that says what
  is wrong and what to do, nothing on stdout, no file left behind;
- ``tests/test_hardening_hard_input.py`` (2): every sentence of both sides in exactly one
  bead, in order, and the exports give the text back;
- ``tests/test_hardening_faults.py`` (4): signals, a corrupted cache, a full disk;
- ``tests/test_hardening_untrusted.py`` (5): escaping, TMX entities, contained paths.

Each file's docstring holds its part of the issue's checklist (issue item -> test). Section
3 (properties) is in ``tests/test_properties.py``; the fuzz run is ``bench/fuzz.py``.

Here: the sample pair, running ``python -m align`` in a child (:func:`run_align`) or in this
process (:func:`invoke`), the one-line-error check, and :func:`pair_and_check`, which aligns
two texts to JSON Lines and TMX and checks that nothing is lost or garbled.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from typer.testing import CliRunner

from align import cli
from align.export import read_tmx
from align.export.tmx import xml_safe
from align.read import read_document
from align.segment import presegmented, segment

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SRC = next(SAMPLES.glob("000_*.txt"))  # German
TGT = next(SAMPLES.glob("001_*.txt"))  # English


def run_align(*args: object, cwd: Path, env: dict[str, str] | None = None,
              preexec_fn: Callable[[], None] | None = None) -> subprocess.CompletedProcess:
    """``python -m align ARGS`` as a user runs it; stdout/stderr decoded."""
    environ = {k: v for k, v in os.environ.items() if k != "ALIGN_DEBUG"}
    environ.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "align", *map(str, args)],
        cwd=cwd, input=b"", capture_output=True, env=environ, timeout=300, check=False, preexec_fn=preexec_fn,
    )
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def assert_one_line_error(done: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit 1, one line on stderr naming the problem and what to do, nothing on stdout."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("align: error: "), done.stderr
    assert "Traceback" not in done.stderr and "rerun with --debug" not in done.stderr, done.stderr
    for needle in needles:
        assert needle.lower() in done.stderr.lower(), (needle, done.stderr)
    assert done.stdout == ""


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def png_image() -> bytes:
    """A real 2x2 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * 2 + b"\x00" + b"\x00\xff\x00" * 2)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def invoke(*args: object):
    """Run a command in this process (the model stays loaded); it must succeed."""
    result = CliRunner().invoke(cli.app, [str(a) for a in args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def pair_and_check(
    tmp: Path, src_text: str | bytes, tgt_text: str | bytes, src_lang: str = "de", tgt_lang: str = "en",
    *extra: str, dtd: etree.DTD, presegmented_input: bool = False,
) -> tuple[list[dict], list[dict], object]:
    """Align two texts through the CLI to JSONL and TMX; check nothing is lost or garbled.

    The TMX must be valid against ``dtd`` (the ``tmx_dtd`` fixture). Returns the JSONL
    records, the TMX units and the CliRunner result of the TMX run.
    """
    src, tgt = tmp / "src.txt", tmp / "tgt.txt"
    for path, text in ((src, src_text), (tgt, tgt_text)):
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    flags = ["--presegmented"] if presegmented_input else []
    invoke("pair", src, tgt, "-s", src_lang, "-t", tgt_lang, *flags, *extra, "-o", tmp / "out.jsonl")
    tmx_run = invoke("pair", src, tgt, "-s", src_lang, "-t", tgt_lang, *flags, *extra,
                     "--unmatched", "include", "-o", tmp / "out.tmx")
    split = presegmented if presegmented_input else segment
    docs = [split(read_document(str(src), src_lang)), split(read_document(str(tgt), tgt_lang))]

    records = [json.loads(line) for line in (tmp / "out.jsonl").read_text(encoding="utf-8").split("\n") if line]
    for key, ids_key, doc in (("src", "src_ids", docs[0]), ("tgt", "tgt_ids", docs[1])):
        ids = [i for r in records for i in r[ids_key]]
        assert ids == list(range(len(doc.sentences))), f"{key}: every sentence once, in order"
        for r in records:
            assert r[key] == " ".join(doc.sentences[i].text for i in r[ids_key])
            for i, (start, end) in zip(r[ids_key], r[f"{key}_spans"]):
                assert doc.text[start:end] == doc.sentences[i].text

    tree = etree.parse(str(tmp / "out.tmx"))
    assert dtd.validate(tree), dtd.error_log
    units = read_tmx(tmp / "out.tmx")
    non_empty = [r for r in records if r["src_ids"] or r["tgt_ids"]]
    assert len(units) == len(non_empty)
    for unit, r in zip(units, non_empty):
        want = [xml_safe(r[k])[0] for k in ("src", "tgt") if r[f"{k}_ids"]]
        assert [t["text"] for t in unit["tuvs"]] == want
    return records, units, tmx_run
