"""Snippets: an excerpt of the text people wrote, with what the query matched marked.

A query can match words it does not spell: 高数 matches 高等数学 (synonyms.py),
gaod and gdsx match 高等 and 高等数学 (pinyin). The marks follow the same rules as
the index (text.py), so what found a result is what is marked in it.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import rjieba
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pypinyin import Style, lazy_pinyin

from yiban_core.search import synonyms
from yiban_core.search.text import as_prefix, has_chinese, initials, pinyin

PINYIN_SCAN = 1000  # characters of a text searched for pinyin matches
_PINYIN_TERM = re.compile(r"[a-z]{2,}")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


@cache
def _course_spellings() -> dict[str, tuple[str, str]]:
    words = synonyms.abbreviations() | set(synonyms.COURSE_ABBREVIATIONS)
    return {word: (pinyin(word), initials(word)) for word in words}


def _spelled_words(term: str, prefix: bool) -> set[str]:
    """The course names and abbreviations a Latin term spells (gaoshu, gs -> 高数)."""
    words = set()
    for word, spellings in _course_spellings().items():
        for spelling in spellings:
            if spelling == term or (prefix and len(term) >= 2 and spelling.startswith(term)):
                words.add(word)
    return words


@lru_cache(maxsize=1000)
def _surfaces(terms: tuple[str, ...]) -> frozenset[str]:
    """Strings to mark wherever they occur: the terms and every other way of writing them
    (once per query, not per result)."""
    found = set()
    for position, term in enumerate(terms):
        words = {term}
        if _PINYIN_TERM.fullmatch(term):
            words |= _spelled_words(term, as_prefix(terms, position))
        for word in list(words):
            words |= synonyms.equivalents(word)
        found |= words
    return frozenset(found)


@lru_cache(maxsize=20_000)
def _syllables(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A word's pinyin a character at a time, whole and initials (as text.index_tokens
    spells words: lazy_pinyin of the word, so a reading follows its word)."""
    full = tuple(s.lower() for s in lazy_pinyin(word))
    first = tuple(s.lower() for s in lazy_pinyin(word, style=Style.FIRST_LETTER))
    if len(full) != len(word) or len(first) != len(word):  # an unusual character
        return (), ()
    return full, first


def _pinyin_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Chinese words whose pinyin or initials the Latin terms spell, from a word's start.
    A term the text contains as it is (python, java) is not read as pinyin."""
    lowered = text.lower()
    latin = [(t, as_prefix(terms, i)) for i, t in enumerate(terms)
             if _PINYIN_TERM.fullmatch(t) and t not in lowered]
    if not latin or not has_chinese(text):
        return []
    scanned = text[:PINYIN_SCAN]
    starts, full, first, offsets, position = [], [], [], [], 0
    for word in rjieba.cut(scanned):
        if _CJK_RUN.fullmatch(word):
            word_full, word_first = _syllables(word)
            if word_full:
                starts.append(len(full))
                full += word_full
                first += word_first
                positions = range(position, position + len(word))
                offsets.extend(positions)
        position += len(word)
    spans = []
    for start in starts:
        for term, prefix in latin:
            for syllables in (full, first):
                end = _spelled_from(syllables, start, term, prefix)
                # Spelled across characters that sit next to each other in the text.
                if end and offsets[end - 1] - offsets[start] == end - 1 - start:
                    spans.append((offsets[start], offsets[end - 1] + 1))
    return spans


def _spelled_from(syllables: list[str], start: int, term: str, prefix: bool) -> int:
    """The end of the characters from `start` whose syllables spell `term` (or begin it,
    for a prefix); 0 when they do not."""
    spelled = ""
    for end in range(start, len(syllables)):
        spelled += syllables[end].lower()
        if spelled == term or (prefix and spelled.startswith(term)):
            return end + 1
        if not term.startswith(spelled):
            return 0
    return 0


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    surfaces = sorted(_surfaces(tuple(terms)), key=len, reverse=True)
    spans = []
    if surfaces:
        pattern = re.compile("|".join(map(re.escape, surfaces)), re.IGNORECASE)
        spans = [m.span() for m in pattern.finditer(text)]
    spans += _pinyin_spans(text, terms)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def highlight(text: str, terms: list[str], width: int = 120) -> SafeString:
    """An escaped excerpt around the first match, every match wrapped in <mark>."""
    text = " ".join((text or "").split())
    spans = _spans(text, terms) if terms else []
    start = max(0, spans[0][0] - width // 3) if spans else 0
    stop = start + width
    pieces, position = [], start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, start), min(span_end, stop)
        if span_start >= span_end:
            continue
        pieces.append(escape(text[position:span_start]))
        pieces.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        position = span_end
    pieces.append(escape(text[position:stop]))
    prefix = "…" if start else ""
    suffix = "…" if stop < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)
