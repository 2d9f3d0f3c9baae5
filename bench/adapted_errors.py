"""Where the points go on adapted translations: every error of ``align`` on the
``bench.adapted`` variants, classified (issue 18).

The builder (``bench/adapted_build.py``) knows which gold beads it made unmatched by a
drop (the kept side of a dropped bead: an *orphan*), which sentences it inserted, and
which target blocks it moved; this script aligns the faithful set and both variants in
process (the embedding cache is used, so a rerun after a change of the search takes
seconds per set, not minutes) and sorts every wrong predicted bead (precision) and every
missed gold bead (recall) into classes:

wrong predicted beads
  ``absorbed``        a gold bead plus unmatched sentences (n-1/1-n where gold has 1-1 + 1-0)
  ``unmatched-real``  unmatched sentences (orphans/insertions) paired with real ones only
  ``unmatched-pair``  unmatched sentences paired with each other
  ``absorbed+mixed``  unmatched sentences in a bead that is wrong otherwise too
  ``null``            a sentence left unmatched that gold pairs
  ``misgrouped``      matched sentences only, grouped otherwise than gold
missed gold beads
  ``null``            some of its sentences were left unmatched
  ``absorbed``        its sentences are in beads that also hold unmatched sentences
  ``misgrouped``      split or merged with matched neighbours

and for each error whether it lies near an edit (within ``--near`` gold beads of a dropped,
inserted or moved one), involves a moved block, and was made on the faithful set too (the
same wrong bead, or the same gold bead missed: not caused by the adaptation). Moved blocks
are counted as found (every bead exact), partly found, found but split otherwise (no bead
exact, most sentences with a right partner) or not found.

    python -m bench.adapted_errors [--sets textberg-dev] [--set skip=0.3 ...] [--examples 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/adapted_errors.py: run it from the repository root as a module: python -m bench.adapted_errors")

from bench.adapted_build import Key, Variant, build_variants
from bench.align_quality import SETS

HERE = Path(__file__).resolve().parent
Ids = tuple[tuple[int, ...], tuple[int, ...]]
KBead = tuple[frozenset, frozenset]


def parse_overrides(items: Sequence[str]) -> dict[str, object]:
    """``key=value`` pairs for :class:`~align.settings.SearchConfig`, cast to the field's type."""
    from align.settings import SearchConfig

    types = {f.name: type(getattr(SearchConfig(), f.name)) for f in dataclasses.fields(SearchConfig)}
    out: dict[str, object] = {}
    for item in items:
        key, _, value = item.partition("=")
        if key not in types:
            raise SystemExit(f"--set {item}: SearchConfig has no field {key!r}")
        cast = types[key]
        out[key] = (value.lower() in ("1", "true", "yes")) if cast is bool else cast(value)
    return out


def align_ids(src: Sequence[str], tgt: Sequence[str], sl: str, tl: str, config) -> list[Ids]:
    """``align pair --presegmented`` in process (embedding cache on)."""
    from align.api import align_texts

    alignment = align_texts("".join(s + "\n" for s in src), "".join(t + "\n" for t in tgt), sl, tl,
                            presegmented=True, lang_check=False, config=config)
    for b in alignment.beads:  # what the bead format (and align pair) requires
        for ids in (b.src, b.tgt):
            if list(ids) != list(range(ids[0], ids[0] + len(ids)) if ids else []):
                raise SystemExit(f"bead {b.src}:{b.tgt} is not a run of consecutive sentences on a side")
    return [(tuple(b.src), tuple(b.tgt)) for b in alignment.beads]


def f1(gold: Sequence[Ids], test: Sequence[Ids]) -> tuple[float, float]:
    from align.evaluate import score

    s = score([gold], [test])
    return s.f1_strict, s.f1_lax


def _to_keys(bead: Ids, keys: tuple[list[Key], list[Key]]) -> KBead:
    return frozenset(keys[0][i] for i in bead[0]), frozenset(keys[1][j] for j in bead[1])


