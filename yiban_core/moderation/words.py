"""The sensitive-word matcher: one Aho-Corasick automaton per list, one pass per text.

`check_text(text, school=...)` folds the text (normalise.py) and runs it through the
site list's automaton and the school's. Each list's automaton holds every word's folded
form and, for Chinese words of two characters or more, its toneless pinyin, so `daikao`,
`dai kao` and `DAI-KAO` match 代考.

Word boundaries. Folding drops spaces and symbols, which would glue latin words together,
so a match that starts or ends with a letter or digit of a spaced script (latin ...) must
sit on a word boundary of the original text: the start of the text, a dropped character
(space, symbol), or a Chinese character next to it. `class` does not match `ass`, and
`of uck` does not match `fuck`; `f u c k` and `f.u.c.k` do. A pinyin match may
also start or end between two pinyin syllables inside a run of latin letters when the
whole run reads as pinyin: `woyaodaikao` (wo yao dai kao) matches 代考, `pandaikao`
(pan dai kao) too, but an English word with the letters inside (`adaikaon`) does not.
Single Chinese characters get no pinyin entry (each syllable is shared by dozens of
characters), and a word's pinyin is its usual reading (pypinyin's phrase dictionary).

Caching. A list's automaton is built once per process and kept; a change in this process
forgets it at once (signals.py), and every `MODERATION_WORDS_RECHECK_S` seconds (1) a
check compares the list's fingerprint in the database (count, last change) so the other
processes notice within that time. The fingerprint is read before the rows, so a change
landing in between is rebuilt on the next recheck, never missed.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import ahocorasick_rs
from django.conf import settings
from django.db.models import Count, Max

from yiban_core.moderation.models import SEVERITY, Action, SensitiveWord
from yiban_core.moderation.normalise import (
    fold,
    is_spaced,
    origins_of,
    syllable_cuts,
)

STAR = "*"
MAX_PINYIN_RUN = 120  # letters: a longer run without a space is not pinyin someone typed


@dataclass(frozen=True)
class Entry:
    word: str  # as listed
    action: str
    via_pinyin: bool


@dataclass(frozen=True)
class Match:
    word: str  # the listed word (the Chinese one for a pinyin match)
    action: str
    start: int  # in the original text, end exclusive
    end: int
    via_pinyin: bool = False


@dataclass(frozen=True)
class Verdict:
    action: str | None  # the worst action among the matches; None: clean
    text: str  # the text to save: each character of a `replace` match starred
    matches: tuple[Match, ...] = field(default=())

    @property
    def words(self) -> list[str]:
        return sorted({m.word for m in self.matches})

    def words_with(self, action: str) -> list[str]:
        return sorted({m.word for m in self.matches if m.action == action})


@dataclass
class _Compiled:
    fingerprint: tuple
    checked_at: float
    automaton: Automaton | None


_compiled: dict[int | None, _Compiled] = {}
_build_lock = threading.Lock()


def forget() -> None:
    """Drop every compiled list of this process: the next check rebuilds from the database."""
    _compiled.clear()


def _fingerprint(school_id: int | None) -> tuple:
    found = SensitiveWord.objects.filter(school_id=school_id).aggregate(
        n=Count("id"), last=Max("updated_at"))
    return found["n"], found["last"]


@dataclass(frozen=True)
class Automaton:
    """A compiled list: ahocorasick-rs over the folded keys, and each key's entries."""

    matcher: ahocorasick_rs.AhoCorasick
    entries: tuple[tuple[Entry, ...], ...]  # by key index

    def hits(self, folded: str):
        """(start, end, entries) of every key in the folded text, overlaps included."""
        for index, start, end in self.matcher.find_matches_as_indexes(folded, overlapping=True):
            yield start, end, self.entries[index]


def build_automaton(rows) -> Automaton | None:
    """An automaton over (word, normalised, pinyin, action) rows."""
    entries: dict[str, list[Entry]] = {}
    for word, normalised, pinyin, action in rows:
        entries.setdefault(normalised, []).append(Entry(word, action, via_pinyin=False))
        if pinyin:
            entries.setdefault(pinyin, []).append(Entry(word, action, via_pinyin=True))
    if not entries:
        return None
    # Rust's aho-corasick walks UTF-8 bytes: a list of thousands of Chinese characters
    # costs no more per character of text than a latin one (a trie over characters
    # scans a root with thousands of children).
    matcher = ahocorasick_rs.AhoCorasick(list(entries),
                                         matchkind=ahocorasick_rs.MatchKind.Standard)
    return Automaton(matcher, tuple(tuple(found) for found in entries.values()))


