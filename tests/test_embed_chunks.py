"""A long document is embedded in chunks of sentences (issue 20, item 3): the same vectors,
bit for bit, as one call over all of it, with one chunk's working data at a time.

One use-m3 call holds its whole working set at once (token lists, the first layer's
products per distinct piece, sentence, join and clause states, every window's sum): about
100 KB a sentence on top of the window vectors it returns (less per sentence in a longer
call, as distinct pieces repeat).
:func:`align.embed.base.windows_in_chunks` bounds that by the chunk.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import align.embed.base as embed_base
from align.api import align_documents
from align.embed import CachedEncoder, EmbeddingCache, USEM3Encoder
from align.embed.base import windows_in_chunks
from align.embed.staged import ClauseWindowSource, PartStates, SentenceWindowSource, embed_staged
from align.parts import Parts
from align.read import read_text
from align.search import scoring
from align.search.scoring import bead_cosines
from align.search.windows import WindowSource
from align.segment import presegmented
from align.segment.clauses import clause_spans
from tests.embed_support import _FakeEncoder


def _parts(texts: Sequence[str]) -> list[list[tuple[int, int]]]:
    return [clause_spans(t, 12) for t in texts]


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y)
                                    for x, y in zip(a, b))


def _every_row(source: WindowSource) -> list[np.ndarray]:
    """All windows of every size of a source, read in one range per size."""
    return [source.rows(k, 0, source.count(k)) for k in range(1, source.max_window + 1)]


def _read_at_random(source: WindowSource, whole: list[np.ndarray], seed: int) -> None:
    """60 reads of random sizes and ranges from ``source`` are the rows of ``whole``, bit for bit."""
    rng = np.random.default_rng(seed)
    for _ in range(60):
        k = int(rng.integers(1, 5))
        count = source.count(k)
        lo = int(rng.integers(0, count))
        hi = int(rng.integers(lo, count + 1))
        got = source.rows(k, lo, hi)
        assert got.dtype == np.float32 and np.array_equal(got, whole[k - 1][lo:hi]), (k, lo, hi)


def test_clause_source_gives_the_same_rows_whatever_the_page_and_range(
    enc: USEM3Encoder, de_sents: list[str]
) -> None:
    """Clause windows built a page at a time where they are read are the whole call's,
    bit for bit, for ranges across page boundaries, read in any order, size 1 alone or
    beside the others, with pages let go and built again."""
    parts = _parts(de_sents)
    _, whole_parts = enc.encode_with_parts(de_sents, parts, 4)
    windows, _ = embed_staged(enc, de_sents, parts, 4, chunk=7)
    first_part = np.concatenate(([0], np.cumsum([len(p) for p in parts]))).astype(np.int64)
    _, kept = embed_staged(enc, de_sents, parts, 4, chunk=7)
    source = kept(windows)
    assert isinstance(source, ClauseWindowSource)
    small = ClauseWindowSource(enc, source._part_states, source._seams, source._owners, first_part, windows, 4,
                               page=3, kept_bytes=1, whole_bytes=0)
    _read_at_random(small, whole_parts, seed=0)
    assert small.pages_built > len(de_sents) // 3 + 1  # pages were let go and built again
    with pytest.raises(IndexError):
        small.rows(1, 0, small.count(1) + 1)


def test_a_document_that_fits_builds_each_clause_page_once(enc: USEM3Encoder, de_sents: list[str]) -> None:
    """The search reads a document's clause windows in several passes, size 1 alone first:
    a document whose clause windows fit ``whole_bytes`` builds each page once, with every
    size, and keeps it (rebuilding pages cost Tom Sawyer 0.8 CPU s of 4.9); one that does
    not builds size-1 pages on their own and lets pages go, as before. Same rows either way."""
    parts = _parts(de_sents)
    windows, kept = embed_staged(enc, de_sents, parts, 4, chunk=7)
    source = kept(windows)
    assert isinstance(source, ClauseWindowSource)
    first_part = np.concatenate(([0], np.cumsum([len(p) for p in parts]))).astype(np.int64)
    pages = -(-len(de_sents) // 3)
    sources = {whole: ClauseWindowSource(enc, source._part_states, source._seams, source._owners, first_part,
                                         windows, 4, page=3, kept_bytes=1, whole_bytes=whole)
               for whole in (1 << 30, 0)}
    rows = {}
    for whole, src in sources.items():
        first = [src.rows(1, 0, src.count(1))]  # the anchor pass: size 1 over the document
        rows[whole] = first + _every_row(src) + _every_row(src)  # then every size, twice
    assert sources[1 << 30].pages_built == pages
    assert sources[0].pages_built > 2 * pages
    assert _same(rows[1 << 30], rows[0])


def test_sentence_source_gives_the_same_rows_whatever_the_page_and_range(
    enc: USEM3Encoder, de_sents: list[str]
) -> None:
    """Windows of 2+ sentences built a page at a time from sentence sums and seams are the
    whole call's, bit for bit, for ranges across page boundaries, in any order, with pages
    let go and built again; size 1 is the stored sentence vectors."""
    whole = enc.encode_windows(de_sents, 4)
    windows, _ = embed_staged(enc, de_sents, _parts(de_sents), 4, chunk=7)
    assert isinstance(windows, SentenceWindowSource)
    small = SentenceWindowSource(enc, windows._vectors, windows._full, windows._seams, 4,
                                 page=3, kept_bytes=1, whole_bytes=0)
    _read_at_random(small, whole, seed=1)
    assert small.pages_built > len(de_sents) // 3 + 1  # pages were let go and built again
    kept = SentenceWindowSource(enc, windows._vectors, windows._full, windows._seams, 4, page=3, kept_bytes=1)
    assert _same(_every_row(kept) + _every_row(kept), whole + whole)
    assert kept.pages_built == -(-(len(de_sents) - 1) // 3)  # a short document builds each page once
    with pytest.raises(IndexError):
        small.rows(2, 0, small.count(2) + 1)


def test_bead_cosines_read_the_document_once(enc: USEM3Encoder, de_sents: list[str], en_sents: list[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The path's bead cosines read just their beads' windows: a source that builds its
    pages where they are read builds none for them (reading them page by page, grouped by
    type, built the document's pages again for every type: 5.5 passes at 10,000
    sentences), and they have the same bits."""
    de = [f"{de_sents[i % len(de_sents)]} ({i})" for i in range(64)]
    en = [f"{en_sents[i % len(en_sents)]} ({i})" for i in range(64)]
    src, _ = embed_staged(enc, de, _parts(de), 4, chunk=16)
    tgt, _ = embed_staged(enc, en, _parts(en), 4, chunk=16)
    assert isinstance(src, SentenceWindowSource) and isinstance(tgt, SentenceWindowSource)
    # pages of 4 sentences, four kept (24 KB each: what a block of 6 beads spans), blocks
    # of 6 beads: a short document read as a long one is
    paged = [SentenceWindowSource(enc, w._vectors, w._full, w._seams, 4, page=4, kept_bytes=100_000, whole_bytes=0)
             for w in (src, tgt)]
    monkeypatch.setattr(scoring, "_COSINE_BEADS", 6)
    beads, i, j, sizes = [], 0, 0, [(1, 1), (2, 1), (1, 2), (2, 2), (1, 3), (3, 1)]
    while True:  # a path of mixed bead types through both documents
        a, b = sizes[len(beads) % len(sizes)]
        if i + a > len(de) or j + b > len(en):
            break
        beads.append((i, a, j, b))
        i, j = i + a, j + b
    assert len(beads) >= 30
    got = bead_cosines(paged[0], paged[1], beads)
    assert np.array_equal(got, bead_cosines(_every_row(src), _every_row(tgt), beads))
    assert [w.pages_built for w in paged] == [0, 0]  # page by page, grouped by type: 19 of 16 pages
    for w in paged:  # and from pages kept, the same
        _every_row(w)
    assert np.array_equal(bead_cosines(paged[0], paged[1], beads), got)


