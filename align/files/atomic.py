"""Writing outputs all at once or not at all: one file, or several that change together.

Why a module of its own: the temporary-file-and-rename protocol (and, for several files,
held signals, a folder lock and roll-back) is the mechanism; :mod:`align.files.rules` is
the policy it applies before it writes. See :mod:`align.files` for both.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import secrets
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, BinaryIO

from align.errors import OutputError
from align.files.rules import (
    Inputs,
    check_outputs,
    check_target,
    input_files,
    is_special,
    is_stdout,
    open_error,
    write_error,
)
from align.textsafe import shown_path


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
def atomic_output(
    path: str | os.PathLike[str] | None,
    *,
    inputs: Inputs = (),
    contained_in: str | os.PathLike[str] | None = None,
) -> Iterator[BinaryIO]:
    """Yield a binary file object whose content replaces ``path`` only if the block succeeds.

    ``path`` ``None`` or ``"-"`` yields standard output (flushed at the end, never closed).
    ``inputs`` are the files the output is made from: writing over one of them is refused.
    ``contained_in`` marks an output the tool named itself inside that folder: a symbolic
    link below the folder is refused instead of followed (see :func:`check_contained`).
    A user-named path that is a link is written through, as a shell's ``>`` would.
    Raises :class:`~align.errors.OutputError` with a one-line message for a missing or
    read-only directory, a read-only file, a path that is a directory or an input, and a
    full disk.
    """
    if is_stdout(path):
        out = _stdout_binary()
        yield out
        out.flush()
        return
    with atomic_outputs([path], inputs=inputs, contained_in=contained_in) as (f,):  # type: ignore[list-item]
        yield f


@contextmanager
def atomic_outputs(
    paths: Sequence[str | os.PathLike[str]],
    *,
    inputs: Inputs = (),
    contained_in: str | os.PathLike[str] | None = None,
) -> Iterator[tuple[BinaryIO, ...]]:
    """Yield one binary file object per path; all the files change together, or none does.

    Each file is written to a temporary file beside its target and fsynced. Only when the
    block has succeeded for every file are the targets replaced, one rename each, while:

    * Ctrl-C and SIGTERM are held back until the last rename is done (they take effect
      right after; the outputs are then complete);
    * each target folder is locked (``flock`` on the folder itself, no lock file), so two
      runs writing the same outputs commit one after the other, never interleaved;
    * the previous version of each target is kept as a hard link until every rename
      succeeded, and put back if one fails.

    So an error anywhere (a write, ``fsync``, a full disk, a failing rename) or an
    interruption leaves every target as it was. Only a crash of the machine or SIGKILL
    between two renames (microseconds) can leave a mix; the previous version then
    remains beside the target as ``.NAME.XXXXXXXX.tmp``, which shows it. Devices and pipes
    (``/dev/null``) are written in place: there is nothing to rename there.
    """
    targets = [os.fspath(p) for p in paths]
    if any(not t for t in targets):
        raise OutputError("the output path is empty; give a file name")
    if any(is_stdout(t) for t in targets):
        raise OutputError("these outputs are files written together and cannot go to standard output; give file paths")
    inputs = input_files(inputs)
    check_outputs(targets, inputs=inputs, contained_in=contained_in)
    with ExitStack() as stack:
        files: list[BinaryIO] = []
        pending: list[tuple[str, str, str, str]] = []  # (target as given, temp, final path, directory)
        handles: list[BinaryIO] = []
        for target in targets:
            if is_special(target):
                files.append(stack.enter_context(_write_in_place(target)))
                continue
            # A user-named link is written through (its target replaced, the link kept);
            # a contained output never gets here through a link (check_outputs refused it).
            real = os.path.abspath(target) if contained_in is not None else os.path.realpath(target)
            directory = check_target(real, inputs=inputs) if real != os.path.abspath(target) else os.path.dirname(real)
            try:
                fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(real)}.", suffix=".tmp")
            except OSError as err:
                raise open_error(target, directory, err) from None
            stack.callback(_discard, tmp)  # a no-op once the temporary file has been renamed
            handle = os.fdopen(fd, "wb")
            stack.callback(_close_quietly, handle)
            files.append(handle)  # type: ignore[arg-type]
            handles.append(handle)  # type: ignore[arg-type]
            pending.append((target, tmp, real, directory))
        names = ", ".join(shown_path(t) for t in targets)
        try:
            yield tuple(files)
            # write(), flush(), fsync() and close() can each be where ENOSPC surfaces.
            for handle in handles:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
        except OSError as err:
            _raise_mapped(names, err)
        for _target, tmp, real, _directory in pending:
            try:
                os.chmod(tmp, _final_mode(real))
            except OSError:
                pass  # permissions are a nicety; the content is what matters
        _commit(pending)


def _raise_mapped(target: str, err: OSError) -> None:
    """Raise the one-line error for a failed write to ``target`` (disk full...), else ``err`` itself."""
    mapped = write_error(target, err)
    if mapped is err:
        raise err
    raise mapped from None


def _close_quietly(handle: BinaryIO) -> None:
    try:
        handle.close()
    except OSError:
        pass


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _commit(pending: list[tuple[str, str, str, str]]) -> None:
    """Rename every temporary file over its target, all or none (see :func:`atomic_outputs`)."""
    if not pending:
        return
    if len(pending) == 1:  # one rename is atomic by itself
        target, tmp, real, directory = pending[0]
        try:
            os.replace(tmp, real)
        except OSError as err:
            raise open_error(target, directory, err) from None
        _fsync_directory(directory)
        return
    directories = sorted({d for _t, _tmp, _r, d in pending}, key=lambda d: _dir_key(d))
    with _signals_held(), ExitStack() as locks:
        for directory in directories:
            locks.enter_context(_locked_directory(directory))
        backups: list[str | None] = [_backup(real) for _t, _tmp, real, _d in pending]
        renamed = 0
        try:
            for target, tmp, real, directory in pending:
                try:
                    os.replace(tmp, real)
                except OSError as err:
                    raise open_error(target, directory, err) from None
                renamed += 1
        except BaseException:
            for (_t, _tmp, real, _d), backup in list(zip(pending, backups))[:renamed]:
                try:
                    if backup is not None:
                        os.replace(backup, real)
                    else:
                        os.unlink(real)
                except OSError:
                    pass
            raise
        finally:
            for backup in backups:
                if backup is not None:
                    _discard(backup)
    for directory in directories:
        _fsync_directory(directory)


def _dir_key(directory: str) -> tuple[int, int] | str:
    try:
        st = os.stat(directory)
    except OSError:
        return directory
    return (st.st_dev, st.st_ino)


def _backup(real: str) -> str | None:
    """A hard link to the current version of ``real`` (None if there is none or links are not possible).

    Named like a temporary file (``.NAME.XXXXXXXX.tmp``) so that a leftover one is
    recognisable and is cleaned up with them.
    """
    if not os.path.exists(real):
        return None
    directory, name = os.path.split(real)
    for _ in range(16):
        backup = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            os.link(real, backup)
            return backup
        except FileExistsError:
            continue
        except OSError:
            return None  # a file system without hard links: no roll-back, the renames still run together
    return None


@contextmanager
def _locked_directory(directory: str) -> Iterator[None]:
    """An exclusive ``flock`` on the folder itself, so no lock file is ever left behind."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass  # a file system without flock: the commit still runs, unserialised
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the duration of the block, then deliver them.

    Python runs signal handlers in the main thread only, so replacing the handlers there
    is enough (blocking with ``pthread_sigmask`` would not be: another thread, a BLAS
    worker, could take the signal). Outside the main thread nothing is held.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, lambda s, _f: caught.append(s))
        except (ValueError, OSError):
            pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in caught:
            handler = previous.get(signum)
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)


@contextmanager
def _write_in_place(target: str) -> Iterator[BinaryIO]:
    """Write straight into a device or pipe (see :func:`is_special`); nothing to clean up."""
    directory = os.path.dirname(os.path.abspath(target))
    try:
        f = open(target, "wb")  # noqa: SIM115  (closed below, errors mapped)
    except OSError as err:
        raise open_error(target, directory, err) from None
    try:
        with f:
            yield f  # type: ignore[misc]
            f.flush()
    except OSError as err:
        _raise_mapped(target, err)
