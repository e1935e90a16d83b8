"""Post text: which users it mentions and which topics it names.

Text is stored as the author typed it; pages escape it when they show it
(frontend/rich_text.py), so no HTML from a user ever reaches a page.
"""

import re

MENTION_RE = re.compile(r"(?<![A-Za-z0-9_.\-@])@([A-Za-z0-9_.\-]{3,30})")
# Weibo style: #期末复习# — no whitespace at the ends, no # or newline inside.
TOPIC_RE = re.compile(r"#([^#\s](?:[^#\n]{0,28}[^#\s])?)#")
URL_RE = re.compile(r"https?://[^\s<>\"'，。！？、）】》]+", re.IGNORECASE)
MAX_TOPICS = 5
MAX_MENTIONS = 20


def mention_name(matched: str) -> str:
    """The username an @mention names: trailing dots and dashes are punctuation, not
    part of it. Empty for `@...` or `@---`, which name no one and stay plain text."""
    return matched.rstrip(".-")


def mentioned_usernames(text: str) -> list[str]:
    names = []
    for matched in MENTION_RE.findall(text or ""):
        name = mention_name(matched)
        if name and name not in names:
            names.append(name)
    return names[:MAX_MENTIONS]


def normalize_topic(name: str) -> str:
    return " ".join(name.split()).lower()


def topic_names(text: str) -> list[str]:
    seen, names = set(), []
    for name in TOPIC_RE.findall(text or ""):
        key = normalize_topic(name)
        if key not in seen:
            seen.add(key)
            names.append(" ".join(name.split()))
    return names[:MAX_TOPICS]
