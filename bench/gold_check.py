"""How trustworthy is a gold alignment? Flags gold 1-1 beads that look shifted.

The Tom Sawyer set in ``../shared/data`` is silver: OPUS Books alignment links, only
partly hand-checked. Where its links slip by a sentence (dialogue especially), a correct
aligner is scored wrong twice: once for the bead it outputs, once for the gold bead it
"missed". This script estimates how much of the gap between ``align``'s strict F1 and a
target lies in the gold rather than in the aligner, so that figures can be read for what
they are.

A gold 1-1 bead ``(i, j)`` is flagged when a diagonal neighbour, ``(i, j±1)`` or
``(i±1, j)``, is more similar than the bead itself by at least ``--gap`` (cosine, bundled
use-m3 model): the sentence's translation is next door. Flagging uses the encoder, so it
is an estimate, not a verdict: the script prints a random sample of flagged beads with
their texts so a reader can check them by eye (on Tom Sawyer, every one of a sample of 12
read by hand was a real slip of the gold).

It then scores ``align``'s output twice: against the whole gold (the official figure)
and with flagged gold beads and every output bead touching their sentences left out of
both sides (the figure where the gold is not in doubt).

A second judge needs no encoder: ``bench/data/tomsawyer-val.review.tsv`` holds a verdict
(ok / partial / wrong) for every Tom Sawyer gold 1-1 bead, made by reading each pair, and
``bench/data/tomsawyer-val.review-nm.tsv`` one for every other gold bead (1-2, 2-1, 1-0,
0-1, ...), read with its neighbouring beads. With ``--review`` (the default for Tom
Sawyer when those files exist) the script also prints how the two judges agree, the
scores with the reviewed partial and wrong beads' sentences left out, and the share of
gold beads judged ok: about the highest strict F1 that an aligner right everywhere could
be given against this gold (every doubted gold bead is a bead such an aligner does not
output, and a bead of its own that the gold does not hold).

    python -m bench.gold_check [--set tomsawyer-val|textberg-dev] [--gap 0.15] [--sample 12] [--no-refine]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/gold_check.py: run it from the repository root as a module: python -m bench.gold_check")

ROOT = Path(__file__).resolve().parents[1]

from align.api import align_documents  # noqa: E402
from align.embed import load_encoder  # noqa: E402
from align.evaluate import read_beads, score  # noqa: E402
from align.read import read_document  # noqa: E402
from align.segment import presegmented  # noqa: E402
from bench.wirecopy_data import read_review  # noqa: E402 (the builder reads the same verdicts)

DATA = ROOT.parent / "shared" / "data"
SETS = {
    "textberg-dev": ("textberg-dev/dev.de", "textberg-dev/dev.fr", "textberg-dev/dev.defr", "de", "fr"),
    "tomsawyer-val": ("tomsawyer-val/de.txt", "tomsawyer-val/en.txt", "tomsawyer-val/gold.txt", "de", "en"),
}


def flag_shifted(gold: list, src: np.ndarray, tgt: np.ndarray, gap: float) -> list[tuple[int, int, float, str, int, float]]:
    """Gold 1-1 beads whose best diagonal neighbour beats them by ``gap``: (i, j, cos, side, k, cos_k)."""
    out = []
    for s, t in gold:
        if len(s) != 1 or len(t) != 1:
            continue
        i, j = s[0], t[0]
        own = float(src[i] @ tgt[j])
        alts = [(float(src[i] @ tgt[k]), "tgt", k) for k in (j - 1, j + 1) if 0 <= k < len(tgt)]
        alts += [(float(src[k] @ tgt[j]), "src", k) for k in (i - 1, i + 1) if 0 <= k < len(src)]
        best = max(alts)
        if best[0] >= own + gap:
            out.append((i, j, own, best[1], best[2], best[0]))
    return out


def without(beads: list, src_out: set[int], tgt_out: set[int]) -> list:
    """Beads that touch none of the left-out sentences."""
    return [(s, t) for s, t in beads if not (set(s) & src_out or set(t) & tgt_out)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", default="tomsawyer-val", choices=sorted(SETS))
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--gap", type=float, default=0.15)
    ap.add_argument("--sample", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--review", type=Path, default=None, help="verdicts file (default: bench/data/<set>.review.tsv if present)")
    ap.add_argument("--no-refine", action="store_true", help="score align with --no-refine (sentence level only)")
    args = ap.parse_args()

    sf, tf, gf, sl, tl = SETS[args.set]
    if not (args.data / gf).exists():
        print(f"{args.data / gf} not found: pass --data with the shared data folder", file=sys.stderr)
        return 1
    src_doc = presegmented(read_document(str(args.data / sf), sl))
    tgt_doc = presegmented(read_document(str(args.data / tf), tl))
    gold = read_beads(args.data / gf)
    encoder = load_encoder("use-m3", cache=False)
    src = encoder.encode([s.text for s in src_doc.sentences])
    tgt = encoder.encode([s.text for s in tgt_doc.sentences])

    flagged = flag_shifted(gold, src, tgt, args.gap)
    ones = sum(1 for s, t in gold if len(s) == 1 and len(t) == 1)
    print(f"{args.set}: {len(gold)} gold beads, {ones} of them 1-1; flagged as shifted "
          f"(a diagonal neighbour more similar by >= {args.gap}): {len(flagged)} ({len(flagged) / max(ones, 1):.1%})")
    rng = random.Random(args.seed)
    for i, j, own, side, k, alt in rng.sample(flagged, min(args.sample, len(flagged))):
        other = tgt_doc.sentences[k].text if side == "tgt" else src_doc.sentences[k].text
        print(f"  gold {i}-{j} cos {own:.2f}; {side} {k} instead: cos {alt:.2f}")
        print(f"      {sl}: {src_doc.sentences[i].text[:110]}")
        print(f"      {tl}: {tgt_doc.sentences[j].text[:110]}")
        print(f"      {side} {k}: {other[:110]}")

    from align.search import SearchConfig

    alignment = align_documents(src_doc, tgt_doc, model=encoder, paragraphs=False, config=SearchConfig(refine=not args.no_refine))
    test = [(b.src, b.tgt) for b in alignment.beads]
    full = score([gold], [test])
    src_out = {i for i, *_ in flagged} | {k for i, j, o, side, k, a in flagged if side == "src"}
    tgt_out = {j for _, j, *_ in flagged} | {k for i, j, o, side, k, a in flagged if side == "tgt"}
    trusted = score([without(gold, src_out, tgt_out)], [without(test, src_out, tgt_out)])
    left = len(without(gold, src_out, tgt_out))
    print(f"align (default settings) against the whole gold:      strict F1 {full.f1_strict:.3f}, lax F1 {full.f1_lax:.3f}")
    print(f"  with the flagged beads' sentences left out ({len(gold) - left} gold beads out, {left} kept): "
          f"strict F1 {trusted.f1_strict:.3f}, lax F1 {trusted.f1_lax:.3f}")

    review_path = args.review or (ROOT / "bench" / "data" / f"{args.set}.review.tsv")
    if review_path.exists():
        verdicts = read_review(review_path)
        counts = {v: sum(1 for x in verdicts.values() if x == v) for v in ("ok", "partial", "wrong")}
        doubted = {k for k, v in verdicts.items() if v != "ok"}
        flagged_keys = {(i, j) for i, j, *_ in flagged}
        print(f"review ({review_path.name}): {len(verdicts)} gold 1-1 beads read: "
              + ", ".join(f"{v} {n}" for v, n in counts.items()))
        print(f"  encoder flags vs review: {len(flagged_keys & doubted)} of {len(flagged_keys)} flagged beads "
              f"were judged partial or wrong; {len(doubted - flagged_keys)} doubted beads were not flagged")
        r_src = {i for i, _ in doubted}
        r_tgt = {j for _, j in doubted}
        reviewed = score([without(gold, r_src, r_tgt)], [without(test, r_src, r_tgt)])
        kept = len(without(gold, r_src, r_tgt))
        print(f"  with the reviewed partial/wrong beads' sentences left out ({len(gold) - kept} gold beads out, {kept} kept): "
              f"strict F1 {reviewed.f1_strict:.3f}, lax F1 {reviewed.f1_lax:.3f}")
        nm_path = review_path.with_name(review_path.name.replace(".review.tsv", ".review-nm.tsv"))
        if nm_path.exists():
            nm = read_nm_review(nm_path)
            others = [(tuple(a), tuple(b)) for a, b in gold if not (len(a) == 1 and len(b) == 1) and (a or b)]
            missing = [b for b in others if b not in nm]
            if missing:
                print(f"  {nm_path.name}: no verdict for {len(missing)} gold beads, e.g. {missing[0]}; not used")
                return 0
            nm_counts = {v: sum(1 for b in others if nm[b] == v) for v in ("ok", "partial", "wrong")}
            print(f"review ({nm_path.name}): {len(others)} other gold beads read: "
                  + ", ".join(f"{v} {n}" for v, n in nm_counts.items()))
            all_src = r_src | {i for (a, _), v in nm.items() if v != "ok" for i in a}
            all_tgt = r_tgt | {j for (_, b), v in nm.items() if v != "ok" for j in b}
            both = score([without(gold, all_src, all_tgt)], [without(test, all_src, all_tgt)])
            kept = len(without(gold, all_src, all_tgt))
            print(f"  with every reviewed partial/wrong bead's sentences left out ({len(gold) - kept} gold beads out, "
                  f"{kept} kept): strict F1 {both.f1_strict:.3f}, lax F1 {both.f1_lax:.3f}")
            ok = counts["ok"] + nm_counts["ok"]
            not_wrong = ok + counts["partial"] + nm_counts["partial"]
            real = sum(1 for a, b in gold if a or b)
            print(f"  gold beads judged ok: {ok} of {real} ({ok / real:.3f}); not wrong: {not_wrong} ({not_wrong / real:.3f}): "
                  f"the range of the best strict F1 an aligner right everywhere can be scored against this gold "
                  f"(a partial bead may still be the best alignment there is)")
    return 0


def read_nm_review(path: Path) -> dict[tuple[tuple[int, ...], tuple[int, ...]], str]:
    """Verdicts by gold bead ``(src_ids, tgt_ids)`` from ``index<TAB>src<TAB>tgt<TAB>verdict<TAB>note``
    lines (ids comma-separated, ``-`` for none); ``#`` lines are comments."""
    out = {}
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        _, a, b, verdict = line.split("\t")[:4]
        ids = lambda x: tuple(int(v) for v in x.split(",")) if x.strip() not in ("", "-") else ()  # noqa: E731
        if verdict not in ("ok", "partial", "wrong"):
            raise SystemExit(f"{path}: unknown verdict {verdict!r} in line {line[:60]!r}")
        out[(ids(a), ids(b))] = verdict
    return out


if __name__ == "__main__":
    sys.exit(main())
