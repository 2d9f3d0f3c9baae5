"""Everyday command-line comforts: ``--version``, progress bars on a terminal, ``align cache``.

``--version`` and the progress bars run as real processes (the bar only appears when
stderr is a terminal, so those runs get a pseudo-terminal from :mod:`pty`); the cache
commands run in this process with typer's CliRunner against a cache in a temporary folder.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from align import __version__, cli
from align.cli.app import package_version

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "ALIGN_DEBUG"}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "align", *args], capture_output=True, text=True, env=environ,
                          cwd=ROOT, timeout=300, check=False)


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_prints_the_package_version_and_exits_0(flag: str) -> None:
    done = _run(flag)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"align {importlib.metadata.version('align')}\n"
    assert done.stderr == ""


def test_version_imports_nothing_heavy() -> None:
    code = ("import sys; sys.argv = ['align', '--version']\n"
            "from align.launch import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'torch', 'sqlite3') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.stdout.splitlines()[-1] == "[]", done.stdout + done.stderr


def test_version_from_a_source_tree_never_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert package_version() == __version__
    result = CliRunner().invoke(cli.app, ["--version"])
    assert result.exit_code == 0 and result.output == f"align {__version__}\n"
