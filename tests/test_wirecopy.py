"""Wire copy on the samples and on hand-made cases: what must be found and what must not."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from datasketch import MinHash

from align.read import read_document, read_text
from align.wirecopy import find_wire_copy
from align.wirecopy.minhash import MinHasher, jaccard_containment
from align.wirecopy.normalize import american, words
from tests.conftest import SAMPLES

FILES = sorted(SAMPLES.glob("[0-9][0-9][0-9]_*.txt"))


@pytest.fixture(scope="module")
def sample_report():
    return find_wire_copy([read_document(str(f), "und") for f in FILES])


def _doc(report, prefix):
    return next(d for d in report.documents if d.name.split("/")[-1].startswith(prefix))


def test_languages_are_detected(sample_report) -> None:
    assert [d.lang for d in sample_report.documents] == ["de", "en", "en", "en", "en"]


def test_german_english_wire_copy_is_cross_lingual_and_covers_the_translations(sample_report) -> None:
    de, en = _doc(sample_report, "000"), _doc(sample_report, "001")
    assert sample_report.clusters, "the translated passages must be found"
    covered_de, covered_en = set(), set()
    for cluster in sample_report.clusters:
        assert cluster.kind == "cross-lingual"
        assert {m.doc for m in cluster.members} == {de.name, en.name}
        for m in cluster.members:
            ids = set(range(m.first, m.last + 1))
            (covered_de if m.doc == de.name else covered_en).update(ids)
    translated_de = {s.id for s in de.sentences if s.id <= 8}  # 0..8 translate English sentences
    translated_en = {s.id for s in en.sentences if 1 <= s.id <= 4 or 8 <= s.id <= 12}
    assert translated_de <= covered_de
    assert translated_en <= covered_en
    # the German closing paragraphs and the English lead / Yun Sun sentences are not copy
    assert not covered_de & {9, 10, 11, 12, 13}
    assert not covered_en & {0, 5, 6, 7}


def test_no_passage_between_other_articles(sample_report) -> None:
    allowed = {_doc(sample_report, "000").name, _doc(sample_report, "001").name}
    for cluster in sample_report.clusters:
        assert {m.doc for m in cluster.members} <= allowed


def test_repeated_headline_is_an_in_document_repeat(sample_report) -> None:
    doc = _doc(sample_report, "003")
    repeats = [c for c in sample_report.repeats if c.members[0].doc == doc.name]
    assert len(repeats) == 1 and repeats[0].kind == "in-document"
    texts = {m.text for m in repeats[0].members}
    assert texts == {"China and the United States concluded two days of military talks"}
    assert all(c.members[0].doc != doc.name for c in sample_report.clusters)


def test_member_spans_index_the_decoded_file(sample_report) -> None:
    for cluster in sample_report.clusters + sample_report.repeats:
        for m in cluster.members:
            text = read_document(m.doc, "und").text
            assert text[m.start : m.end] == m.text
            assert 0.0 <= cluster.score <= 1.0


def test_minhash_signatures_equal_datasketch() -> None:
    rng = np.random.default_rng(0)
    hasher = MinHasher(num_perm=64, seed=7, shingle=3)
    vocab = [f"w{i}" for i in range(50)]
    passages = [[vocab[i] for i in rng.integers(0, 50, rng.integers(0, 30))] for _ in range(40)]
    shingles = hasher.shingles(passages)
    signatures = hasher.signatures(shingles)
    for values, sig in zip(shingles, signatures):
        reference = MinHash(num_perm=64, seed=7, hashfunc=lambda v: v)
        reference.update_batch([int(v) for v in values])
        assert np.array_equal(reference.hashvalues, sig)


def test_exact_jaccard_and_containment() -> None:
    a, b = np.array([1, 2, 3, 4], dtype=np.uint32), np.array([3, 4], dtype=np.uint32)
    assert jaccard_containment(a, b) == (0.5, 1.0)
    assert jaccard_containment(a, np.array([], dtype=np.uint32)) == (0.0, 0.0)


def test_spelling_and_punctuation_do_not_change_words() -> None:
    assert words("The Defence programme was “organised” in the centre.", "en") == words(
        'the defense program was "organized" in the center', "en"
    )
    for same in ("hour", "four", "size", "promise", "spelling", "selling"):
        assert american(same) == same
    assert american("colour") == "color" and american("travelled") == "traveled"


WIRE = (
    "Beijing snubbed US Defense Secretary Lloyd Austin's efforts to hold an in-depth meeting with his "
    "Chinese counterpart at a defense forum in Singapore last month, and military communications have "
    "stalled. \"We have regularly reached out to thicken our crisis communications and crisis management "
    "channels with Beijing and they have serially pushed us off,\" Colin Kahl, the Pentagon's top policy "
    "adviser, said in London on July 10."
)
EDITED = (
    "Beijing snubbed U.S. Defence Secretary Lloyd Austin's efforts to hold an in-depth meeting with his "
    "Chinese counterpart at a defence forum in Singapore last month, and military communications have "
    "since stalled. ‘We have regularly reached out to thicken our crisis communications and crisis management "
    "channels with Beijing and they have serially pushed us off,’ Colin Kahl, the Pentagon's top policy "
    "adviser, told a forum in London on July 10."
)


def test_lightly_edited_copy_inside_longer_articles_is_found() -> None:
    a = read_text("Officials met on Tuesday.\n\n" + WIRE + "\n\nThe weather in Washington was mild.", "en", "a.txt")
    b = read_text("A new report was published today about shipping.\n\n" + EDITED + "\n\nMarkets rose.", "en", "b.txt")
    report = find_wire_copy([a, b])
    assert len(report.clusters) == 1
    cluster = report.clusters[0]
    assert cluster.kind == "monolingual" and cluster.score >= 0.6
    spans = {m.doc: (m.first, m.last) for m in cluster.members}
    assert spans == {"a.txt": (1, 2), "b.txt": (1, 2)}


def test_same_topic_articles_sharing_phrases_are_not_flagged() -> None:
    a = read_text(
        "Pentagon spokesperson Lt. Col. Martin Meiners said the talks were frank. "
        "Both sides agreed to keep open lines of military-to-military communication.", "en", "a.txt")
    b = read_text(
        "The meeting covered maritime safety, Pentagon spokesperson Lt. Col. Martin Meiners said on Friday. "
        "Washington has long sought open lines of military-to-military communication with Beijing.", "en", "b.txt")
    assert find_wire_copy([a, b]).clusters == ()


def test_a_single_document_reports_only_its_repeats() -> None:
    doc = read_text("Leave a Reply\nA headline about the summit in Geneva today\n"
                    "A headline about the summit in Geneva today\nThe body follows here.", "en", "one.txt")
    report = find_wire_copy([doc])
    assert report.clusters == ()
    assert len(report.repeats) == 1 and [m.first for m in report.repeats[0].members] == [1, 2]


def test_cli_json_contract_and_errors(tmp_path) -> None:
    out = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-m", "align", "dedup", *map(str, FILES), "--json", "-o", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [d["doc"] for d in data["documents"]] == list(map(str, FILES))
    for cluster in data["clusters"]:
        assert cluster["kind"] in ("monolingual", "cross-lingual") and isinstance(cluster["score"], float)
        for m in cluster["members"]:
            assert set(m) >= {"doc", "start", "end", "text"}
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    for bad in ([str(tmp_path / "missing.txt")], [str(empty)]):
        run = subprocess.run([sys.executable, "-m", "align", "dedup", *bad], capture_output=True, text=True)
        assert run.returncode == 1
        assert run.stderr.count("\n") == 1 and run.stderr.startswith("align: error:")


def test_a_window_whose_rest_also_matches_is_kept_beside_its_better_part() -> None:
    """An exact sentence beside an edited one: LSH may propose only the exact pair and the
    window pair; the window must not be dropped as "explained" by the exact part."""
    from align.wirecopy.monolingual import Unit, UnitMatch, minimal_matches

    exact = UnitMatch(Unit(0, 10, 10), Unit(1, 1, 1), 1.0, 1.0)
    window = UnitMatch(Unit(0, 10, 11), Unit(1, 1, 2), 0.8, 0.9)
    unrelated_rest = minimal_matches([exact, window], similar=lambda a, b: False)
    assert unrelated_rest == [exact]  # the second sentences differ: the window is the copy's part only
    seen = []

    def rest_matches(a: Unit, b: Unit) -> bool:
        seen.append((a, b))
        return True

    kept = minimal_matches([exact, window], similar=rest_matches)
    assert kept == [exact, window]
    assert seen == [(Unit(0, 11, 11), Unit(1, 2, 2))]  # only the leftover sentences were compared
    # text left over on one side only is never a reason to keep the window
    lopsided = UnitMatch(Unit(0, 10, 11), Unit(1, 1, 1), 0.7, 0.9)
    assert minimal_matches([exact, lopsided], similar=lambda a, b: True) == [exact]


def test_mining_vectors_mix_sentence_and_half_sentence_cosines() -> None:
    import numpy as np

    from align.wirecopy.mining import halves, mining_vectors

    rng = np.random.default_rng(0)
    table: dict[str, np.ndarray] = {}

    class Fake:
        def encode(self, texts):
            out = []
            for t in texts:
                if t not in table:
                    v = rng.normal(size=8).astype(np.float32)
                    table[t] = v / np.linalg.norm(v)
                out.append(table[t])
            return np.stack(out) if out else np.zeros((0, 8), np.float32)

    texts = ["one two three four", "five six seven eight nine", "ten"]
    v = mining_vectors(Fake(), texts, 0.5)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-6)
    enc = Fake()
    whole = enc.encode(texts)
    h = [halves(t) for t in texts]
    first, second = enc.encode([a for a, _ in h]), enc.encode([b for _, b in h])
    expected = (whole[0] @ whole[1] + 0.5 * (first[0] @ first[1] + second[0] @ second[1]) / 2)
    norm0 = np.sqrt(1 + 0.5 / 2 * 2)  # every part is a unit vector
    assert v[0] @ v[1] == pytest.approx(expected / norm0**2, abs=1e-5)
    assert halves("ten") == ("ten", "ten")
    assert np.array_equal(mining_vectors(Fake(), texts, 0.0), whole)


def test_extension_bridges_a_line_too_short_to_match_and_goes_on() -> None:
    """A translated scene: pair 0 is a clear match, line 1 is too short to take part, pairs
    2 and 3 are only as close as their neighbourhood (margin about 1, no seed of their own).
    The passage must grow over the short line and on to the end, not stop at the short line."""
    from align.segment import presegmented
    from align.wirecopy.crosslingual import translated_links

    rng = np.random.default_rng(7)
    dim = 64

    def unit(v: np.ndarray) -> np.ndarray:
        return (v / np.linalg.norm(v)).astype(np.float32)

    base = [unit(rng.standard_normal(dim)) for _ in range(4)]
    noise = lambda: unit(rng.standard_normal(dim))  # noqa: E731
    # the scene's English side: pair 0 exact, pairs 2 and 3 at cosine ~0.7
    de_vecs = [base[0], noise(), base[2], base[3]]
    en_vecs = [base[0], noise(), unit(base[2] + 0.9 * noise()), unit(base[3] + 0.9 * noise())]
    de_lines = ["Der erste Satz der Szene ist lang genug.", "Kurz.", "Der dritte Satz ist auch lang genug.", "Und der vierte Satz schliesst die Szene."]
    en_lines = ["The scene's first sentence is long enough.", "Short.", "The third sentence is long enough too.", "And the fourth sentence ends the scene."]
    docs = [presegmented(read_text("\n".join(de_lines), "de")), presegmented(read_text("\n".join(en_lines), "en"))]
    embeddings = [np.stack(de_vecs), np.stack(en_vecs)]
    # unrelated sentences as close to lines 2 and 3 as their translations are (both ways), so
    # those pairs have margins near 1: too low to seed a passage, enough to extend one
    fillers_en = [unit(base[i] + 1.2 * noise()) for i in (2,) * 5 + (3,) * 5] + [noise() for _ in range(20)]
    docs.append(presegmented(read_text("\n".join(f"Unrelated English sentence number {i} here." for i in range(len(fillers_en))), "en")))
    embeddings.append(np.stack(fillers_en))
    fillers_de = [unit(v + 0.9 * noise()) for v in en_vecs[2:] for _ in range(5)] + [noise() for _ in range(20)]
    docs.append(presegmented(read_text("\n".join(f"Ein anderer deutscher Satz Nummer {i} hier." for i in range(len(fillers_de))), "de")))
    embeddings.append(np.stack(fillers_de))

    links = translated_links(docs, embeddings, neighbours=4, min_margin=1.15, extend_margin=0.9, min_chars=20)
    scene = sorted((l.a_first, l.b_first) for l in links if {l.a, l.b} == {0, 1})
    assert scene == [(0, 0), (2, 2), (3, 3)], scene  # line 1 bridged, and the extension went on


def test_two_weak_pairs_on_one_diagonal_seed_a_passage_and_one_alone_does_not() -> None:
    """Lines 0 and 2 of a scene translate each other at margins near 1.08 (their neighbourhood
    is as close as they are): too weak to seed alone (1.15), but two mutual best pairs on one
    diagonal, two lines apart, are not chance."""
    from align.segment import presegmented
    from align.wirecopy.crosslingual import translated_links

    def links(partner: bool, support: float) -> list[tuple[int, int]]:
        rng = np.random.default_rng(11)
        unit = lambda v: (v / np.linalg.norm(v)).astype(np.float32)  # noqa: E731
        noise = lambda: unit(rng.standard_normal(64))  # noqa: E731
        base = [noise() for _ in range(4)]
        de = [base[0], noise(), base[2] if partner else noise(), noise()]
        en = [unit(base[0] + 0.8 * noise()), noise(), unit(base[2] + 0.8 * noise()) if partner else noise(), noise()]
        docs = [presegmented(read_text("\n".join(f"Ein deutscher Satz der Szene Nummer {i}." for i in range(4)), "de")),
                presegmented(read_text("\n".join(f"An English sentence of the scene, number {i}." for i in range(4)), "en"))]
        embeddings = [np.stack(de), np.stack(en)]
        # sentences elsewhere as close to lines 0 and 2 as their translations: margins near 1
        fillers_en = [unit(base[i] + noise()) for i in (0, 2) for _ in range(4)] + [noise() for _ in range(20)]
        fillers_de = [unit(en[i] + noise()) for i in (0, 2) for _ in range(4)] + [noise() for _ in range(20)]
        docs.append(presegmented(read_text("\n".join(f"Another English line number {i} here." for i in range(28)), "en")))
        docs.append(presegmented(read_text("\n".join(f"Eine andere deutsche Zeile Nummer {i}." for i in range(28)), "de")))
        embeddings += [np.stack(fillers_en), np.stack(fillers_de)]
        found = translated_links(docs, embeddings, neighbours=4, min_margin=1.15, extend_margin=0.9, min_chars=20,
                                 support_margin=support, support_distance=3)
        scene = [l for l in found if {l.a, l.b} == {0, 1}]
        assert all(1.0 <= l.margin < 1.15 for l in scene)  # each pair alone too weak to seed
        return sorted((l.a_first, l.b_first) for l in scene)

    assert links(partner=True, support=1.0) == [(0, 0), (2, 2)]
    assert links(partner=True, support=float("inf")) == []  # without diagonal support: nothing
    assert links(partner=False, support=1.0) == []  # line 0 alone, with no pair on its diagonal


def test_candidate_pairs_are_the_same_in_blocks_and_row_by_row() -> None:
    """``PassageIndex.candidates`` queries the LSH a block of rows at a time (one lookup per
    band for the block); it must propose exactly the pairs that querying each row alone does."""
    from align.wirecopy.lsh import PassageIndex

    rng = np.random.default_rng(2)
    vocab = [f"w{i}" for i in range(300)]
    texts = [list(rng.choice(vocab, 25)) for _ in range(120)]
    texts += [t[:20] + ["extra", "words"] + t[20:] for t in texts[:40]]  # near-duplicates
    hasher = MinHasher(num_perm=128, shingle=2)
    sigs = hasher.signatures(hasher.shingles(texts))
    keys = [str(i) for i in range(len(texts))]
    index = PassageIndex(hasher, 0.6)
    index.add(keys, sigs)
    one_by_one = {(k, o) if k < o else (o, k) for k, s in zip(keys, sigs) for o in index.query(s) if o != k}
    assert len(one_by_one) >= 40
    for block in (7, 64, 1 << 14):
        assert index.candidates(keys, sigs, block=block) == one_by_one
