"""Post cards rendered once and reused: the timelines' largest cost was the card template,
rendered for every post on every page view (two thirds of a home page's time).

A card's HTML is a function of what it shows (the post, its author, its group, its
original, the counts, its time as `when` words it) and of the few things that differ
between viewers (liked, may delete, may pin, may repost, is the author, signed in). All
of those go into its cache key, so a card is rendered once per distinct content and
viewer state and shared by every viewer in that state; any change to what it shows is a
new key, with nothing to invalidate. The two parts that differ per request, the CSRF
token and the page's own path (the forms' `next`), are rendered as markers and put in
when the card is served.

Cards whose HTML depends on more than that are rendered every time: held or removed
posts (their author's 审核中 mark reads the moderation case).
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import quote

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from frontend.templatetags.yiban import when
from yiban_core.moderation.models import ContentState

TEMPLATE = "frontend/feeds/_post.html"
CACHE_SECONDS = 6 * 3600
KEY_VERSION = 1  # bump when _post.html changes what it shows for the same inputs

# Per process, unguessable: no post text can contain them.
_CSRF = f"csrf{secrets.token_hex(12)}"
_PATH = f"path{secrets.token_hex(12)}"


class _Request:
    """The request as the card template sees it while rendered for reuse: its user, and
    the page's path as a marker."""

    def __init__(self, request):
        self.user = request.user
        self.actor = getattr(request, "actor", None)

    def get_full_path(self) -> str:
        return _PATH


def render(context, posts, *, hide_group: bool = False, anchor: str = "") -> SafeString:
    request = context["request"]
    extra = {"hide_group": hide_group, "anchor": anchor,
             "post_max_length": context.get("post_max_length")}
    keys, live = {}, []
    for post in posts:
        if getattr(post, "moderation", ContentState.VISIBLE) != ContentState.VISIBLE:
            live.append(post)
        else:
            keys[post.pk] = _key(request, post, extra)
    cached = cache.get_many(list(keys.values())) if keys else {}
    template = get_template(TEMPLATE)
    fresh, parts = {}, []
    for post in posts:
        key = keys.get(post.pk)
        if key is None:
            parts.append(template.render({**extra, "post": post, "user": request.user},
                                         request))
            continue
        html = cached.get(key)
        if html is None:
            html = fresh[key] = template.render(
                {**extra, "post": post, "user": request.user, "request": _Request(request),
                 "csrf_token": _CSRF})
        parts.append(_personal(html, request))
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)
    return mark_safe("".join(parts))  # each part is the autoescaped template's output


def _personal(html: str, request) -> str:
    path = request.get_full_path()
    # A `?next=` in a link is URL-encoded (`|urlencode`); the forms' `next` fields are not.
    return (html.replace(_CSRF, _token(request))
            .replace(f"?next={_PATH}", "?next=" + quote(path, safe="/"))
            .replace(_PATH, escape(path)))


def _token(request) -> str:
    """One masked CSRF token for every card of the page (each is a new random mask)."""
    if not hasattr(request, "_card_csrf_token"):
        request._card_csrf_token = get_token(request)
    return request._card_csrf_token


def _key(request, post, extra: dict) -> str:
    user = request.user
    original = getattr(post, "shown_original", None)
    inputs = (
        KEY_VERSION, translation.get_language(), timezone.get_current_timezone_name(),
        user.is_authenticated, post.author_id == user.pk,
        getattr(post, "viewer_liked", False), getattr(post, "viewer_manages", False),
        getattr(post, "viewer_can_delete", False), getattr(post, "can_repost", False),
        getattr(post, "lost_original", False),
        tuple(sorted(extra.items())),
        _post_inputs(post),
        _post_inputs(original) if original is not None else None,
        post.comment_count,
    )
    return "card:" + hashlib.sha1(repr(inputs).encode()).hexdigest()


def _post_inputs(post) -> tuple:
    author = post.author
    profile = getattr(author, "profile", None)
    group = post.group if post.group_id else None
    return (
        post.pk, post.text, post.mention_links and sorted(post.mention_links.items()),
        post.created_at.isoformat(), when(post.created_at), post.edited_at, post.is_announcement,
        post.visibility, post.like_count, post.repost_count,
        (author.pk, author.username, author.display_name, author.is_verified,
         profile.avatar.name if profile is not None and profile.avatar else ""),
        (group.pk, group.name, group.kind) if group is not None else None,
        tuple(picture.image.url for picture in post.image_list()),
    )
