"""Shared set-up of the align.embed tests (``tests/test_embed_*.py``): sample sentences, the
use-m3 encoder, and two encoders that count what they embed.

The fixtures ``de_sents``, ``en_sents`` (the German and English sample articles cut into
sentences) and ``enc`` (the loaded use-m3 encoder) are registered in ``tests/conftest.py``;
module-scoped, so each test module loads them once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from align.embed import Encoder, USEM3Encoder

ROOT = Path(__file__).resolve().parents[1]


def _sentences(path: Path) -> list[str]:
    out: list[str] = []
    for para in path.read_text(encoding="utf-8").splitlines():
        para = para.strip()
        if para:
            out.extend(s for s in re.split(r'(?<=[.!?"])\s+(?=[A-Z"„])', para) if s)
    return out


@pytest.fixture(scope="module")
def de_sents() -> list[str]:
    return _sentences(next((ROOT / "samples").glob("000_*.txt")))


@pytest.fixture(scope="module")
def en_sents() -> list[str]:
    return _sentences(next((ROOT / "samples").glob("001_*.txt")))


@pytest.fixture(scope="module")
def enc() -> USEM3Encoder:
    return USEM3Encoder().load()


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


class _FakeEncoder(Encoder):
    """Deterministic hash-based vectors; counts what it embeds."""

    name = "fake"
    dim = 8

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        out = np.array(
            [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(self.dim) for t in texts],
            np.float32,
        ).reshape(len(texts), self.dim)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


class _CountingUSE(USEM3Encoder):
    def __init__(self) -> None:
        super().__init__()
        self.sentences = 0
        self.joins = 0

    def sentence_states(self, texts: Sequence[str]) -> np.ndarray:
        self.sentences += len(texts)
        return super().sentence_states(texts)

    def join_states(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        self.joins += len(left)
        return super().join_states(left, right)

