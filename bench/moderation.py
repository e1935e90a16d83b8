"""Sensitive words: check a 2,000-character post against a 20,000-word list.

    .venv/bin/python bench/moderation.py [--words 20000] [--chars 2000] [--iterations 3000]

The list is generated: Chinese words of 2-4 common characters (GB2312 level 1, each
with its pinyin in the automaton, as the site lists them), English words, and a few
mixed ones, with the four actions. Two posts are checked: a clean one (Chinese text
with punctuation and some English) and one with five listed words hidden in it (spaces
and symbols between the characters, full width, a pinyin spelling), which takes the
slow path (the index map, boundary checks, stars). Needs no database: the automaton is
built from the generated rows the way the site builds it from the table
(words.build_automaton), and the check is the site's (words.match_text). The last line
is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path, where bench/graphql.py would
# hide the graphql package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiban_core.settings")

import django  # noqa: E402

django.setup()

from yiban_core.moderation.normalise import fold, pinyin_of  # noqa: E402
from yiban_core.moderation.words import build_automaton, match_text  # noqa: E402

ACTIONS = ["block"] * 6 + ["review", "replace", "replace", "flag"]
PUNCTUATION = "，。！？、；：“”（）…—"
LATIN = "abcdefghijklmnopqrstuvwxyz"


def common_chinese() -> list[str]:
    """The 3,755 characters of GB2312 level 1: the everyday ones."""
    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def word_list(rng: random.Random, size: int, chars: list[str]) -> list[tuple]:
    rows, seen = [], set()
    while len(rows) < size:
        roll = rng.random()
        if roll < 0.85:
            word = "".join(rng.choices(chars, k=rng.choice([2, 2, 3, 3, 4])))
        elif roll < 0.97:
            word = "".join(rng.choices(LATIN, k=rng.randint(4, 9)))
        else:
            word = "".join(rng.choices(LATIN, k=2)).upper() + "".join(rng.choices(chars, k=2))
        normalised = fold(word)
        if normalised in seen:
            continue
        seen.add(normalised)
        rows.append((word, normalised, pinyin_of(normalised), rng.choice(ACTIONS)))
    return rows


def post(rng: random.Random, length: int, chars: list[str]) -> str:
    parts, size = [], 0
    while size < length:
        roll = rng.random()
        if roll < 0.08:
            piece = rng.choice(PUNCTUATION)
        elif roll < 0.1:
            piece = " " + "".join(rng.choices(LATIN, k=rng.randint(3, 8))) + " "
        else:
            piece = rng.choice(chars)
        parts.append(piece)
        size += len(piece)
    return "".join(parts)[:length]


def hide_words(rng: random.Random, text: str, rows: list[tuple]) -> str:
    chinese = [r for r in rows if r[2]]
    picked = rng.sample(chinese, 5)
    evasions = [
        " ".join(picked[0][0]),
        "*".join(picked[1][0]),
        picked[2][0],
        " ".join(picked[3][2][i:i + 3] for i in range(0, len(picked[3][2]), 3)).upper(),
        picked[4][0],
    ]
    pieces = [text[i * 400:(i + 1) * 400] for i in range(5)]
    mixed = "".join(p + "，" + e for p, e in zip(pieces, evasions, strict=True))
    return mixed


def timed(automata, text: str, iterations: int) -> tuple[list[float], list[float], float]:
    """Wall-clock and CPU milliseconds of each check, and the total wall time. On a busy
    machine the wall clock's tail is other processes' time slices; the CPU time is the
    check's own."""
    for _ in range(50):  # warm the fold table
        match_text(text, automata)
    wall, cpu = [], []
    started = time.perf_counter()
    for _ in range(iterations):
        t0, c0 = time.perf_counter(), time.thread_time()
        match_text(text, automata)
        cpu.append((time.thread_time() - c0) * 1000)
        wall.append((time.perf_counter() - t0) * 1000)
    return wall, cpu, time.perf_counter() - started


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--chars", type=int, default=2_000)
    parser.add_argument("--iterations", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    chars = common_chinese()
    rows = word_list(rng, options.words, chars)
    started = time.perf_counter()
    automaton = build_automaton(rows)
    build_ms = (time.perf_counter() - started) * 1000
    clean = post(rng, options.chars, chars)
    dirty = hide_words(rng, clean, rows)
    figures = {"words": len(rows), "automaton_keys": len(automaton.entries),
               "post_chars": len(clean), "build_ms": round(build_ms, 1)}
    for name, text in (("clean", clean), ("with_words", dirty)):
        verdict = match_text(text, [automaton])
        samples, cpu, elapsed = timed([automaton], text, options.iterations)
        figures[f"{name}_matches"] = len(verdict.matches)
        figures[f"{name}_p50_ms"] = round(statistics.median(samples), 3)
        figures[f"{name}_p95_ms"] = round(p95(samples), 3)
        figures[f"{name}_cpu_p95_ms"] = round(p95(cpu), 3)
        figures[f"{name}_checks_per_s"] = round(options.iterations / elapsed)
        print(f"{name:>10}: {len(verdict.matches)} matches ({verdict.action}), "
              f"p50 {figures[f'{name}_p50_ms']} ms, p95 {figures[f'{name}_p95_ms']} ms "
              f"(CPU p95 {figures[f'{name}_cpu_p95_ms']} ms), "
              f"{figures[f'{name}_checks_per_s']} checks/s")
    figures["load_average"] = round(os.getloadavg()[0], 1)
    print(f"automaton of {len(rows)} words ({len(automaton.entries)} keys with pinyin) built in "
          f"{build_ms:.0f} ms")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
