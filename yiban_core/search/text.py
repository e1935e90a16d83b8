"""Chinese-aware text for the index and for queries.

Documents are segmented with rjieba's search mode (高等数学 -> 高等 数学 高等数学),
queries with its precise mode (DESIGN.md section 7: the planner misjudges the
extra sub-words of a search-mode query). Titles also get their pinyin, whole and
as initials, so `gaodengshuxue` or `gdsx` still find 高等数学.
"""

import re

import rjieba
from pypinyin import Style, lazy_pinyin

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _words(pieces) -> list[str]:
    return [w.lower() for piece in pieces for w in _WORD.findall(piece)]


def index_tokens(title: str, body: str = "") -> str:
    text = f"{title}\n{body}"
    tokens = _words(rjieba.cut_for_search(text))
    for word in _words(rjieba.cut(title)):
        if _CJK.search(word):
            tokens.append("".join(lazy_pinyin(word)))
            tokens.append("".join(lazy_pinyin(word, style=Style.FIRST_LETTER)))
    return " ".join(tokens)


def query_terms(query: str) -> list[str]:
    """The words of a query, stripped of every operator and quote: only letters,
    digits and Chinese characters reach the database or Elasticsearch."""
    query = (query or "")[:MAX_QUERY_LENGTH]
    terms = []
    for word in _words(rjieba.cut(query)):
        if word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def is_short(term: str) -> bool:
    """Single Chinese characters and short Latin fragments match as prefixes."""
    return len(term) == 1 or (not _CJK.search(term) and len(term) <= 3)
