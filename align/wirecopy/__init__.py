"""Wire copy: passages shared across a collection of articles, within and across languages.

    from align.wirecopy import find_wire_copy
    report = find_wire_copy([doc_de, doc_en, doc_en2])
    for cluster in report.clusters: ...
"""

from align.wirecopy.finder import WireCopyConfig, find_wire_copy
from align.wirecopy.report import Cluster, Member, WireCopyReport

__all__ = ["Cluster", "Member", "WireCopyConfig", "WireCopyReport", "find_wire_copy"]
