"""Merge translation memories: one unit per distinct translation, counted, nothing lost.

Two units are duplicates when their source and target segments are the same after
white-space and Unicode normalisation (:attr:`align.tm.read.Variant.key`; inline markup
included) in the same language pair (:mod:`align.tm.langs` says when pairs are the
same). Duplicates become one unit; everything the copies carried is kept as follows:

- ``x-align-count``: how many units the merged one stands for (summed, so merging a
  merged TM again counts right); written only above 1;
- ``x-align-score`` (align's alignment score): the highest, the best evidence that the
  pair is a translation;
- ``x-align-files``: the numbers of the input files the unit came from (the merged
  header lists the files in that order); an input's own ``x-align-files`` is replaced;
- every other prop and note: each distinct one once, in the order first seen;
- unit and variant attributes: ``creationdate`` the earliest, ``changedate`` and
  ``lastusagedate`` the latest, ``usagecount`` the sum, the others the first seen;
  ``tuid`` is renumbered (ids from several files would clash). A unit without its own
  ``creationtool``/``datatype``/``segtype`` gets its file header's when they differ from
  the merged header's, so an OmegaT unit still says it came from OmegaT;
- the segments themselves: the first copy's, markup and all.

A source with different translations is a conflict: every translation stays a unit of
its own (the user decides, not the merge); :attr:`MergeResult.conflicts` counts them.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

from align.errors import AlignWarning, InputError
from align.files import file_id
from align.tm.langs import FilePair, file_pair, normalise_lang, split_unit, unify
from align.textsafe import shown_path
from align.tm.read import SEGTYPES, Prop, TmFile, Unit, Variant, read_tm

COUNT, SCORE, FILES = "x-align-count", "x-align-score", "x-align-files"
_TMX_DATE = re.compile(r"^\d{8}T\d{6}Z$")
@dataclass
class MergedUnit:
    """One unit of the merged TM. ``reversed``: its own direction is target → source."""

    src: Variant | None
    tgt: Variant | None
    attrs: dict[str, str]
    extras: list[Prop]
    src_extras: list[Prop]
    tgt_extras: list[Prop]
    src_attrs: dict[str, str]
    tgt_attrs: dict[str, str]
    count: int
    score: float | None
    files: list[int]
    reversed: bool = False

    @property
    def key(self) -> tuple[str | None, str | None]:
        return unit_key(self.src, self.tgt)


def unit_key(src: Variant | None, tgt: Variant | None) -> tuple[str | None, str | None]:
    """What makes two units duplicates: both segments' keys (None for a missing side)."""
    return (src.key if src is not None else None, tgt.key if tgt is not None else None)


@dataclass(frozen=True)
class InputSummary:
    """What the merge read from one file, for the merged header and the user."""

    name: str
    tool: str
    units: int
    srclang: str
    languages: tuple[str, ...]
    turned: bool

    def to_dict(self) -> dict[str, object]:
        return {"file": self.name, "tool": self.tool, "units": self.units, "srclang": self.srclang,
                "languages": list(self.languages), "turned": self.turned}


@dataclass
class MergeResult:
    """The merged units in first-seen order, the language pair, and what was merged.

    ``units_in`` counts the units read, ``duplicates`` those merged into an earlier one,
    ``conflicts`` the source segments that have more than one translation in the result.
    """

    src_lang: str
    tgt_lang: str | None
    units: list[MergedUnit] = field(default_factory=list)
    inputs: list[InputSummary] = field(default_factory=list)
    units_in: int = 0
    duplicates: int = 0
    conflicts: int = 0


def count_of(unit: Unit) -> int:
    """How many units ``unit`` stands for: its ``x-align-count`` when that is a positive integer, else 1."""
    for text in unit.props(COUNT):
        if text.strip().isdigit() and int(text) > 0:
            return int(text)
    return 1


def score_of(unit: Unit) -> float | None:
    """``unit``'s highest ``x-align-score``, or None when it has no readable one."""
    scores = []
    for text in unit.props(SCORE):
        try:
            value = float(text)
        except ValueError:
            continue
        if not math.isnan(value):
            scores.append(value)
    return max(scores) if scores else None


