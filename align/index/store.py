"""The :class:`Store` interface of a persistent wire-copy index, and what its backends share.

The index has two parts: datasketch's ``MinHashLSH`` buckets (through
:class:`~align.wirecopy.lsh.PassageIndex`) and the metadata needed to verify and
report a match (each indexed passage's shingles; each document's path, language,
content hash and sentence spans). A :class:`Store` keeps both, behind one small
interface, so :mod:`align.index.archive` never knows where they live (as datasketch keeps
its storage backends apart from the LSH). The backends, each in its own module:

- :class:`~align.index.file_store.FileStore`: everything in memory, saved to one file
  atomically after a change. Simple, no server; loading costs time and memory in
  proportion to the archive (see ``bench/SCALE.md``). Its members are read through
  :mod:`align.index.safe_zip`, which checks every size before inflating anything.
- :class:`~align.index.redis_store.RedisStore`: the LSH in Redis through datasketch's own
  Redis storage (``storage_config={"type": "redis", ...}``) and the metadata in Redis hashes
  under the same name, so several machines add to and query one index. Its URL is parsed,
  and shown with every secret hidden, by :mod:`align.index.redis_url`.

Neither format is ever read with :mod:`pickle`. Index files get passed around (a
colleague's archive, a download) and a Redis server may be writable by others, and
unpickling runs whatever code the data names. The file is a zip of ``.npy`` arrays and
one JSON member, read with ``np.load(allow_pickle=False)``; Redis holds JSON, raw
little-endian arrays and the LSH keys as plain UTF-8 bytes (``prepickle=False``). An
index in the format-1 layout (a pickle file, or Redis keys pickled by datasketch) is
refused with a message to rebuild it, never opened.

A damaged or hostile index is refused in one line ("damaged ...; rebuild it") before
anything big is allocated: every value of the file's ``meta.json`` and of the Redis hashes
is checked against what align writes (a document record by :func:`check_record`, settings
by :meth:`align.index.archive.IndexSettings.problem`).
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from align.errors import InputError
from align.textsafe import printable
from align.wirecopy.lsh import PassageIndex
from align.wirecopy.minhash import MinHasher

if TYPE_CHECKING:
    from align.index.vectors import LanguageVectors

#: Format of index files and of Redis indexes. 1 (align before this change): a pickle
#: file, Redis keys pickled by datasketch; both are refused, since unpickling runs code.
FORMAT = 2


def message_detail(err: BaseException | str) -> str:
    """The first line of an error's text (or its type), printable, cut to a message's length."""
    text = str(err)
    first = text.splitlines()[0] if text.strip() else type(err).__name__
    return printable(first.rstrip(". "), keep_newlines=False)[:160]


def check_record(rec: Any) -> bool:
    """Whether ``rec`` is a document record as align writes it (a damaged one would fail
    later, deep in a query, with a KeyError or an IndexError)."""
    if not (isinstance(rec, dict) and isinstance(rec.get("path"), str) and isinstance(rec.get("lang"), str)
            and isinstance(rec.get("digest"), str) and isinstance(rec.get("spans"), list)):
        return False
    spans = rec["spans"]
    return len(spans) % 2 == 0 and all(type(x) is int and x >= 0 for x in spans)


class Store(ABC):
    """Storage of one index: its settings, LSH, documents and passage shingles.

    Documents have integer ids; a passage's key is ``"DOC:FIRST:LAST"`` (sentences
    ``FIRST..LAST`` of document ``DOC``), so a key alone says where the passage is.
    """

    lsh: PassageIndex
    location: str

    @abstractmethod
    def settings(self) -> dict[str, Any] | None:
        """The settings the index was created with (None for a new, empty index)."""

    @abstractmethod
    def open_lsh(self, hasher: MinHasher, settings: dict[str, Any]) -> None:
        """Record ``settings`` if new and make :attr:`lsh` ready."""

    @abstractmethod
    def doc_ids_for(self, digests: list[str]) -> list[int | None]:
        """The id of an indexed document with each content digest (None: not indexed)."""

    @abstractmethod
    def new_doc_ids(self, n: int) -> int:
        """Reserve ``n`` consecutive document ids; return the first."""

    @abstractmethod
    def put(self, docs: dict[int, dict[str, Any]], keys: list[str], shingles: list[np.ndarray],
            signatures: np.ndarray) -> None:
        """Add documents (id → record with ``digest``), their passages' shingles and LSH entries."""

    @abstractmethod
    def get_docs(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """Records of the given documents (missing ids are left out)."""

    @abstractmethod
    def get_shingles(self, keys: list[str]) -> list[np.ndarray | None]:
        """Shingle sets of the given passages (None where a key is unknown)."""

    @abstractmethod
    def count_lines(self, keys: list[str]) -> None:
        """Count one more document for each short-sentence key (page-template detection)."""

    @abstractmethod
    def line_counts(self, keys: list[str]) -> list[int]:
        """In how many indexed documents each short-sentence key occurs."""

    @abstractmethod
    def counts(self) -> tuple[int, int]:
        """Documents and passages in the index."""

    @abstractmethod
    def damaged(self, what: str) -> InputError:
        """The one-line error for an index found damaged (``what``: how), saying to rebuild it."""

    # Sentence vectors for cross-lingual lookups (align.index.vectors). Only the file store
    # keeps them: the Redis server align is tested with has no vector search module
    # (MODULE LIST is empty, FT._LIST unknown), and a hand-made search over vectors kept in
    # Redis hashes would fetch every vector for each query.

    def vector_info(self) -> dict[str, Any] | None:
        """How the index's sentence vectors were made (``model``, ``half_weight``, ``dims``);
        None: the index keeps no sentence vectors."""
        return None

    def enable_vectors(self, info: dict[str, Any]) -> None:
        """Keep sentence vectors, made as ``info`` says, for every document added from now on."""
        raise self.no_vectors()

    def language_vectors(self, lang: str, create: bool = False) -> LanguageVectors | None:
        """The sentence vectors of language ``lang`` (None: none; ``create``: an empty set)."""
        raise self.no_vectors()

    def vector_languages(self) -> list[str]:
        """The languages that have sentence vectors."""
        return []

    def no_vectors(self) -> InputError:
        """The one-line error for a cross-lingual lookup this backend cannot do."""
        return InputError(f"index {self.location}: cross-lingual lookups (--cross-lingual) work with index "
                          "files only (--index FILE): this Redis has no vector search module, so a Redis "
                          "index keeps no sentence vectors")

    def save(self) -> None:
        """Make additions durable (a file is rewritten; Redis has them already)."""

    def close(self) -> None:
        """Release locks and connections."""

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Turn the backend's own errors into one-line :class:`AlignError` messages."""
        yield
