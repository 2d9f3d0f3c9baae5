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
* several files that belong together (Moses' two files, the outputs of one ``pair -o a.tmx
  -o a.tsv``) change together or not at all (:func:`atomic_outputs`).

``atomic_output(None)`` or ``atomic_output("-")`` writes to standard output instead
(nothing to make atomic there). So does a target that exists and is not a regular file
(``/dev/stdout``, ``/dev/null``, a named pipe): it is written in place, because renaming a
temporary file over it would replace the device or pipe with a plain file.
"""

from align.files.atomic import atomic_output, atomic_outputs
from align.files.rules import (
    InputFiles,
    check_contained,
    check_directory,
    check_outputs,
    check_target,
    contained_path,
    file_id,
    is_stdout,
)

__all__ = [
    "InputFiles",
    "atomic_output",
    "atomic_outputs",
    "check_contained",
    "check_directory",
    "check_outputs",
    "check_target",
    "contained_path",
    "file_id",
    "is_stdout",
]
