"""Inputs for the scale benchmark and the batch tests: many real pairs, many synthetic passages.

``write_pairs`` cuts the two dev sets (Text+Berg de-fr, Tom Sawyer de-en, one sentence per
line) into chunks at gold bead boundaries, so each chunk pair is a real translation with
its own unmatched sentences, adds the sample German/English article pair, and writes the
files and a TSV manifest. ``synthetic_documents`` makes segmented documents of random
Zipf-distributed words, for index sizes no real collection here reaches.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED_DATA = ROOT.parent / "shared" / "data"
_BEAD = re.compile(r"\[([\d,\s]*)\]\s*:\s*\[([\d,\s]*)\]")

#: (folder, source file, target file, gold beads, source language, target language)
DEV_SETS = (
    ("textberg-dev", "dev.de", "dev.fr", "dev.defr", "de", "fr"),
    ("tomsawyer-val", "de.txt", "en.txt", "gold.txt", "de", "en"),
)


def _ids(field: str) -> list[int]:
    return [int(x) for x in field.replace(",", " ").split()]


def _chunks(gold: Path, beads_per_chunk: int) -> list[tuple[range, range]]:
    """Line ranges of source and target, cut after every ``beads_per_chunk`` matched beads."""
    out, src, tgt, matched = [], [], [], 0
    for line in gold.read_text(encoding="utf-8").splitlines():
        m = _BEAD.search(line)
        if not m:
            continue
        s, t = _ids(m.group(1)), _ids(m.group(2))
        src += s
        tgt += t
        matched += bool(s and t)
        if matched >= beads_per_chunk and src and tgt:
            out.append((range(min(src), max(src) + 1), range(min(tgt), max(tgt) + 1)))
            src, tgt, matched = [], [], 0
    return out


def write_pairs(folder: Path, n_pairs: int = 50, beads_per_chunk: int = 8) -> Path:
    """Write ``n_pairs`` pairs (the sample pair, then dev-set chunks) and their manifest.

    Returns the manifest path (``folder/pairs.tsv``; paths in it are relative to it).
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    sample_src, sample_tgt = "000_b5ea64c99ab2f47c.txt", "001_aab225ae7d9de552.txt"
    for name in (sample_src, sample_tgt):
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    rows.append((sample_src, sample_tgt, "de", "en", "sample-de-en"))
    per_set = []
    for sub, src_name, tgt_name, gold_name, sl, tl in DEV_SETS:
        src_lines = (SHARED_DATA / sub / src_name).read_text(encoding="utf-8").splitlines()
        tgt_lines = (SHARED_DATA / sub / tgt_name).read_text(encoding="utf-8").splitlines()
        per_set.append([(sub, sl, tl, src_lines[a.start:a.stop], tgt_lines[b.start:b.stop])
                        for a, b in _chunks(SHARED_DATA / sub / gold_name, beads_per_chunk)])
    # alternate between the sets so any prefix of the batch has both language pairs
    k = 0
    while len(rows) < n_pairs and any(per_set):
        chunks = per_set[k % len(per_set)]
        k += 1
        if not chunks:
            continue
        sub, sl, tl, src_part, tgt_part = chunks.pop(0)
        pid = f"{sub}-{len(rows):03d}"
        for lang, part in ((sl, src_part), (tl, tgt_part)):
            (folder / f"{pid}.{lang}").write_text("\n".join(part) + "\n", encoding="utf-8")
        rows.append((f"{pid}.{sl}", f"{pid}.{tl}", sl, tl, pid))
    if len(rows) < n_pairs:
        raise ValueError(f"the dev sets give only {len(rows)} pairs of {beads_per_chunk} beads")
    manifest = folder / "pairs.tsv"
    manifest.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    return manifest


def synthetic_sentences(n: int, seed: int = 0, vocabulary: int = 50_000,
                        words: tuple[int, int] = (12, 30)) -> list[list[str]]:
    """``n`` sentences of Zipf-distributed words (already in shingling form)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(words[0], words[1] + 1, size=n)
    ranks = np.minimum(rng.zipf(1.2, size=int(lengths.sum())), vocabulary) - 1
    vocab = [f"w{i}" for i in range(vocabulary)]
    out, start = [], 0
    for length in lengths:
        out.append([vocab[r] for r in ranks[start:start + length]])
        start += length
    return out
