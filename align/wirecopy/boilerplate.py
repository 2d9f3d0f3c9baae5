"""Page furniture: short lines that recur across a collection ("Leave a Reply", bylines).

Web articles carry template lines ("Your email address will not be published.",
"Share this article:", "WASHINGTON (Reuters) -") that repeat verbatim across pages but
were copied by nobody. Like jusText's boilerplate classifier, ``align`` treats short
lines (under ``short_line`` characters) as suspect, and calls such a line *template*
when its words recur in at least ``min_docs`` documents. Template sentences never make
a passage shared between documents, in any language; inside one document their repeats
are still reported.
"""

from __future__ import annotations

from align.types import Document
from align.wirecopy.normalize import words


def line_length(doc: Document, start: int, end: int) -> int:
    """Length of the line (between line breaks) that holds ``text[start:end]``."""
    text = doc.text
    lo = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    hi_n, hi_r = text.find("\n", end), text.find("\r", end)
    hi = min(h for h in (hi_n, hi_r, len(text)) if h >= 0)
    return len(text[lo:hi].strip())


def template_sentences(docs: list[Document], short_line: int, min_docs: int) -> set[tuple[int, int]]:
    """``(doc, sentence)`` ids of sentences that are template lines of the collection."""
    seen: dict[str, set[int]] = {}
    short: list[tuple[int, int, str]] = []
    for d, doc in enumerate(docs):
        for s in doc.sentences:
            if line_length(doc, s.start, s.end) < short_line:
                key = " ".join(words(s.text, doc.lang))
                if key:
                    short.append((d, s.id, key))
                    seen.setdefault(key, set()).add(d)
    return {(d, sid) for d, sid, key in short if len(seen[key]) >= min_docs}
