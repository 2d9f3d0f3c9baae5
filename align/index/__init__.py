"""A persistent wire-copy index: ``align index add`` and ``align index query``.

    from align.index import open_index
    index = open_index("archive.idx", writable=True)        # or open_index(redis="redis://host:6379/0")
    index.add(docs); index.save()
    results = index.query(new_docs)

- ``archive.py``: :class:`WireCopyIndex` (adding, querying, verifying, merging passages),
  built from the monolingual wire-copy code in :mod:`align.wirecopy`;
- ``store.py``: the :class:`Store` interface of where the index lives, with its backends
  ``file_store.py`` (a local file; its members read through ``safe_zip.py``, which checks
  every size before inflating) and ``redis_store.py`` (Redis, through datasketch's Redis
  storage; URLs parsed and redacted by ``redis_url.py``);
- ``vectors.py`` and ``crosslingual.py``: sentence vectors of a file index (a usearch
  graph per language, checked before usearch reads it) and the cross-lingual lookup that
  finds translated passages by ``align dedup``'s rules (``query(..., cross_lingual=True)``);
- ``query_output.py``: the text and JSON reports of a query.
"""

from __future__ import annotations

from align.index.archive import (
    AddResult,
    IndexMatch,
    IndexSettings,
    QueryResult,
    Span,
    WireCopyIndex,
)
from align.index.file_store import FileStore
from align.index.redis_store import RedisStore
from align.index.store import Store
from align.plugins import STORES

#: The index file used when neither --index nor --redis is given.
DEFAULT_INDEX = "wirecopy.index"


def open_index(path: str | None = None, *, redis: str | None = None, name: str = "align",
               writable: bool = False, settings: IndexSettings | None = None) -> WireCopyIndex:
    """Open (or, when ``writable``, create) the index in file ``path`` or at Redis URL ``redis``."""
    store: Store = (STORES.get("redis")(redis, name) if redis
                    else STORES.get("file")(path or DEFAULT_INDEX, writable=writable))
    try:
        return WireCopyIndex(store, settings)
    except BaseException:
        store.close()
        raise


__all__ = [
    "DEFAULT_INDEX",
    "AddResult",
    "FileStore",
    "IndexMatch",
    "IndexSettings",
    "QueryResult",
    "RedisStore",
    "Span",
    "Store",
    "WireCopyIndex",
    "open_index",
]
