"""Pages that show someone's odd text still answer: a mention that names no one
(`@...`, `@---`) is plain text, not a broken link that takes the page down for every reader."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds import services as feed_services
from feeds.models import Comment, Mention, Post
from tests.factories import actor_for, make_user
from yiban_core.accounts.models import User
from yiban_core.errors import DomainError

pytestmark = pytest.mark.django_db

# What people type, and the pieces that made mentions and topics misbehave.
PIECES = ["@", "#", "...", "---", "@...", "@---", "@li_hua", "@li_hua.", "#考研#", "# #",
          "https://a.example/?q=<b>", "<script>", '"', "\n", "\r\n", "\t", "\x0b", "\x85",
          "\u2028", "\ufeff", "/", "%", "李华"]
# NUL and lone surrogates never reach a service: the edges refuse them (yiban_core/nul.py).
texts = st.lists(st.one_of(st.text(st.characters(blacklist_characters="\x00",
                                                 blacklist_categories=("Cs",)), max_size=6),
                           st.sampled_from(PIECES)), min_size=1, max_size=25).map("".join)


def test_a_comment_with_empty_mentions_leaves_the_post_page_working(client):
    author, commenter, reader = make_user("li_hua"), make_user("wang_fang"), make_user("zhao_lei")
    post = feed_services.publish_post(actor=actor_for(author), text="周末去爬山")
    client.force_login(commenter)
    response = client.post(reverse("comment_create", args=[post.pk]),
                           {"text": "看看 @... 和 @---"}, follow=True)
    assert response.status_code == 200
    assert Comment.objects.get().text == "看看 @... 和 @---"
    client.force_login(reader)
    page = client.get(reverse("post_detail", args=[post.pk]))
    assert page.status_code == 200
    assert "看看 @... 和 @---" in page.content.decode()


def test_a_post_with_an_empty_mention_leaves_topic_profile_and_home_working(client):
    author = make_user("li_hua")
    client.force_login(author)
    response = client.post(reverse("post_create"), {
        "text": "hello @--- #考研# @li_hua.", "visibility": "public", "next": "/",
    }, follow=True)
    assert response.status_code == 200
    post = Post.objects.get()
    assert [m.user for m in Mention.objects.filter(post=post)] == [author]
    for url in (reverse("post_detail", args=[post.pk]), reverse("topic", args=["考研"]),
                reverse("profile", args=["li_hua"]), reverse("home")):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert "hello @--- " in text, url
        assert '<a class="topic" href="/topics/%E8%80%83%E7%A0%94/">#考研#</a>' in text, url
    client.logout()
    for url in (reverse("post_detail", args=[post.pk]), reverse("topic", args=["考研"]),
                reverse("profile", args=["li_hua"])):
        assert client.get(url).status_code == 200, url


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=texts)
def test_any_text_publishes_or_is_refused_and_its_page_answers(client, text):
    """Parsing mentions and topics at write time never raises; what is published shows."""
    author = User.objects.filter(username="li_hua").first() or make_user("li_hua")
    cache.clear()  # the hourly post limit is not under test
    try:
        post = feed_services.publish_post(actor=actor_for(author), text=text)
    except DomainError as refusal:  # empty after stripping, say: refused in words
        assert refusal.code == "INVALID"
        return
    page = client.get(reverse("post_detail", args=[post.pk]))
    assert page.status_code == 200
