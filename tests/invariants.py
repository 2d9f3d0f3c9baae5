"""Checks of what the pipeline promises, shared by the property tests and ``bench/fuzz.py``.

Each ``check_*`` function raises :class:`InvariantError` saying which promise broke, so
the fuzzer can count and show failures and the tests can simply call them:

- segmentation: spans index the text, are trimmed, ordered, never cross a line break, and
  cover every non-whitespace character (presegmented: one sentence per line, as given);
- alignment: every sentence of both sides is in exactly one bead, each bead a run of
  consecutive sentences per side (beads in document order except moved passages);
- exports: TMX is well-formed, valid against the TMX 1.4b DTD and reads back to the
  aligned text minus the characters XML forbids (which are counted); TSV, JSON Lines,
  Moses and bead files give back the texts and ids they were written from.
"""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

from lxml import etree

from align.evaluate import read_beads, score
from align.export import get_exporter, read_tmx
from align.export.base import encodable
from align.export.moses import moses_paths
from align.export.tmx import xml_safe
from align.export.tsv import COLUMNS, unescape_field
from align.segment.base import LINE_BREAK
from align.types import Alignment, Document

_LINE_BREAK_RE = re.compile(f"[{LINE_BREAK}]")
_MOSES_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


class InvariantError(AssertionError):
    """A promise of the pipeline does not hold for some input."""


def _fail(what: str) -> None:
    raise InvariantError(what)


def check_segmentation(doc: Document) -> None:
    """The segmenter's contract (see :class:`align.segment.base.Segmenter`)."""
    text = doc.text
    previous_end = 0
    covered = [False] * len(text)
    for k, s in enumerate(doc.sentences):
        if s.id != k:
            _fail(f"sentence {k} has id {s.id}")
        if not (previous_end <= s.start < s.end <= len(text)):
            _fail(f"sentence {k} span {s.start}:{s.end} out of order or empty (previous end {previous_end})")
        if s.text != text[s.start : s.end]:
            _fail(f"sentence {k} text is not text[{s.start}:{s.end}]")
        if s.text != s.text.strip():
            _fail(f"sentence {k} is not trimmed: {s.text!r:.80}")
        if _LINE_BREAK_RE.search(s.text):
            _fail(f"sentence {k} crosses a line break: {s.text!r:.80}")
        for i in range(s.start, s.end):
            covered[i] = True
        previous_end = s.end
    for i, ch in enumerate(text):
        if not covered[i] and not ch.isspace():
            _fail(f"character {ch!r} at {i} is in no sentence")


def check_presegmented(doc: Document) -> None:
    """One sentence per line, kept exactly as given; ids are line numbers."""
    lines = re.split(r"\r\n|\n|\r", doc.text)
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()  # a final line terminator does not start a sentence
    got = [s.text for s in doc.sentences]
    if got != lines:
        _fail(f"presegmented sentences {got[:3]!r}... are not the lines {lines[:3]!r}...")
    for s in doc.sentences:
        if doc.text[s.start : s.end] != s.text:
            _fail(f"presegmented sentence {s.id} text is not its span")


def check_partition(alignment: Alignment) -> None:
    """Every sentence of both sides in exactly one bead (a run of consecutive sentences per
    side), beads with source sentences in source order; scores in [0, 1]."""
    beads = alignment.beads
    for k, b in enumerate(beads):
        if not b.src and not b.tgt:
            _fail(f"bead {k} is empty on both sides")
        if not (isinstance(b.score, float) or isinstance(b.score, int)) or math.isnan(b.score):
            _fail(f"bead {k} score {b.score!r} is not a number")
        if not (0.0 <= b.score <= 1.0):
            _fail(f"bead {k} score {b.score} outside [0, 1]")
    for side, ids, n in (("source", [b.src for b in beads], len(alignment.src.sentences)),
                         ("target", [b.tgt for b in beads], len(alignment.tgt.sentences))):
        for k, run in enumerate(ids):
            if run and list(run) != list(range(run[0], run[0] + len(run))):
                _fail(f"bead {k}'s {side} ids {list(run)} are not consecutive and increasing")
        flat = sorted(i for run in ids for i in run)
        if flat != list(range(n)):
            _fail(f"{side} ids in beads {flat[:20]}... are not 0..{n - 1} once each")
    # source order: every bead with source sentences after the previous one's (moved
    # passages stand at their source position; only target ids may be out of order)
    starts = [b.src[0] for b in beads if b.src]
    if starts != sorted(starts):
        _fail(f"beads with source sentences are not in source order: {starts[:20]}...")


def side_text(alignment: Alignment, ids: tuple[int, ...], side: str) -> str:
    doc = alignment.src if side == "src" else alignment.tgt
    return " ".join(doc.sentences[i].text for i in ids)