def test_clause_states_of_one_clause_sentences_are_not_stored(enc: USEM3Encoder, de_sents: list[str]) -> None:
    """A sentence of one clause has its state as its clause's: only the clauses of longer
    sentences get rows, and any range of clause states reads back as one call gives them."""
    parts = _parts(de_sents)
    _, every = enc.sentence_part_states(de_sents, parts)
    windows, kept = embed_staged(enc, de_sents, parts, 4, chunk=5)
    states = kept(windows)._part_states
    assert isinstance(states, PartStates) and len(states) == len(every)
    several = sum(len(p) for p in parts if len(p) > 1)
    assert 0 < len(states._multi) == several < len(every)
    for lo, hi in ((0, len(every)), (3, 17), (10, 11), (5, 5)):
        assert np.array_equal(states[lo:hi], every[lo:hi]), (lo, hi)


def test_staged_embedding_keeps_a_few_rows_a_sentence(enc: USEM3Encoder, de_sents: list[str],
                                                       en_sents: list[str]) -> None:
    """What embed_staged holds for the search (issue 20): a sentence's vector, feature sum
    and seam (6 KB) and the clause states of sentences of several clauses, not the windows
    of every size (8 KB a sentence more, which were a long document's largest part)."""
    pool = de_sents + en_sents
    texts = [f"{pool[i % len(pool)]} ({i})" for i in range(300)]
    parts = _parts(texts)
    embed_staged(enc, texts, parts, 4, chunk=64)  # warm up: the model's memo of these texts' pieces
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = embed_staged(enc, texts, parts, 4, chunk=64)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    several = sum(len(p) for p in parts if len(p) > 1)
    expected = len(texts) * 3 * 2052 + several * 2052  # vectors, sums, seams; clauses of longer sentences
    assert held < expected + (1 << 20), (held, expected)  # storing every size was 8 KB a sentence more
    assert result[0].count(4) == len(texts) - 3


