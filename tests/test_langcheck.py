"""The language check: declared languages against the texts, omitted languages detected.

A clear mismatch (a swapped ``-s``/``-t``) is refused in one line before any embedding;
``--no-lang-check`` lets it through; short and mixed texts, the samples and the dev sets
are never refused; a language left out is detected and said; in a batch, a mismatching
pair fails alone.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from lxml import etree

from align.api import align_files, align_texts
from align.errors import InputError
from align.langcheck import MIN_WORDS, Evidence, LanguageMismatch, evidence, mismatch
from bench.scale_data import DEV_SETS, _chunks
from tests.conftest import IN_CI, SAMPLES, SHARED_DATA
from tests.hash_encoder import HashEncoder

DE = SAMPLES / "000_b5ea64c99ab2f47c.txt"  # German
EN = SAMPLES / "001_aab225ae7d9de552.txt"  # its English counterpart
SAMPLE_LANGS = {"000": "de", "001": "en", "002": "en", "003": "en", "004": "en"}

SWEDISH = ("Pentagon uppgav i ett kort uttalande att den kinesiske ambassadören diskuterade "
           "försvarsrelationerna och en rad internationella och regionala säkerhetsfrågor med den "
           "biträdande försvarsministern. Talespersonen sade att båda sidor hade kommit överens om att "
           "hålla de militära kommunikationskanalerna öppna under de kommande månaderna.")


def run_align(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m align ARGS`` as a user runs it (stderr and exit status from ``main``)."""
    env = {k: v for k, v in os.environ.items() if k != "ALIGN_DEBUG"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return subprocess.run([sys.executable, "-m", "align", *map(str, args)], check=False, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


class NoEmbedding(HashEncoder):
    """An encoder that fails the test if anything is embedded."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError("embedded before the language check refused the pair")


def need_shared() -> None:
    if not (SHARED_DATA / "tomsawyer-val").is_dir():
        if IN_CI:
            pytest.fail(f"CI: the dev sets are missing from {SHARED_DATA}")
        pytest.skip(f"shared data not present in {SHARED_DATA}")


# --- the command line -------------------------------------------------------------------


def test_swapped_languages_are_refused_in_one_line(tmp_path: Path) -> None:
    done = run_align("pair", DE, EN, "-s", "en", "-t", "de", "-o", "out.tmx", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr == (f"align: error: {DE}: declared en but the text is German (de, 100% of the text): "
                           "give -s de, or --no-lang-check to keep en\n")
    assert done.stdout == "" and os.listdir(tmp_path) == []


def test_no_lang_check_lets_it_through_and_is_recorded(tmp_path: Path) -> None:
    done = run_align("pair", DE, EN, "-s", "en", "-t", "de", "--no-lang-check", "-o", "out.tmx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    header = etree.parse(str(tmp_path / "out.tmx")).find("header")
    assert header.get("srclang") == "en"
    props = {p.get("type"): p.text for p in header.findall("prop")}
    assert props["x-align-lang_check"] == "false"


def test_omitted_languages_are_detected_and_said(tmp_path: Path) -> None:
    done = run_align("pair", DE, EN, "-o", "out.tmx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"align: {DE}: detected source language: de (German, 100% of the text)" in done.stderr
    assert f"align: {EN}: detected target language: en (English, 100% of the text)" in done.stderr
    tmx = etree.parse(str(tmp_path / "out.tmx"))
    assert tmx.find("header").get("srclang") == "de"
    langs = {tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in tmx.iter("tuv")}
    assert langs == {"de", "en"}
    assert json.loads({p.get("type"): p.text for p in tmx.find("header").findall("prop")}["x-align-lang_check"])


def test_batch_fails_only_the_mismatching_pair(tmp_path: Path) -> None:
    (tmp_path / "pairs.tsv").write_text(f"{DE}\t{EN}\tde\ten\tright\n{DE}\t{EN}\ten\tde\tswapped\n")
    done = run_align("batch", "pairs.tsv", "--out-dir", "out", "--format", "tsv", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert (tmp_path / "out" / "right.tsv").is_file()
    assert not (tmp_path / "out" / "swapped.tsv").exists()
    assert (f"failed swapped: {DE}: declared en but the text is German (de, 100% of the text): "
            "write de in the manifest's src_lang, or give --no-lang-check to keep en") in done.stdout
    assert "1 done" in done.stdout and "1 failed" in done.stdout


# --- the library ------------------------------------------------------------------------


def test_refused_before_any_embedding_and_picklable() -> None:
    with pytest.raises(LanguageMismatch) as caught:
        align_files(str(DE), str(EN), "de", "de", model=NoEmbedding())
    err = caught.value
    assert (err.side, err.declared, err.detected) == ("target", "de", "en")
    assert str(err).endswith("give -t en, or --no-lang-check to keep de")
    assert str(pickle.loads(pickle.dumps(err))) == str(err)  # batch workers may live in other processes


def test_lang_check_false_and_align_texts() -> None:
    de, en = DE.read_text(encoding="utf-8"), EN.read_text(encoding="utf-8")
    with pytest.raises(LanguageMismatch):
        align_texts(de, en, "en", "de", model=NoEmbedding())
    alignment = align_files(str(DE), str(EN), "en", "de", model=HashEncoder(), lang_check=False)
    assert (alignment.src.lang, alignment.settings["lang_check"]) == ("en", False)
    detected = align_texts(de, en, model=HashEncoder())
    assert (detected.src.lang, detected.tgt.lang) == ("de", "en")
    assert detected.src.notes[-1].startswith("detected source language: de")


def test_short_text_is_not_judged() -> None:
    short = "The dog barks loudly at the cat in the garden every single morning."
    assert not evidence(short).judged and mismatch(evidence(short), "de") is None
    alignment = align_texts(short, "Der Hund bellt jeden Morgen laut die Katze im Garten an.", "de", "en",
                            model=HashEncoder())
    assert alignment.src.lang == "de"
    with pytest.raises(InputError, match=r"the source text: too short to tell its language .* give its language "
                                         r"with -s LANG"):
        align_texts(short, "Der Hund bellt.", tgt_lang="de", model=HashEncoder())


def test_mixed_text_is_not_refused() -> None:
    de = DE.read_text(encoding="utf-8").split("\n\n")
    en = EN.read_text(encoding="utf-8").split("\n\n")
    mixed = "\n\n".join(p for pair in zip(de, en) for p in pair)  # German and English paragraphs in turn
    ev = evidence(mixed)
    assert ev.judged and {lang for lang, _ in ev.votes[:2]} == {"de", "en"}
    for declared in ("de", "en", "fr"):
        assert mismatch(ev, declared) is None
    # an English text with one German paragraph (12% of its letters) is mixed too ...
    assert mismatch(evidence("\n".join([*en, de[0]])), "de") is None
    # ... but with one short German quotation (3%) it is English, not German
    quoted = "\n".join([*en, "Die Gespräche dauerten etwa 90 Minuten, sagte Meiners."])
    assert mismatch(evidence(quoted), "de") == "en"


def test_relatives_and_unknown_codes_are_not_judged() -> None:
    croatian = Evidence(words=MIN_WORDS, votes=(("hr", 1.0),), coverage=1.0, overall="hr")
    assert mismatch(croatian, "de") == "hr"
    assert mismatch(croatian, "sr-Latn") is None and mismatch(croatian, "bs") is None  # py3langid confuses these
    assert mismatch(evidence(EN.read_text(encoding="utf-8")), "und") is None  # a code py3langid cannot judge


def test_detected_language_unknown_to_the_bundled_model_is_refused() -> None:
    with pytest.raises(InputError, match=r"the source text: the text is Swedish \(sv\), which the bundled model "
                                         r"use-m3 does not know"):
        align_texts(SWEDISH, EN.read_text(encoding="utf-8"), tgt_lang="en")
    # a model whose languages are not known here takes it
    assert align_texts(SWEDISH, EN.read_text(encoding="utf-8"), tgt_lang="en", model=HashEncoder()).src.lang == "sv"


# --- the project's own material is never refused -------------------------------------


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.txt")), ids=lambda p: p.name[:3])
def test_samples_pass_and_a_wrong_declaration_would_not(path: Path) -> None:
    lang = SAMPLE_LANGS[path.name[:3]]
    ev = evidence(path.read_text(encoding="utf-8"))
    assert mismatch(ev, lang) is None
    other = "en" if lang == "de" else "de"
    assert mismatch(ev, other) == lang


def test_dev_sets_pass_whole_and_in_the_batch_tests_chunks() -> None:
    """The dev sets whole, and cut as bench/scale_data.py cuts them for the batch tests
    (8 gold beads a pair): never refused; declared the other way round, refused."""
    need_shared()
    swapped_judged = swapped_refused = 0
    for sub, src_name, tgt_name, gold_name, sl, tl in DEV_SETS:
        src = (SHARED_DATA / sub / src_name).read_text(encoding="utf-8")
        tgt = (SHARED_DATA / sub / tgt_name).read_text(encoding="utf-8")
        assert (mismatch(evidence(src), sl), mismatch(evidence(tgt), tl)) == (None, None)
        assert (mismatch(evidence(src), tl), mismatch(evidence(tgt), sl)) == (sl, tl)
        src_lines, tgt_lines = src.splitlines(), tgt.splitlines()
        for a, b in _chunks(SHARED_DATA / sub / gold_name, 8):
            src_part, tgt_part = src_lines[a.start:a.stop], tgt_lines[b.start:b.stop]
            for text, lang, wrong in (("\n".join(src_part), sl, tl), ("\n".join(tgt_part), tl, sl)):
                ev = evidence(text)
                assert mismatch(ev, lang) is None, (sub, lang, text[:200])
                if ev.words >= MIN_WORDS:
                    swapped_judged += 1
                    swapped_refused += mismatch(ev, wrong) is not None
    assert swapped_refused >= 0.95 * swapped_judged  # the check still sees swapped chunks
