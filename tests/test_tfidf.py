"""tfidf.py gives scikit-learn's TF-IDF numbers, which link suggestions were tuned on.

suggest.py used scikit-learn's TfidfVectorizer (and TfidfTransformer for
outlinks) until its import cost more than a small site's whole check; these
tests hold the replacement to the same vocabulary and weights, on the page
texts of real built sites and on generated documents.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_linkrules.crawl.folder import crawl_folder
from pytest_linkrules.tfidf import STOP_WORDS, weigh, word_matrix

text = pytest.importorskip("sklearn.feature_extraction.text")
from scipy import sparse  # noqa: E402

SITES = Path(__file__).parent / "sites"


def sklearn_words(docs: list[str], min_df: int, max_df: float):
    vec = text.TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=min_df, max_df=max_df, dtype=np.float32)
    return vec.fit_transform(docs).tocsr(), vec.get_feature_names_out()


def same_words(docs: list[str], min_df: int = 1, max_df: float = 1.0) -> None:
    ours = word_matrix(docs, min_df=min_df, max_df=max_df, sublinear_tf=True)
    try:
        theirs = sklearn_words(docs, min_df, max_df)
    except ValueError:  # scikit-learn: empty vocabulary, or nothing left after pruning
        assert ours is None
        return
    assert ours is not None
    (matrix, terms), (expected, expected_terms) = ours, theirs
    assert list(terms) == list(expected_terms)
    assert matrix.shape == expected.shape and matrix.dtype == np.float32
    np.testing.assert_allclose(matrix.toarray(), expected.toarray(), rtol=1e-5, atol=1e-6)


def site_docs(name: str) -> list[str]:
    pages, _ = crawl_folder(SITES / name, ["https://example.com"], workers=1)
    return [f"{p.title} {p.text} {url}" for url, p in sorted(pages.items())]


def test_the_stop_words_are_scikit_learns():
    from sklearn.feature_extraction._stop_words import ENGLISH_STOP_WORDS

    assert STOP_WORDS == ENGLISH_STOP_WORDS


@pytest.mark.parametrize("site", ["blog", "doxygen-geo", "fragments", "reports"])
def test_real_page_texts_weigh_as_scikit_learn_weighs_them(site):
    docs = site_docs(site)
    assert len(docs) >= 3 and any(d.strip() for d in docs)
    same_words(docs)
    same_words(docs, min_df=2, max_df=0.5)


words = st.sampled_from(["the", "image", "Image", "compression", "webp", "a", "x1", "déjà", "vu", "of", "links", "42", "seo"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(words, max_size=12).map(" ".join), min_size=1, max_size=12), st.sampled_from([(1, 1.0), (2, 0.5)]))
def test_generated_documents_weigh_the_same(docs, limits):
    same_words(docs, *limits)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 9)), max_size=60))
def test_outlink_rows_weigh_as_tfidf_transformer(edges):
    src = np.array([s for s, _ in edges], dtype=np.int64)
    dst = np.array([d for _, d in edges], dtype=np.int64)
    counts = sparse.csr_matrix((np.ones(len(edges), dtype=np.float32), (src, dst)), shape=(8, 10))
    expected = text.TfidfTransformer().fit_transform(counts).astype(np.float32)
    np.testing.assert_allclose(weigh(counts).toarray(), expected.toarray(), rtol=1e-5, atol=1e-6)
