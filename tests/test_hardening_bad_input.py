"""Issue 6, section 1: bad input through ``align pair`` (and a few other commands) as a user runs it.

Exit status 1, one line on stderr that says what is wrong and what to do, nothing on
stdout, no file left behind. The helpers and the other sections: ``tests/hardening_support.py``.

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
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest
from lxml import etree

from align.read import read_document
from align.segment import segment
from tests.hardening_support import (
    SRC,
    TGT,
    assert_one_line_error,
    invoke,
    listing,
    pair_and_check,
    png_image,
    run_align,
)
from tests.privileges import without_override_rights


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
