"""Properties of the indexer's words (text.index_tokens) and the query's (text.query_terms),
matched as every backend matches them: each query word a token, the last one (and short
ones) as a prefix of one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from yiban_core.search import synonyms
from yiban_core.search.text import (
    as_prefix,
    index_tokens,
    initials,
    pinyin,
    query_terms,
    typed_name,
)

# Characters of real titles and names (common, with a single usual reading).
CHARS = ("高等数学期末复习资料线性代数大学物理英语程序设计网络操作系统"
         "李王张刘陈杨月婷书恒明华摄影社考研笔记真题")
titles = st.text(alphabet=CHARS, min_size=2, max_size=16)
FILLER = st.sampled_from(["", "求", "期末", "复习资料", "大家好", "推荐一下", "明天考试"])
PAIRS = [(full, short) for full, shorts in synonyms.COURSE_ABBREVIATIONS.items()
         for short in shorts]


def finds(tokens: str, query: str) -> bool:
    """As the backends match: every query word (prefixes where text.as_prefix says), or
    the query typed as one run is the beginning of a word (text.typed_name)."""
    words = tokens.split()
    terms, name = query_terms(query), typed_name(query)
    if name and any(w.startswith(name) for w in words):
        return True
    return bool(terms) and all(
        any(w.startswith(t) for w in words) if as_prefix(terms, i) else t in words
        for i, t in enumerate(terms))


@settings(max_examples=150, deadline=None)
@given(titles)
def test_a_titles_pinyin_whole_and_initials_find_it(title):
    tokens = index_tokens(title, "")
    assert finds(tokens, title)
    assert finds(tokens, pinyin(title))
    assert finds(tokens, initials(title))


@settings(max_examples=150, deadline=None)
@given(titles, st.integers(min_value=1, max_value=16))
def test_any_beginning_of_a_name_finds_it_while_typed(title, cut):
    tokens = index_tokens(title, "")
    assert finds(tokens, title[:cut])
    assert finds(tokens, pinyin(title)[:max(cut, 2)])
    assert finds(tokens, initials(title)[:cut])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PAIRS), FILLER, FILLER)
def test_abbreviations_work_both_ways(pair, before, after):
    full, short = pair
    with_full = index_tokens("", f"{before}，{full}，{after}", named=False)
    with_short = index_tokens("", f"{before}，{short}，{after}", named=False)
    assert finds(with_full, short), (full, short)
    assert finds(with_short, full), (full, short)
    assert finds(with_full, full) and finds(with_short, short)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(PAIRS), FILLER)
def test_a_titles_course_is_found_by_its_abbreviations_pinyin(pair, after):
    full, short = pair
    tokens = index_tokens(f"{full}{after}", "")
    assert finds(tokens, pinyin(short)) and finds(tokens, initials(short))


@given(st.text(max_size=200))
def test_query_terms_are_plain_words(query):
    for term in query_terms(query):
        assert term.isalnum() and term == term.lower()
