"""Where an output may go: the rules every writer of align checks before it writes.

Why a module of its own: the checks run twice, once by each command before any work (so
a mistake costs nothing) and once by the writer itself (so a library caller is protected
too), and both must apply the very same rules; see :mod:`align.files` for the rules.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Sequence

from align.errors import OutputError
from align.textsafe import shown_path

#: errno values that mean "no room left" (quota exhaustion looks the same to a user).
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def is_stdout(path: str | os.PathLike[str] | None) -> bool:
    """True when ``path`` means standard output (``None`` or ``"-"``)."""
    return path is None or os.fspath(path) == "-"


def is_special(path: str) -> bool:
    """True when ``path`` exists and is neither a regular file nor a directory.

    Devices, named pipes and sockets (``/dev/null``, ``/dev/stdout``, ``mkfifo``) cannot be
    replaced atomically; :func:`atomic_output` writes into them directly.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def write_error(target: str, err: OSError) -> OSError | OutputError:
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


def input_files(inputs: Inputs) -> InputFiles:
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
    directory = _existing_directory(path)
    input_files(inputs).check(path)
    if not is_special(path):
        _check_writable_file(path)
        _check_writable_directory(path, directory)
    return directory


def check_directory(path: str | os.PathLike[str]) -> str:
    """The folder part of :func:`check_target` for an output whose exact name is not known
    yet (Moses files named by a language detected during the work): the folder ``path``
    would go into exists and may be written. The full check runs when the name is known."""
    path = os.fspath(path)
    directory = _existing_directory(path)
    _check_writable_directory(path, directory)
    return directory


def _existing_directory(path: str) -> str:
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
    return directory


def _check_writable_directory(path: str, directory: str) -> None:
    if not os.access(directory, os.W_OK | os.X_OK):
        # Checked here so a read-only folder fails before the work, not after it; the
        # temporary file's creation still catches what access() cannot know (e.g. root on /sys).
        raise open_error(path, directory, OSError(errno.EROFS if _read_only_fs(directory) else errno.EACCES, ""))


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
    inputs = input_files(inputs)
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


def open_error(path: str, directory: str, err: OSError) -> OutputError:
    if err.errno in (errno.EACCES, errno.EPERM):
        return OutputError(f"cannot write {path}: no permission to write in {directory}; choose another output path")
    if err.errno == errno.EROFS:
        return OutputError(
            f"cannot write {path}: {directory} is on a read-only file system; choose another output path"
        )
    if err.errno in _NO_SPACE:
        return OutputError(f"disk full while writing {path}; free space and retry")
    return OutputError(f"cannot write {path}: {err.strerror or err}; choose another output path")