def _merge_attrs(into: dict[str, str], attrs: Sequence[tuple[str, str]] | dict[str, str]) -> None:
    """Fold ``attrs`` into ``into`` by the module's rules (dates earliest/latest, counts summed)."""
    items = attrs.items() if isinstance(attrs, dict) else attrs
    for name, value in items:
        old = into.get(name)
        if old is None:
            into[name] = value
        elif name in ("creationdate", "changedate", "lastusagedate"):
            if _TMX_DATE.match(old) and _TMX_DATE.match(value):
                into[name] = min(old, value) if name == "creationdate" else max(old, value)
        elif name == "usagecount" and old.isdigit() and value.isdigit():
            into[name] = str(int(old) + int(value))


def _merge_extras(into: list[Prop], extras: Sequence[Prop]) -> None:
    for prop in extras:
        if prop.kind in (COUNT, SCORE, FILES) or prop in into:
            continue
        into.append(prop)


def _fits(a: str, b: str | None, p: str, q: str | None) -> bool:
    """A file pair (a, b) can be read as the merge pair (p, q)."""
    return unify(a, p) is not None and (b is None or q is None or unify(b, q) is not None)


def _inherited(header: dict[str, str]) -> list[tuple[str, str]]:
    """The header attributes a unit of this file takes into the merge when it lacks them.

    Only those that differ from the merged header's (align, plaintext, sentence): an
    OmegaT unit says it came from OmegaT, an align unit gets nothing to repeat.
    """
    out = []
    tool = header.get("creationtool", "")
    if tool and tool != "align":
        out += [(name, header[name]) for name in ("creationtool", "creationtoolversion", "o-tmf") if header.get(name)]
    datatype = header.get("datatype", "")
    if datatype and datatype.lower() != "plaintext":
        out.append(("datatype", datatype))
    segtype = header.get("segtype", "")
    if segtype in SEGTYPES and segtype != "sentence":
        out.append(("segtype", segtype))
    return out


