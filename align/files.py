"""Every file align writes: all at once or not at all, and never over an input.

This is the package's one file-writing room (exporters, reports, plots, batch outputs and
markers, the index, the demo all come here), so the rules below hold for every writer.
An exporter that fails halfway (a bug, a full disk, Ctrl-C) must not leave a truncated
TMX behind that a CAT tool would later import without complaint, nor clobber the good
file from the previous run. :func:`atomic_output` therefore writes to a temporary file in
the target's directory (so the final :func:`os.replace` is a rename on one filesystem,
which POSIX and Windows make atomic), fsyncs it, and only then moves it into place; on
any exception, including :class:`KeyboardInterrupt`, the temporary file is removed.

Example::

    with atomic_output("out.tmx") as f:   # f is a binary file object
        f.write(b"...")

Every file the package writes goes through this module, so its rules hold everywhere:

* an output is never one of the run's inputs (:func:`check_target` compares files by
  device and inode, so a symbolic link or a hard link to an input is caught too), nor the
  same file as another output of the run (:func:`check_outputs`);
* an existing read-only output is refused, as the shell refuses ``> file`` (a rename would
  replace it silently, since only the folder's permissions are checked by ``rename``);
* outputs whose names the tool made up (batch and demo folders) are never written through
  a symbolic link anywhere below their folder (``contained_in``);
* several files that belong together (Moses ``.src``/``.tgt``) change together or not at
  all (:func:`atomic_outputs`).

``atomic_output(None)`` or ``atomic_output("-")`` writes to standard output instead
(nothing to make atomic there). So does a target that exists and is not a regular file
(``/dev/stdout``, ``/dev/null``, a named pipe): it is written in place, because renaming a
temporary file over it would replace the device or pipe with a plain file.
"""

from __future__ import annotations

import codecs
import errno
import fcntl
import os
import secrets
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, BinaryIO

from align.errors import OutputError
from align.textsafe import shown_path

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
    link already sitting at the name would make a write land wherever it points; both are
    refused with an :class:`OutputError` instead. Write the result with
    ``atomic_output(path, contained_in=directory)``, which checks the links again.
    """
    seps = {os.sep, os.altsep or os.sep, "/"}
    if not name or name in (".", "..") or any(sep in name for sep in seps) or "\x00" in name:
        raise OutputError(
            f"output name {shown_path(name)!r} is not a plain file name; it would be written outside "
            f"{shown_path(directory)}"
        )
    path = os.path.join(os.fspath(directory), name)
    check_contained(path, directory)
    return path


def check_contained(path: str | os.PathLike[str], directory: str | os.PathLike[str]) -> None:
    """Refuse a symbolic link at ``path`` or at any folder between ``directory`` and it.

    ``directory`` itself may be a link (the user chose it); what lies below it was made by
    the tool or came with the data, and a link there (``.done -> /etc``) would send the
    tool's writes, and its clean-up of temporary files, somewhere the user never named.
    """
    base = os.path.abspath(os.fspath(directory))
    target = os.path.abspath(os.fspath(path))
    rel = os.path.relpath(target, base)
    if rel == os.curdir or rel.split(os.sep)[0] == os.pardir:
        raise OutputError(f"{shown_path(path)} is not inside {shown_path(directory)}; align keeps its outputs there")
    current = base
    for part in rel.split(os.sep):
        current = os.path.join(current, part)
        if os.path.islink(current):
            raise OutputError(
                f"{shown_path(current)} is a symbolic link; align does not write an output it names itself "
                "through a link (it could point outside the output folder): remove the link or choose another "
                "output folder"
            )


def file_id(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(device, inode) of the regular file ``path`` names, following links; None for anything else.

    Only regular files can be destroyed by a write: writing to a terminal or a pipe that
    an input also reads from (``/dev/stdin`` and ``/dev/stdout`` on one terminal) is harmless.
    """
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


class InputFiles:
    """The regular files a run reads, by device and inode, to tell when an output would overwrite one.

    Built once per run (a batch of thousands of pairs checks every output against every
    input with one lookup each); any function here that takes ``inputs`` accepts either
    this or a plain list of paths.
    """

    def __init__(self, paths: Iterable[str | os.PathLike[str] | None] = ()) -> None:
        self._ids: dict[tuple[int, int], str] = {}
        for source in paths:
            if source is None or is_stdout(source):
                continue
            fid = file_id(source)
            if fid is not None:
                self._ids.setdefault(fid, os.fspath(source))

    def check(self, path: str | os.PathLike[str]) -> None:
        """Refuse ``path`` when it is (or resolves to) one of the inputs: the write would destroy it."""
        if not self._ids:
            return
        source = self._ids.get(file_id(path))  # type: ignore[arg-type]
        if source is None:
            return
        path = os.fspath(path)
        how = "" if os.path.abspath(path) == os.path.abspath(source) else " (the same file under another name or through a link)"
        raise OutputError(
            f"cannot write {shown_path(path)}: it is the input {shown_path(source)}{how}; "
            "align never writes over its inputs: choose another output path"
        )