class Classifier:
    """The gold of one variant with what the builder did, to classify the errors of an output."""

    def __init__(self, variant: Variant, faithful_gold: Sequence[Ids], faithful_pred: Sequence[Ids], near: int):
        self.v = variant
        keys = variant.keys
        self.gold_k = [_to_keys(g, keys) for g in variant.gold]
        self.gold_set = {(tuple(s), tuple(t)) for s, t in variant.gold if s or t}
        # which original beads had two sides (an original id alone in a variant bead is an orphan then)
        orig_two_sided: tuple[set[int], set[int]] = (set(), set())
        for s, t in faithful_gold:
            if s and t:
                orig_two_sided[0].update(s)
                orig_two_sided[1].update(t)
        # kind of each sentence: matched / orphan / inserted / unmatched (in the faithful gold too)
        self.kind: tuple[dict[int, str], dict[int, str]] = ({}, {})
        self.pos: tuple[dict[int, int], dict[int, int]] = ({}, {})  # sentence -> gold bead index
        edited: list[int] = []
        moved_t = {k for block in variant.edits.moved_keys for k in block}
        self.moved_block_of: dict[Key, int] = {k: b for b, block in enumerate(variant.edits.moved_keys) for k in block}
        for n, ((s, t), (_, tk)) in enumerate(zip(variant.gold, self.gold_k)):
            for side, ids in ((0, s), (1, t)):
                for i in ids:
                    k = keys[side][i]
                    if s and t:
                        kind = "matched"
                    elif k[0] == "i":
                        kind = "inserted"
                    elif k[1] in orig_two_sided[side]:
                        kind = "orphan"
                    else:
                        kind = "unmatched"
                    self.kind[side][i] = kind
                    self.pos[side][i] = n
            if not (s and t) and any(self.kind[0 if s else 1][i] in ("orphan", "inserted") for i in (s or t)):
                edited.append(n)
            if tk & moved_t:
                edited.append(n)
        self.moved_gold = {n for n, (_, tk) in enumerate(self.gold_k) if tk & moved_t}
        self.edited = sorted(set(edited))
        self.near = near
        # faithful errors in original ids
        self.faithful_gold = {(tuple(s), tuple(t)) for s, t in faithful_gold if s or t}
        self.faithful_pred = {(tuple(s), tuple(t)) for s, t in faithful_pred if s or t}
        self.faithful_missed = {g for g in self.faithful_gold if g[0] and g[1] and g not in self.faithful_pred}
        self.faithful_wrong = self.faithful_pred - self.faithful_gold

    def kind_of(self, side: int, i: int) -> str:
        """``matched``, ``orphan``, ``inserted``, ``unmatched`` (in the faithful gold too) or
        ``outside gold`` (a sentence the gold leaves out: Text+Berg dev has two)."""
        return self.kind[side].get(i, "outside gold")

    def _near(self, positions: Sequence[int]) -> bool:
        import bisect

        for p in positions:
            k = bisect.bisect_left(self.edited, p - self.near)
            if k < len(self.edited) and self.edited[k] <= p + self.near:
                return True
        return False

    def _original(self, bead: Ids) -> Ids | None:
        """The bead in the faithful pair's ids, or None if it holds an inserted sentence."""
        ks = _to_keys(bead, self.v.keys)
        if any(k[0] != "o" for side in ks for k in side):
            return None
        return tuple(sorted(k[1] for k in ks[0])), tuple(sorted(k[1] for k in ks[1]))

    def _moved(self, bead: Ids) -> bool:
        keys = self.v.keys
        if any(keys[1][j] in self.moved_block_of for j in bead[1]):
            return True
        return any(n in self.moved_gold for n in (self.pos[0].get(i) for i in bead[0]))

    def wrong(self, pred: Sequence[Ids]) -> list[dict]:
        """Every predicted bead that is no gold bead, classified."""
        out = []
        for bead in {(tuple(s), tuple(t)) for s, t in pred if s or t}:
            if bead in self.gold_set:
                continue
            s, t = bead
            unm = [("s", i, self.kind_of(0, i)) for i in s if self.kind_of(0, i) != "matched"] + \
                  [("t", j, self.kind_of(1, j)) for j in t if self.kind_of(1, j) != "matched"]
            if not (s and t):
                cls = "null"
            elif unm:
                rest = (tuple(i for i in s if self.kind_of(0, i) == "matched"), tuple(j for j in t if self.kind_of(1, j) == "matched"))
                if rest in self.gold_set:
                    cls = "absorbed"
                elif not rest[0] and not rest[1]:
                    cls = "unmatched-pair"
                elif not rest[0] or not rest[1]:
                    cls = "unmatched-real"
                else:
                    cls = "absorbed+mixed"
            else:
                cls = "misgrouped"
            positions = [self.pos[0][i] for i in s if i in self.pos[0]] + [self.pos[1][j] for j in t if j in self.pos[1]]
            orig = self._original(bead)
            out.append({"bead": bead, "class": cls, "unmatched": sorted({k for _, _, k in unm}),
                        "near": self._near(positions), "moved": self._moved(bead),
                        "faithful": orig is not None and orig in self.faithful_wrong})
        return out

    def missed(self, pred: Sequence[Ids]) -> list[dict]:
        """Every matched gold bead the output does not have, classified by what became of it."""
        pred_set = {(tuple(s), tuple(t)) for s, t in pred if s or t}
        of_src = {i: b for b in pred_set for i in b[0]}
        of_tgt = {j: b for b in pred_set for j in b[1]}
        out = []
        for n, (s, t) in enumerate(self.v.gold):
            s, t = tuple(s), tuple(t)
            if not (s and t) or (s, t) in pred_set:
                continue
            covering = {of_src[i] for i in s if i in of_src} | {of_tgt[j] for j in t if j in of_tgt}
            if any(not (b[0] and b[1]) for b in covering):
                cls = "null"
            elif any(self.kind_of(0, i) != "matched" for b in covering for i in b[0]) or \
                    any(self.kind_of(1, j) != "matched" for b in covering for j in b[1]):
                cls = "absorbed"
            else:
                cls = "misgrouped"
            orig = self._original((s, t))
            out.append({"bead": (s, t), "class": cls, "near": self._near([n]), "moved": n in self.moved_gold,
                        "faithful": orig is not None and orig in self.faithful_missed})
        return out

    def blocks(self, pred: Sequence[Ids]) -> Counter:
        """Moved blocks: found / partly / split otherwise / not found."""
        pred_set = {(tuple(s), tuple(t)) for s, t in pred if s or t}
        partners: dict[int, set[int]] = {}
        for s, t in pred_set:
            for j in t:
                partners.setdefault(j, set()).update(s)
        out: Counter = Counter()
        for b in range(len(self.v.edits.moved_keys)):
            beads = [(tuple(s), tuple(t)) for n, (s, t) in enumerate(self.v.gold)
                     if self.gold_k[n][1] and all(self.moved_block_of.get(k) == b for k in self.gold_k[n][1])]
            exact = sum(g in pred_set for g in beads)
            right = sum(bool(partners.get(j, set()) & set(s)) for s, t in beads for j in t)
            total = sum(len(t) for _, t in beads)
            if exact == len(beads):
                out["found"] += 1
            elif exact:
                out["partly found"] += 1
            elif right * 2 >= total:
                out["found, split otherwise"] += 1
            else:
                out["not found"] += 1
        return out


