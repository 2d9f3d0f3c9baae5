"""Align many pairs at once: a manifest in, one output set per pair, resumable.

    from align.batch import BatchOptions, read_manifest, run_batch
    summary = run_batch(read_manifest("pairs.tsv"), "out/", BatchOptions(fmt="tmx"), engine="local")

- ``manifest.py``: the TSV / JSON Lines manifest and safe, distinct pair ids;
- ``work.py``: one pair's work (align, render outputs to bytes), shared by every engine;
- ``state.py``: outputs and done-markers in the output folder, written atomically;
- ``runner.py``: the driver and the local engine (this process or a process pool);
- ``ray_engine.py``: the same work on Ray Data (optional extra ``align[ray]``).
"""

from align.batch.manifest import PairSpec, parse_manifest, read_manifest, safe_id
from align.batch.runner import BatchSummary, run_batch
from align.batch.work import BatchOptions, PairOutcome
from align.plugins import ENGINES

__all__ = [
    "ENGINES",
    "BatchOptions",
    "BatchSummary",
    "PairOutcome",
    "PairSpec",
    "parse_manifest",
    "read_manifest",
    "run_batch",
    "safe_id",
]
