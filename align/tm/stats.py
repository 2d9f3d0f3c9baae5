"""What a translation memory holds: units, languages, scores, duplicates, conflicts.

The figures a translator or an MT engineer checks before loading a TM: how many units
(and how many they stand for, with a merge's ``x-align-count``), which language pair,
how align's scores are spread (``x-align-score``, in tenths), how many units repeat an
earlier one (the same source and target after normalisation, as :mod:`align.tm.merge`
compares them), how many sources have more than one translation, how many units carry
inline markup, and align's content kinds (``x-align-kind``: code, table, identical).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field

from align.tm.langs import file_pair, split_unit
from align.tm.merge import count_of, score_of, unit_key
from align.tm.read import read_tm

#: Score bins: tenths from 0 to 1 (1.0 falls in the last), plus anything outside.
BINS = [f"{i / 10:.1f}-{(i + 1) / 10:.1f}" for i in range(10)]


def score_bin(score: float) -> str:
    """The histogram bin of ``score``: ``0.8-0.9``; ``<0.0`` and ``>1.0`` outside the range."""
    if score < 0:
        return "<0.0"
    if score > 1:
        return ">1.0"
    return BINS[min(int(score * 10 + 1e-9), 9)]


@dataclass
class TmStats:
    """The figures of one TMX file (see the module). ``scores`` maps a bin to its unit count."""

    file: str
    tool: str
    tmx_version: str
    srclang: str
    languages: list[str]
    units: int = 0
    represented: int = 0
    both_sides: int = 0
    source_only: int = 0
    target_only: int = 0
    empty_units: int = 0
    scores: dict[str, int] = field(default_factory=dict)
    no_score: int = 0
    mean_score: float | None = None
    duplicates: int = 0
    duplicated_pairs: int = 0
    conflicts: int = 0
    conflicting_units: int = 0
    with_markup: int = 0
    kinds: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def tm_stats(path: str | os.PathLike[str]) -> TmStats:
    """Read the TMX file ``path`` and count (raises :class:`~align.errors.InputError` as :func:`read_tm` does)."""
    tm = read_tm(path)
    pair = file_pair(tm)
    languages = [x for x in ((pair.src, pair.tgt) if pair else ()) if x]
    stats = TmStats(tm.name, tm.tool, tm.version, tm.header.get("srclang", ""), languages,
                    units=len(tm.units), empty_units=tm.empty_units)
    copies: Counter[tuple[str | None, str | None]] = Counter()
    translations: dict[str, set[str]] = {}
    units_per_source: Counter[str] = Counter()
    scores: list[float] = []
    bins: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for unit in tm.units:
        assert pair is not None
        src, tgt = split_unit(tm, unit, pair)
        stats.represented += count_of(unit)
        if src is not None and tgt is not None:
            stats.both_sides += 1
            translations.setdefault(src.key, set()).add(tgt.key)
            units_per_source[src.key] += 1
        elif src is not None:
            stats.source_only += 1
        else:
            stats.target_only += 1
        copies[unit_key(src, tgt)] += 1
        score = score_of(unit)
        if score is None:
            stats.no_score += 1
        else:
            scores.append(score)
            bins[score_bin(score)] += 1
        if any(v.has_markup for v in unit.variants):
            stats.with_markup += 1
        for kind in unit.props("x-align-kind"):
            kinds[kind] += 1
    order = (["<0.0"] if bins["<0.0"] else []) + BINS + ([">1.0"] if bins[">1.0"] else [])
    stats.scores = {label: bins[label] for label in order} if scores else {}
    stats.mean_score = round(sum(scores) / len(scores), 4) if scores else None
    stats.duplicates = sum(n - 1 for n in copies.values())
    stats.duplicated_pairs = sum(1 for n in copies.values() if n > 1)
    conflicting = [s for s, targets in translations.items() if len(targets) > 1]
    stats.conflicts = len(conflicting)
    stats.conflicting_units = sum(units_per_source[s] for s in conflicting)
    stats.kinds = dict(sorted(kinds.items()))
    return stats


def render_json(stats: TmStats) -> str:
    """The figures as one JSON object (and a newline)."""
    return json.dumps(stats.to_dict(), ensure_ascii=False, indent=2) + "\n"


def _n(count: int, noun: str) -> str:
    """``1 unit``, ``2 units``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def render_text(stats: TmStats) -> str:
    """The figures as a few lines for a person, with a bar per score bin."""
    lines = [
        f"file:       {stats.file} (TMX {stats.tmx_version or '?'}, made by {stats.tool})",
        f"languages:  {' -> '.join(stats.languages) or 'none'} (header srclang {stats.srclang or 'missing'})",
        f"units:      {stats.units}" + (f" standing for {stats.represented} (x-align-count)"
                                        if stats.represented != stats.units else ""),
        f"            {stats.both_sides} with both sides, {stats.source_only} source only, "
        f"{stats.target_only} target only" + (f", {stats.empty_units} empty skipped" if stats.empty_units else ""),
        f"duplicates: {_n(stats.duplicates, 'unit')} repeating an earlier one ({_n(stats.duplicated_pairs, 'pair')})",
        f"conflicts:  {_n(stats.conflicts, 'source')} with more than one translation "
        f"({_n(stats.conflicting_units, 'unit')})",
        f"markup:     {_n(stats.with_markup, 'unit')} with inline tags",
    ]
    if stats.kinds:
        lines.append("kinds:      " + ", ".join(f"{k} {n}" for k, n in stats.kinds.items()))
    if stats.scores:
        lines.append(f"scores:     mean {stats.mean_score:.4f}; {_n(stats.no_score, 'unit')} without a score")
        top = max(stats.scores.values()) or 1
        for label, n in stats.scores.items():
            lines.append(f"  {label:>8} {n:>7}  {'#' * round(40 * n / top)}".rstrip())
    else:
        lines.append(f"scores:     none ({_n(stats.no_score, 'unit')} without an x-align-score prop)")
    return "\n".join(lines) + "\n"