@pytest.mark.parametrize("max_window", [1, 2, 4])
def test_chunks_give_one_calls_vectors_bit_for_bit(enc: USEM3Encoder, de_sents: list[str], max_window: int) -> None:
    parts = _parts(de_sents)
    assert sum(len(p) > 1 for p in parts) >= 5  # runs of clauses cross sentences and chunks
    whole, whole_parts = enc.encode_with_parts(de_sents, parts, max_window)
    plain = enc.encode_windows(de_sents, max_window)
    for chunk in (1, 2, 5, len(de_sents) - 1):
        windows, part_windows = windows_in_chunks(enc, de_sents, parts, max_window, chunk=chunk)
        assert part_windows is not None
        assert _same(windows, whole) and _same(part_windows, whole_parts), chunk
        alone, none = windows_in_chunks(enc, de_sents, None, max_window, chunk=chunk)
        assert none is None and _same(alone, plain), chunk


def test_chunks_through_the_cache_and_a_plain_encoder(enc: USEM3Encoder, de_sents: list[str], tmp_path: Path) -> None:
    parts = _parts(de_sents)
    whole, whole_parts = enc.encode_with_parts(de_sents, parts, 4)
    cached = CachedEncoder(enc, EmbeddingCache(tmp_path / "cache"))
    for _ in range(2):  # cold, then every state from the cache
        windows, part_windows = windows_in_chunks(cached, de_sents, parts, 4, chunk=3)
        assert part_windows is not None and _same(windows, whole) and _same(part_windows, whole_parts)
    fake = _FakeEncoder()  # a backend that embeds joined texts (the base Encoder's windows)
    one, one_parts = fake.encode_with_parts(de_sents, parts, 3)
    windows, part_windows = windows_in_chunks(fake, de_sents, parts, 3, chunk=4)
    assert part_windows is not None and _same(windows, one) and _same(part_windows, one_parts)


@pytest.mark.parametrize("max_window", [1, 2, 4])
def test_staged_clause_windows_are_one_calls_bit_for_bit(
    enc: USEM3Encoder, de_sents: list[str], tmp_path: Path, max_window: int
) -> None:
    parts = _parts(de_sents)
    whole, whole_parts = enc.encode_with_parts(de_sents, parts, max_window)
    cached = CachedEncoder(enc, EmbeddingCache(tmp_path / "cache"))
    for encoder, chunk in ((enc, 1), (enc, 5), (enc, None), (cached, 3), (cached, 4), (_FakeEncoder(), 4)):
        windows, clause_windows = embed_staged(encoder, de_sents, parts, max_window, chunk)
        if isinstance(encoder, _FakeEncoder):
            one, one_parts = encoder.encode_with_parts(de_sents, parts, max_window)
            assert _same(_every_row(windows), one) and _same(_every_row(clause_windows(windows)), one_parts)
            continue
        assert _same(_every_row(windows), whole), (encoder, chunk)
        assert _same(_every_row(clause_windows(windows)), whole_parts), (encoder, chunk)


