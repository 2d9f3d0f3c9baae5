"""Shared test set-up: never touch the network, keep the embedding cache per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.redis_support import redis_name  # noqa: F401 (the Redis tests' fixture)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point the embedding cache at a fresh folder so tests never see a user's cache."""
    os.environ["ALIGN_CACHE_DIR"] = str(tmp_path_factory.mktemp("align-cache"))
