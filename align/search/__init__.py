"""The alignment algorithm: window embeddings and lengths in, beads out (no I/O, no model)."""

from align.search.aligner import SearchConfig, align_windows

__all__ = ["SearchConfig", "align_windows"]
