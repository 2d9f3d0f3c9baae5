"""Fuzz the pipeline: reader, segmenter, aligner and every exporter, on random and mutated input.

Usage: python -m bench.fuzz [--cases N] [--seed S] [--real-every K] [--failures FILE]

Hypothesis generates each case (it favours edge cases: empty strings, boundaries, odd
code points) from a mix of real sentences (the sample articles and the shared dev sets),
markup, control and zero-width characters, right-to-left text, emoji and newline variants;
the text is encoded (UTF-8 with or without BOM, UTF-16 with or without BOM, cp1252,
Latin-1) and then possibly mutated byte by byte (flips, inserts, deletes, truncation,
splices) or replaced by random bytes. Every case then goes through:

1. ``decode_bytes`` for both sides: it must return text or raise ``InputError``; valid
   UTF-8 comes back exactly, text encoded in cp1252 or Latin-1 (and not valid UTF-8) comes
   back exactly or is refused: never mojibake; mostly-UTF-8 bytes read with a warning
   come back as exactly their UTF-8 reading with U+FFFD for the bad bytes;
2. the segmenter (or ``--presegmented`` line splitting): the span contract;
3. the aligner (``align_documents``) with a cheap deterministic encoder, and with the real
   use-m3 model for every K-th alignment (default 100): every sentence in exactly one bead, in order;
4. all exporters: TMX (well-formed, valid against ``tmx14.dtd``, read back with
   ``read_tmx`` to the aligned text minus the counted XML-forbidden characters), TSV,
   JSON Lines, Moses, beads (read back, ``eval`` against itself = 1.0).

A case fails when anything raises other than ``AlignError`` (a one-line user error) or an
invariant breaks. It prints how many cases ran, how many were refused with a user error,
how many failed, and the first failures with their input. Cases run in chunks of 1,000,
each with its own Hypothesis seed, so any chunk replays exactly and memory stays flat.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/fuzz.py: run it from the repository root as a module: python -m bench.fuzz")

ROOT = Path(__file__).resolve().parents[1]

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from lxml import etree

from align.api import align_documents, prepare
from align.errors import AlignError, AlignWarning
from align.read import decode_bytes
from align.search import SearchConfig
from align.types import Document
from tests.hash_encoder import HashEncoder
from tests.invariants import (
    check_partition,
    check_presegmented,
    check_segmentation,
    check_text_exports,
    check_tmx,
)

SHARED = ROOT.parent / "shared" / "data"
CHUNK = 1000


def corpus_sentences(limit: int = 400) -> list[str]:
    """Real sentences to build cases from: sample articles and the shared dev sets."""
    out: list[str] = []
    for path in sorted((ROOT / "samples").glob("*.txt")):
        out.extend(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    for path in (SHARED / "textberg-dev" / "dev.de", SHARED / "textberg-dev" / "dev.fr",
                 SHARED / "tomsawyer-val" / "de.txt", SHARED / "tomsawyer-val" / "en.txt"):
        if path.exists():
            out.extend(line for line in path.read_text(encoding="utf-8").splitlines()[:60] if line.strip())
    return [s[:300] for s in out[:limit]]


CONTROLS = ["\x0b", "\x0c", "\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\ufffe", "\uffff"]
FRAGMENTS = [
    ". ", "? ", "! ", "… ", "...", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\r", "\u2028", "\u2029",
    "\u200b", "\u200d", "\u2060", "\ufeff", "\u202e", "\u200f", "שלום עולם.", "مرحبا بالعالم.", "👍🏽", "👨‍👩‍👧", "🇩🇪", "日本語の文です。", "中文句子。",
    "<b>", "</b>", "<script>alert(1)</script>", "&amp;", "&", "<", ">", "]]>", "\"", "'", "# Titel",
    "* Punkt", "[link](http://x.y)", "<!-- c -->", "<?xml ?>", "&lt;", "\\", "\\t", "Dr.", "z. B.", "U.S.",
    "10.", "3.5", "»Zitat«", "„Zitat“", "«", "»", "Grüße", "Ärger", "façade", "naïve", "ß", "€", "–", "—",
]
LANGS = ["de", "en", "fr", "es", "ja", "zh", "ar", "th", "ru", "tr", "pt-BR", "und", "el", "xx"]
ENCODINGS = ["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1"]


def texts(sentences: list[str]) -> st.SearchStrategy[str]:
    piece = st.one_of(
        st.sampled_from(sentences),
        st.sampled_from(sentences),
        st.sampled_from(FRAGMENTS),
        st.sampled_from(FRAGMENTS),
        st.sampled_from(CONTROLS),
        st.text(max_size=12),
        st.text(st.characters(codec="latin-1"), max_size=12),
    )
    return st.lists(piece, min_size=1, max_size=40).map("".join)


MUTATION = st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate", "dup"]), st.integers(0, 1 << 20), st.integers(0, 255))


@st.composite
def side(draw: st.DrawFn, sentences: list[str]) -> dict:
    """One side of a case: its bytes and how they were made (to check decoding against)."""
    if draw(st.integers(0, 19)) == 0:
        return {"bytes": draw(st.binary(max_size=400)), "text": None, "encoding": "random", "lang": draw(st.sampled_from(LANGS))}
    text = draw(texts(sentences))
    encoding = draw(st.sampled_from(ENCODINGS))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        encoding = "utf-8"
        data = text.encode("utf-8", "surrogatepass")
    mutations = draw(st.lists(MUTATION, max_size=3)) if draw(st.integers(0, 3)) == 0 else []
    buf = bytearray(data)
    for op, pos, byte in mutations:
        p = pos % (len(buf) + 1)
        if op == "flip" and buf:
            buf[p % len(buf)] ^= 1 << (byte % 8)
        elif op == "insert":
            buf[p:p] = bytes([byte])
        elif op == "delete" and buf:
            del buf[p % len(buf)]
        elif op == "truncate":
            del buf[p:]
        elif op == "dup":
            buf[p:p] = buf[p : p + byte]
    return {
        "bytes": bytes(buf),
        "text": text if not mutations else None,
        "encoding": encoding,
        "lang": draw(st.sampled_from(LANGS)),
    }


def decode_side(s: dict, name: str) -> Document:
    """Decode one side and check the decoding promises; raises AlignError when refused."""
    data = s["bytes"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AlignWarning)
        text, encoding = decode_bytes(data, name, lang=s["lang"])
    if any(issubclass(w.category, AlignWarning) for w in caught):
        # mostly UTF-8 with a few bad bytes: exactly the UTF-8 reading, bad bytes as U+FFFD
        expected = data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8", errors="replace")
        if text != expected:
            raise AssertionError(f"mostly-UTF-8 input decoded to other text than its UTF-8 reading: {text[:60]!r}")
        s["replaced"] = True
    try:
        utf8 = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        utf8 = None
    if utf8 is not None and b"\x00" not in data and text != utf8:
        raise AssertionError(f"valid UTF-8 decoded as {encoding} to different text")
    if s["text"] is not None and s["encoding"] in ("cp1252", "latin-1") and utf8 is None and text != s["text"]:
        western = s["lang"] in ("de", "en", "fr", "es", "pt-BR")
        c1 = any("\x80" <= ch <= "\x9f" for ch in s["text"])  # C1 controls: never in real Latin-1 text
        if western and not c1:  # the user said the language; a wrong guess would be mojibake
            raise AssertionError(f"{s['encoding']} text decoded as {encoding} to different text: {text[:60]!r}")
    # (a UTF-16 text that starts with U+0000 begins with the UTF-32 byte-order mark: ambiguous)
    if s["text"] is not None and s["encoding"] in ("utf-16", "utf-32", "utf-8-sig") and text != s["text"] \
            and not (s["encoding"] == "utf-16" and s["text"].startswith("\x00")):
        if s["text"].strip():
            raise AssertionError(f"{s['encoding']} text with a BOM decoded as {encoding} to different text")
    return Document(text=text, lang=s["lang"], path=None, encoding=encoding)


class Runner:
    """Runs cases, counts outcomes and keeps the first failures."""

    def __init__(self, real_every: int, workdir: Path, keep: int = 10) -> None:
        self.cheap = HashEncoder()
        self.real = None
        self.real_every = real_every
        self.workdir = workdir
        self.dtd = etree.DTD(str(SHARED / "tmx14.dtd"))
        self.ran = self.refused = self.failed = self.aligned = self.real_runs = self.attempts = 0
        self.failures: list[dict] = []
        self.reasons: dict[str, int] = {}
        self.keep = keep

    def encoder(self):
        self.attempts += 1
        if self.real_every and self.attempts % self.real_every == 0:
            if self.real is None:
                from align.embed import load_encoder

                self.real = load_encoder("use-m3", cache=False)
            self.real_runs += 1
            return self.real
        return self.cheap

    def run_case(self, src: dict, tgt: dict, presegmented: bool, max_align: int, unmatched: str) -> None:
        self.ran += 1
        stage = "read"
        try:
            docs = []
            for s, name in ((src, "<src>"), (tgt, "<tgt>")):
                try:
                    doc = decode_side(s, name)
                except AlignError as err:
                    if "\n" in str(err):
                        raise AssertionError(f"user error is not one line: {err!r}") from None
                    self.refused += 1
                    reason = str(err).split(": ", 1)[-1].split(";")[0]
                    self.reasons[reason] = self.reasons.get(reason, 0) + 1
                    return
                docs.append(doc)
            stage = "segment"
            docs = [prepare(d, presegmented) for d in docs]
            for d in docs:
                (check_presegmented if presegmented else check_segmentation)(d)
            stage = "align"
            try:
                alignment = align_documents(
                    docs[0], docs[1], model=self.encoder(), config=SearchConfig(max_align=max_align),
                    cache=False, paragraphs=not presegmented,
                )
            except AlignError as err:
                if docs[0].sentences or docs[1].sentences:
                    raise AssertionError(f"aligner refused documents with sentences: {err}") from None
                self.refused += 1
                return
            check_partition(alignment)
            self.aligned += 1
            stage = "export"
            check_tmx(alignment, self.workdir / "case.tmx", self.dtd, unmatched)
            check_text_exports(alignment, self.workdir)
        except Exception as err:  # noqa: BLE001  (counting every failure is the point)
            self.failed += 1
            if len(self.failures) < self.keep:
                self.failures.append({
                    "case": self.ran, "stage": stage, "error": f"{type(err).__name__}: {err}"[:500],
                    "traceback": traceback.format_exc(limit=-4)[-1500:],
                    "src": {**src, "bytes": src["bytes"][:300].hex()}, "tgt": {**tgt, "bytes": tgt["bytes"][:300].hex()},
                    "presegmented": presegmented, "max_align": max_align, "unmatched": unmatched,
                })


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="how many cases to run (default 100,000)")
    parser.add_argument("--seed", type=int, default=0, help="base Hypothesis seed; chunk k uses seed + k")
    parser.add_argument("--real-every", type=int, default=100, help="every K-th alignment uses the real use-m3 model (0: never)")
    parser.add_argument("--failures", type=Path, help="write the kept failures here as JSON")
    args = parser.parse_args()

    sentences = corpus_sentences()
    workdir = Path(tempfile.mkdtemp(prefix="align-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    runner = Runner(args.real_every, workdir)
    start = time.perf_counter()
    done = 0
    while done < args.cases:
        n = min(CHUNK, args.cases - done)

        @hypothesis_seed(args.seed + done // CHUNK)
        @settings(
            max_examples=n, database=None, deadline=None, phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(side(sentences), side(sentences), st.booleans(), st.integers(2, 8), st.sampled_from(["skip", "include"]))
        def chunk(src: dict, tgt: dict, presegmented: bool, max_align: int, unmatched: str) -> None:
            runner.run_case(src, tgt, presegmented, max_align, unmatched)

        before = runner.ran
        chunk()
        done += n
        if runner.ran == before:
            break
        elapsed = time.perf_counter() - start
        print(
            f"[{elapsed:7.0f}s] {runner.ran} cases, {runner.refused} refused with a user error, "
            f"{runner.failed} failed", file=sys.stderr, flush=True,
        )

    elapsed = time.perf_counter() - start
    print(f"cases run: {runner.ran}")
    print(f"  aligned and exported: {runner.aligned} (real use-m3 model: {runner.real_runs})")
    print(f"  refused with a one-line user error: {runner.refused}")
    for reason, n in sorted(runner.reasons.items(), key=lambda kv: -kv[1])[:6]:
        print(f"    {n:7d}  {reason}")
    print(f"  failed: {runner.failed}")
    print(f"time: {elapsed:.0f} s ({1000 * elapsed / max(runner.ran, 1):.1f} ms per case)")
    for f in runner.failures[:5]:
        print(f"\nfailure in case {f['case']} ({f['stage']}): {f['error']}")
        print(f"  src {f['src']['encoding']} {f['src']['lang']}: {bytes.fromhex(f['src']['bytes'])[:120]!r}")
        print(f"  tgt {f['tgt']['encoding']} {f['tgt']['lang']}: {bytes.fromhex(f['tgt']['bytes'])[:120]!r}")
        print("  " + f["traceback"].strip().replace("\n", "\n  "))
    if args.failures:
        args.failures.write_text(json.dumps(runner.failures, indent=1, ensure_ascii=False), encoding="utf-8")
    for p in workdir.iterdir():
        p.unlink()
    workdir.rmdir()
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
