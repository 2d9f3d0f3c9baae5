"""Page furniture: short sentences that recur across a collection ("Leave a Reply", bylines).

Web articles carry template text ("Your email address will not be published.",
"Share this article:", "WASHINGTON (Reuters) -") that repeats verbatim across pages but
was copied by nobody. Like jusText's boilerplate classifier, ``align`` treats short text
(under ``short`` characters) as suspect, and calls a short sentence *template* when its
words recur in at least ``min_docs`` documents; a story copied by a few outlets rarely
reaches that, and its long sentences never count. Template sentences never make a
passage shared between documents, in any language; inside one document their repeats
are still reported.
"""

from __future__ import annotations

from align.types import Document


def template_sentences(
    docs: list[Document], doc_words: list[list[list[str]]], short: int, min_docs: int
) -> set[tuple[int, int]]:
    """``(doc, sentence)`` ids of sentences that are template lines of the collection.

    ``doc_words[d][i]`` are sentence ``i``'s shingling words (``monolingual.sentence_words``).
    """
    seen: dict[str, set[int]] = {}
    candidates: list[tuple[int, int, str]] = []
    for d, doc in enumerate(docs):
        for s in doc.sentences:
            if len(s.text.strip()) < short:
                key = " ".join(doc_words[d][s.id])
                if key:
                    candidates.append((d, s.id, key))
                    seen.setdefault(key, set()).add(d)
    return {(d, sid) for d, sid, key in candidates if len(seen[key]) >= min_docs}