def test_staged_short_documents(enc: USEM3Encoder) -> None:
    for texts in ([], ["Ein Satz, mit einem Nebensatz darin."], ["Ein Satz.", "Noch einer, mit Komma."]):
        parts = _parts(texts)
        whole, whole_parts = enc.encode_with_parts(texts, parts, 4)
        windows, clause_windows = embed_staged(enc, texts, parts, 4, chunk=1)
        assert _same(_every_row(windows), whole) and _same(_every_row(clause_windows(windows)), whole_parts)


def test_short_and_empty_documents_are_one_call(enc: USEM3Encoder) -> None:
    for texts in ([], ["Ein Satz."], ["Ein Satz.", "Noch einer."]):
        parts: Parts = [[(0, len(t))] for t in texts]
        windows, part_windows = windows_in_chunks(enc, texts, parts, 4, chunk=1)
        assert part_windows is not None and [len(w) for w in windows] == [max(len(texts) - k, 0) for k in range(4)]
        assert _same(windows, enc.encode_windows(texts, 4))
    with pytest.raises(ValueError):
        windows_in_chunks(enc, ["a", "b"], [[(0, 1)]], 4)  # parts for one text of two


class _Recording(USEM3Encoder):
    """use-m3 that records how many texts each call embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    def encode_with_parts(self, texts, parts, max_window):  # type: ignore[no-untyped-def]
        self.calls.append(len(texts))
        return super().encode_with_parts(texts, parts, max_window)

    def encode_windows(self, texts, max_window):  # type: ignore[no-untyped-def]
        self.calls.append(len(texts))
        return super().encode_windows(texts, max_window)

    def sentence_part_states(self, texts, parts):  # type: ignore[no-untyped-def]
        self.calls.append(len(texts))
        return super().sentence_part_states(texts, parts)

    def join_states(self, left, right):  # type: ignore[no-untyped-def]
        self.calls.append(len(left) + 1)
        return super().join_states(left, right)


def test_align_documents_embeds_in_chunks_with_the_same_result(
    de_sents: list[str], en_sents: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = presegmented(read_text("\n".join(de_sents), "de"))
    tgt = presegmented(read_text("\n".join(en_sents), "en"))
    one = _Recording().load()
    expected = align_documents(src, tgt, model=one, paragraphs=False)
    assert max(one.calls) >= len(en_sents)  # the whole document at once
    monkeypatch.setattr(embed_base, "CHUNK_SENTENCES", 8)
    chunked = _Recording().load()
    got = align_documents(src, tgt, model=chunked, paragraphs=False)
    assert max(chunked.calls) <= 8 + 3  # a chunk and the windows' reach past it (max_window 4)
    assert got.beads == expected.beads


def _traced_peak_above_result(call) -> float:  # type: ignore[no-untyped-def]
    """Peak traced bytes of ``call()`` beyond the arrays it returns, per returned window vector."""
    tracemalloc.start()
    try:
        windows, part_windows = call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    kept = sum(w.nbytes for w in windows) + sum(w.nbytes for w in part_windows)
    return (peak - kept) / 2**20


@pytest.mark.slow
def test_working_memory_is_one_chunks(enc: USEM3Encoder, de_sents: list[str], en_sents: list[str]) -> None:
    # 1,200 distinct sentences of sample text (numbered, so no two are alike)
    pool = de_sents + en_sents
    texts = [f"{pool[i % len(pool)]} ({i})" for i in range(1200)]
    parts = _parts(texts)
    enc.encode_with_parts(texts[:50], parts[:50], 4)  # warm up: the model's own memo of first-stage rows
    chunked = _traced_peak_above_result(lambda: windows_in_chunks(enc, texts, parts, 4, chunk=128))
    # measured: 1,200 sentences in one call hold about 105 MB beyond the windows they
    # return, in chunks of 128 about 37 MB (the first layer's products for a chunk's
    # distinct pieces, a micro-batch's activations per thread)
    assert chunked < 70, chunked
    single = _traced_peak_above_result(lambda: enc.encode_with_parts(texts, parts, 4))
    assert single > 70, single  # the bound is one that the single call does not meet