Inputs = InputFiles | Iterable[str | os.PathLike[str] | None]


def _input_files(inputs: Inputs) -> InputFiles:
    return inputs if isinstance(inputs, InputFiles) else InputFiles(inputs)


def _check_writable_file(path: str) -> None:
    """Refuse an existing file the user may not write, as ``> file`` in a shell would.

    Replacing a file by rename needs only the folder's permission, so without this check a
    file made read-only on purpose (``chmod a-w``) would be replaced silently. A process
    allowed to override permissions (root) may write it, as the shell's redirection may.
    """
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return
    if stat.S_ISREG(st.st_mode) and not os.access(path, os.W_OK):
        raise OutputError(
            f"cannot write {shown_path(path)}: the file is read-only; make it writable (chmod u+w) or choose "
            "another output path"
        )


def check_target(
    path: str | os.PathLike[str],
    *,
    inputs: Inputs = (),
    contained_in: str | os.PathLike[str] | None = None,
) -> str:
    """Fail early, with a message a user can act on, before any byte is written.

    Refuses a directory, a missing or unwritable folder, a read-only file, a path that is
    (or leads by a link to) one of ``inputs``, and, with ``contained_in``, a symbolic link
    anywhere below that folder. Returns the directory the temporary file goes into.
    """
    path = os.fspath(path)
    if contained_in is not None:
        check_contained(path, contained_in)
    if os.path.isdir(path):
        raise OutputError(f"cannot write {shown_path(path)}: it is a directory; give a file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(directory):
        raise OutputError(
            f"cannot write {shown_path(path)}: directory {shown_path(directory)} does not exist; create it or "
            "choose another output path"
        )
    if not os.path.isdir(directory):
        raise OutputError(
            f"cannot write {shown_path(path)}: {shown_path(directory)} is not a directory; choose another output path"
        )
    _input_files(inputs).check(path)
    if not _is_special(path):
        _check_writable_file(path)
        if not os.access(directory, os.W_OK | os.X_OK):
            # Checked here so a read-only folder fails before the work, not after it; the
            # temporary file's creation still catches what access() cannot know (e.g. root on /sys).
            raise _open_error(path, directory, OSError(errno.EROFS if _read_only_fs(directory) else errno.EACCES, ""))
    return directory


def check_outputs(
    paths: Sequence[str | os.PathLike[str] | None],
    *,
    inputs: Inputs = (),
    contained_in: str | os.PathLike[str] | None = None,
) -> None:
    """:func:`check_target` for every output of one run, and no two outputs the same file.

    What commands call before any work, with every input they will read, so that a
    mistake (``-o de.txt``, ``--plot out.tmx -o out.tmx``) costs nothing. Standard output
    (``None``/``"-"``) is skipped.
    """
    inputs = _input_files(inputs)
    seen: dict[object, str] = {}
    for path in paths:
        if is_stdout(path):
            continue
        target = os.fspath(path)  # type: ignore[arg-type]
        if not target:
            raise OutputError("the output path is empty; give a file name")
        check_target(target, inputs=inputs, contained_in=contained_in)
        key = file_id(target) or os.path.realpath(target)
        if key in seen:
            raise OutputError(
                f"{shown_path(seen[key])} and {shown_path(target)} are the same output file; give each output "
                "its own path"
            )
        seen[key] = target  # type: ignore[index]


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
    inputs = _input_files(inputs)
    check_outputs(targets, inputs=inputs, contained_in=contained_in)
    with ExitStack() as stack:
        files: list[BinaryIO] = []
        pending: list[tuple[str, str, str, str]] = []  # (target as given, temp, final path, directory)
        handles: list[BinaryIO] = []
        for target in targets:
            if _is_special(target):
                files.append(stack.enter_context(_write_in_place(target)))
                continue
            # A user-named link is written through (its target replaced, the link kept);
            # a contained output never gets here through a link (check_outputs refused it).
            real = os.path.abspath(target) if contained_in is not None else os.path.realpath(target)
            directory = check_target(real, inputs=inputs) if real != os.path.abspath(target) else os.path.dirname(real)
            try:
                fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(real)}.", suffix=".tmp")
            except OSError as err:
                raise _open_error(target, directory, err) from None
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
            mapped = _write_error(names, err)
            if mapped is err:
                raise
            raise mapped from None
        for _target, tmp, real, _directory in pending:
            try:
                os.chmod(tmp, _final_mode(real))
            except OSError:
                pass  # permissions are a nicety; the content is what matters
        _commit(pending)


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
            raise _open_error(target, directory, err) from None
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
                    raise _open_error(target, directory, err) from None
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
