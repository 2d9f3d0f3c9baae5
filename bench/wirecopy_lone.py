"""Fit and check the lone-pair model of the cross-lingual wire-copy search.

A cross-lingual passage of a single sentence pair is accepted or not by a logistic
model over five measures of the pair (``align.wirecopy.lone``). This script builds the
wire-copy benchmark (``bench/wirecopy_data.py``) for each seed, collects every lone
candidate the finder weighs (``align.wirecopy.finder.lone_candidates``) and labels it
from the benchmark's ground truth: true when both sentences lie in the two members of a
planted translated copy between the same two articles.

It then prints, for each fitting seed, the pairs taken and the false ones among them by

* the old fixed bars (margin >= 1.3, cosine >= 0.55, shorter sentence >= 32 characters),
* a model fitted on the *other* fitting seeds (held out seed by seed), and
* the model in ``align/wirecopy/lone.py`` (``DEFAULT_LONE_MODEL``),

plus the same on ``--test-seeds`` (never used for fitting), and finally the
coefficients fitted on all fitting seeds, ready to paste into ``lone.py``. Each model's
threshold is the lowest probability at which its training pairs keep ``--precision``.

    python -m bench.wirecopy_lone [--seeds 0 1 2 3 4] [--test-seeds 5 6 7 8 9] [--precision 0.95]
                                  [--model NAME] [--drop FEATURE] [--show]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import numpy as np

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/wirecopy_lone.py: run it from the repository root as a module: python -m bench.wirecopy_lone")

from bench.wirecopy_data import build
from align.wirecopy.finder import lone_candidates, lone_kept
from align.wirecopy.lone import DEFAULT_LONE_MODEL, FEATURES, LoneModel


@dataclass
class Candidates:
    seed: int
    features: np.ndarray  # one row per candidate, columns as FEATURES
    truth: np.ndarray  # bool
    texts: list[tuple[str, str]]  # the two sentences of each candidate
    docs: list
    lone: list

    def kept(self, model: LoneModel) -> np.ndarray:
        """The finder's decision with ``model``: accepted and its sentences' most probable partner."""
        return lone_kept(self.docs, self.lone, self.features, model)


def collect(seed: int, articles: int, model: str = "use-m3") -> Candidates:
    """The lone candidates of one benchmark seed, with their truth."""
    bench = build(articles, seed)
    docs, lone, features = lone_candidates(list(bench.documents), model=model, cache=False)
    spans = [(p.a, p.b) for p in bench.pairs if p.kind == "translated"]

    def inside(span, doc, sentence) -> bool:
        return span.doc == doc.name and span.start <= sentence.start < span.end

    truth = []
    for p in lone:
        da, db = docs[p.a], docs[p.b]
        sa, sb = da.sentences[p.a_first], db.sentences[p.b_first]
        truth.append(any(
            (inside(x, da, sa) and inside(y, db, sb)) or (inside(y, da, sa) and inside(x, db, sb))
            for x, y in spans
        ))
    texts = [(docs[p.a].sentences[p.a_first].text, docs[p.b].sentences[p.b_first].text) for p in lone]
    return Candidates(seed, features, np.array(truth, bool), texts, docs, lone)


def fit(features: np.ndarray, truth: np.ndarray, precision: float, l2: float = 1e-2) -> LoneModel:
    """Logistic regression (standardised features, L2 penalty, gradient descent), threshold
    at the lowest probability that keeps ``precision`` on the training pairs."""
    mu, sd = features.mean(axis=0), features.std(axis=0) + 1e-9
    x = np.c_[(features - mu) / sd, np.ones(len(features))]
    y = truth.astype(np.float64)
    w = np.zeros(x.shape[1])
    for _ in range(5000):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        w -= 0.5 * (x.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0.0])
    weights = w[:-1] / sd
    bias = float(w[-1] - (w[:-1] * mu / sd).sum())
    prob = 1.0 / (1.0 + np.exp(-(features @ weights + bias)))
    order = np.argsort(-prob, kind="stable")
    kept = np.cumsum(truth[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(kept >= precision)
    threshold = float(prob[order][ok.max()]) if len(ok) else 0.999
    return LoneModel(tuple(round(float(v), 4) for v in weights), round(bias, 4),
                     min(max(round(threshold - 5e-5, 4), 1e-4), 0.9999))


def old_rule(features: np.ndarray) -> np.ndarray:
    """The fixed bars used before the model (margin 1.3, cosine 0.55, 32 characters)."""
    col = {name: features[:, i] for i, name in enumerate(FEATURES)}
    return (col["margin"] >= 1.3) & (col["cosine"] >= 0.55) & (np.exp(col["log_chars"]) >= 31.5)


def count(taken: np.ndarray, truth: np.ndarray) -> str:
    return f"{int((taken & truth).sum()):3d} true {int((taken & ~truth).sum()):2d} false"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="seeds to fit on")
    ap.add_argument("--test-seeds", type=int, nargs="*", default=[5, 6, 7, 8, 9], help="seeds only scored")
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--model", default="use-m3", help="encoder (the default model's coefficients are use-m3's)")
    ap.add_argument("--precision", type=float, default=0.95, help="training precision the threshold keeps")
    ap.add_argument("--drop", choices=FEATURES, action="append", default=[],
                    help="fit without this feature (its column held at 0), to see what it adds")
    ap.add_argument("--show", action="store_true", help="print the pairs DEFAULT_LONE_MODEL gets wrong")
    args = ap.parse_args(argv)
    data = {s: collect(s, args.articles, args.model) for s in dict.fromkeys(args.seeds + args.test_seeds)}
    old = {s: old_rule(c.features) for s, c in data.items()}  # before any column is dropped
    for c in data.values():
        for name in args.drop:
            c.features[:, FEATURES.index(name)] = 0.0
    fit_on = [data[s] for s in args.seeds]
    allx = np.concatenate([c.features for c in fit_on])
    ally = np.concatenate([c.truth for c in fit_on])
    final = fit(allx, ally, args.precision)
    print(f"lone candidates: {len(ally)} on fitting seeds {args.seeds}, {int(ally.sum())} true")
    print(f"{'seed':>6}  {'candidates':>10}  {'old bars':>18}  {'held-out fit':>18}  {'DEFAULT_LONE_MODEL':>18}")
    if args.drop:
        print(f"fitted without {', '.join(args.drop)} (the DEFAULT_LONE_MODEL column then means little)")
    totals = {"old": [0, 0], "held": [0, 0], "default": [0, 0], "n": 0}
    for s, c in data.items():
        if s in args.seeds:
            rest = [d for d in fit_on if d.seed != s]
            held = fit(np.concatenate([d.features for d in rest]), np.concatenate([d.truth for d in rest]),
                       args.precision) if rest else final
            label = f"{s}"
        else:
            held, label = final, f"{s}*"
        row = {"old": old[s], "held": c.kept(held), "default": c.kept(DEFAULT_LONE_MODEL)}
        for key, taken in row.items():
            totals[key][0] += int((taken & c.truth).sum())
            totals[key][1] += int((taken & ~c.truth).sum())
        totals["n"] += int(c.truth.sum())
        print(f"{label:>6}  {len(c.truth):4d} ({int(c.truth.sum()):2d} true)  {count(row['old'], c.truth)}  "
              f"{count(row['held'], c.truth)}  {count(row['default'], c.truth)}")
    print(f"{'all':>6}  {'':>4} ({totals['n']:3d} true)  " + "  ".join(
        f"{totals[k][0]:3d} true {totals[k][1]:2d} false" for k in ("old", "held", "default")))
    print("(* = test seed, scored by the model fitted on all fitting seeds)")
    if args.show:
        for s, c in data.items():
            prob = DEFAULT_LONE_MODEL.probability(c.features)
            for k in np.flatnonzero(c.kept(DEFAULT_LONE_MODEL) != c.truth):
                what = "taken, not a planted copy" if not c.truth[k] else "missed"
                feats = " ".join(f"{n}={v:.3f}" for n, v in zip(FEATURES, c.features[k]))
                print(f"seed {s} {what} p={prob[k]:.3f} {feats}\n    {c.texts[k][0]!r}\n    {c.texts[k][1]!r}")
    print("\nfitted on all fitting seeds (paste into align/wirecopy/lone.py):")
    print(f"DEFAULT_LONE_MODEL = LoneModel(weights={final.weights}, bias={final.bias}, threshold={final.threshold})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
