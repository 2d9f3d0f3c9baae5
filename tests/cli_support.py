"""Running ``align`` in the test's own process, as its console entry point runs it.

Shared by the tests of every command's refusals and of ``align tm``: in-process runs are
many times faster than a subprocess and still go through the CLI's error handling.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from align import cli


def run_cli(argv: list[object], cwd: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """``align ARGV`` through the console entry point; returns (exit status, stdout, stderr)."""
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("ALIGN_DEBUG", raising=False)
    monkeypatch.setattr(sys, "argv", ["align", *map(str, argv)])
    previous = signal.getsignal(signal.SIGTERM)  # cli.main() makes SIGTERM act like Ctrl-C
    capsys.readouterr()
    try:
        cli.main()
        code = 0
    except SystemExit as exit_info:
        code = exit_info.code if isinstance(exit_info.code, int) else 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    out, err = capsys.readouterr()
    return code, out, err
