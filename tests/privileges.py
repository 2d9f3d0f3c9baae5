"""Run a command as a user without the right to override file permissions.

Tests here usually run as root (CI machines, containers), and root may write a read-only
file or into a read-only folder, so a test of "a read-only output is refused" would prove
nothing. :func:`without_override_rights` returns a ``preexec_fn`` for :mod:`subprocess`
that drops, for the child only, the capabilities that let root ignore permissions
(``CAP_DAC_OVERRIDE``, ``CAP_DAC_READ_SEARCH``, ``CAP_FOWNER``) from its bounding set; after
``exec`` the child is root by id but bound by permission bits like any user. For a
non-root user nothing needs dropping.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable

import pytest

_PR_CAPBSET_DROP = 24
_CAPS = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


def _drop() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in _CAPS:
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def without_override_rights() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child obey permission bits (None when it already does).

    Skips the calling test when the platform cannot drop the rights (not Linux, or a
    sandbox that forbids ``prctl``), after checking that a dropped child really is refused.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    if not sys.platform.startswith("linux"):
        pytest.skip("dropping root's override rights needs Linux capabilities")
    with tempfile.NamedTemporaryFile() as f:
        os.chmod(f.name, 0o444)
        probe = subprocess.run(
            [sys.executable, "-c", "import os, sys; sys.exit(3 if os.access(sys.argv[1], os.W_OK) else 0)", f.name],
            preexec_fn=_drop, check=False, capture_output=True,
        )
    if probe.returncode != 0:
        pytest.skip("could not drop root's override rights here (prctl refused)")
    return _drop


def run_python(code: str, *args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    """Run ``python -c code args`` in a child bound by permission bits (see :func:`without_override_rights`).

    For checks that must see a permission refused: as root they run in-process to nothing.
    The child's exit status and output are the test's evidence.
    """
    return subprocess.run([sys.executable, "-c", code, *args], preexec_fn=without_override_rights(), cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=600)
