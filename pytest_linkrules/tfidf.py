"""TF-IDF for link suggestions, on numpy and scipy.sparse alone.

scikit-learn's TfidfVectorizer did this before, but importing scikit-learn
costs about 1.5 s of CPU (it imports scipy.stats): more than checking a
1,000-page site, and every run with a failing page paid it. The definitions
are scikit-learn's defaults as suggest.py used them, so the numbers are the
same (tests/test_tfidf.py compares them with scikit-learn's on real pages
when it is installed, as the test extra installs it):

* tokens: lower-cased runs of two or more word characters, minus the
  English stop words below;
* a term is kept when at least ``min_df`` documents have it and at most
  ``max_df`` of them (a fraction) do; terms are sorted alphabetically;
* weight: (1 + ln tf) if sublinear, else tf, times ln((1 + n) / (1 + df)) + 1;
* each row scaled to unit length (l2).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Iterable

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse

TOKEN = re.compile(r"(?u)\b\w\w+\b")

# The English stop-word list of the Glasgow Information Retrieval Group, as
# scikit-learn ships it (BSD-3-Clause): 318 words.
STOP_WORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst amoungst amount an and another any anyhow anyone anything
    anyway anywhere are around as at back be became because become becomes becoming been before
    beforehand behind being below beside besides between beyond bill both bottom but by call can
    cannot cant co con could couldnt cry de describe detail do done down due during each eg
    eight either eleven else elsewhere empty enough etc even ever every everyone everything
    everywhere except few fifteen fifty fill find fire first five for former formerly forty
    found four from front full further get give go had has hasnt have he hence her here
    hereafter hereby herein hereupon hers herself him himself his how however hundred i ie if in
    inc indeed interest into is it its itself keep last latter latterly least less ltd made many
    may me meanwhile might mill mine more moreover most mostly move much must my myself name
    namely neither never nevertheless next nine no nobody none noone nor not nothing now nowhere
    of off often on once one only onto or other others otherwise our ours ourselves out over own
    part per perhaps please put rather re same see seem seemed seeming seems serious several she
    should show side since sincere six sixty so some somehow someone something sometime
    sometimes somewhere still such system take ten than that the their them themselves then
    thence there thereafter thereby therefore therein thereupon these they thick thin third this
    those though three through throughout thru thus to together too top toward towards twelve
    twenty two un under until up upon us very via was we well were what whatever when whence
    whenever where whereafter whereas whereby wherein whereupon wherever whether which while
    whither who whoever whole whom whose why will with within without would yet you your yours
    yourself yourselves
    """.split()
)


def word_matrix(docs: Iterable[str], *, min_df: int = 1, max_df: float = 1.0, sublinear_tf: bool = False):  # type: ignore[no-untyped-def]
    """Documents as TF-IDF rows (float32 CSR) and the terms of its columns, or None when no term is left."""
    from scipy import sparse

    vocabulary: dict[str, int] = {}
    indptr = [0]
    columns: list[int] = []
    counts: list[int] = []
    stop = STOP_WORDS
    for doc in docs:
        # Counter counts in C; stop words are dropped per distinct word, not per occurrence.
        for word, count in Counter(TOKEN.findall(doc.lower())).items():
            if word in stop:
                continue
            columns.append(vocabulary.setdefault(word, len(vocabulary)))
            counts.append(count)
        indptr.append(len(columns))
    n = len(indptr) - 1
    if not vocabulary:
        return None
    matrix = sparse.csr_matrix(
        (np.array(counts, dtype=np.float32), np.array(columns, dtype=np.int64), np.array(indptr, dtype=np.int64)),
        shape=(n, len(vocabulary)),
    )
    df = np.bincount(matrix.indices, minlength=len(vocabulary))
    kept = (df >= min_df) & (df <= max_df * n)
    if not kept.any():
        return None
    terms = list(vocabulary)
    order = np.array(sorted(np.flatnonzero(kept).tolist(), key=terms.__getitem__), dtype=np.int64)
    matrix = matrix[:, order]
    matrix.sort_indices()
    return weigh(matrix, sublinear_tf=sublinear_tf, copy=False), np.array([terms[i] for i in order], dtype=object)


def weigh(counts: "sparse.csr_matrix", *, sublinear_tf: bool = False, copy: bool = True) -> "sparse.csr_matrix":
    """A count matrix (documents x terms, float32 CSR) weighted by smoothed IDF, rows l2-normalised.

    ``copy=False`` weighs a float32 matrix in place (word_matrix's own, made for it).
    """
    matrix = counts.astype(np.float32, copy=copy)
    matrix.sum_duplicates()
    n = matrix.shape[0]
    if sublinear_tf:
        np.log(matrix.data, out=matrix.data)
        matrix.data += np.float32(1.0)
    df = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float32) + np.float32(1.0)
    idf = np.full_like(df, n + 1, dtype=np.float32) / df
    np.log(idf, out=idf)
    idf += np.float32(1.0)
    matrix.data *= idf[matrix.indices]
    per_row = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(n), per_row)
    lengths = np.sqrt(np.bincount(rows, weights=matrix.data.astype(np.float64) ** 2, minlength=n))
    lengths[lengths == 0] = 1.0
    matrix.data /= np.repeat(lengths, per_row).astype(np.float32)
    return matrix
