"""The wire-copy benchmark's dataset builder and scorer (bench/wirecopy_data.py, bench/wirecopy.py)."""

from __future__ import annotations

import dataclasses
import json
import random
import re
from itertools import pairwise

import pytest

from bench import wirecopy as bench_wirecopy
from bench.wirecopy_data import KINDS, build, edit_passage
from align.wirecopy.report import Cluster, Member
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(not (SHARED_DATA / "tomsawyer-val").is_dir(), reason="shared data not present")


@pytest.fixture(scope="module")
def bench():
    return build(n_articles=45, seed=3)


def _docs(bench):
    return {d.name: d for d in bench.documents}


def test_build_is_deterministic(bench) -> None:
    again = build(n_articles=45, seed=3)
    assert [d.text for d in again.documents] == [d.text for d in bench.documents]
    assert again.pairs == bench.pairs
    assert [d.text for d in build(n_articles=45, seed=4).documents] != [d.text for d in bench.documents]


def test_every_kind_and_distractor_is_planted(bench) -> None:
    stats = bench.stats()
    assert stats["articles"] == 45
    assert all(stats["true_pairs"][k] > 0 for k in KINDS)
    assert {"shared phrase", "boilerplate"} <= set(stats["distractors"])
    assert {d.lang for d in bench.documents} == {"de", "en", "fr"}


def test_truth_spans_are_exact_and_consistent(bench) -> None:
    docs = _docs(bench)
    for p in bench.pairs:
        assert p.a.doc != p.b.doc
        ta, tb = (docs[s.doc].text[s.start : s.end] for s in (p.a, p.b))
        assert ta.strip() == ta and ta and tb.strip() == tb and tb
        assert (p.a.lang != p.b.lang) == (p.kind == "translated")
        if p.kind == "verbatim":
            assert ta.split() == tb.split()  # the same sentences, maybe laid out differently
        if p.kind == "edited":
            assert ta.split() != tb.split()
    for e in bench.events:  # the passages of one article never overlap
        for s in e.members:
            assert docs[s.doc].lang == s.lang
    spans: dict[str, list[tuple[int, int]]] = {}
    for e in bench.events:
        for s in e.members:
            spans.setdefault(s.doc, []).append((s.start, s.end))
    for d in bench.distractors:
        for s in d.spans:
            spans.setdefault(s.doc, []).append((s.start, s.end))
    for ranges in spans.values():
        ranges.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(ranges))


def test_boilerplate_is_the_same_lines_in_several_articles(bench) -> None:
    docs = _docs(bench)
    groups = [d for d in bench.distractors if d.kind == "boilerplate"]
    assert all(len(g.spans) >= 3 for g in groups)
    for g in groups:
        for s in g.spans:
            assert docs[s.doc].text[s.start : s.end].split("\n")[-1] in docs[s.doc].text


def test_edits_keep_the_sentences_and_change_the_text() -> None:
    rng = random.Random(0)
    passage = ['"We will organise the programme," he said.', "The colour of the harbour was grey today."]
    for _ in range(20):
        edited, ops = edit_passage(passage, "en", rng)
        assert len(edited) == len(passage) and edited != passage and ops
    edited, ops = edit_passage(["It was the color of the theater, and we traveled far away."], "en", random.Random(1))
    assert ops[0] == "spelling" and re.search(r"colour|theatre|travelled", edited[0])


def test_oracle_scores_one(bench) -> None:
    r = bench_wirecopy.score(bench, bench_wirecopy.oracle_clusters(bench))
    for k in KINDS:
        assert r["kinds"][k]["precision"] == 1.0 and r["kinds"][k]["recall"] == 1.0
    assert r["overall"]["false_positives"] == 0


def test_empty_report_has_no_recall(bench) -> None:
    r = bench_wirecopy.score(bench, [])
    for k in KINDS:
        assert r["kinds"][k]["recall"] == 0.0 and r["kinds"][k]["precision"] is None


def _member(doc, start, end):
    return Member(doc.name, doc.lang, 0, 0, start, end, doc.text[start:end])


def _first_line(doc):
    end = doc.text.index("\n")
    return 0, end


