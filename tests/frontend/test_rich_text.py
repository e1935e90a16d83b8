"""Post and comment text as HTML: whatever anyone writes renders, escaped, and never raises.

The renderer runs on every page that shows a post or a comment, for every reader, so
one text that made it raise would break those pages for everyone (a stored DoS).
"""

import html
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feeds.text import mentioned_usernames, topic_names
from frontend.rich_text import render_text

# Pieces that make the renderer's tokens (and tokens that clean to nothing) likely.
FRAGMENTS = ["@", "#", "...", "---", "@...", "@---", "@a.", "#考研#", "# #", "http://",
             "https://a.example/x?q=<b>&r=\"1\"", "https://", "<script>alert(1)</script>",
             "<", ">", '"', "'", "&", "&amp;", "\n", "\r", "\t", "\x00", "\x0b", "\x1f",
             "\x7f", "\x85", "\u2028", "\u200b", "\ufeff", "/", "%", "%00", "..", "李华", " "]
texts = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(FRAGMENTS)),
                 max_size=30).map("".join)

# The only markup the renderer writes; every attribute value is escaped.
ATTRIBUTE = r'[^"<>]*'
OWN_MARKUP = re.compile(
    rf'<a class="mention" href="{ATTRIBUTE}">'
    rf'|<a class="topic" href="{ATTRIBUTE}">'
    rf'|<a href="{ATTRIBUTE}" rel="nofollow noopener ugc" target="_blank">'
    r"|</a>|<br>"
)
ANY_TAG = re.compile(r"<[^>]*>")


def check_rendering(text: str) -> None:
    rendered = str(render_text(text))
    # Outside the renderer's own tags there is no raw <, > or " at all.
    leftover = OWN_MARKUP.sub("", rendered)
    assert not set(leftover) & set('<>"'), rendered
    assert "<script" not in rendered.lower()
    # Nothing is lost or added: the text a reader sees is exactly the text written.
    shown = html.unescape(ANY_TAG.sub("", rendered.replace("<br>", "\n")))
    assert shown == text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("看看 @... 和 @---")
@example("hello @--- #考研#")
@example("@...@---@a..@b--#x#")
@example('https://a.example/"><script>alert(1)</script>')
@example("#<script>#")
@example("@abc<script>")
def test_any_text_renders_escaped_without_raising(text):
    check_rendering(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_unicode_text_renders_escaped_without_raising(text):
    check_rendering(text)


def test_a_mention_that_cleans_to_nothing_is_plain_text():
    rendered = str(render_text("看看 @... 和 @--- 还有 @li_hua."))
    assert rendered.count('class="mention"') == 1
    assert '<a class="mention" href="/u/li_hua/">@li_hua</a>.' in rendered
    assert "看看 @... 和 @---" in rendered


@settings(max_examples=300, deadline=None)
@given(texts)
@example("看看 @... 和 @---")
def test_parsing_mentions_and_topics_never_raises_and_names_someone(text):
    names = mentioned_usernames(text)
    assert all(names) and len(names) == len(set(names))
    assert all(name.strip() for name in topic_names(text))
