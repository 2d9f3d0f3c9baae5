"""Translation memories: read TMX from any tool, merge several into one, and count what one holds.

What ``align tm merge`` and ``align tm stats`` run on (:mod:`align.cli.tm`); usable from
Python too::

    from align.files import atomic_output
    from align.tm import merge_tms, tm_stats, write_merged

    result = merge_tms(["ours.tmx", "omegat.tmx", "lfaligner.tmx"])
    with atomic_output("all.tmx", inputs=["ours.tmx", "omegat.tmx", "lfaligner.tmx"]) as f:
        write_merged(result, f)
    print(tm_stats("all.tmx").duplicates)

One module per job: :mod:`~align.tm.read` (any tool's TMX, markup kept),
:mod:`~align.tm.langs` (which languages, which direction), :mod:`~align.tm.merge`
(duplicates and conflicts), :mod:`~align.tm.write` (TMX 1.4b out, through the
exporter's header), :mod:`~align.tm.stats` (the figures). Nothing here prints; what a
user must hear (a file turned round, a language tag made more specific) is an
:class:`~align.errors.AlignWarning`.
"""

from align.tm.merge import MergedUnit, MergeResult, merge_tms
from align.tm.read import TmFile, Unit, Variant, read_tm
from align.tm.stats import TmStats, tm_stats
from align.tm.write import write_merged

__all__ = ["MergeResult", "MergedUnit", "TmFile", "TmStats", "Unit", "Variant", "merge_tms", "read_tm",
           "tm_stats", "write_merged"]
