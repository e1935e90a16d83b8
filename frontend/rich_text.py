"""Post and comment text as HTML: escaped, with links, @mentions and #话题# linked.

Rendering never raises, whatever the text: a page shows what others wrote, so one
odd post must not break it for everyone (tests/frontend/test_rich_text.py tries
arbitrary Unicode)."""

import re

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from feeds.text import MENTION_RE, TOPIC_RE, URL_RE, mention_name

_TOKEN_RE = re.compile(f"{URL_RE.pattern}|{MENTION_RE.pattern}|{TOPIC_RE.pattern}",
                       re.IGNORECASE)


def render_text(text: str) -> SafeString:
    """Escape, then turn URLs, @mentions and #topics# into links; keep line breaks."""
    pieces: list[str] = []
    position = 0
    for match in _TOKEN_RE.finditer(text or ""):
        pieces.append(escape(text[position:match.start()]))
        token = match.group(0)
        if match.group(1) and not mention_name(match.group(1)):
            pieces.append(escape(token))  # `@...` names no one: plain text, never a link
        elif match.group(1):  # a mention
            name = mention_name(match.group(1))
            href = reverse("profile", args=[name])
            pieces.append(f'<a class="mention" href="{escape(href)}">@{escape(name)}</a>')
            pieces.append(escape(match.group(1)[len(name):]))
        elif match.group(2):  # a topic
            href = reverse("topic", args=[match.group(2)])
            pieces.append(f'<a class="topic" href="{escape(href)}">#{escape(match.group(2))}#</a>')
        else:
            pieces.append(f'<a href="{escape(token)}" rel="nofollow noopener ugc" '
                          f'target="_blank">{escape(token)}</a>')
        position = match.end()
    pieces.append(escape((text or "")[position:]))
    return mark_safe("".join(pieces).replace("\n", "<br>"))
