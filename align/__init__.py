"""align: bilingual sentence alignment, TMX export and wire-copy detection, offline on a CPU."""

from align.types import Alignment, Bead, Document, Sentence
from align.errors import AlignError


def __getattr__(name: str):
    """Load the pipeline lazily so that ``import align`` stays cheap (no numpy model code at import)."""
    if name in ("align_files", "align_texts", "align_documents"):
        from align import api

        return getattr(api, name)
    raise AttributeError(f"module 'align' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = ["align_files", "align_texts", "align_documents", "Alignment", "Bead", "Document", "Sentence", "AlignError", "__version__"]
