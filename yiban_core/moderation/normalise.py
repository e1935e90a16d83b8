"""How the sensitive-word matcher sees text: the same fold for words and for texts.

Each character of a text folds on its own (so every folded character points back to
the one it came from, and `replace` stars exactly the original characters):

- NFKC: full-width `ＡＢＣ１` and half-width forms become `ABC1`, `㈱` becomes `(株)`;
- casefold: `DaiKao` is `daikao`;
- traditional to simplified with OpenCC (`t2s`, character by character: the same
  fold for the word list and for texts matters more than the reading of a phrase);
- only letters and digits (Unicode categories L and N) are kept: spaces, punctuation,
  symbols, emoji, combining marks and invisible format characters (zero-width space)
  are dropped, so `代 考`, `代*考` and `代​考` fold to `代考`. Chinese characters,
  latin letters and digits are never dropped, so `代数考试` keeps `数` between `代`
  and `考` and does not match `代考`.

`pinyin_of` gives a Chinese word's toneless pinyin (`代考` -> `daikao`), matched
against latin letters under the boundary rule of words.py.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from itertools import compress

import opencc
from pypinyin import Style, lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

_T2S = opencc.OpenCC("t2s.json")
_KEPT_CATEGORIES = ("L", "N")
_TABLE_LIMIT = 300_000  # more than every assigned code point: the table never grows past it


def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).casefold()
    folded = unicodedata.normalize("NFKC", folded)  # casefold may leave a decomposed form
    if any(is_han(c) for c in folded):
        folded = _T2S.convert(folded)
    return "".join(c for c in folded if unicodedata.category(c)[0] in _KEPT_CATEGORIES)


class _FoldTable(dict):
    """ord -> folded string ('' for a dropped character), for str.translate; each
    character is folded the first time it is seen."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < _TABLE_LIMIT:
            self[code] = folded
        return folded


_TABLE = _FoldTable()


def is_han(char: str) -> bool:
    """A Chinese character (CJK unified ideographs, their extensions, compatibility forms)."""
    code = ord(char)
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF
            or 0x20000 <= code <= 0x323AF)


def is_spaced(char: str) -> bool:
    """A folded character of a script that separates words with spaces (latin letters,
    digits, Cyrillic ...): a listed word must not start or end inside such a word.
    Chinese and the other scripts written without spaces (category Lo) need no boundary."""
    return unicodedata.category(char) != "Lo"


def fold(text: str) -> str:
    """The folded text, without the map back (fast: str.translate in C)."""
    return text.translate(_TABLE)


class _LengthTable(dict):
    """ord -> chr(length of the folded character), to measure a text with str.translate."""

    def __missing__(self, code: int) -> str:
        length = chr(len(_TABLE[code]))
        if len(self) < _TABLE_LIMIT:
            self[code] = length
        return length


_LENGTHS = _LengthTable()


def origins_of(text: str) -> list[int]:
    """For each character of fold(text), the index of the original character it came from."""
    lengths = text.translate(_LENGTHS).encode("latin-1")  # one byte a character
    if max(lengths, default=0) <= 1:  # the usual text: each character kept or dropped
        return list(compress(range(len(text)), lengths))
    origins: list[int] = []
    for index, length in enumerate(lengths):
        origins.extend([index] * length)
    return origins


def pinyin_of(folded_word: str) -> str:
    """The toneless pinyin of a folded word made only of Chinese characters, two or
    more (one syllable alone is shared by dozens of characters and is part of countless
    innocent words); '' otherwise."""
    if len(folded_word) < 2 or not all(is_han(c) for c in folded_word):
        return ""
    return "".join(lazy_pinyin(folded_word, style=Style.NORMAL, errors="ignore")).lower()


@cache
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable with a vowel, read from pypinyin's dictionary (ü as u
    and v). The interjections without one (m, n, ng, hm ...) are left out: with them
    almost any run of English letters would read as pinyin."""
    syllables = {"lv", "nv", "lve", "nve"}
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            bare = "".join(c for c in unicodedata.normalize("NFKD", reading)
                           if not unicodedata.combining(c))
            if bare.isascii() and bare.isalpha() and any(v in bare for v in "aeiouv"):
                syllables.add(bare)
    return frozenset(syllables)


MAX_SYLLABLE = 6  # zhuang, shuang


@lru_cache(maxsize=512)
def syllable_cuts(letters: str) -> tuple[set[int], set[int]]:
    """Where a run of latin letters may be cut between pinyin syllables: positions p whose
    prefix letters[:p] is whole syllables (first set) and positions whose suffix
    letters[p:] is whole syllables (second set)."""
    syllables = pinyin_syllables()
    size = len(letters)
    from_start = {0}
    for end in range(1, size + 1):
        if any(start in from_start and letters[start:end] in syllables
               for start in range(max(0, end - MAX_SYLLABLE), end)):
            from_start.add(end)
    to_end = {size}
    for start in range(size - 1, -1, -1):
        if any(end in to_end and letters[start:end] in syllables
               for end in range(start + 1, min(size, start + MAX_SYLLABLE) + 1)):
            to_end.add(start)
    return from_start, to_end
