"""Wire-copy benchmark: passage-level precision and recall for verbatim, edited and translated copies.

Builds the synthetic collection of ``bench/wirecopy_data.py`` (default 300 articles in
German, English and French from the shared parallel data, with planted copies and
distractors), runs ``align.wirecopy.find_wire_copy`` on it and scores the clusters it
reports against the exact ground truth.

Scoring (passage level):

* A **predicted pair** is two members of one reported cluster that lie in different
  documents (a cluster of three members in three documents gives three pairs). In-document
  repeats (``report.repeats``) are not predictions and are ignored.
* A predicted pair **matches** a true pair when both are between the same two documents
  and, in each document, the predicted member's character span overlaps at least half
  (``--cover``, default 0.5) of the true passage's span: ``|pred ∩ true| >= 0.5 |true|``.
  Boundaries that are off by a sentence still match; so does a longer predicted passage
  (the mean character IoU of matched pairs is printed to show how tight they are).
* **Recall** of a kind: the fraction of its true pairs matched by at least one predicted
  pair. **Precision** of a kind: matched predicted pairs / predicted pairs attributed to
  it. A matched pair belongs to the kind of the true pair it covers best. An unmatched
  pair is a false positive of the kind it claims: across languages -> translated; in one
  language -> the kind of a true pair between the same two documents that it partly
  overlaps (a fragment of that copy), else verbatim if the two members' texts are equal
  after collapsing white space (e.g. boilerplate), else edited.
* False positives are also broken down by what they hit: a fragment of a true copy,
  boilerplate, a same-topic or shared-phrase distractor, or nothing planted ("other").

Speed: wall seconds of the ``find_wire_copy`` call (segmentation, MinHash/LSH, embedding,
cross-lingual search, clustering) with the model already loaded (its load time is printed
apart) and a cold embedding cache (a fresh temporary cache directory; ``--warm`` keeps the
user's cache). "Passages" for the per-1,000 figure are the sentences the finder segmented
(every sentence is indexed, with its windows, by the monolingual stage and embedded by the
cross-lingual one).

``--scale N`` instead times the MinHash stage alone on N synthetic passages (see
:func:`run_scale`).

    python -m bench.wirecopy [--articles 300] [--seed 0] [--oracle] [--json] [--write DIR]
    python -m bench.wirecopy --seeds 0 1 2 3 4 [--check]
    python -m bench.wirecopy --scale 100000 [--json]

The parts: ``bench/wirecopy_score.py`` (the scoring above), ``bench/wirecopy_run.py``
(building, running and timing one benchmark), ``bench/wirecopy_print.py`` (the tables),
``bench/wirecopy_scale.py`` (``--scale``); this module holds the command line and
re-exports their public names.
"""

from __future__ import annotations

import argparse
import json
import sys

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/wirecopy.py: run it from the repository root as a module: python -m bench.wirecopy")

from bench.wirecopy_print import print_benchmark, print_seeds
from bench.wirecopy_run import run_benchmark, run_finder, versions
from bench.wirecopy_scale import print_scale, run_scale
from bench.wirecopy_score import (
    TARGETS,
    PredictedPair,
    misses,
    oracle_clusters,
    predicted_pairs,
    score,
)

__all__ = [
    "TARGETS", "PredictedPair", "main", "misses", "oracle_clusters", "predicted_pairs", "print_benchmark",
    "print_scale", "print_seeds", "run_benchmark", "run_finder", "run_scale", "score", "versions",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300, help="articles in the collection (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, nargs="+", metavar="N",
                        help="run these seeds and print one table of P / R per kind, with the mean")
    parser.add_argument("--model", default="use-m3")
    parser.add_argument("--oracle", action="store_true", help="score the ground truth itself (tests the scorer)")
    parser.add_argument("--cover", type=float, default=0.5, help="share of a true passage a match must cover")
    parser.add_argument("--warm", action="store_true", help="use the user's embedding cache (default: cold)")
    parser.add_argument("--write", metavar="DIR", help="also write the articles and truth.json to DIR")
    parser.add_argument("--scale", type=int, metavar="N", help="time the MinHash stage alone on N passages")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.scale:
        r = run_scale(args.scale, args.seed)
        print(json.dumps(r, indent=1, ensure_ascii=False)) if args.json else print_scale(r)
        return 0 if r["available"] or not args.check else 1
    if args.seeds:
        runs = []
        for seed in args.seeds:
            args.seed = seed
            runs.append(run_benchmark(args))
        print(json.dumps(runs, indent=1, ensure_ascii=False)) if args.json else print_seeds(runs)
    else:
        runs = [run_benchmark(args)]
        print(json.dumps(runs[0], indent=1, ensure_ascii=False)) if args.json else print_benchmark(runs[0])
    return 1 if args.check and any(misses(r) for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
