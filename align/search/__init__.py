"""The alignment algorithm: window embeddings and lengths in, beads out (no I/O, no model).

Two stages: :func:`align_windows` aligns sentences; :func:`refine_alignment` aligns their
clauses near that path and merges sentence beads whose clauses cross.
"""

from align.search.aligner import SearchConfig, align_windows
from align.search.refine import refine_alignment

__all__ = ["SearchConfig", "align_windows", "refine_alignment"]
