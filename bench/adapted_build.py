"""Adapted translations built from a faithful pair and its gold: omissions, additions, moves.

News is rarely translated sentence for sentence: the translation leaves passages out, adds
passages of its own and moves paragraphs. The field's dev sets are faithful translations,
so this module makes adapted versions of them, with the gold alignment kept exact:

- **drop**: at about ``drop_rate`` of the bead positions a run of 1-4 gold beads loses
  its sentences on ONE side (side drawn at random). The other side's sentences stay in
  the text and become unmatched: one ``1-0`` / ``0-1`` gold bead each.
- **insert**: at about ``insert_rate`` of the positions 1-3 consecutive sentences are
  copied into one side, taken from the SAME side (same language) at least
  ``min_distance`` sentences away from the insertion point: a passage of the same
  document that does not belong here, as an addition of the translator's own would be
  (the dev sets hold one document per side, so there is no second document of the same
  language to take them from). Each is an unmatched gold bead.
- **move** (second variant only): about one block of 2-5 consecutive gold beads per
  ``move_every`` beads is cut out of the TARGET text and put back elsewhere, at a bead
  boundary ``move_min``..``move_max`` target sentences away. The beads keep their pairs;
  only the target ids change, so the gold is no longer monotone.

Sentences are tracked by key (``("o", original id)`` or ``("i", n)`` for the n-th
inserted copy) until the end, when the keys are numbered in text order. A gold sentence
that the original gold leaves out (Text+Berg dev has two) stays out; every other
sentence is in exactly one gold bead.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

BeadIds = tuple[tuple[int, ...], tuple[int, ...]]
Key = tuple[str, int]
KeyBead = tuple[tuple[Key, ...], tuple[Key, ...]]


@dataclass
class Edits:
    """What was done, so tests and reports can check it: original bead indices per drop."""

    dropped: list[tuple[int, int]] = field(default_factory=list)  # (original bead index, side 0=src 1=tgt)
    inserted: list[tuple[int, int, int]] = field(default_factory=list)  # (before bead, side, count)
    moved: list[tuple[int, int]] = field(default_factory=list)  # (block size in beads, distance in sentences)
    moved_keys: list[tuple[Key, ...]] = field(default_factory=list)  # target keys of each moved block


@dataclass
class Variant:
    """One adapted pair: sentences of each side and the gold beads (ids into them)."""

    src: list[str]
    tgt: list[str]
    gold: list[BeadIds]
    edits: Edits
    #: the key of each sentence (``("o", original id)`` or ``("i", n)``), per side, in text
    #: order: what ``bench/adapted_errors.py`` needs to tell edited beads from kept ones
    keys: tuple[list[Key], list[Key]] = field(default_factory=lambda: ([], []))


@dataclass
class _State:
    """The pair while it is being edited: text order of each side by key, gold by key."""

    texts: tuple[dict[Key, str], dict[Key, str]]
    order: tuple[list[Key], list[Key]]
    beads: list[KeyBead]
    edits: Edits


def _first_position(gold: Sequence[BeadIds], side: int, n: int) -> list[int]:
    """For each bead i: the smallest original id of ``side`` in beads i.. (n past the end).

    Why: an insertion "before bead i" goes before that sentence; a bead without a sentence
    on this side (or a gold with a non-monotone bead) must not send it backwards.
    """
    out = [n] * (len(gold) + 1)
    for i in range(len(gold) - 1, -1, -1):
        ids = gold[i][side]
        out[i] = min([out[i + 1], *ids])
    return out[:-1]


def _insert_start(rng: random.Random, n: int, count: int, at: int, min_distance: int) -> int:
    """A start for ``count`` consecutive sentences, each ``min_distance`` or more from ``at``."""
    allowed = [s for s in range(n - count + 1) if s + count - 1 <= at - min_distance or s >= at + min_distance]
    if allowed:
        return rng.choice(allowed)
    # a document too short for the distance (tests): the farthest start
    return max(range(max(n - count, 0) + 1), key=lambda s: min(abs(s - at), abs(s + count - 1 - at)))


def adapt(
    src: Sequence[str], tgt: Sequence[str], gold: Sequence[BeadIds], rng: random.Random, *,
    drop_rate: float = 0.05, insert_rate: float = 0.05, min_distance: int = 200,
) -> _State:
    """Drops and insertions (see the module docstring); returns the state for :func:`move`/:func:`finish`."""
    gold = [(tuple(s), tuple(t)) for s, t in gold if s or t]  # a [] : [] bead aligns nothing
    texts = ({("o", i): t for i, t in enumerate(src)}, {("o", i): t for i, t in enumerate(tgt)})
    sides = (list(src), list(tgt))
    first = (_first_position(gold, 0, len(src)), _first_position(gold, 1, len(tgt)))
    inserts: tuple[dict[int, list[Key]], dict[int, list[Key]]] = ({}, {})  # original id -> keys before it
    dropped: tuple[set[Key], set[Key]] = (set(), set())
    beads: list[KeyBead] = []
    edits = Edits()
    copies = 0
    drop_until, drop_side = -1, 0
    for i, (s_ids, t_ids) in enumerate(gold):
        if rng.random() < insert_rate:
            side, count = rng.randrange(2), rng.randint(1, 3)
            at = first[side][i]
            start = _insert_start(rng, len(sides[side]), count, at, min_distance)
            keys: list[Key] = []
            for j in range(start, start + count):
                key = ("i", copies)
                copies += 1
                texts[side][key] = sides[side][j]
                keys.append(key)
                beads.append(((key,), ()) if side == 0 else ((), (key,)))
            inserts[side].setdefault(at, []).extend(keys)
            edits.inserted.append((i, side, count))
        if i > drop_until and rng.random() < drop_rate:
            drop_until, drop_side = i + rng.randint(1, 4) - 1, rng.randrange(2)
        bead = (tuple(("o", j) for j in s_ids), tuple(("o", j) for j in t_ids))
        if i <= drop_until:
            edits.dropped.append((i, drop_side))
            dropped[drop_side].update(bead[drop_side])
            kept = bead[1 - drop_side]
            beads.extend(((k,), ()) if drop_side == 1 else ((), (k,)) for k in kept)
        else:
            beads.append(bead)
    order: tuple[list[Key], list[Key]] = ([], [])
    for side in (0, 1):
        for j in range(len(sides[side]) + 1):
            order[side].extend(inserts[side].get(j, []))
            if j < len(sides[side]) and ("o", j) not in dropped[side]:
                order[side].append(("o", j))
    return _State(texts, order, beads, edits)


def _clean_cuts(order: list[Key], spans: list[tuple[int, ...]]) -> set[int]:
    """Cut positions c (before order[c]) that split no bead's (or moved block's) target sentences."""
    pos = {k: p for p, k in enumerate(order)}
    bad = [0] * (len(order) + 2)
    for keys in spans:
        ps = [pos[k] for k in keys if k in pos]
        if len(ps) > 1:
            bad[min(ps) + 1] += 1
            bad[max(ps) + 1] -= 1
    cuts, running = set(), 0
    for c in range(len(order) + 1):
        running += bad[c]
        if running == 0:
            cuts.add(c)
    return cuts


def move(state: _State, rng: random.Random, *, move_every: int = 60, move_min: int = 10, move_max: int = 100,
         tries: int = 200) -> _State:
    """Move blocks of 2-5 consecutive gold pairs on the target side (a new state; ``state`` is kept)."""
    order = list(state.order[1])
    edits = Edits(list(state.edits.dropped), list(state.edits.inserted), [], [])
    wanted = max(1, round(len(state.beads) / move_every))
    moved: set[int] = set()
    blocks: list[tuple[Key, ...]] = []
    for _ in range(wanted):
        for _ in range(tries):
            size = rng.randint(2, 5)
            b = rng.randrange(0, max(1, len(state.beads) - size + 1))
            block = state.beads[b:b + size]
            if len(block) < size or any(not s or not t for s, t in block) or moved & set(range(b, b + size)):
                continue
            keys = [k for _, t in block for k in t]
            pos = {k: p for p, k in enumerate(order)}
            ps = sorted(pos[k] for k in keys)
            if ps != list(range(ps[0], ps[0] + len(ps))):
                continue  # the block's target sentences are not one run of the text: no clean cut
            start = ps[0]
            run = order[start:start + len(ps)]
            rest = order[:start] + order[start + len(ps):]
            spans = [t for _, t in state.beads] + blocks
            cuts = [c for c in _clean_cuts(rest, spans) if move_min <= abs(c - start) <= move_max]
            if not cuts:
                continue
            c = rng.choice(cuts)
            order = rest[:c] + run + rest[c:]
            moved.update(range(b, b + size))
            blocks.append(tuple(run))
            edits.moved.append((size, c - start))
            edits.moved_keys.append(tuple(run))
            break
    return _State(state.texts, (state.order[0], order), state.beads, edits)


def finish(state: _State) -> Variant:
    """Number the sentences in text order and write the gold with those ids."""
    ids = [{k: n for n, k in enumerate(o)} for o in state.order]
    gold = [(tuple(sorted(ids[0][k] for k in s)), tuple(sorted(ids[1][k] for k in t))) for s, t in state.beads]
    return Variant(
        src=[state.texts[0][k] for k in state.order[0]],
        tgt=[state.texts[1][k] for k in state.order[1]],
        gold=gold, edits=state.edits, keys=(list(state.order[0]), list(state.order[1])),
    )


def build_variants(
    src: Sequence[str], tgt: Sequence[str], gold: Sequence[BeadIds], seed: int, **kwargs: float,
) -> dict[str, Variant]:
    """The "adapted" and "adapted+moved" variants of one pair, deterministic for ``seed``.

    Both share the same drops and insertions; the moves use a second generator seeded
    from the same ``seed``, so "adapted+moved" is exactly "adapted" plus the moves.
    """
    move_keys = {"move_every", "move_min", "move_max"}
    adapted = adapt(src, tgt, gold, random.Random(seed), **{k: v for k, v in kwargs.items() if k not in move_keys})
    moved = move(adapted, random.Random(f"move:{seed}"), **{k: v for k, v in kwargs.items() if k in move_keys})
    return {"adapted": finish(adapted), "adapted+moved": finish(moved)}
