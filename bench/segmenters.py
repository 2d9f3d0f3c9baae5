"""Measure offline PyPI sentence segmenters against align's own on hard de/en news cases.

Run from the repository root (the candidates are not dependencies of align)::

    pip install pysbd sentencex syntok sentence-splitter blingfire
    python -m bench.segmenters

It prints the Markdown table kept in ``bench/segmenters.md``:

* **hard cases**: share of the cases in ``tests/segment_cases.py`` split exactly right
  (all sentences of the case), German and English separately, and all languages;
* **Tom Sawyer F1**: sentence-boundary F1 on the German and English *Tom Sawyer* silver
  data in ``../shared/data/tomsawyer-val`` (one sentence per line), with every 8 lines
  joined into one paragraph — a second, independent check that the rules do not overfit
  the hard-case table (skipped if the data is absent);
* **speed**: seconds to split those ~4,900 sentences, and one 100 KB line of short
  sentences (pysbd's weak spot: it is quadratic in the length of its input).

Every candidate is given one line at a time, as align's segmenter does (a line break is a
hard boundary for all of them), so the table compares how they split within a line.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/segmenters.py: run it from the repository root as a module: python -m bench.segmenters")

from align.segment import get_segmenter  # noqa: E402
from align.segment.base import line_spans  # noqa: E402
from tests.segment_cases import CASES, case_input  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
Splitter = Callable[[str, str], list[str]]  # (lang, line) -> sentences
TOM_SAWYER = ROOT.parent / "shared" / "data" / "tomsawyer-val"
LINES_PER_PARAGRAPH = 8


def _align(lang: str, line: str) -> list[str]:
    return [line[s:e] for s, e in get_segmenter(lang).split(line)]


def _candidates() -> dict[str, Splitter]:
    """The segmenters that are installed, by name."""
    found: dict[str, Splitter] = {}
    try:
        import pysbd

        cache: dict[str, object] = {}

        def run_pysbd(lang: str, line: str) -> list[str]:
            code = lang if lang in pysbd.languages.LANGUAGE_CODES else "en"
            if code not in cache:
                cache[code] = pysbd.Segmenter(language=code, clean=False)
            return cache[code].segment(line)

        found["pysbd 0.3.4"] = run_pysbd
    except ImportError:
        pass
    try:
        import sentencex

        found["sentencex"] = lambda lang, line: list(sentencex.segment(lang, line))
    except ImportError:
        pass
    try:
        from syntok import segmenter as syntok_segmenter

        def run_syntok(lang: str, line: str) -> list[str]:
            return ["".join(t.spacing + t.value for t in sentence)
                    for paragraph in syntok_segmenter.process(line) for sentence in paragraph]

        found["syntok"] = run_syntok
    except ImportError:
        pass
    try:
        from sentence_splitter import SentenceSplitter

        splitters: dict[str, SentenceSplitter] = {}

        def run_splitter(lang: str, line: str) -> list[str]:
            if lang not in splitters:
                try:
                    splitters[lang] = SentenceSplitter(language=lang)
                except Exception:  # language without a non-breaking-prefix list
                    splitters[lang] = SentenceSplitter(language="en")
            return splitters[lang].split(line)

        found["sentence-splitter"] = run_splitter
    except ImportError:
        pass
    try:
        import blingfire

        found["blingfire"] = lambda lang, line: blingfire.text_to_sentences(line).split("\n")
    except ImportError:
        pass
    found["align (sentencex + rules)"] = _align
    return found


def _norm(sentence: str) -> str:
    return re.sub(r"\s+", " ", sentence).strip()


def _run(split: Splitter, lang: str, text: str) -> list[str]:
    out: list[str] = []
    for start, end in line_spans(text):
        out += [s for s in map(_norm, split(lang, text[start:end])) if s]
    return out


def hard_case_accuracy(split: Splitter, langs: set[str] | None) -> tuple[int, int]:
    """(cases right, cases) on the hard-case table, for ``langs`` (None: all)."""
    right = total = 0
    for case in CASES:
        if langs is not None and case[0] not in langs:
            continue
        total += 1
        right += _run(split, case[0], case_input(case)) == [_norm(s) for s in case[1]]
    return right, total


def _paragraphs(lang: str) -> tuple[list[str], list[list[str]]] | None:
    path = TOM_SAWYER / f"{lang}.txt"
    if not path.exists():
        return None
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    groups = [lines[i:i + LINES_PER_PARAGRAPH] for i in range(0, len(lines), LINES_PER_PARAGRAPH)]
    return [" ".join(g) for g in groups], groups


def _starts(sentences: list[str]) -> set[int]:
    """Sentence starts counted in non-space characters from the paragraph start."""
    starts, pos = set(), 0
    for s in sentences:
        starts.add(pos)
        pos += len(re.sub(r"\s", "", s))
    return starts


def tom_sawyer_f1(split: Splitter, lang: str) -> tuple[float, float] | None:
    """(boundary F1, seconds) on the Tom Sawyer silver sentences of ``lang``."""
    data = _paragraphs(lang)
    if data is None:
        return None
    paragraphs, gold = data
    tp = n_pred = n_gold = 0
    t0 = time.perf_counter()
    predicted = [split(lang, p) for p in paragraphs]
    seconds = time.perf_counter() - t0
    for pred, ref in zip(predicted, gold, strict=True):
        p = _starts([s for s in pred if s.strip()]) - {0}
        g = _starts(ref) - {0}
        tp += len(p & g)
        n_pred += len(p)
        n_gold += len(g)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, seconds


def long_line_seconds(split: Splitter) -> float:
    line = "Word word word. " * (100_000 // 16)
    t0 = time.perf_counter()
    split("en", line)
    return time.perf_counter() - t0


def main() -> None:
    print("| segmenter | hard cases de | hard cases en | hard cases all | Tom Sawyer F1 de / en "
          "| 4.9k sentences (s) | 100 KB line (s) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, split in _candidates().items():
        de, en, everything = (hard_case_accuracy(split, langs) for langs in ({"de"}, {"en"}, None))
        tom = [tom_sawyer_f1(split, lang) for lang in ("de", "en")]
        f1 = " / ".join(f"{t[0]:.3f}" for t in tom if t) or "n/a"
        seconds = f"{sum(t[1] for t in tom if t):.2f}" if all(tom) else "n/a"
        print(f"| {name} | {de[0]}/{de[1]} | {en[0]}/{en[1]} | {everything[0]}/{everything[1]} "
              f"| {f1} | {seconds} | {long_line_seconds(split):.2f} |", flush=True)


if __name__ == "__main__":
    main()