def _automaton(school_id: int | None) -> Automaton | None:
    now = time.monotonic()
    compiled = _compiled.get(school_id)
    if compiled is not None and now - compiled.checked_at < settings.MODERATION_WORDS_RECHECK_S:
        return compiled.automaton
    fingerprint = _fingerprint(school_id)
    if compiled is not None and compiled.fingerprint == fingerprint:
        compiled.checked_at = now
        return compiled.automaton
    with _build_lock:  # one build at a time in a process (20,000 words: well under a second)
        rows = SensitiveWord.objects.filter(school_id=school_id).values_list(
            "word", "normalised", "pinyin", "action")
        automaton = build_automaton(rows.iterator())
        _compiled[school_id] = _Compiled(fingerprint, now, automaton)
    return automaton


def _joined(origins: list[int], j: int) -> bool:
    """Folded characters j-1 and j stood side by side in the original (nothing dropped)."""
    return origins[j] - origins[j - 1] <= 1


def _boundary(folded: str, origins: list[int], j: int) -> bool:
    """A word boundary before folded position j (see the module's docstring)."""
    if j == 0 or j == len(folded):
        return True
    return (not is_spaced(folded[j - 1]) or not is_spaced(folded[j])
            or not _joined(origins, j))


def _latin_run(folded: str, origins: list[int], j: int) -> tuple[int, int]:
    """The run of joined latin letters around folded position j: (start, end)."""
    start = j
    while start > 0 and folded[start - 1].isascii() and folded[start - 1].isalpha() \
            and _joined(origins, start):
        start -= 1
    end = j + 1
    while end < len(folded) and folded[end].isascii() and folded[end].isalpha() \
            and _joined(origins, end):
        end += 1
    return start, end


def _pinyin_cut(folded: str, origins: list[int], j: int, *, at_start: bool) -> bool:
    """Whether position j falls between two pinyin syllables of a run that reads as pinyin."""
    inside = j if at_start else j - 1
    start, end = _latin_run(folded, origins, inside)
    if end - start > MAX_PINYIN_RUN:
        return False
    from_start, to_end = syllable_cuts(folded[start:end])
    return (j - start) in from_start if at_start else (j - start) in to_end


def _accepted(folded: str, origins: list[int], start: int, end: int, entry: Entry) -> bool:
    if not _boundary(folded, origins, start) and not (
            entry.via_pinyin and _pinyin_cut(folded, origins, start, at_start=True)):
        return False
    return _boundary(folded, origins, end) or (
        entry.via_pinyin and _pinyin_cut(folded, origins, end, at_start=False))


def _school_id(school) -> int | None:
    if school is None or isinstance(school, int):
        return school
    return school.pk


def check_text(text: str, *, school=None) -> Verdict:
    """What the site's list and the school's (a School, its id or None) say about a text."""
    text = text or ""
    automata = [_automaton(None)]
    school_id = _school_id(school)
    if school_id is not None:
        automata.append(_automaton(school_id))
    return match_text(text, [a for a in automata if a is not None])


def match_text(text: str, automata: list[Automaton]) -> Verdict:
    """The verdict of compiled lists (build_automaton) on a text."""
    if not automata:
        return Verdict(None, text)
    folded = fold(text)
    hits = [hit for automaton in automata for hit in automaton.hits(folded)]
    if not hits:
        return Verdict(None, text)
    origins = origins_of(text)
    matches, starred = [], set()
    for start, end, entries in hits:
        for entry in entries:
            if _accepted(folded, origins, start, end, entry):
                matches.append(Match(entry.word, entry.action, origins[start],
                                     origins[end - 1] + 1, entry.via_pinyin))
                if entry.action == Action.REPLACE:
                    # Only the matched characters: the spaces and symbols between them
                    # stay, so the text keeps its length.
                    starred.update(origins[start:end])
    if not matches:
        return Verdict(None, text)
    matches.sort(key=lambda m: (m.start, m.end, m.word))
    worst = max((m.action for m in matches), key=SEVERITY.__getitem__)
    if starred:
        chars = list(text)
        for index in starred:
            chars[index] = STAR
        text = "".join(chars)
    return Verdict(worst, text, tuple(matches))
