"""Which token sequences to run and which of their positions to sum into which output row.

Why a module of its own: the encoder's windows and parts rest on one fact about the
network, that a token's feature depends only on the tokens at most :data:`REACH`
positions away (two stacked convolutions, each looking at most 2 positions left or
right). Everything that follows from it lives here, as plain Python over lists of piece
ids: the head and tail regions of a sentence (the features that change when it is
joined to a neighbour), the snippet around a join, the pieces a very long sentence is
cut into, and where each part (clause) of a sentence starts in tokens. The kernels
(:mod:`.kernels`) then sum features over the planned regions without knowing why.

A plan is two lists the functions here append to: ``seqs``, the token sequences to run
(each in isolation, with zero padding at both ends), and ``regions``, tuples ``(seq
index, start, end, target)``: the features of positions ``start:end`` of that sequence are
summed into output row ``target``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = ["MAX_PIECE", "REACH", "Piece", "Region", "part_bounds", "plan_join", "plan_parts", "plan_sentence"]

# A token's final feature depends on the tokens at most REACH positions away: two
# stacked convolutions, each looking at most 2 positions left or right.
REACH = 4
# Head/tail regions of a sentence: BOS plus the first REACH tokens, the last REACH
# tokens plus EOS. These are exactly the positions whose features change when the
# sentence is joined to a neighbour (BOS/EOS disappear, edge tokens see the neighbour).
EDGE = REACH + 1
# Sequences longer than this are cut into overlapping pieces to bound peak memory
# (a one-line "sentence" can be a whole book); features stay exact (see plan_sentence).
MAX_PIECE = 1024

Region = tuple[int, int, int, int]
"""``(seq index, start, end, target)``: positions ``start:end`` of a sequence, summed into row ``target``."""
Piece = tuple[int, int, int, int]
"""``(seq index, first, end, offset)``: positions ``first:end`` of a sentence are positions
``first - offset:end - offset`` of that sequence."""


class Tokenizer(Protocol):
    def tokenize(self, texts: Sequence[str]) -> list[list[int]]: ...


def plan_sentence(
    seq: list[int], i: int, seqs: list[list[int]], regions: list[Region], edges: bool = True,
) -> list[Piece]:
    """Regions for sentence ``i``: with ``edges``, whole (target 3i), head (3i+1) and
    tail (3i+2); without, only the whole sentence (target i).

    A sequence longer than ``MAX_PIECE`` is cut into pieces that carry ``REACH`` tokens
    of context on each side, so the kept positions of every piece get their exact
    features; the head and tail regions then get small pieces of their own. Returns the
    pieces that cover the sentence (what :func:`plan_parts` needs to place regions
    inside the sentence).
    """
    n = len(seq)
    full = 3 * i if edges else i
    if n <= MAX_PIECE:
        k = len(seqs)
        seqs.append(seq)
        regions.append((k, 0, n, full))
        if edges:
            regions.append((k, 0, min(EDGE, n), full + 1))
            regions.append((k, max(0, n - EDGE), n, full + 2))
        return [(k, 0, n, 0)]
    step = MAX_PIECE - 2 * REACH
    pieces = []
    for a in range(0, n, step):
        b = min(a + step, n)
        lo, hi = max(0, a - REACH), min(n, b + REACH)
        regions.append((len(seqs), a - lo, b - lo, full))
        pieces.append((len(seqs), a, b, lo))
        seqs.append(seq[lo:hi])
    if edges:
        regions.append((len(seqs), 0, EDGE, full + 1))
        seqs.append(seq[:EDGE + REACH])
        regions.append((len(seqs), REACH, EDGE + REACH, full + 2))
        seqs.append(seq[n - EDGE - REACH:])
    return pieces


def plan_parts(pieces: list[Piece], bounds: Sequence[int], target: int, regions: list[Region]) -> None:
    """Regions for the parts of one sentence: part ``p`` is positions ``bounds[p]:bounds[p + 1]``
    of the sentence, summed into row ``target + p`` (over several pieces if need be)."""
    for p in range(len(bounds) - 1):
        a, b = bounds[p], bounds[p + 1]
        for k, first, end, offset in pieces:
            lo, hi = max(a, first), min(b, end)
            if lo < hi:
                regions.append((k, lo - offset, hi - offset, target + p))


def part_bounds(
    enc: Tokenizer, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], n_tokens: Sequence[int]
) -> list[list[int]]:
    """Per text: the token positions (BOS at 0) where each of its parts starts, then its length.

    The pieces before a part are the pieces of the text before it: sentencepiece splits
    at white space first, so a prefix that ends at a word boundary is tokenised as the
    start of the whole text (and tokenising all prefixes in one batch costs a third of
    asking for the pieces' offsets). BOS belongs to the first part, EOS to the last.
    """
    prefixes = [t[:a] for t, parts in zip(texts, spans) for a, _ in parts[1:]]
    lengths = iter(len(ids) - 2 for ids in enc.tokenize(prefixes))  # without BOS and EOS
    out = []
    for parts, n in zip(spans, n_tokens):
        bounds = [0]
        for _ in parts[1:]:
            bounds.append(min(max(bounds[-1], 1 + next(lengths)), n - 1))
        bounds.append(n)
        out.append(bounds)
    return out


def plan_join(a: list[int], b: list[int], target: int, seqs: list[list[int]], regions: list[Region]) -> None:
    """The region whose features change when ``a`` and ``b`` are joined, in context.

    The joined sequence is ``a[:-1] + b[1:]`` (one BOS, one EOS). Its tokens within
    ``REACH`` of the join (the last 4 of ``a[:-1]``, the first 4 of ``b[1:]``) are
    computed in a snippet with ``REACH`` more tokens of context on each side; where
    ``a`` or ``b`` is shorter than that, the snippet starts at BOS or ends at EOS, which
    is exactly the true context when the window holds only ``a`` and ``b``.
    """
    left = a[:-1][-2 * REACH:]
    right = b[1:][:2 * REACH]
    regions.append((len(seqs), max(0, len(left) - REACH), len(left) + min(REACH, len(right)), target))
    seqs.append(left + right)
