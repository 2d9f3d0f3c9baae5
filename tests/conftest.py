"""Shared test set-up: never touch the network, keep the embedding cache per test session."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from hypothesis import settings
from lxml import etree

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED_DATA = ROOT.parent / "shared" / "data"
#: Under CI (``CI=true``, as ``.ci/run`` sets it) tests that need data or a service fail
#: instead of skipping, so a broken set-up cannot pass silently.
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")

# shared fixtures: the index tests' (``redis_name``), the exporter tests' (``alignment``)
# and the embedding tests' (``de_sents``, ``en_sents``, ``enc``)
pytest_plugins = ["tests.index_support", "tests.export_support", "tests.embed_support"]

# A test run started in the background by a shell (a CI script, ``cmd &``) inherits Ctrl-C
# ignored, and every command the tests start would inherit that too; the tests that send
# SIGINT to a command check what a user at a terminal gets, so the run takes Ctrl-C back
# (a handler set here is reset to the default in each child at exec, an ignore is not).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Property tests explore new random examples on every local run (that is how they find
# bugs); under CI they replay one fixed sequence, so a run passes or fails for a reason in
# the code and not by the luck of the draw. bench/fuzz.py explores at random at scale.
settings.register_profile("ci", derandomize=True, print_blob=True)
if IN_CI:
    settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point the embedding cache at a fresh folder so tests never see a user's cache."""
    os.environ["ALIGN_CACHE_DIR"] = str(tmp_path_factory.mktemp("align-cache"))


@pytest.fixture(scope="session")
def tmx_dtd() -> etree.DTD:
    """The TMX 1.4b DTD from ../shared/data, parsed once, for tests that validate TMX output.

    It is loaded when a test asks for it, not when a module is imported. Without
    ../shared, only those tests skip (they fail under CI), and the rest of their module
    still runs.
    """
    path = SHARED_DATA / "tmx14.dtd"
    if not path.is_file():
        message = f"TMX DTD not found at {path} (../shared/data is absent)"
        if IN_CI:
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    return etree.DTD(str(path))
