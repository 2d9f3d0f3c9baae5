"""Issue 6: bad input, interruptions and untrusted content lose nothing and crash nothing.

Every item of the issue's sections 1 (bad input) and 2 (hard but valid input), plus the
faults of section 4 and the untrusted content of section 5, through the command line as a
user runs it. Bad input: exit status 1, one line on stderr that says what is wrong and what
to do, nothing on stdout, no file left behind. Hard input: every sentence of both sides in
exactly one bead, in order, and the exports give the text back. Section 3 (properties) is
in ``tests/test_properties.py``; the fuzz run is ``bench/fuzz.py``.

Checklist (issue item -> test):

1. Bad input
   - missing path ..................... test_bad_input[missing file]
   - unreadable path .................. test_unreadable_input
   - directory given as a file ........ test_bad_input[directory as file]
   - empty / whitespace-only file ..... test_bad_input[empty file], [whitespace-only file]
   - binary file (NUL bytes, image) ... test_bad_input[NUL bytes], [PNG image], [control characters]
   - invalid UTF-8 .................... test_bad_input[invalid UTF-8]
   - Latin-1 / Windows-1252 ........... test_legacy_encodings_decoded_correctly_into_the_tmx (decoded, no mojibake),
                                        test_bad_input[invalid UTF-8] (refused when undetectable)
   - UTF-8 with a stray byte .......... test_utf8_with_a_stray_byte_goes_into_the_tmx_as_utf8_with_one_warning
                                        (issue 15 item 2; the rule: tests/test_read.py; endless, huge,
                                        FIFO and closed-stdin inputs: tests/test_read_bounds.py)
   - language the model does not know . test_bad_input[language use-m3 does not know], [not a language code]
   - same language on both sides ...... test_same_language_is_allowed_with_a_warning
   - model not installed, offline ..... test_bad_input[model not installed]
   - output in a missing directory .... test_bad_input[output in missing directory], [moses output in missing directory]
   - output in a read-only directory .. test_read_only_output_directory_real_fs, test_read_only_output_directory_chmod
   - unknown --format ................. test_bad_input[unknown format], [format not given by extension]
   (and the other commands: test_bad_input[dedup ...], [segment ...], [eval ...]; output is a directory)
   Every bad file in every file argument of pair, segment, eval, dedup, report, batch (the manifest
   and the files it lists) and index add/query, and the language, model, output and format cases of
   each of those commands: tests/test_bad_input_commands.py
2. Hard but valid input
   - a side with a single sentence .... test_single_sentence_sides, test_single_sentence_pair_is_matched
   - headlines / no final punctuation . test_headlines_without_final_punctuation
   - a 1 MB line without punctuation .. test_one_megabyte_line_without_punctuation (cut into pieces; seconds per
                                        MB for 1, 5 and 50 MB lines: bench/long_line.py)
   - a 100,000-sentence pair .......... test_100k_sentence_pair_memory_is_linear (figures: bench/big_pair.py)
   - HTML or Markdown markup .......... test_html_and_markdown_markup_is_text
   - control, zero-width, emoji, RTL .. test_control_zero_width_emoji_rtl
   - CRLF and mixed newlines .......... test_crlf_and_mixed_newlines, test_presegmented_mixed_newlines_ids_are_lines
   - identical duplicated sentences ... test_identical_duplicated_sentences
4. Interruptions and faults
   - Ctrl-C / kill during pair, dedup . test_signal_leaves_no_partial_output[...] (SIGINT, SIGTERM, SIGKILL; while
                                        aligning and while writing)
   - corrupted cache entry ............ test_corrupted_cache_entries_are_recomputed_by_the_real_model
                                        (and tests/test_embed.py::test_corrupted_entry_is_recomputed)
   - full disk ........................ test_disk_full_device, test_disk_full_regular_file; on a real full
                                        tmpfs for pair, dedup, report, batch and index add:
                                        tests/test_bad_input_commands.py::test_full_disk_is_reported_and_leaves_the_previous_file
5. Untrusted content
   - escaped in HTML and XML output ... test_every_markup_output_escapes_text (tmx, html), test_html_and_markdown_markup_is_text
   - TMX import without entities ...... test_read_tmx_billion_laughs, test_read_tmx_external_entities
   - derived paths stay in the folder . test_contained_path_refuses_escapes, test_demo_does_not_write_through_a_symlink,
                                        tests/test_bad_input_commands.py::test_batch_ids_cannot_escape_the_output_folder_from_the_cli
   - SVG (the heat-map) ............... tests/test_bad_input_commands.py::test_svg_plot_keeps_hostile_titles_and_names_as_text
"""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from align import cli
from align.errors import OutputError
from align.export import read_tmx
from align.files import contained_path
from align.export.tmx import xml_safe
from align.read import read_document
from align.segment import presegmented, segment
from tests.privileges import without_override_rights

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SRC = next(SAMPLES.glob("000_*.txt"))  # German
TGT = next(SAMPLES.glob("001_*.txt"))  # English


