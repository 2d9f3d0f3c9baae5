"""``align index query --cross-lingual``: a German translation of an indexed English article is found.

The sample articles: ``000`` (German) is a translation of parts of ``001`` (English); ``002``-
``004`` are other English articles on the same subject (US-China military talks) that share
no text with either, as ``align dedup`` on the samples shows (``samples/output/wirecopy.json``:
two cross-lingual clusters, both 000/001). The index must find what dedup finds and nothing
else; a damaged vector member is refused in one line before usearch reads it.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from align.index import open_index
from align.index.vectors import check_graph
from align.read import read_document
from tests.conftest import SAMPLES
from tests.index_hostile_support import (
    ARTICLES,
    _cli,
    _one_line_error,
    open_outcome,
    refused_as_damaged,
    rezip,
    zip_members,
)
from tests.index_support import REDIS_URL, needs_redis, redis_name  # noqa: F401 (a fixture)

GERMAN, ENGLISH = ARTICLES[0], ARTICLES[1]
UNRELATED = ARTICLES[2:]


@pytest.fixture(scope="module")
def cross_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five sample articles in a cross-lingual index, added as a user adds them."""
    folder = tmp_path_factory.mktemp("xindex")
    done = _cli("add", "--cross-lingual", "--index", "x.index", *map(str, ARTICLES), cwd=folder, timeout=300)
    assert done.returncode == 0, done.stderr
    assert b"sentence vectors" in done.stdout, done.stdout
    return folder / "x.index"