def test_wrong_pairs_lower_precision_of_the_kind_they_claim(bench) -> None:
    docs = list(bench.documents)
    truth_docs = {frozenset((p.a.doc, p.b.doc)) for p in bench.pairs}
    en = [d for d in docs if d.lang == "en"]
    de = [d for d in docs if d.lang == "de"]
    same = next((a, b) for a in en for b in en if a is not b and frozenset((a.name, b.name)) not in truth_docs)
    cross = next((a, b) for a in en for b in de if frozenset((a.name, b.name)) not in truth_docs)
    wrong = [
        Cluster("monolingual", 0.9, tuple(_member(d, *_first_line(d)) for d in same)),
        Cluster("cross-lingual", 0.9, tuple(_member(d, *_first_line(d)) for d in cross)),
    ]
    r = bench_wirecopy.score(bench, bench_wirecopy.oracle_clusters(bench) + wrong)
    assert r["kinds"]["translated"]["precision"] < 1.0
    assert r["kinds"]["translated"]["false_positives"] == 1
    mono_fp = r["kinds"]["verbatim"]["false_positives"] + r["kinds"]["edited"]["false_positives"]
    assert mono_fp == 1 and r["kinds"]["edited"]["false_positives"] == 1  # different texts: claims an edit
    assert all(r["kinds"][k]["recall"] == 1.0 for k in KINDS)
    assert r["overall"]["precision"] == pytest.approx(len(bench.pairs) / (len(bench.pairs) + 2), abs=1e-4)


def test_boilerplate_pairs_are_false_positives(bench) -> None:
    docs = _docs(bench)
    group = next(d for d in bench.distractors if d.kind == "boilerplate")
    members = tuple(_member(docs[s.doc], s.start, s.end) for s in group.spans[:2])
    r = bench_wirecopy.score(bench, [Cluster("monolingual", 1.0, members)])
    causes = {c for k in KINDS for c in r["kinds"][k]["false_positives_by_cause"]}
    assert causes == {"boilerplate"} and r["overall"]["false_positives"] == 1


def test_half_a_passage_is_not_a_match(bench) -> None:
    docs = _docs(bench)
    t = max(bench.pairs, key=lambda p: min(p.a.end - p.a.start, p.b.end - p.b.start))
    a, b = docs[t.a.doc], docs[t.b.doc]
    short = (_member(a, t.a.start, t.a.start + (t.a.end - t.a.start) // 3), _member(b, t.b.start, t.b.end))
    longer = (_member(a, t.a.start, t.a.start + (t.a.end - t.a.start) * 2 // 3), _member(b, t.b.start, t.b.end))
    miss = bench_wirecopy.score(bench, [Cluster("x", 1.0, short)])
    hit = bench_wirecopy.score(bench, [Cluster("x", 1.0, longer)])
    assert miss["overall"]["found"] == 0 and miss["kinds"][t.kind]["false_positives_by_cause"] == {
        "fragment of a true copy": 1}
    assert hit["overall"]["found"] >= 1 and hit["overall"]["false_positives"] == 0


def test_command_line_oracle_json(capsys) -> None:
    assert bench_wirecopy.main(["--oracle", "--articles", "30", "--seed", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["overall"]["precision"] == 1.0 and out["overall"]["recall"] == 1.0
    assert {"python", "numpy", "datasketch", "align"} <= set(out["versions"])
    assert out["dataset"]["articles"] == 30


def test_command_line_several_seeds(capsys) -> None:
    assert bench_wirecopy.main(["--oracle", "--articles", "30", "--seeds", "1", "2", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [r["dataset"]["seed"] for r in runs] == [1, 2]
    assert all(r["overall"]["precision"] == 1.0 and r["overall"]["recall"] == 1.0 for r in runs)
    assert bench_wirecopy.main(["--oracle", "--articles", "30", "--seeds", "1", "2", "--check"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in table[2:]] == ["1", "2", "mean"]
    assert table[-1].split()[1:4] == ["1.000", "/", "1.000"]


def test_scale_mode_runs_small() -> None:
    r = bench_wirecopy.run_scale(400, seed=1)
    if not r["available"]:
        pytest.skip(r["reason"])
    assert r["scale"] == 400 and r["planted_near_duplicates"] > 0
    assert 0 < r["planted_verified"] <= r["verified"] <= r["candidates"]
    assert r["peak_rss_mb"] > 0


def test_pairs_are_counted_once_per_document_pair(bench) -> None:
    e = next(e for e in bench.events if len(e.members) == 3)
    docs = _docs(bench)
    members = tuple(_member(docs[s.doc], s.start, s.end) for s in e.members)
    twice = [Cluster("x", 1.0, members), Cluster("x", 1.0, members)]
    assert len(bench_wirecopy.predicted_pairs(twice)) == 3
    same_doc = dataclasses.replace(members[0], start=0, end=1)
    assert len(bench_wirecopy.predicted_pairs([Cluster("x", 1.0, members + (same_doc,))])) == 5
