"""Where an export goes and how it is written: standard output (also one without a binary
buffer, as in Jupyter), and atomic files: a failed, interrupted or disk-full write leaves no
file and keeps the previous one, a success leaves no temporary file and the usual mode, and
a bad path (missing folder, a folder, a read-only folder) is a one-line error. The shared
alignment: ``tests/export_support.py``.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

import align.files.atomic as atomic_mod
from align.errors import OutputError
from align.export import FORMATS, Exporter, ExportResult, atomic_output, export
from align.types import Alignment
from tests.export_support import one_line
from tests.privileges import run_python


# ---------------------------------------------------------------------- standard output


def test_export_to_stdout(alignment: Alignment, capsys) -> None:
    result = export(alignment, None, "beads")
    assert result.paths == ()  # standard output
    assert capsys.readouterr().out.splitlines()[0] == "[0]:[0]:0.812"
    export(alignment, "-", "jsonl")
    assert json.loads(capsys.readouterr().out.splitlines()[2])["src_ids"] == [2, 3]


def test_export_to_text_only_stdout(alignment: Alignment, monkeypatch) -> None:
    """Jupyter's stdout has no binary buffer; multi-byte characters must still come out whole."""
    import io

    class TextOnly(io.StringIO):
        pass

    fake = TextOnly()
    monkeypatch.setattr("sys.stdout", fake)
    with atomic_output(None) as out:
        data = "😀 שלום".encode()
        for i in range(len(data)):  # one byte at a time
            out.write(data[i : i + 1])
    assert fake.getvalue() == "😀 שלום"


# ---------------------------------------------------------------------- atomic writes


class Exploding(Exporter):
    """Writes some bytes, then fails: what a bug or Ctrl-C halfway through looks like."""

    name = "exploding"
    options = {"error": ValueError}

    def write(self, alignment, out, **options):  # type: ignore[no-untyped-def]
        out.write(b"partial output\n" * 1000)
        raise options.get("error", ValueError)("boom")


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_failed_write_leaves_no_file(tmp_path: Path, alignment: Alignment, error: type[BaseException]) -> None:
    out = tmp_path / "out.tmx"
    with pytest.raises(error):
        Exploding().export(alignment, out, error=error)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_previous_file(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tmx"
    out.write_bytes(b"previous good output")
    with pytest.raises(ValueError):
        Exploding().export(alignment, out)
    assert out.read_bytes() == b"previous good output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tmx"]


def test_success_leaves_no_temp_files_and_normal_mode(tmp_path: Path, alignment: Alignment) -> None:
    for name in FORMATS.names():
        export(alignment, tmp_path / f"out.{name}", name)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["out.beads", "out.html", "out.jsonl", "out.moses.de", "out.moses.en", "out.tmx", "out.tsv"]
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "out.tmx").stat().st_mode & 0o777 == 0o666 & ~umask


def test_existing_file_keeps_its_mode(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tsv"
    out.write_text("old")
    out.chmod(0o640)
    export(alignment, out)
    assert out.stat().st_mode & 0o777 == 0o640
    assert out.read_text(encoding="utf-8").startswith("src_ids")


def test_missing_directory(tmp_path: Path, alignment: Alignment) -> None:
    with pytest.raises(OutputError, match="does not exist") as info:
        export(alignment, tmp_path / "no" / "such" / "out.tmx")
    assert one_line(info.value)


def test_path_is_a_directory(tmp_path: Path, alignment: Alignment) -> None:
    with pytest.raises(OutputError, match="is a directory") as info:
        export(alignment, tmp_path, "tmx")
    assert one_line(info.value)


def test_parent_is_a_file(tmp_path: Path, alignment: Alignment) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a directory") as info:
        export(alignment, tmp_path / "file" / "out.tmx")
    assert one_line(info.value)


def test_read_only_directory_simulated(tmp_path: Path, alignment: Alignment, monkeypatch) -> None:
    """Simulated, because tests may run as root, for whom chmod does not forbid writing."""

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic_mod.tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match="no permission to write in") as info:
        export(alignment, tmp_path / "out.tmx")
    assert one_line(info.value)


def test_read_only_directory_real(tmp_path: Path) -> None:
    """A real read-only folder, in a child that obeys permission bits even when tests run as root."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    code = (
        "import sys\nfrom align import align_texts\nfrom align.errors import OutputError\n"
        "a = align_texts('Der Hund bellt.', 'The dog barks.', 'de', 'en')\n"
        "try:\n    a.export(sys.argv[1])\nexcept OutputError as err:\n    print(err)\n    sys.exit(7)\n"
    )
    try:
        done = run_python(code, str(ro / "out.tmx"))
        assert done.returncode == 7, (done.stdout, done.stderr)
        assert "no permission" in done.stdout and done.stdout.count("\n") == 1
        assert os.listdir(ro) == []
    finally:
        ro.chmod(0o755)


def test_disk_full(tmp_path: Path, alignment: Alignment) -> None:
    class FullDisk(Exporter):
        name = "full"

        def write(self, alignment, out, **options):  # type: ignore[no-untyped-def]
            out.write(b"some")
            raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "out.tmx"
    with pytest.raises(OutputError) as info:
        FullDisk().export(alignment, out)
    assert str(info.value) == f"disk full while writing {out}; free space and retry"
    assert list(tmp_path.iterdir()) == []


def test_disk_full_on_fsync(tmp_path: Path, alignment: Alignment, monkeypatch) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic_mod.os, "fsync", no_space)
    with pytest.raises(OutputError, match="disk full while writing"):
        export(alignment, tmp_path / "out.tsv")
    assert list(tmp_path.iterdir()) == []


def test_moses_failure_leaves_neither_file(tmp_path: Path, alignment: Alignment, monkeypatch) -> None:
    from align.export.moses import MosesExporter

    def fail(self, alignment, out, **options):  # type: ignore[no-untyped-def]
        out[0].write(b"src line\n")
        out[1].write(b"tgt line\n")
        raise RuntimeError("boom")

    monkeypatch.setattr(MosesExporter, "write", fail)
    with pytest.raises(RuntimeError):
        export(alignment, tmp_path / "c", "moses")
    assert list(tmp_path.iterdir()) == []


def test_export_result_type(tmp_path: Path, alignment: Alignment) -> None:
    result = export(alignment, tmp_path / "o.tmx")
    assert isinstance(result, ExportResult)
    assert result.paths == (str(tmp_path / "o.tmx"),)


def test_writes_through_a_symlink(tmp_path: Path, alignment: Alignment) -> None:
    real = tmp_path / "real.tsv"
    real.write_text("old")
    link = tmp_path / "link.tsv"
    link.symlink_to(real)
    export(alignment, link)
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith("src_ids")


def test_empty_output_path(alignment: Alignment) -> None:
    with pytest.raises(OutputError, match="empty"):
        export(alignment, "", "tsv")