def _query(index: Path, *files: Path, cross: bool = True) -> dict:
    args = ["query", "--json", "--index", str(index), *map(str, files)]
    done = _cli(*args, *(["--cross-lingual"] if cross else []), cwd=index.parent, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _dedup_pairs() -> set[tuple[tuple[int, int], tuple[int, int]]]:
    """Character spans (German, English) of the cross-lingual clusters dedup reports on the samples."""
    report = json.loads((SAMPLES / "output" / "wirecopy.json").read_text(encoding="utf-8"))
    pairs = set()
    for cluster in report["clusters"]:
        assert cluster["kind"] == "cross-lingual"
        spans = {Path(m["doc"]).name: (m["start"], m["end"]) for m in cluster["members"]}
        pairs.add((spans[GERMAN.name], spans[ENGLISH.name]))
    return pairs


def test_the_german_article_finds_its_english_original_as_dedup_does(cross_index: Path) -> None:
    found = _query(cross_index, GERMAN)["documents"][0]["matches"]
    assert found, "nothing found for the German translation"
    assert {Path(m["indexed"]["doc"]).name for m in found} == {ENGLISH.name}
    assert all(m["kind"] == "cross-lingual" and m["margin"] > 1 for m in found)
    spans = {((m["query"]["start"], m["query"]["end"]), (m["indexed"]["start"], m["indexed"]["end"])) for m in found}
    assert spans == _dedup_pairs()
    # the plain MinHash lookup sees nothing: a translation shares no shingles
    assert _query(cross_index, GERMAN, cross=False)["documents"][0]["matches"] == []


def test_the_english_original_finds_the_german_translation(cross_index: Path) -> None:
    found = _query(cross_index, ENGLISH)["documents"][0]["matches"]
    assert {Path(m["indexed"]["doc"]).name for m in found} == {GERMAN.name}
    spans = {((m["indexed"]["start"], m["indexed"]["end"]), (m["query"]["start"], m["query"]["end"])) for m in found}
    assert spans == _dedup_pairs()


def test_the_unrelated_articles_find_nothing(cross_index: Path) -> None:
    for doc in _query(cross_index, *UNRELATED)["documents"]:
        assert doc["matches"] == [], doc


def test_the_text_report_names_the_translation(cross_index: Path) -> None:
    done = _cli("query", "--cross-lingual", "--index", str(cross_index), str(GERMAN), cwd=cross_index.parent)
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr
    assert "2 passages found in the index" in out and "cross-lingual" in out and ENGLISH.name in out, out


def test_an_index_without_vectors_says_how_to_rebuild_it(tmp_path: Path) -> None:
    assert _cli("add", "--index", "plain.index", str(ENGLISH), cwd=tmp_path).returncode == 0
    err = _one_line_error(_cli("query", "--cross-lingual", "--index", "plain.index", str(GERMAN), cwd=tmp_path))
    assert "no sentence vectors" in err and "--cross-lingual" in err and "align index add" in err, err
    err = _one_line_error(_cli("add", "--cross-lingual", "--index", "plain.index", str(GERMAN), cwd=tmp_path))
    assert "without sentence vectors" in err and "re-add" in err, err


def test_a_cross_lingual_index_embeds_what_is_added_later_without_the_flag(tmp_path: Path) -> None:
    path = str(tmp_path / "x.index")
    english, german = (read_document(str(p), "und") for p in (ENGLISH, GERMAN))
    index = open_index(path, writable=True)
    try:
        assert index.add([english], cross_lingual=True).vectors > 0
        assert index.add([german]).vectors > 0  # no flag: the index keeps vectors, so it embeds
        index.save()
    finally:
        index.close()
    index = open_index(path)
    try:
        found = index.query([german], cross_lingual=True)[0].matches
    finally:
        index.close()
    assert {Path(m.indexed.doc).name for m in found} == {ENGLISH.name}  # (not itself: same text)


@needs_redis
def test_redis_says_cross_lingual_is_for_index_files(redis_name: str, tmp_path: Path) -> None:
    for command in ("add", "query"):
        err = _one_line_error(_cli(command, "--cross-lingual", "--redis", REDIS_URL, "--name", redis_name,
                                   str(GERMAN), cwd=tmp_path))
        assert "index files only" in err and "Redis" in err, err


# --- a damaged or hostile vector member ---------------------------------------------------------


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array(out, np.ascontiguousarray(array), allow_pickle=False)
    return out.getvalue()


def _array(body: bytes) -> np.ndarray:
    return np.load(io.BytesIO(body), allow_pickle=False)


def _graph_parts(blob: np.ndarray, rows: int, dims: int) -> tuple[int, int, int]:
    """Where the graph header, the levels and the first node start in a usearch blob."""
    graph = 8 + rows * dims + 64
    return graph, graph + 40, graph + 40 + 2 * rows


def _hostile_vector_cases(good: Path) -> dict[str, dict[str, bytes | None]]:
    m = zip_members(good)
    meta = json.loads(m["meta.json"])
    info = meta["vectors"]
    dims, lang = info["dims"], info["langs"][0]
    blob, owners = _array(m["vectors_0.npy"]), _array(m["vector_owners_0.npy"])
    rows = len(owners)
    graph, levels, node = _graph_parts(blob, rows, dims)

    def patched(at: int, value: int, dtype: str) -> bytes:
        out = blob.copy()
        out[at:at + np.dtype(dtype).itemsize] = np.frombuffer(np.array([value], dtype).tobytes(), np.uint8)
        return _npy(out)

    def with_vectors(**changes: object) -> dict[str, bytes | None]:
        return {"meta.json": json.dumps({**meta, "vectors": {**info, **changes}}).encode()}

    other = np.array([d for d in map(int, meta["docs"]) if meta["docs"][str(d)]["lang"] != lang][:1])
    return {
        # the graph: anything usearch would follow out of its memory
        "neighbour slot past the end": {"vectors_0.npy": patched(node + 14, rows + 1000, "<u4")},
        "neighbour count past capacity": {"vectors_0.npy": patched(node + 10, 10_000, "<u4")},
        "entry node past the end": {"vectors_0.npy": patched(graph + 32, rows + 5, "<u8")},
        "top level too high": {"vectors_0.npy": patched(graph + 24, 40, "<u8")},
        "a node's level raised": {"vectors_0.npy": patched(levels, 3, "<i2")},
        "a key past the end": {"vectors_0.npy": patched(node, 2**40, "<u8")},
        "graph size wrong": {"vectors_0.npy": patched(graph, rows + 1, "<u8")},
        "connectivity 0": {"vectors_0.npy": patched(graph + 8, 0, "<u8")},
        "not a usearch graph": {"vectors_0.npy": patched(8 + rows * dims, 0x41, "<u1")},
        "graph cut short": {"vectors_0.npy": _npy(blob[:-7])},
        "graph with trailing bytes": {"vectors_0.npy": _npy(np.concatenate([blob, np.zeros(9, np.uint8)]))},
        "graph of another width": {"vectors_0.npy": _npy(blob.view(np.uint16)) if len(blob) % 2 == 0
                                   else _npy(blob.astype(np.uint16))},
        # the owners and meta.json's description
        "owners name no document": {"vector_owners_0.npy": _npy(owners + [[10**6, 0]])},
        "owners name a sentence past the end": {"vector_owners_0.npy": _npy(owners + [[0, 10**6]])},
        "owners of another language": {"vector_owners_0.npy": _npy(
            np.where(np.arange(rows)[:, None] == 0, [[int(other[0]), 0]], owners))} if len(other) else {},
        "owners as floats": {"vector_owners_0.npy": _npy(owners.astype(np.float64))},
        "owners one short": {"vector_owners_0.npy": _npy(owners[:-1])},
        "vectors: dims a string": with_vectors(dims=str(dims)),
        "vectors: langs not a list": with_vectors(langs=lang),
        "vectors: an unknown key": with_vectors(colour="blue"),
        "no vectors_0.npy": {"vectors_0.npy": None},
        "no vector_owners_0.npy": {"vector_owners_0.npy": None},
    }


@pytest.fixture(scope="module")
def good_vectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("goodx") / "good.index"
    index = open_index(str(path), writable=True)
    try:
        index.add([read_document(str(p), "und") for p in ARTICLES[:3]], cross_lingual=True)
        index.save()
    finally:
        index.close()
    return path


def test_the_good_index_opens_and_its_graph_passes_the_check(good_vectors: Path) -> None:
    m = zip_members(good_vectors)
    info = json.loads(m["meta.json"])["vectors"]
    for i, _ in enumerate(info["langs"]):
        check_graph(_array(m[f"vectors_{i}.npy"]), len(_array(m[f"vector_owners_{i}.npy"])), info["dims"])
    open_index(str(good_vectors)).close()


def test_every_hostile_vector_member_is_refused_in_one_line_naming_it(good_vectors: Path, tmp_path: Path) -> None:
    refused = []
    for label, changes in _hostile_vector_cases(good_vectors).items():
        assert changes, label
        path = rezip(tmp_path / (re.sub(r"\W+", "-", label) + ".index"), {**zip_members(good_vectors), **changes})
        outcome = open_outcome(path)
        if not refused_as_damaged(outcome, path):
            refused.append(f"{label}: {outcome[:300]}")
    assert not refused, "\n".join(refused)


def test_a_query_on_a_hostile_graph_is_one_line_not_a_crash(good_vectors: Path, tmp_path: Path) -> None:
    """In a subprocess: a graph whose neighbour slot points far outside would make usearch read
    memory it does not own (a segfault, not an error), were it loaded."""
    changes = _hostile_vector_cases(good_vectors)["neighbour slot past the end"]
    path = rezip(tmp_path / "hostile.index", {**zip_members(good_vectors), **changes})
    err = _one_line_error(_cli("query", "--cross-lingual", "--index", str(path), str(GERMAN), cwd=tmp_path))
    assert "damaged" in err and "neighbour outside the graph" in err, err
