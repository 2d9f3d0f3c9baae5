"""The Redis backend of the index: datasketch's Redis LSH storage plus align's metadata in Redis hashes.

Its own module because it is the backend that talks to a server: every client error
becomes one line (:meth:`RedisStore.guard`), and every value read back is checked
against what align writes there, since a Redis server may be writable by others. The
URL is parsed and redacted by :mod:`align.index.redis_url`.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from align.errors import AlignError, InputError
from align.index.redis_url import client_detail, redact, redis_params
from align.index.store import FORMAT, Store, check_record, message_detail
from align.wirecopy.lsh import PassageIndex
from align.wirecopy.minhash import MinHasher


def _ids(raw: list[bytes | None]) -> list[int | None] | None:
    """Ids or counts as align stores them in Redis (decimal digits); None when one is not."""
    if not all(x is None or re.fullmatch(rb"[0-9]{1,18}", x) for x in raw):
        return None
    return [int(x) if x is not None else None for x in raw]


class RedisStore(Store):
    """An index in Redis under ``name``: datasketch's LSH storage plus hashes ``NAME:docs``,
    ``NAME:digests``, ``NAME:shingles``, ``NAME:lines`` and ``NAME:meta`` (settings, format, ids).

    The LSH keys are the passage keys' UTF-8 bytes (``prepickle=False``, see
    :mod:`align.wirecopy.lsh`); ``NAME:meta`` records ``format`` :data:`FORMAT`, and an
    index without it (made when datasketch pickled the keys) is refused, not unpickled.
    """

    def __init__(self, url: str, name: str = "align") -> None:
        self.url = url
        self.name = name
        self.location = f"{redact(url)} (name {name!r})"
        self._params = redis_params(url)
        import redis

        self._errors = (redis.exceptions.RedisError, OSError)
        self._response_error = redis.exceptions.ResponseError
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        with self.guard():  # a server that is down is reported at once, not after retries
            with redis.Redis(**{**self._params, "retry": Retry(NoBackoff(), 0)}) as probe:
                probe.ping()
        self.r = redis.Redis(**self._params)

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        try:
            yield
        except self._errors as err:
            detail = client_detail(err, self.url)
            if isinstance(err, self._response_error) and (detail.startswith("WRONGTYPE") or "not an integer" in detail):
                raise self.damaged(detail) from None  # a key holding what align never writes there
            raise AlignError(
                f"Redis at {redact(self.url)}: {detail}; check that redis-server is running and the --redis URL"
            ) from None

    def damaged(self, what: str) -> InputError:
        return InputError(
            f"Redis index {self.name!r} at {redact(self.url)}: damaged ({message_detail(what)}); rebuild it under a "
            f"new --name, or delete its keys (redis-cli --scan --pattern '{self.name}:*' | xargs redis-cli unlink) "
            "and add the files again"
        )

    def _key(self, part: str) -> str:
        return f"{self.name}:{part}"

    def settings(self) -> dict[str, Any] | None:
        with self.guard():
            raw, fmt = self.r.hmget(self._key("meta"), ["settings", "format"])
        if not raw:
            return None
        if fmt != str(FORMAT).encode():
            made = f"format {message_detail(fmt.decode(errors='replace'))[:20]}" if fmt else \
                "an older align, whose LSH keys are pickles"
            raise InputError(
                f"Redis index {self.name!r} at {redact(self.url)} was made by {made}, which this align does not "
                f"read; rebuild it under a new --name, or delete its keys "
                f"(redis-cli --scan --pattern '{self.name}:*' | xargs redis-cli unlink) and add the files again"
            )
        try:
            settings = json.loads(raw)
        except (ValueError, RecursionError):
            settings = None
        if not isinstance(settings, dict):
            raise self.damaged("its settings are not a JSON object")
        return settings

    def open_lsh(self, hasher: MinHasher, settings: dict[str, Any]) -> None:
        with self.guard():
            # format before settings: an index with settings always says how its keys are stored
            self.r.hsetnx(self._key("meta"), "format", FORMAT)
            self.r.hsetnx(self._key("meta"), "settings", json.dumps(settings, sort_keys=True))
            config = {"type": "redis", "basename": self._key("lsh").encode(), "redis": self._params}
            self.lsh = PassageIndex(hasher, settings["threshold"], storage_config=config)

    def _numbers(self, part: str, keys: list[str], what: str) -> list[int | None]:
        """The numbers stored under ``keys`` in hash ``part`` (None where absent); damage is one line."""
        if not keys:
            return []
        with self.guard():
            found = _ids(self.r.hmget(self._key(part), keys))
        if found is None:
            raise self.damaged(f"{what} in {self._key(part)} is not a number")
        return found

    def doc_ids_for(self, digests: list[str]) -> list[int | None]:
        return self._numbers("digests", digests, "a document id")

    def new_doc_ids(self, n: int) -> int:
        with self.guard():
            return int(self.r.hincrby(self._key("meta"), "next_doc", n)) - n

    def put(self, docs: dict[int, dict[str, Any]], keys: list[str], shingles: list[np.ndarray],
            signatures: np.ndarray) -> None:
        with self.guard():
            pipe = self.r.pipeline(transaction=False)
            for start in range(0, len(keys), 10_000):
                pipe.hset(self._key("shingles"), mapping={
                    k: s.astype("<u4").tobytes() for k, s in zip(keys[start:start + 10_000], shingles[start:start + 10_000])
                })
            if docs:
                pipe.hset(self._key("docs"), mapping={str(i): json.dumps(rec) for i, rec in docs.items()})
            pipe.execute()
            self.lsh.add(keys, signatures)
            # digests last: a document counts as indexed only once all of it is in
            if docs:
                self.r.hset(self._key("digests"), mapping={rec["digest"]: i for i, rec in docs.items()})

    def get_docs(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        with self.guard():
            raw = self.r.hmget(self._key("docs"), [str(i) for i in ids])
        docs = {}
        for i, x in zip(ids, raw):
            if x is not None:
                try:
                    rec = json.loads(x)
                except (ValueError, RecursionError):
                    rec = None
                if not check_record(rec):
                    raise self.damaged(f"document record {i} in {self._key('docs')} is malformed")
                docs[i] = rec
        return docs

    def get_shingles(self, keys: list[str]) -> list[np.ndarray | None]:
        if not keys:
            return []
        with self.guard():
            raw = self.r.hmget(self._key("shingles"), keys)
        try:
            return [np.frombuffer(x, dtype="<u4").astype(np.uint32) if x is not None else None for x in raw]
        except ValueError:  # a value whose length is not a multiple of 4 bytes: not written by align
            raise self.damaged("a passage's shingles are not 32-bit values") from None

    def count_lines(self, keys: list[str]) -> None:
        if keys:
            with self.guard():
                pipe = self.r.pipeline(transaction=False)
                for k in keys:
                    pipe.hincrby(self._key("lines"), k, 1)
                pipe.execute()

    def line_counts(self, keys: list[str]) -> list[int]:
        return [x or 0 for x in self._numbers("lines", keys, "a count")]

    def counts(self) -> tuple[int, int]:
        with self.guard():
            return int(self.r.hlen(self._key("digests"))), int(self.r.hlen(self._key("shingles")))

    def close(self) -> None:
        self.r.close()
