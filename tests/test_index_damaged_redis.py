"""A damaged Redis index (bad JSON, wrong types, numbers that are not numbers) is refused in
one line naming it, by ``query`` and ``add`` and through the CLI. The helpers:
``tests/index_hostile_support.py``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from align.errors import InputError
from align.index import open_index
from align.read import read_document
from tests.index_hostile_support import ARTICLES, _cli, _one_line_error, _reprint
from tests.index_support import REDIS_URL, needs_redis


# --- the Redis index's keys ---------------------------------------------------------------------


@needs_redis
def test_damaged_redis_keys_are_refused_in_one_line(tmp_path: Path, redis_name: str) -> None:
    import redis

    from align.index.archive import IndexSettings, digest
    from align.wirecopy.finder import prepare_document as prepare

    r = redis.Redis.from_url(REDIS_URL)
    docs = [read_document(str(p), "und") for p in ARTICLES]
    index = open_index(redis=REDIS_URL, name=redis_name, writable=True)
    index.add(docs)
    index.close()
    saved = {part: r.hgetall(f"{redis_name}:{part}") for part in ("meta", "docs", "digests", "lines")}
    settings = IndexSettings().to_dict()
    reprint = read_document(str(_reprint(tmp_path)), "und")
    some_doc = b"1"  # the article the reprint copies (added second)
    assert some_doc in saved["docs"]

    def restore() -> None:
        for part, values in saved.items():
            r.delete(f"{redis_name}:{part}")
            r.hset(f"{redis_name}:{part}", mapping=values)

    def using(writable: bool, work):  # noqa: ANN001, ANN202 (a test helper)
        def run() -> None:
            idx = open_index(redis=REDIS_URL, name=redis_name, writable=writable)
            try:
                work(idx)
            finally:
                idx.close()
        return run

    query = using(False, lambda idx: idx.query([reprint]))
    query_self = using(False, lambda idx: idx.query([docs[0]]))  # its short lines are in the index
    add_known = using(True, lambda idx: idx.add(docs[:1]))
    add_new = using(True, lambda idx: idx.add([read_document(str(_reprint(tmp_path)), "und")]))

    digest0 = digest(prepare(docs[0]))
    cases = {
        "settings not json": ("meta", "settings", b"{not json", query),
        "settings num_perm a string": ("meta", "settings", json.dumps({**settings, "num_perm": "x"}), query),
        "settings threshold NaN": ("meta", "settings", json.dumps({**settings, "threshold": math.nan}), query),
        "settings unknown key": ("meta", "settings", json.dumps({**settings, "colour": 1}), query),
        "doc not json": ("docs", some_doc, b"{broken", query),
        "doc of wrong types": ("docs", some_doc, json.dumps({"path": 5}), query),
        "doc spans too short": ("docs", some_doc, json.dumps({**json.loads(saved["docs"][some_doc]), "spans": []}),
                                query),
        "digest not a number": ("digests", digest0, b"zz", add_known),
        "line count not a number": ("lines", "*", b"zz", query_self),
        "next_doc not a number": ("meta", "next_doc", b"zz", add_new),
    }
    failures = []
    for label, (part, field, value, action) in cases.items():
        restore()
        fields = list(saved[part]) if field == "*" else [field]
        r.hset(f"{redis_name}:{part}", mapping={f: value for f in fields})
        try:
            action()
            outcome = "no error"
        except InputError as err:
            outcome = str(err)
        except Exception as err:  # noqa: BLE001 (reported below)
            outcome = f"{type(err).__name__}: {err}"
        if not ("damaged" in outcome and "rebuild" in outcome and repr(redis_name) in outcome and "\n" not in outcome):
            failures.append(f"{label}: {outcome[:300]}")
    assert not failures, "\n".join(failures)
    # and through the CLI: one line
    restore()
    r.hset(f"{redis_name}:docs", some_doc, b"{broken")
    err = _one_line_error(_cli("query", str(_reprint(tmp_path)), "--redis", REDIS_URL, "--name", redis_name,
                               cwd=tmp_path))
    assert "damaged" in err, err