def report(name: str, variant_name: str, cl: Classifier, pred: Sequence[Ids], examples: int, texts: Variant) -> dict:
    wrong, missed = cl.wrong(pred), cl.missed(pred)
    strict, lax = f1(texts.gold, pred)
    print(f"\n{name} {variant_name}: strict {strict:.3f} lax {lax:.3f}; "
          f"{len(wrong)} wrong predicted beads, {len(missed)} missed gold beads")
    print(f"  {'':<28}{'all':>6}{'near':>6}{'far':>6}{'moved':>7}{'faithful':>10}")
    for title, errors in (("wrong", wrong), ("missed", missed)):
        by = Counter(e["class"] for e in errors)
        for cls, count in by.most_common():
            es = [e for e in errors if e["class"] == cls]
            extra = ""
            if title == "wrong" and cls != "misgrouped" and cls != "null":
                kinds = Counter(k for e in es for k in e["unmatched"])
                extra = "  (" + ", ".join(f"{k} {c}" for k, c in kinds.most_common()) + ")"
            print(f"  {title + ' ' + cls:<28}{count:>6}{sum(e['near'] for e in es):>6}"
                  f"{sum(not e['near'] for e in es):>6}{sum(e['moved'] for e in es):>7}"
                  f"{sum(e['faithful'] for e in es):>10}{extra}")
    if cl.v.edits.moved_keys:
        print("  moved blocks: " + ", ".join(f"{k} {c}" for k, c in cl.blocks(pred).most_common()))
    if examples:
        for e in [e for e in wrong if not e["faithful"]][:examples]:
            s, t = e["bead"]
            print(f"    wrong {e['class']}: {list(s)}:{list(t)} kinds "
                  f"{[cl.kind_of(0, i)[0] for i in s]}:{[cl.kind_of(1, j)[0] for j in t]}")
            for i in s:
                print(f"      S {cl.kind_of(0, i)[:3]} {texts.src[i][:110]}")
            for j in t:
                print(f"      T {cl.kind_of(1, j)[:3]} {texts.tgt[j][:110]}")
    return {"strict": strict, "lax": lax, "wrong": Counter(e["class"] for e in wrong),
            "missed": Counter(e["class"] for e in missed)}


def main() -> None:
    from align.evaluate import read_beads
    from align.settings import SearchConfig

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="A SearchConfig field for this run (repeatable), e.g. --set skip=0.3")
    parser.add_argument("--near", type=int, default=2, help="Gold beads from an edit that count as near it.")
    parser.add_argument("--examples", type=int, default=0, help="Print this many wrong beads per variant.")
    parser.add_argument("--variants", nargs="*", default=["adapted", "adapted+moved"])
    args = parser.parse_args()
    config = SearchConfig(**parse_overrides(args.overrides))
    summary = {}
    for name in args.sets:
        src_f, tgt_f, gold_f, sl, tl = SETS[name]
        src = (args.data / src_f).read_text(encoding="utf-8").splitlines()
        tgt = (args.data / tgt_f).read_text(encoding="utf-8").splitlines()
        gold = [(tuple(s), tuple(t)) for s, t in read_beads(args.data / gold_f)]
        start = time.perf_counter()
        faithful = align_ids(src, tgt, sl, tl, config)
        fs, fl = f1(gold, faithful)
        print(f"\n{name} faithful: strict {fs:.3f} lax {fl:.3f} ({time.perf_counter() - start:.1f} s)")
        summary[(name, "faithful")] = fs
        built = build_variants(src, tgt, gold, args.seed)
        for variant in args.variants:
            v = built[variant]
            pred = align_ids(v.src, v.tgt, sl, tl, config)
            cl = Classifier(v, gold, faithful, args.near)
            summary[(name, variant)] = report(name, variant, cl, pred, args.examples, v)["strict"]
    print("\nstrict F1: " + ", ".join(f"{n} {v} {f:.3f}" for (n, v), f in summary.items()))


if __name__ == "__main__":
    main()