class _Merger:
    def __init__(self) -> None:
        self.src: str | None = None
        self.tgt: str | None = None
        self.index: dict[tuple[str | None, str | None], MergedUnit] = {}
        self.result = MergeResult("", None)
        self.file_tags: list[tuple[str, set[str]]] = []  # (file name, its normalised tags), for the warning

    def orient(self, tm: TmFile, pair: FilePair) -> bool:
        """Check ``tm``'s languages against the merge's; True when the file is the other way round."""
        if self.src is None:
            self.src, self.tgt = pair.src, pair.tgt
            return False
        if _fits(pair.src, pair.tgt, self.src, self.tgt):
            self.src = unify(pair.src, self.src)
            self.tgt = unify(pair.tgt, self.tgt) if self.tgt and pair.tgt else self.tgt or pair.tgt
            return False
        if (pair.tgt is None or unify(pair.tgt, self.src)) and (self.tgt is None or unify(pair.src, self.tgt)):
            self.tgt = unify(pair.src, self.tgt) if self.tgt else pair.src
            if pair.tgt is not None:
                self.src = unify(pair.tgt, self.src)
            return True
        theirs = f"{pair.src} and {pair.tgt}" if pair.tgt else pair.src
        ours = f"{self.src} and {self.tgt}" if self.tgt else self.src
        first = self.result.inputs[0].name if self.result.inputs else "the first file"
        raise InputError(
            f"{tm.name} is in {theirs}, but the merge is in {ours} (from {first}); merge memories of one "
            "language pair (de and de-DE go together, de-DE and de-CH do not)"
        )

    def add_file(self, number: int, tm: TmFile) -> None:
        pair = file_pair(tm)
        turned = self.orient(tm, pair) if pair is not None else False
        inherited = _inherited(tm.header)
        for unit in tm.units:
            assert pair is not None
            src, tgt = split_unit(tm, unit, pair)
            if turned:
                src, tgt = tgt, src
            self._add_unit(number, unit, src, tgt, pair, turned, inherited)
        langs = tuple(x for x in ((pair.src, pair.tgt) if pair else ()) if x)
        self.file_tags.append((tm.name, set(langs)))
        self.result.units_in += len(tm.units)
        self.result.inputs.append(InputSummary(tm.name, tm.tool, len(tm.units), tm.header.get("srclang", ""),
                                               langs, turned))

    def _add_unit(self, number: int, unit: Unit, src: Variant | None, tgt: Variant | None, pair: FilePair,
                  turned: bool, inherited: list[tuple[str, str]]) -> None:
        attrs = dict(unit.attrs)
        own = attrs.pop("srclang", None)
        direction = pair.src
        if own is not None:
            for lang in (pair.src, pair.tgt):
                if lang is not None and unify(own, lang) is not None:
                    direction = lang
                    break
            else:
                attrs["srclang"] = own  # a tag that is neither side (a tool's own convention): kept as it was
        reversed_ = (direction == pair.src) == turned
        key = unit_key(src, tgt)
        merged = self.index.get(key)
        if merged is None:
            for name, value in inherited:  # provenance of the first copy only; x-align-files lists the rest
                attrs.setdefault(name, value)
            merged = MergedUnit(src, tgt, {}, [], [], [], {}, {}, 0, None, [], reversed_)
            self.index[key] = merged
            self.result.units.append(merged)
        else:
            self.result.duplicates += 1
        merged.count += count_of(unit)
        score = score_of(unit)
        if score is not None and (merged.score is None or score > merged.score):
            merged.score = score
        if number not in merged.files:
            merged.files.append(number)
        _merge_attrs(merged.attrs, attrs)
        _merge_extras(merged.extras, unit.extras)
        for variant, extras, vattrs in ((src, merged.src_extras, merged.src_attrs),
                                        (tgt, merged.tgt_extras, merged.tgt_attrs)):
            if variant is not None:
                _merge_extras(extras, variant.extras)
                _merge_attrs(vattrs, variant.attrs)

    def finish(self) -> MergeResult:
        result = self.result
        if self.src is None:
            names = ", ".join(i.name for i in result.inputs)
            raise InputError(f"no translation units in {names}; nothing to merge (check that these are the right files)")
        result.src_lang, result.tgt_lang = self.src, self.tgt
        translations: dict[str, set[str]] = {}
        for unit in result.units:
            if unit.src is not None and unit.tgt is not None:
                translations.setdefault(unit.src.key, set()).add(unit.tgt.key)
        result.conflicts = sum(1 for targets in translations.values() if len(targets) > 1)
        final = {self.src, self.tgt}
        for name, tags in dict(self.file_tags).items():  # a file given twice is named once
            changed = sorted(f"{tag} written as {unify(tag, new)}" for tag in tags for new in final
                             if new and unify(tag, new) not in (None, tag))
            if changed:
                warnings.warn(f"{name}: {', '.join(changed)} (the more specific tag another file gave)",
                              AlignWarning, stacklevel=3)
        for summary in result.inputs:
            if summary.turned:
                warnings.warn(
                    f"{summary.name} is {' to '.join(summary.languages)}: its units were turned round to "
                    f"{self.src} to {self.tgt} (each keeps its direction in the unit's srclang)",
                    AlignWarning, stacklevel=3,
                )
        return result


def merge_tms(paths: Sequence[str]) -> MergeResult:
    """Merge the TMX files ``paths`` (see the module's rules); nothing is written.

    Raises :class:`~align.errors.InputError` with one line naming the file for a file
    that cannot be read as TMX and for languages that do not agree.
    """
    if not paths:
        raise InputError("no TMX files to merge; give at least one")
    seen: dict[object, str] = {}
    for path in paths:
        fid = file_id(path) or os.path.abspath(path)
        if fid in seen:
            also = "" if seen[fid] == path else f" (as {shown_path(seen[fid])} too)"
            warnings.warn(f"{shown_path(path)} is given more than once{also}: its units are counted once per time "
                          "it is given", AlignWarning, stacklevel=2)
        seen.setdefault(fid, path)
    merger = _Merger()
    for number, path in enumerate(paths, 1):
        merger.add_file(number, read_tm(path))
    return merger.finish()


__all__ = ["COUNT", "FILES", "SCORE", "InputSummary", "MergeResult", "MergedUnit", "count_of", "merge_tms",
           "normalise_lang", "score_of", "unit_key"]
