"""Write an output file all at once or not at all.

An exporter that fails halfway (a bug, a full disk, Ctrl-C) must not leave a truncated
TMX behind that a CAT tool would later import without complaint, nor clobber the good
file from the previous run. :func:`atomic_output` therefore writes to a temporary file in
the target's directory (so the final :func:`os.replace` is a rename on one filesystem,
which POSIX and Windows make atomic), fsyncs it, and only then moves it into place; on
any exception, including :class:`KeyboardInterrupt`, the temporary file is removed.

Example::

    with atomic_output("out.tmx") as f:   # f is a binary file object
        f.write(b"...")

``atomic_output(None)`` or ``atomic_output("-")`` writes to standard output instead
(nothing to make atomic there). So does a target that exists and is not a regular file
(``/dev/stdout``, ``/dev/null``, a named pipe): it is written in place, because renaming a
temporary file over it would replace the device or pipe with a plain file.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from align.errors import OutputError

#: errno values that mean "no room left" (quota exhaustion looks the same to a user).
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def is_stdout(path: str | os.PathLike[str] | None) -> bool:
    """True when ``path`` means standard output (``None`` or ``"-"``)."""
    return path is None or os.fspath(path) == "-"


class _TextToBinary:
    """Let byte-writing exporters write to a text-only stdout (Jupyter, pytest capture).

    An incremental decoder keeps a multi-byte UTF-8 character intact when it is split
    across two ``write`` calls.
    """

    def __init__(self, stream: object) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def write(self, data: bytes) -> int:
        self._stream.write(self._decoder.decode(bytes(data)))  # type: ignore[attr-defined]
        return len(data)

    def flush(self) -> None:
        tail = self._decoder.decode(b"", final=True)
        if tail:
            self._stream.write(tail)  # type: ignore[attr-defined]
        flush = getattr(self._stream, "flush", None)
        if flush is not None:
            flush()


def _stdout_binary() -> BinaryIO:
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        return buffer  # type: ignore[no-any-return]
    return _TextToBinary(sys.stdout)  # type: ignore[return-value]


def _is_special(path: str) -> bool:
    """True when ``path`` exists and is neither a regular file nor a directory.

    Devices, named pipes and sockets (``/dev/null``, ``/dev/stdout``, ``mkfifo``) cannot be
    replaced atomically; :func:`atomic_output` writes into them directly.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _write_error(target: str, err: OSError) -> OSError | OutputError:
    """The one-line error for a failed write, flush, fsync or close (or ``err`` itself)."""
    if err.errno in _NO_SPACE:
        return OutputError(f"disk full while writing {target}; free space and retry")
    if err.errno == errno.EFBIG:
        return OutputError(f"cannot write {target}: file too large for this file system")
    return err


def contained_path(directory: str | os.PathLike[str], name: str) -> str:
    """``directory/name`` for an output whose name the tool made up, checked to stay inside ``directory``.

    Commands that name their own outputs (``align demo``, batch runs) take parts of those
    names from input files, and the output folder may come with the inputs (an unpacked
    archive). A name with a path separator or ``..`` would leave the folder, and a symbolic
    link already sitting at the name would make :func:`atomic_output` overwrite whatever it
    points to; both are refused with an :class:`OutputError` instead.
    """
    seps = {os.sep, os.altsep or os.sep, "/"}
    if not name or name in (".", "..") or any(sep in name for sep in seps) or "\x00" in name:
        raise OutputError(f"output name {name!r} is not a plain file name; it would be written outside {directory}")
    path = os.path.join(os.fspath(directory), name)
    if os.path.islink(path):
        raise OutputError(
            f"{path} is a symbolic link; align does not write an output it names itself through a link "
            "(it could point outside the output folder): remove the link or choose another output folder"
        )
    return path