# --- helpers --------------------------------------------------------------------------


def run_align(*args: object, cwd: Path, env: dict[str, str] | None = None,
              preexec_fn: Callable[[], None] | None = None) -> subprocess.CompletedProcess:
    """``python -m align ARGS`` as a user runs it; stdout/stderr decoded."""
    environ = {k: v for k, v in os.environ.items() if k != "ALIGN_DEBUG"}
    environ.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "align", *map(str, args)],
        cwd=cwd, input=b"", capture_output=True, env=environ, timeout=300, check=False, preexec_fn=preexec_fn,
    )
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def assert_one_line_error(done: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit 1, one line on stderr naming the problem and what to do, nothing on stdout."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("align: error: "), done.stderr
    assert "Traceback" not in done.stderr and "rerun with --debug" not in done.stderr, done.stderr
    for needle in needles:
        assert needle.lower() in done.stderr.lower(), (needle, done.stderr)
    assert done.stdout == ""


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def png_image() -> bytes:
    """A real 2x2 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * 2 + b"\x00" + b"\x00\xff\x00" * 2)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def invoke(*args: object):
    """Run a command in this process (the model stays loaded); it must succeed."""
    result = CliRunner().invoke(cli.app, [str(a) for a in args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def pair_and_check(
    tmp: Path, src_text: str | bytes, tgt_text: str | bytes, src_lang: str = "de", tgt_lang: str = "en",
    *extra: str, dtd: etree.DTD, presegmented_input: bool = False,
) -> tuple[list[dict], list[dict], object]:
    """Align two texts through the CLI to JSONL and TMX; check nothing is lost or garbled.

    The TMX must be valid against ``dtd`` (the ``tmx_dtd`` fixture). Returns the JSONL
    records, the TMX units and the CliRunner result of the TMX run.
    """
    src, tgt = tmp / "src.txt", tmp / "tgt.txt"
    for path, text in ((src, src_text), (tgt, tgt_text)):
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    flags = ["--presegmented"] if presegmented_input else []
    invoke("pair", src, tgt, "-s", src_lang, "-t", tgt_lang, *flags, *extra, "-o", tmp / "out.jsonl")
    tmx_run = invoke("pair", src, tgt, "-s", src_lang, "-t", tgt_lang, *flags, *extra,
                     "--unmatched", "include", "-o", tmp / "out.tmx")
    split = presegmented if presegmented_input else segment
    docs = [split(read_document(str(src), src_lang)), split(read_document(str(tgt), tgt_lang))]

    records = [json.loads(line) for line in (tmp / "out.jsonl").read_text(encoding="utf-8").split("\n") if line]
    for key, ids_key, doc in (("src", "src_ids", docs[0]), ("tgt", "tgt_ids", docs[1])):
        ids = [i for r in records for i in r[ids_key]]
        assert ids == list(range(len(doc.sentences))), f"{key}: every sentence once, in order"
        for r in records:
            assert r[key] == " ".join(doc.sentences[i].text for i in r[ids_key])
            for i, (start, end) in zip(r[ids_key], r[f"{key}_spans"]):
                assert doc.text[start:end] == doc.sentences[i].text

    tree = etree.parse(str(tmp / "out.tmx"))
    assert dtd.validate(tree), dtd.error_log
    units = read_tmx(tmp / "out.tmx")
    non_empty = [r for r in records if r["src_ids"] or r["tgt_ids"]]
    assert len(units) == len(non_empty)
    for unit, r in zip(units, non_empty):
        want = [xml_safe(r[k])[0] for k in ("src", "tgt") if r[f"{k}_ids"]]
        assert [t["text"] for t in unit["tuvs"]] == want
    return records, units, tmx_run


# --- 1. bad input ---------------------------------------------------------------------

PAIR = ["pair", "{src}", "{tgt}", "-s", "de", "-t", "en"]

BAD_INPUT = {
    # name: (arguments; {src}/{tgt} are the sample files; what the message must contain)
    "missing file": (["pair", "nope.txt", "{tgt}", "-s", "de", "-t", "en", "-o", "out.tmx"],
                     ["nope.txt", "no such file", "check the path"]),
    "directory as file": (["pair", "adir", "{tgt}", "-s", "de", "-t", "en", "-o", "out.tmx"],
                          ["adir", "is a directory", "give the path of a text file"]),
    "empty file": (["pair", "empty.txt", "{tgt}", "-s", "de", "-t", "en", "-o", "out.tmx"],
                   ["empty.txt", "empty", "give a file that contains text"]),
    "whitespace-only file": (["pair", "{src}", "blank.txt", "-s", "de", "-t", "en", "-o", "out.tmx"],
                             ["blank.txt", "only whitespace", "give a file that contains text"]),
    "NUL bytes": (["pair", "nul.bin", "{tgt}", "-s", "de", "-t", "en", "-o", "out.tmx"],
                  ["nul.bin", "binary", "plain-text"]),
    "PNG image": (["pair", "{src}", "image.png", "-s", "de", "-t", "en", "-o", "out.tmx"],
                  ["image.png", "binary", "plain-text"]),
    "control characters": (["pair", "controls.txt", "{tgt}", "-s", "de", "-t", "en", "-o", "out.tmx"],
                           ["controls.txt", "binary", "plain-text"]),
    "invalid UTF-8": (["pair", "garbage.txt", "{tgt}", "-s", "de", "-t", "en", "-o", "out.tmx"],
                      ["garbage.txt", "not UTF-8", "iconv", "convert it to UTF-8"]),
    "bad UTF-8 after a BOM": (["pair", "badbom.txt", "{tgt}", "-s", "de", "-t", "en", "-o", "out.tmx"],
                              ["badbom.txt", "byte-order mark", "re-save it as UTF-8"]),
    "language use-m3 does not know": ([*PAIR[:4], "el", "-t", "en", "-o", "out.tmx"],
                                      ["--src-lang el", "does not know", "--model"]),
    "not a language code": ([*PAIR[:4], "de", "-t", "english", "-o", "out.tmx"],
                            ["'english' is not a language code", "ISO 639-1"]),
    "model not installed": ([*PAIR, "-m", "no-such-org/no-such-model", "-o", "out.tmx"],
                            ["no-such-org/no-such-model", "not installed", "--model"]),
    "output in missing directory": ([*PAIR, "-o", "missing/out.tmx"], ["does not exist", "create it"]),
    "moses output in missing directory": ([*PAIR, "-f", "moses", "-o", "missing/out"], ["does not exist"]),
    "output is a directory": ([*PAIR, "-f", "tsv", "-o", "adir"], ["adir", "is a directory", "give a file name"]),
    "unknown format": ([*PAIR, "-f", "xml", "-o", "out.xml"], ["unknown output format 'xml'", "tmx, tsv, jsonl"]),
    "format not given by extension": ([*PAIR, "-o", "out.xml"], ["out.xml", "give --format"]),
    "moses to stdout": ([*PAIR, "-f", "moses"], ["two files", "give -o OUT"]),
    "dedup missing file": (["dedup", "{src}", "nope.txt"], ["nope.txt", "no such file"]),
    "dedup binary file": (["dedup", "{src}", "image.png", "-o", "report.json"], ["image.png", "binary"]),
    "dedup output in missing directory": (["dedup", "{src}", "{tgt}", "-o", "missing/r.json"], ["does not exist"]),
    "segment empty file": (["segment", "empty.txt", "--lang", "de"], ["empty.txt", "empty"]),
    "eval missing file": (["eval", "nope.beads", "nope.beads"], ["nope.beads", "no such file"]),
}


@pytest.fixture
def bad_inputs(tmp_path: Path) -> Path:
    (tmp_path / "adir").mkdir()
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \n\t\r\n \xc2\xa0\n")
    (tmp_path / "nul.bin").write_bytes(b"Text\x00with\x00NUL\x00bytes\x00" * 20)
    (tmp_path / "image.png").write_bytes(png_image())
    (tmp_path / "controls.txt").write_bytes(bytes(range(1, 9)) * 50 + b"some text")
    (tmp_path / "garbage.txt").write_bytes(b"Text " + bytes(range(0x80, 0x100)) * 3)
    (tmp_path / "badbom.txt").write_bytes(b"\xef\xbb\xbfGr\xfc\xdfe aus K\xf6ln.")
    return tmp_path


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input(bad_inputs: Path, case: str) -> None:
    args, needles = BAD_INPUT[case]
    before = listing(bad_inputs)
    done = run_align(*[a.format(src=SRC, tgt=TGT) for a in args], cwd=bad_inputs)
    assert_one_line_error(done, *needles)
    assert listing(bad_inputs) == before  # no output, no temporary file, no folder


def test_unreadable_input(tmp_path: Path) -> None:
    """A file without read permission (as root, whom permissions do not stop: /proc/1/mem)."""
    path = tmp_path / "secret.txt"
    path.write_text("Geheim.", encoding="utf-8")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root
        path = Path("/proc/1/mem")
        try:
            path.read_bytes()
            pytest.skip("no unreadable file available to this user")
        except OSError:
            pass
    done = run_align("pair", path, TGT, "-s", "de", "-t", "en", "-o", "out.tmx", cwd=tmp_path)
    assert_one_line_error(done, str(path))
    assert "permission denied" in done.stderr or "cannot be read" in done.stderr
    assert not (tmp_path / "out.tmx").exists()


def _unwritable_system_dir() -> str | None:
    for folder in ("/sys", "/proc"):
        try:
            fd, name = tempfile.mkstemp(dir=folder)
        except OSError as err:
            if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                return folder
            continue
        os.close(fd)
        os.unlink(name)
    return None


def test_read_only_output_directory_real_fs(tmp_path: Path) -> None:
    """A directory that refuses new files even to root (/sys)."""
    folder = _unwritable_system_dir()
    if folder is None:
        pytest.skip("no directory that refuses new files")
    done = run_align("pair", SRC, TGT, "-s", "de", "-t", "en", "-o", f"{folder}/out.tmx", cwd=tmp_path)
    assert_one_line_error(done, f"{folder}/out.tmx", "choose another output path")
    assert not os.path.exists(f"{folder}/out.tmx")


def test_read_only_output_directory_chmod(tmp_path: Path) -> None:
    """A folder without write permission (as root, run without the right to override it)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        done = run_align("pair", SRC, TGT, "-s", "de", "-t", "en", "-o", ro / "out.tmx", cwd=tmp_path,
                         preexec_fn=without_override_rights())
        assert_one_line_error(done, "no permission", "choose another output path")
        assert os.listdir(ro) == []
    finally:
        ro.chmod(0o755)


def test_legacy_encodings_decoded_correctly_into_the_tmx(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    """Windows-1252 and Latin-1 files come out as the right characters, never mojibake."""
    de = "Grüße aus Köln – „Das kostet 5 €“, sagte er.\nÜber die Brücke gehen wir heute nicht.\n"
    en = "Greetings from Cologne – \"That costs 5 euros\", he said.\nWe are not crossing the bridge today.\n"
    for codec in ("cp1252", "latin-1"):
        text = de if codec == "cp1252" else de.replace("–", "-").replace("„", '"').replace("“", '"').replace("€", "EUR")
        folder = tmp_path / codec
        folder.mkdir()
        _, units, _ = pair_and_check(folder, text.encode(codec), en, dtd=tmx_dtd)
        tmx_text = (folder / "out.tmx").read_text(encoding="utf-8")
        lines = text.splitlines()
        assert [u["tuvs"][0]["text"] for u in units] == lines
        assert "Ã" not in tmx_text and "\ufffd" not in tmx_text


def test_utf8_with_a_stray_byte_goes_into_the_tmx_as_utf8_with_one_warning(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    """Issue 15 item 2: one bad byte in a German UTF-8 file made it Latin-1 ("GrÃ¼ÃŸe") in the TMX."""
    (tmp_path / "de.txt").write_bytes("Grüße aus München. Schöne Stadt.".encode("utf-8") + b"\xff Ende.\n")
    (tmp_path / "en.txt").write_text("Greetings from Munich. A beautiful city. The end.\n", encoding="utf-8")
    done = run_align("pair", "de.txt", "en.txt", "-s", "de", "-t", "en", "-o", "out.tmx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "align: warning: de.txt: 1 byte that is not UTF-8 replaced by U+FFFD (first at byte offset 36); the rest "
        "was read as UTF-8. If characters are missing there, fix the file and save it as UTF-8 again"
    ]
    tmx_text = (tmp_path / "out.tmx").read_text(encoding="utf-8")
    assert "Grüße aus München." in tmx_text and "Schöne Stadt." in tmx_text and "Ã" not in tmx_text
    assert tmx_dtd.validate(etree.parse(str(tmp_path / "out.tmx"))), tmx_dtd.error_log


def test_same_language_is_allowed_with_a_warning(tmp_path: Path) -> None:
    result = invoke("pair", TGT, TGT, "-s", "en", "-t", "en", "-f", "beads", "-o", tmp_path / "out.beads")
    assert "warning: both sides are in the same language" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    beads = (tmp_path / "out.beads").read_text().splitlines()
    n = len(segment(read_document(str(TGT), "en")).sentences)
    assert [line.split(":")[0] for line in beads] == [f"[{i}]" for i in range(n)]  # a text aligns with itself 1-1


# --- 2. hard but valid input ----------------------------------------------------------


def test_single_sentence_sides(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    """One sentence on a side: kept, exported, and matched to its translation among others."""
    records, units, _ = pair_and_check(tmp_path, "Der Hund bellt.", "The dog barks.", dtd=tmx_dtd)
    assert sorted(i for r in records for i in r["src_ids"]) == [0]  # nothing lost (pair_and_check: all of it)
    records, _, _ = pair_and_check(
        tmp_path, "Der Hund bellt.", "The cat sleeps. The dog barks. The bird sings.", dtd=tmx_dtd
    )
    assert ([0], [1]) in [(r["src_ids"], r["tgt_ids"]) for r in records]
    records, _, _ = pair_and_check(
        tmp_path, "Die Katze schläft. Der Hund bellt. Der Vogel singt.", "The dog barks.", dtd=tmx_dtd
    )
    assert ([1], [0]) in [(r["src_ids"], r["tgt_ids"]) for r in records]


def test_single_sentence_pair_is_matched(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    records, units, _ = pair_and_check(tmp_path, "Der Hund bellt.", "The dog barks.", dtd=tmx_dtd)
    assert [(r["src_ids"], r["tgt_ids"]) for r in records] == [([0], [0])]
    assert units[0]["tuvs"] == [{"lang": "de", "text": "Der Hund bellt."}, {"lang": "en", "text": "The dog barks."}]


def test_headlines_without_final_punctuation(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    src = "Bundestag beschließt neuen Haushalt\nKanzler reist nach Paris\n\nWetter am Wochenende: Sonne und Regen\n"
    tgt = "Bundestag passes new budget\nChancellor travels to Paris\n\nWeekend weather: sun and rain\n"
    records, units, _ = pair_and_check(tmp_path, src, tgt, dtd=tmx_dtd)
    assert [r["src"] for r in records if r["src_ids"]] == [line for line in src.splitlines() if line]
    assert [(r["src_ids"], r["tgt_ids"]) for r in records] == [([0], [0]), ([1], [1]), ([2], [2])]


@pytest.mark.slow
def test_one_megabyte_line_without_punctuation(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    words = ["wort", "zeitung", "regierung", "haus", "stadt", "kommission", "bericht"]
    line = " ".join(words[i % len(words)] for i in range(150_000))
    assert len(line) > 1_000_000
    records, units, _ = pair_and_check(tmp_path, f"Kurzer Satz.\n{line}\nLetzter Satz.", "A short sentence.\nLast sentence.",
                                       dtd=tmx_dtd)
    # The line has no sentence end: it is cut at spaces into pieces of at most
    # MAX_SENTENCE_CHARS (so the later stages stay linear), which give it back in order.
    from align.segment.base import MAX_SENTENCE_CHARS

    src_doc = segment(read_document(str(tmp_path / "src.txt"), "de"))
    pieces = [sent.text for sent in src_doc.sentences[1:-1]]
    assert " ".join(pieces) == line and max(map(len, pieces)) <= MAX_SENTENCE_CHARS
    assert len(pieces) <= 2 * len(line) / MAX_SENTENCE_CHARS + 1
    in_beads = [doc_id for r in records for doc_id in r["src_ids"]]
    assert in_beads == list(range(len(src_doc.sentences)))  # every piece in exactly one bead, in order


def _parallel_pair(n: int, seed: int = 0) -> tuple[str, str]:
    """A source of N sentences and a target that translates it (shuffled words), with some
    sentences dropped and inserted: the shape of a real pair, cheap to embed."""
    import random

    rng = random.Random(seed)
    vocab = [w for w in SRC.read_text(encoding="utf-8").split() if w.isalpha()]
    src, tgt = [], []
    for k in range(n):
        words = [str(k), *rng.choices(vocab, k=rng.randint(3, 12))]
        src.append(" ".join(words) + ".")
        if rng.random() < 0.03:
            continue
        rng.shuffle(words)
        tgt.append(" ".join(words))
        if rng.random() < 0.03:
            tgt.append(" ".join(rng.choices(vocab, k=6)))
    return "\n".join(src), "\n".join(tgt)


@pytest.mark.slow
def test_100k_sentence_pair_memory_is_linear() -> None:
    """100,000 sentences a side through the pipeline (cheap encoder): every sentence kept, memory linear.

    Peak traced memory is compared at 5k and 25k sentences (tracemalloc slows the run); the
    100k run checks that nothing is lost. Time and memory with the real model at 10k, 50k
    and 100k: ``bench/big_pair.py`` (figures in bench/RESULTS.md).
    """
    from align.api import align_documents
    from align.read import read_text
    from tests.hash_encoder import HashEncoder
    from tests.invariants import check_partition

    def run(n: int):
        s, t = _parallel_pair(n)
        return align_documents(
            presegmented(read_text(s, "de")), presegmented(read_text(t, "en")),
            model=HashEncoder(256), cache=False, paragraphs=False,
        )

    peaks = {}
    for n in (5_000, 25_000):
        tracemalloc.start()
        alignment = run(n)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        check_partition(alignment)
    assert peaks[25_000] < 1.3 * 5 * peaks[5_000], peaks  # linear, not quadratic (25x)
    alignment = run(100_000)
    check_partition(alignment)
    assert len(alignment.src.sentences) == 100_000
    assert sum(b.is_match for b in alignment.beads) > 0.9 * len(alignment.tgt.sentences)


def test_html_and_markdown_markup_is_text(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    src = (
        "<p>Der <b>Hund</b> bellt &amp; beißt.</p>\n# Überschrift <script>alert('x')</script>\n"
        "**Fett** und [ein Link](http://example.org/?a=1&b=2) ]]> <![CDATA[ x ]]>\n"
    )
    tgt = (
        "<p>The <b>dog</b> barks &amp; bites.</p>\n# Heading <script>alert('x')</script>\n"
        "**Bold** and [a link](http://example.org/?a=1&b=2) ]]> <![CDATA[ x ]]>\n"
    )
    records, units, _ = pair_and_check(tmp_path, src, tgt, dtd=tmx_dtd)
    raw = (tmp_path / "out.tmx").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw and "&amp;amp;" in raw
    tree = etree.parse(str(tmp_path / "out.tmx"))
    assert all(len(seg) == 0 for seg in tree.iter("seg"))  # markup stays text, never elements
    got = [t["text"] for u in units for t in u["tuvs"] if t["lang"] == "de"]
    assert "<p>Der <b>Hund</b> bellt &amp; beißt.</p>" in got


def test_control_zero_width_emoji_rtl(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    src = "Der Hund\u200b bellt 🐕‍🦺 laut.\x07 Er heißt \u202eאבי\u202c.\nشكرا لك يا صديقي. 👍🏽\n"
    tgt = "The dog\u200d barks 🐕‍🦺 loudly. His name is \u202eאבי\u202c.\nThank you, my friend. 👍🏽\n"
    records, units, run = pair_and_check(tmp_path, src, tgt, dtd=tmx_dtd)
    assert "note: removed 1 characters" in run.stderr  # the BEL, which XML cannot hold
    tmx_src = " ".join(t["text"] for u in units for t in u["tuvs"] if t["lang"] == "de")
    for piece in ("Hund\u200b bellt 🐕‍🦺", "\u202eאבי\u202c", "شكرا لك", "👍🏽"):
        assert piece in tmx_src
    assert "\x07" not in tmx_src and "\x07" in " ".join(r["src"] for r in records)


def test_crlf_and_mixed_newlines(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    src = "Erster Satz.\r\nZweiter Satz.\rDritter Satz.\nVierter Satz.\r\n\r\nFünfter Satz."
    tgt = "First sentence.\nSecond sentence.\r\nThird sentence.\rFourth sentence.\n\nFifth sentence.\r\n"
    records, units, _ = pair_and_check(tmp_path, src, tgt, dtd=tmx_dtd)
    assert all("\r" not in r["src"] and "\n" not in r["src"] for r in records)
    assert [(r["src_ids"], r["tgt_ids"]) for r in records] == [([i], [i]) for i in range(5)]


def test_presegmented_mixed_newlines_ids_are_lines(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    src = "Erste Zeile\r\nZweite Zeile\rDritte Zeile\n\nFünfte Zeile"
    tgt = "First line\nSecond line\r\nThird line\r\rFifth line\n"
    records, _, _ = pair_and_check(tmp_path, src, tgt, presegmented_input=True, dtd=tmx_dtd)
    assert sum(len(r["src_ids"]) for r in records) == 5 and sum(len(r["tgt_ids"]) for r in records) == 5
    assert [r["src"] for r in records if r["src_ids"] == [4]] == ["Fünfte Zeile"]


def test_identical_duplicated_sentences(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    src = "Ja.\nJa.\nJa.\nDer Präsident sagte nein.\nJa.\nJa.\n"
    tgt = "Yes.\nYes.\nYes.\nThe president said no.\nYes.\nYes.\n"
    records, units, _ = pair_and_check(tmp_path, src, tgt, dtd=tmx_dtd)
    assert [(r["src_ids"], r["tgt_ids"]) for r in records] == [([i], [i]) for i in range(6)]


# --- 4. interruptions and faults -------------------------------------------------------

# Runs the real CLI with one stage slowed down and a marker file written when it starts,
# so the test can signal the process at a known point.
_WRAPPER = r"""
import os, stat, sys, time
marker, stage = os.environ["ALIGN_TEST_MARKER"], os.environ["ALIGN_TEST_STAGE"]

def pause():
    open(marker, "w").close()
    time.sleep(60)

if stage == "write":  # the temporary file is written, not yet renamed
    real_fsync = os.fsync
    def slow_fsync(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode):
            pause()
        real_fsync(fd)
    os.fsync = slow_fsync
else:  # the alignment or wire-copy work is under way
    import align.api, align.wirecopy
    real_align, real_find = align.api.align_windows, align.wirecopy.find_wire_copy
    def slow_align(*a, **k):
        pause()
        return real_align(*a, **k)
    def slow_find(*a, **k):
        pause()
        return real_find(*a, **k)
    align.api.align_windows = slow_align
    align.wirecopy.find_wire_copy = slow_find
from align.cli import main
sys.argv = ["align", *sys.argv[1:]]
main()
"""

COMMANDS = {
    "pair": ["pair", str(SRC), str(TGT), "-s", "de", "-t", "en", "-o", "out.tmx"],
    "dedup": ["dedup", str(SRC), str(TGT), "--json", "-o", "out.tmx"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("stage", ["work", "write"])
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_signal_leaves_no_partial_output(tmp_path: Path, command: str, stage: str, sig: str) -> None:
    """Ctrl-C, kill or kill -9 mid-run: the target never holds a partial file; an old one survives."""
    (tmp_path / "out.tmx").write_text("previous result\n", encoding="utf-8")
    marker = tmp_path.parent / f"{tmp_path.name}.marker"
    env = {**os.environ, "ALIGN_TEST_MARKER": str(marker), "ALIGN_TEST_STAGE": stage}
    env.pop("ALIGN_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRAPPER, *COMMANDS[command]],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the command never reached the stage"
            time.sleep(0.05)
        proc.send_signal(getattr(signal, sig))
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (tmp_path / "out.tmx").read_text(encoding="utf-8") == "previous result\n"
    leftovers = sorted(set(os.listdir(tmp_path)) - {"out.tmx"})
    if sig == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL
        assert all(name.startswith(".out.tmx.") and name.endswith(".tmp") for name in leftovers), leftovers
        assert len(leftovers) == (1 if stage == "write" else 0)
    else:
        assert proc.returncode == 130, err
        assert err.decode().strip().splitlines()[-1] == "align: interrupted; no partial output was kept"
        assert leftovers == []


def test_corrupted_cache_entries_are_recomputed_by_the_real_model(tmp_path: Path) -> None:
    """Damaged rows of the use-m3 state cache are detected, recomputed and rewritten, never used."""
    import sqlite3

    from align.api import align_documents
    from align.embed import load_encoder

    src = segment(read_document(str(SRC), "de"))
    tgt = segment(read_document(str(TGT), "en"))
    encoder = load_encoder("use-m3", cache=True, cache_dir=tmp_path)
    first = align_documents(src, tgt, model=encoder)
    store = encoder.cache
    db = sqlite3.connect(tmp_path / "embeddings.sqlite3")
    rows = db.execute("SELECT key, data FROM vectors").fetchall()
    assert rows
    for k, (key, data) in enumerate(rows):  # flip a bit in every row; truncate some
        damaged = bytes([data[0] ^ 0x10]) + data[1:] if k % 3 else data[: len(data) // 2]
        db.execute("UPDATE vectors SET data = ? WHERE key = ?", (damaged, key))
    db.commit()
    db.close()
    corrupt_before, hits_before = store.corrupt, store.hits
    second = align_documents(src, tgt, model=encoder)
    assert store.corrupt - corrupt_before == len(rows)
    assert store.hits == hits_before
    assert second.beads == first.beads
    third_hits = store.hits
    align_documents(src, tgt, model=encoder)
    assert store.hits - third_hits == len(rows)  # rewritten good rows are now used


def test_disk_full_device(tmp_path: Path) -> None:
    """``-o /dev/full``: every write fails with ENOSPC; the device itself stays a device."""
    if not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full")
    for args in (["pair", SRC, TGT, "-s", "de", "-t", "en", "-f", "beads"], ["dedup", SRC, TGT, "--json"]):
        done = run_align(*args, "-o", "/dev/full", cwd=tmp_path)
        assert_one_line_error(done, "disk full", "/dev/full", "free space")
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert os.listdir(tmp_path) == []


def test_disk_full_regular_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """ENOSPC halfway through a regular file: one line saying the disk is full, no file, no temp file."""
    from align.files import atomic

    real_fdopen = os.fdopen

    class FillsUp:
        def __init__(self, f) -> None:
            self.f, self.written = f, 0

        def write(self, data: bytes) -> int:
            if self.written + len(data) > 200:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.written += len(data)
            return self.f.write(data)

        def __getattr__(self, name: str):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.f.close()

    monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode: FillsUp(real_fdopen(fd, mode)))
    (tmp_path / "out.tmx").write_text("previous result\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["align", "pair", str(SRC), str(TGT), "-s", "de", "-t", "en",
                                      "-o", str(tmp_path / "out.tmx")])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("align: error: disk full while writing") and len(err.splitlines()) == 1, err
    assert "free space" in err
    assert os.listdir(tmp_path) == ["out.tmx"]
    assert (tmp_path / "out.tmx").read_text(encoding="utf-8") == "previous result\n"


# --- 5. untrusted content --------------------------------------------------------------

_BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE tmx [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<tmx version="1.4"><header srclang="de"/><body>
<tu><tuv xml:lang="de"><seg>A &lol9; B</seg></tuv><tuv xml:lang="en"><seg>ok</seg></tuv></tu>
</body></tmx>
"""


def test_every_markup_output_escapes_text(tmp_path: Path) -> None:
    """Hostile text in every HTML and XML format stays text: no element, attribute or script from it."""
    import importlib.util
    import io

    from align.api import align_texts
    from align.export import formats, get_exporter
    from tests.hash_encoder import HashEncoder

    if importlib.util.find_spec("align.report") is not None:
        import align.report  # noqa: F401  (registers the html format)
    hostile = '<script>alert(1)</script> "><img src=x onerror=alert(2)> &amp; ]]> <!-- x --> Satz.'
    alignment = align_texts(f"Der Hund bellt. {hostile}", f"The dog barks. {hostile}", "de", "en", model=HashEncoder())
    markup = [f for f in formats() if f in ("tmx", "html", "xml", "xliff")]
    assert "tmx" in markup
    for fmt in markup:
        buf = io.BytesIO()
        get_exporter(fmt).write(alignment, buf)
        out = buf.getvalue().decode("utf-8")
        assert "<script>alert(1)" not in out and "<img src=x" not in out, fmt
        assert "&lt;script&gt;alert(1)" in out, fmt
        if fmt == "tmx":
            root = etree.fromstring(buf.getvalue(), etree.XMLParser(resolve_entities=False))
            assert all(len(seg) == 0 for seg in root.iter("seg"))
        else:
            root = etree.fromstring(buf.getvalue(), etree.HTMLParser())
            assert not [e for e in root.iter("img")] and not [e for e in root.iter() if e.get("onerror")]
            assert all("alert(1)" not in (e.text or "") for e in root.iter("script")), fmt


def test_read_tmx_billion_laughs(tmp_path: Path) -> None:
    """Nested entities are not expanded: the read is instant and small, or a one-line error."""
    from align.errors import InputError

    path = tmp_path / "lol.tmx"
    path.write_text(_BILLION_LAUGHS, encoding="utf-8")
    tracemalloc.start()
    try:
        units = read_tmx(path)
    except InputError as err:
        units = None
        assert "\n" not in str(err)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20_000_000  # expanding the entities would take gigabytes
    if units is not None:
        assert "lol" not in units[0]["tuvs"][0]["text"]
        assert units[0]["tuvs"][1]["text"] == "ok"


def test_read_tmx_external_entities(tmp_path: Path) -> None:
    """External entities (a local file, a URL, an external DTD) are never fetched or inlined."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    path = tmp_path / "xxe.tmx"
    path.write_text(
        f"""<?xml version="1.0"?>
<!DOCTYPE tmx SYSTEM "http://127.0.0.1:9/tmx14.dtd" [
  <!ENTITY file SYSTEM "file://{secret}">
  <!ENTITY web SYSTEM "http://127.0.0.1:9/x">
  <!ENTITY % param SYSTEM "file://{secret}">
]>
<tmx version="1.4"><header srclang="de"/><body>
<tu><tuv xml:lang="de"><seg>a &file; b &web; c</seg></tuv></tu>
</body></tmx>
""",
        encoding="utf-8",
    )
    units = read_tmx(path)
    assert "TOPSECRET" not in json.dumps(units)
    assert units[0]["tuvs"][0]["text"].replace(" ", "") == "abc"


def test_contained_path_refuses_escapes(tmp_path: Path) -> None:
    assert contained_path(tmp_path, "000-001.de-en.tmx") == os.path.join(str(tmp_path), "000-001.de-en.tmx")
    for name in ("../evil.tmx", "a/b.tmx", "..", ".", "", "/etc/passwd", "x\x00y"):
        with pytest.raises(OutputError) as info:
            contained_path(tmp_path, name)
        assert "\n" not in str(info.value)
    (tmp_path / "link.tmx").symlink_to(tmp_path.parent / "elsewhere.tmx")
    with pytest.raises(OutputError, match="symbolic link"):
        contained_path(tmp_path, "link.tmx")


def test_demo_does_not_write_through_a_symlink(tmp_path: Path) -> None:
    """A samples folder from elsewhere whose output folder holds a link to a file outside it."""
    samples = tmp_path / "samples"
    samples.mkdir()
    for f in SAMPLES.glob("00[01]_*.txt"):
        (samples / f.name).write_bytes(f.read_bytes())
    (samples / "output").mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    (samples / "output" / "000-001.de-en.tsv").symlink_to(victim)
    done = run_align("demo", "--samples", samples, cwd=tmp_path)
    assert_one_line_error(done, "symbolic link", "remove the link")
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert sorted(os.listdir(samples / "output")) == ["000-001.de-en.tsv"]
