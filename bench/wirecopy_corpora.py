"""The two parallel sets the wire-copy collection is cut from, read and sorted into usable beads.

Kept apart from the builder because deciding which gold beads may be used at all is its
own job, done once per build before any article is drawn: the sets' file layout
(``SETS``, under ``DATA``), Text+Berg's detokenisation, the exact and near duplicates,
headings and lower-case starts that are left out, and the hand-read verdicts on Tom
Sawyer's silver 1-1 beads (``REVIEWS``; ``bench/gold_check.py`` reads the same file
through :func:`read_review`). :func:`load_corpora` returns each set with every bead
marked eligible or not; ``python -m bench.wirecopy --scale`` also takes its word
frequencies from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bench.wirecopy_text import TERMINAL

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

# Verdicts (ok / partial / wrong) on gold 1-1 beads, read by hand; beads not judged ok are left out.
REVIEWS = {"tomsawyer": Path(__file__).resolve().parent / "data" / "tomsawyer-val.review.tsv"}

# Parallel sets: name -> (files per language, gold file, tokenised?)
SETS = {
    "textberg": ({"de": "textberg-dev/dev.de", "fr": "textberg-dev/dev.fr"}, "textberg-dev/dev.defr", True),
    "tomsawyer": ({"de": "tomsawyer-val/de.txt", "en": "tomsawyer-val/en.txt"}, "tomsawyer-val/gold.txt", False),
}


@dataclass
class Corpus:
    """One parallel set: sentences per language and gold beads (side 0, side 1)."""

    name: str
    langs: tuple[str, str]
    sents: dict[str, list[str]]
    beads: list[tuple[tuple[int, ...], tuple[int, ...]]]
    eligible: list[bool] = field(default_factory=list)

    def side(self, bead: int, lang: str) -> list[str]:
        ids = self.beads[bead][self.langs.index(lang)]
        return [self.sents[lang][i] for i in ids]

    def one_to_one(self, bead: int) -> bool:
        a, b = self.beads[bead]
        return len(a) == 1 and len(b) == 1


def _detokenise(line: str, lang: str) -> str:
    """Undo Text+Berg's tokenisation ("gekommen , was", "l' Himalaya") for article-like text."""
    line = re.sub(r"\s+([,.;:!?)])", r"\1", line) if lang != "fr" else re.sub(r"\s+([,.)])", r"\1", line)
    line = re.sub(r"\(\s+", "(", line)
    line = re.sub(r"(\w)' (\w)", r"\1'\2", line)
    line = re.sub(r"«\s+", "«", line) if lang == "de" else line
    line = re.sub(r"\s+»", "»", line) if lang == "de" else line
    return re.sub(r"\s+", " ", line).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _flag_duplicates(sents: list[str]) -> set[int]:
    """Sentences that equal, or nearly equal, another sentence of the same list.

    Exact: the same lower-case words. Near: at least two word bigrams in common and a
    bigram Jaccard >= 0.35 or containment of the smaller set >= 0.6 (candidates from
    bigrams seen at most 40 times).
    """
    keys: dict[tuple[str, ...], list[int]] = {}
    shingles: list[set[tuple[str, ...]]] = []
    for i, s in enumerate(sents):
        w = tuple(_words(s))
        keys.setdefault(w, []).append(i)
        shingles.append({w[j : j + 2] for j in range(len(w) - 1)} or {w})
    flagged = {i for group in keys.values() if len(group) > 1 for i in group}
    postings: dict[tuple[str, ...], list[int]] = {}
    for i, sh in enumerate(shingles):
        for x in sh:
            postings.setdefault(x, []).append(i)
    for i, sh in enumerate(shingles):
        if len(sh) < 2:
            continue
        counts: dict[int, int] = {}
        for x in sh:
            post = postings[x]
            if len(post) <= 40:
                for j in post:
                    if j > i:
                        counts[j] = counts.get(j, 0) + 1
        for j in counts:
            inter = len(sh & shingles[j])
            if inter >= 3 and (inter / len(sh | shingles[j]) >= 0.4 or inter / min(len(sh), len(shingles[j])) >= 0.7):
                flagged.update((i, j))
    return flagged


def _good_sentence(s: str) -> bool:
    """Usable in an article: a real sentence (lower-case letters, final punctuation, >= 2 words)
    that does not start in lower case (a segmenter would join it to the sentence before)."""
    letters = [c for c in s if c.isalpha()]
    return (
        len(s.split()) >= 2
        and any(c.islower() for c in letters)
        and bool(TERMINAL.search(s))
        and bool(letters)
        and not letters[0].islower()
    )


def read_review(path: Path) -> dict[tuple[int, int], str]:
    """Verdicts (ok / partial / wrong) by gold 1-1 bead ``(src_id, tgt_id)``; ``#`` lines are comments."""
    out = {}
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("#") or line.startswith("src_id"):
            continue
        a, b, verdict = line.split("\t")[:3]
        out[(int(a), int(b))] = verdict
    return out


def _doubted_beads(review: Path | None) -> set[tuple[int, int]]:
    """Gold 1-1 beads ``(src, tgt)`` that a reader judged ``partial`` or ``wrong``."""
    if review is None or not review.exists():
        return set()
    return {bead for bead, verdict in read_review(review).items() if verdict != "ok"}


def load_corpora(data: Path = DATA) -> dict[str, Corpus]:
    """Both parallel sets, with each bead marked eligible or not (see the module docstring)."""
    corpora = {}
    for name, (files, gold, tokenised) in SETS.items():
        langs = tuple(files)
        sents = {}
        for lang, rel in files.items():
            lines = (data / rel).read_text(encoding="utf-8").split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            sents[lang] = [_detokenise(x, lang) if tokenised else x.strip() for x in lines]
        beads = []
        for line in (data / gold).read_text(encoding="utf-8").split("\n"):
            if line.strip():
                a, b = line.strip().split(":")[:2]
                ids = [tuple(int(x) for x in side.strip("[] ").split(",") if x.strip()) for side in (a, b)]
                beads.append((ids[0], ids[1]))
        bad = {lang: _flag_duplicates(sents[lang]) for lang in langs}
        doubted = _doubted_beads(REVIEWS.get(name))
        corpus = Corpus(name, langs, sents, beads)  # type: ignore[arg-type]
        for a, b in beads:
            ok = bool(a or b) and not (len(a) == 1 and len(b) == 1 and (a[0], b[0]) in doubted)
            for lang, ids in zip(langs, (a, b)):
                ok = ok and all(i not in bad[lang] and _good_sentence(sents[lang][i]) for i in ids)
            corpus.eligible.append(ok)
        corpora[name] = corpus
    return corpora