def check_target(path: str) -> str:
    """Fail early, with a message a user can act on, before any byte is written.

    Returns the directory the temporary file goes into.
    """
    if os.path.isdir(path):
        raise OutputError(f"cannot write {path}: it is a directory; give a file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(directory):
        raise OutputError(
            f"cannot write {path}: directory {directory} does not exist; create it or choose another output path"
        )
    if not os.path.isdir(directory):
        raise OutputError(f"cannot write {path}: {directory} is not a directory; choose another output path")
    if not _is_special(path) and not os.access(directory, os.W_OK | os.X_OK):
        # Checked here so a read-only folder fails before the work, not after it; the
        # temporary file's creation still catches what access() cannot know (e.g. root on /sys).
        raise _open_error(path, directory, OSError(errno.EROFS if _read_only_fs(directory) else errno.EACCES, ""))
    return directory


def _read_only_fs(directory: str) -> bool:
    """True when ``directory`` is on a file system mounted read-only (so the message can say so)."""
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):  # no statvfs (Windows), or it failed: say "no permission"
        return False


def _open_error(path: str, directory: str, err: OSError) -> OutputError:
    if err.errno in (errno.EACCES, errno.EPERM):
        return OutputError(f"cannot write {path}: no permission to write in {directory}; choose another output path")
    if err.errno == errno.EROFS:
        return OutputError(
            f"cannot write {path}: {directory} is on a read-only file system; choose another output path"
        )
    if err.errno in _NO_SPACE:
        return OutputError(f"disk full while writing {path}; free space and retry")
    return OutputError(f"cannot write {path}: {err.strerror or err}; choose another output path")


def _final_mode(path: str) -> int:
    """Keep an existing file's permissions; give a new file the usual ``0o666 & ~umask``.

    :func:`tempfile.mkstemp` creates files readable by the owner only, which would
    surprise a user who shares the output.
    """
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable where the platform allows it (best effort)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_output(path: str | os.PathLike[str] | None) -> Iterator[BinaryIO]:
    """Yield a binary file object whose content replaces ``path`` only if the block succeeds.

    ``path`` ``None`` or ``"-"`` yields standard output (flushed at the end, never closed).
    Raises :class:`~align.errors.OutputError` with a one-line message for a missing or
    read-only directory, a path that is a directory, and a full disk.
    """
    if is_stdout(path):
        out = _stdout_binary()
        yield out
        out.flush()
        return

    target = os.fspath(path)  # type: ignore[arg-type]
    if not target:
        raise OutputError("the output path is empty; give a file name")
    if _is_special(target):
        yield from _write_in_place(target)
        return
    # Write through a symlink (replace the file it points to, not the link itself).
    real = os.path.realpath(target)
    directory = check_target(target)
    if real != os.path.abspath(target):
        directory = check_target(real)
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(real)}.", suffix=".tmp")
    except OSError as err:
        raise _open_error(target, directory, err) from None

    committed = False
    try:
        try:
            with os.fdopen(fd, "wb") as f:
                yield f  # type: ignore[misc]
                f.flush()
                os.fsync(f.fileno())
        except OSError as err:
            # write(), flush(), fsync() and close() can each be where ENOSPC surfaces.
            mapped = _write_error(target, err)
            if mapped is err:
                raise
            raise mapped from None
        try:
            os.chmod(tmp, _final_mode(real))
        except OSError:
            pass  # permissions are a nicety; the content is what matters
        try:
            os.replace(tmp, real)
        except OSError as err:
            raise _open_error(target, directory, err) from None
        committed = True
        _fsync_directory(directory)
    finally:
        # BaseException included: Ctrl-C must not leave ".out.tmx.xxxx.tmp" files behind.
        if not committed:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _write_in_place(target: str) -> Iterator[BinaryIO]:
    """Write straight into a device or pipe (see :func:`_is_special`); nothing to clean up."""
    directory = os.path.dirname(os.path.abspath(target))
    try:
        f = open(target, "wb")  # noqa: SIM115  (closed below, errors mapped)
    except OSError as err:
        raise _open_error(target, directory, err) from None
    try:
        with f:
            yield f  # type: ignore[misc]
            f.flush()
    except OSError as err:
        mapped = _write_error(target, err)
        if mapped is err:
            raise
        raise mapped from None
