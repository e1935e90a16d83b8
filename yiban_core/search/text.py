"""Chinese-aware text for the index and for queries.

Documents are segmented with rjieba's search mode (高等数学 -> 高等 数学 高等数学),
queries with its precise mode (DESIGN.md section 7: the planner misjudges the
extra sub-words of a search-mode query). On top of the words, a document gets:

- the other spelling of every course it names (synonyms.py): 高数 for 高等数学,
  高等数学 for 高数;
- the pinyin of its title's words, whole and as initials (gaodengshuxue, gdsx),
  and of the abbreviations of the courses its title names (gaoshu, gs);
- for a title that is a name (a person, group, topic or resource; not a post's
  first line): the whole title as one word, and its whole pinyin and initials,
  so 李月, liyueting, lyt and 清华摄 find 李月婷 and 清华摄影社 as they are typed.

Everything is in the tokens, so PostgreSQL, SQLite and Elasticsearch all match
the same words. Queries are never rewritten: the last word is matched as a
prefix (the word being typed), and so are single characters and short Latin
fragments.
"""

from __future__ import annotations

import re

import rjieba
from pypinyin import Style, lazy_pinyin

from yiban_core.search import synonyms

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8
MAX_NAME = 40  # a longer title is not typed whole: no single word for it
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[^0-9a-z]+")

# Segment the abbreviations as words, in documents as in queries (马原怎么复习: 马原, not
# 马 原); the frequency of a common word, so they still lose to longer words (大英博物馆).
ABBREVIATION_FREQUENCY = 3000
for _abbreviation in synonyms.abbreviations():
    rjieba.add_word(_abbreviation, ABBREVIATION_FREQUENCY, None)


def _words(pieces) -> list[str]:
    return [w.lower() for piece in pieces for w in _WORD.findall(piece)]


def pinyin(text: str) -> str:
    """Whole pinyin, lower case, letters and digits only: 高等数学 -> gaodengshuxue."""
    return _LATIN.sub("", "".join(lazy_pinyin(text)).lower())


def initials(text: str) -> str:
    """Pinyin initials: 高等数学 -> gdsx (Latin words keep their letters)."""
    return _LATIN.sub("", "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower())


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def _spellings(word: str) -> list[str]:
    return [pinyin(word), initials(word)] if _CJK.search(word) else []


def index_tokens(title: str, body: str = "", extra: str = "", *, named: bool = True) -> str:
    """The words a document is found by, space-separated. `extra` is indexed but never
    shown (a resource's course and tags, a person's login name); `named` says the title
    is a name rather than the start of a text."""
    text = f"{title}\n{body}\n{extra}"
    words = _words(rjieba.cut_for_search(text))
    tokens = list(words)
    for full in synonyms.full_names_in(text):
        tokens += synonyms.abbreviations_of(full)
    for abbreviation in synonyms.abbreviations_in(text):
        for full in sorted(synonyms.full_names_of(abbreviation)):
            tokens += [full, *_words(rjieba.cut_for_search(full))]

    title_words = [w for w in _words(rjieba.cut(title)) if _CJK.search(w)]
    for full in synonyms.full_names_in(title):
        title_words += synonyms.abbreviations_of(full)
    title_words += [full for word in title_words for full in sorted(synonyms.full_names_of(word))]
    for word in dict.fromkeys(title_words):
        tokens += _spellings(word)

    name = "".join(_WORD.findall(title)).lower()
    if named and name and len(name) <= MAX_NAME:
        tokens.append(name)
        tokens += _spellings(name)
    return " ".join(t for t in tokens if t)


def query_terms(query: str) -> list[str]:
    """The words of a query, stripped of every operator and quote: only letters,
    digits and Chinese characters reach the database or Elasticsearch."""
    query = (query or "")[:MAX_QUERY_LENGTH]
    terms = []
    for word in _words(rjieba.cut(query)):
        if word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def typed_name(query: str) -> str:
    """A query typed as one run of characters (李月婷, 清华摄影社, 习习习书习) is also
    matched as the beginning of a whole name: segmented on its own, an unfinished name can
    split differently from the finished one. Empty when that does not apply."""
    pieces = _WORD.findall((query or "")[:MAX_QUERY_LENGTH])
    if len(pieces) != 1 or not 2 <= len(pieces[0]) <= MAX_NAME:
        return ""
    return pieces[0].lower() if len(query_terms(query)) > 1 else ""


def is_short(term: str) -> bool:
    """Single Chinese characters and short Latin fragments match as prefixes."""
    return len(term) == 1 or (not _CJK.search(term) and len(term) <= 3)


def as_prefix(terms: list[str], position: int) -> bool:
    """Whether the query's word at `position` is matched as a prefix: short ones, and
    the last one (still being typed: 高等数, gaod, 李月). A single Latin letter followed
    by more words is a finished word (the c of "C++ 指针", the r of "R语言"): as a prefix
    it would match every token, pinyin included, that starts with that letter."""
    term = terms[position]
    if position == len(terms) - 1:
        return True
    if len(term) == 1 and not _CJK.search(term):
        return False
    return is_short(term)
