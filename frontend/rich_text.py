"""Post and comment text as HTML: escaped, with links, @mentions and #话题# linked.

Rendering never raises, whatever the text: a page shows what others wrote, so one
odd post must not break it for everyone (tests/frontend/test_rich_text.py tries
arbitrary Unicode)."""

import re
from functools import lru_cache

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from feeds.text import MENTION_RE, TOPIC_RE, URL_RE, mention_name

_BEFORE_MENTION = r"(?<![A-Za-z0-9_.\-@])"
_TOKENS = f"{URL_RE.pattern}|{MENTION_RE.pattern}|{TOPIC_RE.pattern}"
_TOKEN_RE = re.compile(_TOKENS, re.IGNORECASE)


@lru_cache(maxsize=1024)
def _pattern(names: tuple[str, ...]) -> re.Pattern:
    """The tokens, led by the post's linked @names (longest first, so @李月婷 wins over
    @李月). A name ending in a letter or digit must end there: @li is not @lily."""
    alternatives = [re.escape(name) + (r"(?![A-Za-z0-9_])" if name[-1].isascii()
                                       and (name[-1].isalnum() or name[-1] == "_") else "")
                    for name in sorted(names, key=len, reverse=True)]
    return re.compile(f"{_BEFORE_MENTION}@({'|'.join(alternatives)})|{_TOKENS}", re.IGNORECASE)


def _profile_link(username: str, words: str) -> str:
    href = reverse("profile", args=[username])
    return f'<a class="mention" href="{escape(href)}">@{escape(words)}</a>'


def render_text(text: str, links: dict | None = None) -> SafeString:
    """Escape, then turn URLs, @mentions and #topics# into links; keep line breaks.
    `links` are the text's resolved mentions ({words after @: username},
    feeds/mentions.py): those words link to that person whatever they are called now."""
    links = {name: username for name, username in (links or {}).items()
             if isinstance(name, str) and name and isinstance(username, str) and username}
    pattern = _pattern(tuple(sorted(links))) if links else _TOKEN_RE
    shift = 1 if links else 0  # the linked names are group 1 when there are any
    pieces: list[str] = []
    position = 0
    for match in pattern.finditer(text or ""):
        pieces.append(escape(text[position:match.start()]))
        token = match.group(0)
        mention, topic = match.group(1 + shift), match.group(2 + shift)
        if shift and match.group(1):
            name = match.group(1)
            username = links.get(name) or next(
                (u for n, u in links.items() if n.lower() == name.lower()), None)
            pieces.append(_profile_link(username, name) if username else escape(token))
        elif mention is not None and not mention_name(mention):
            pieces.append(escape(token))  # `@...` names no one: plain text, never a link
        elif mention is not None:
            name = mention_name(mention)
            pieces.append(_profile_link(name, name))
            pieces.append(escape(mention[len(name):]))
        elif topic is not None:
            href = reverse("topic", args=[topic])
            pieces.append(f'<a class="topic" href="{escape(href)}">#{escape(topic)}#</a>')
        else:
            pieces.append(f'<a href="{escape(token)}" rel="nofollow noopener ugc" '
                          f'target="_blank">{escape(token)}</a>')
        position = match.end()
    pieces.append(escape((text or "")[position:]))
    return mark_safe("".join(pieces).replace("\n", "<br>"))
