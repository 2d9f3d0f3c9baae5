"""Shared set-up of the index tests: the test Redis server (where it is, whether it is up,
a fresh index name per test) and building a file index.

``.ci/run`` starts a real ``redis-server`` on localhost; under ``CI=true`` the Redis tests
fail rather than skip when it is not there, so a broken CI set-up cannot pass silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from align.index import open_index
from tests.conftest import IN_CI

REDIS_URL = os.environ.get("ALIGN_TEST_REDIS", "redis://localhost:6379/15")


def redis_up() -> bool:
    """Whether the test server answers a ping within a second."""
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 (any failure means: no server here)
        return False


needs_redis = pytest.mark.skipif(not redis_up() and not IN_CI, reason=f"no Redis server at {REDIS_URL}")


@pytest.fixture()
def redis_name() -> Iterator[str]:
    """A fresh index name in the test Redis; its keys are deleted afterwards."""
    import redis

    name = f"align-test-{uuid.uuid4().hex[:8]}"
    yield name
    r = redis.Redis.from_url(REDIS_URL)
    keys = list(r.scan_iter(match=f"{name}:*", count=10_000))
    for start in range(0, len(keys), 1000):
        r.delete(*keys[start:start + 1000])


def build_file_index(path: Path, docs: list) -> Path:
    """A file index at ``path`` holding ``docs``, saved and closed."""
    index = open_index(str(path), writable=True)
    try:
        index.add(docs)
        index.save()
    finally:
        index.close()
    return path