def check_tmx(alignment: Alignment, path: Path, dtd: etree.DTD, unmatched: str = "skip") -> int:
    """Write TMX to ``path``; check well-formed, DTD-valid, texts back; return removed chars."""
    result = get_exporter("tmx").export(alignment, path, unmatched=unmatched, creationdate="20250101T000000Z")
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as err:
        _fail(f"TMX is not well-formed: {err}")
    if not dtd.validate(tree):
        _fail(f"TMX is not valid against tmx14.dtd: {dtd.error_log.filter_from_errors()[:3]}")
    units = read_tmx(path)
    expected = []
    removed = 0
    for b in alignment.beads:
        if not b.is_match and unmatched == "skip":
            continue
        tuvs = []
        for ids, side, lang in ((b.src, "src", alignment.src.lang), (b.tgt, "tgt", alignment.tgt.lang)):
            if ids:
                clean, n = xml_safe(side_text(alignment, ids, side))
                removed += n
                tuvs.append({"lang": lang, "text": clean})
        expected.append(tuvs)
    got = [u["tuvs"] for u in units]
    if got != expected:
        for k, (g, e) in enumerate(zip(got, expected)):
            if g != e:
                _fail(f"TMX unit {k + 1} reads back as {g!r:.200} instead of {e!r:.200}")
        _fail(f"TMX has {len(got)} units, expected {len(expected)}")
    if result.removed_chars != removed:
        _fail(f"TMX reported {result.removed_chars} removed characters, {removed} were forbidden")
    for u, b in zip(units, [b for b in alignment.beads if b.is_match or unmatched == "include"]):
        ids = (u["props"].get("x-align-src-ids", ""), u["props"].get("x-align-tgt-ids", ""))
        if ids != (",".join(map(str, b.src)), ",".join(map(str, b.tgt))):
            _fail(f"TMX unit props {ids} do not match bead {b}")
    return removed


def check_text_exports(alignment: Alignment, workdir: Path) -> None:
    """TSV, JSON Lines, beads (in memory) and Moses (two files) give back texts and ids."""
    beads = alignment.beads
    texts = [(side_text(alignment, b.src, "src"), side_text(alignment, b.tgt, "tgt")) for b in beads]

    buf = io.BytesIO()
    get_exporter("tsv").write(alignment, buf)
    lines = buf.getvalue().decode("utf-8").split("\n")
    if lines[0] != "\t".join(COLUMNS) or lines[-1] != "":
        _fail("TSV header or final newline missing")
    rows = lines[1:-1]
    if len(rows) != len(beads):
        _fail(f"TSV has {len(rows)} rows for {len(beads)} beads")
    for row, b, (s, t) in zip(rows, beads, texts):
        fields = row.split("\t")
        if len(fields) != 5:
            _fail(f"TSV row has {len(fields)} fields: {row!r:.120}")
        if fields[0] != ",".join(map(str, b.src)) or fields[1] != ",".join(map(str, b.tgt)):
            _fail(f"TSV ids {fields[:2]} do not match bead {b}")
        if (unescape_field(fields[3]), unescape_field(fields[4])) != (encodable(s)[0], encodable(t)[0]):
            _fail(f"TSV texts do not round-trip: {fields[3:]!r:.200}")

    buf = io.BytesIO()
    get_exporter("jsonl").write(alignment, buf)
    records = [json.loads(line) for line in buf.getvalue().decode("utf-8").splitlines()]
    if len(records) != len(beads):
        _fail(f"JSONL has {len(records)} records for {len(beads)} beads")
    for r, b, (s, t) in zip(records, beads, texts):
        if (r["src_ids"], r["tgt_ids"]) != (list(b.src), list(b.tgt)) or (r["src"], r["tgt"]) != (s, t):
            _fail(f"JSONL record {r!r:.200} does not match bead {b}")
        for key, doc in (("src_spans", alignment.src), ("tgt_spans", alignment.tgt)):
            ids = r["src_ids"] if key == "src_spans" else r["tgt_ids"]
            if [[doc.sentences[i].start, doc.sentences[i].end] for i in ids] != r[key]:
                _fail(f"JSONL {key} {r[key]} do not match the sentences")

    buf = io.BytesIO()
    get_exporter("beads").write(alignment, buf)
    read_back = read_beads(buf.getvalue().decode("ascii").splitlines())
    if [(tuple(s), tuple(t)) for s, t in read_back] != [(b.src, b.tgt) for b in beads]:
        _fail("bead file does not read back to the beads")
    if any(b.is_match for b in beads):
        f1 = score([read_back], [read_back])
        if not (f1.to_dict()["f1_strict"] == 1.0 and f1.to_dict()["f1_lax"] == 1.0):
            _fail(f"eval of the beads against themselves is {f1.to_dict()}, not 1.0")

    out = workdir / "moses"
    langs = (alignment.src.lang, alignment.tgt.lang)
    suffix = "src-tgt" if langs[0] == langs[1] else "lang"  # one language: OUT.de twice is refused
    src_path, tgt_path = get_exporter("moses").export(alignment, out, suffix=suffix).paths
    if (src_path, tgt_path) != moses_paths(out, langs if suffix == "lang" else ("src", "tgt")):
        _fail(f"Moses files are {src_path}, {tgt_path}, not named by the languages {langs}")
    src_lines = Path(src_path).read_bytes().decode("utf-8").split("\n")
    tgt_lines = Path(tgt_path).read_bytes().decode("utf-8").split("\n")
    matched = [(s, t) for b, (s, t) in zip(beads, texts) if b.is_match]
    if src_lines[-1] != "" or tgt_lines[-1] != "":
        _fail("Moses files do not end with a newline")
    want_src = [encodable(_MOSES_BREAK.sub(" ", s))[0] for s, _ in matched]
    want_tgt = [encodable(_MOSES_BREAK.sub(" ", t))[0] for _, t in matched]
    if src_lines[:-1] != want_src or tgt_lines[:-1] != want_tgt:
        _fail(f"Moses lines do not match the matched beads ({len(src_lines) - 1} / {len(want_src)} lines)")
