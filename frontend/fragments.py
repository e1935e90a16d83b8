"""Post cards, comments, resource cards, leaderboard rows and the account menu rendered once
and reused: the card and comment templates, rendered for every item on every page view,
were most of a timeline's, a post page's or the library's time.

An item's HTML is a function of what it shows (the post or comment, its author, its
group, its original, the counts, its time as `when` words it) and of the few things
that differ between viewers (liked, may delete, may pin, may repost, is the author,
signed in). All of those go into its cache key, so an item is rendered once per distinct
content and viewer state and shared by every viewer in that state; any change to what
it shows is a new key, with nothing to invalidate. The two parts that differ per request,
the CSRF token and the page's own path (the forms' `next`), are rendered as markers and
put in when the item is served.

A post with a poll carries the poll as its reader sees it in the key (open or closed,
may vote, what they chose, the counts and voters they may see): every vote is a new key.

Held or removed content is rendered every time (its author's 审核中 mark reads the
moderation case).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from frontend.templatetags.yiban import when
from yiban_core import personal_cache
from yiban_core.accounts.rules import is_minor
from yiban_core.moderation.models import ContentState

POST_TEMPLATE = "frontend/feeds/_post.html"
COMMENT_TEMPLATE = "frontend/feeds/_comment_body.html"
RESOURCE_TEMPLATE = "frontend/resources/_card.html"
USER_MENU_TEMPLATE = "frontend/_usermenu.html"
CACHE_SECONDS = 6 * 3600


def _deployed_digest() -> str:
    """A digest of what renders a fragment (templates, template tags, translations): a
    deploy that changes any of them starts on new keys, so no stale HTML is served."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha1()
    for folder, pattern in (("templates", "*.html"), ("templatetags", "*.py"),
                            ("locale", "*.mo")):
        for path in sorted((root / folder).rglob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


KEY_VERSION = _deployed_digest()

# Per process, unguessable: no post text can contain them.
_CSRF = f"csrf{secrets.token_hex(12)}"
_PATH = f"path{secrets.token_hex(12)}"


class _Request:
    """The request as a template sees it while rendered for reuse: its user, and the
    page's path as a marker."""

    def __init__(self, request):
        self.user = request.user
        self.actor = getattr(request, "actor", None)

    def get_full_path(self) -> str:
        return _PATH


def post_cards(context, posts, *, hide_group: bool = False, anchor: str = "") -> SafeString:
    extra = {"hide_group": hide_group, "anchor": anchor,
             "post_max_length": context.get("post_max_length")}
    return mark_safe("".join(_render(context["request"], POST_TEMPLATE, "post", posts, extra,
                                     _post_state)))


def resource_cards(context, resources) -> SafeString:
    """The cards of `resources` (decorated by frontend.views.resources.decorate)."""
    return mark_safe("".join(_render(context["request"], RESOURCE_TEMPLATE, "resource",
                                     resources, {}, _resource_state)))


def user_menu(request) -> SafeString:
    """The account menu: the same on every page a person opens until something about
    them changes (name, avatar, the groups they manage, the schools they administer:
    their generation in yiban_core/personal_cache.py), and on the day a minor comes of
    age (the avatar)."""
    user = request.user
    inputs = (user.pk, personal_cache.generation(user), timezone.localdate().isoformat())
    html = cached("usermenu", inputs, lambda: get_template(USER_MENU_TEMPLATE).render(
        {"user": user, "request": _Request(request), "csrf_token": _CSRF}))
    return mark_safe(_personal(html, request))  # the autoescaped template's output


def comment_bodies(request, comments, post) -> dict[int, SafeString]:
    """The body of each of `comments` of `post`, by id (`{% comment_body %}` shows them)."""
    parts = _render(request, COMMENT_TEMPLATE, "comment", comments, {"post": post},
                    lambda comment: _comment_state(comment, post))
    return {comment.pk: part for comment, part in zip(comments, parts, strict=True)}


def _render(request, template_name: str, name: str, items, extra: dict,
            state: Callable[[object], tuple]) -> list[SafeString]:
    """Each item's HTML, in order."""
    keys = {}
    for item in items:
        if getattr(item, "moderation", ContentState.VISIBLE) != ContentState.VISIBLE:
            continue
        keys[item.pk] = _key(request, name, item, (_scalars(extra), state(item)))
    cached = cache.get_many(list(keys.values())) if keys else {}
    template = get_template(template_name)
    fresh, parts = {}, []
    for item in items:
        key = keys.get(item.pk)
        if key is None:  # held or removed: rendered for this request only
            parts.append(mark_safe(template.render({**extra, name: item, "user": request.user},
                                                   request)))
            continue
        html = cached.get(key)
        if html is None:
            html = fresh[key] = template.render(
                {**extra, name: item, "user": request.user, "request": _Request(request),
                 "csrf_token": _CSRF})
        parts.append(mark_safe(_personal(html, request)))  # the autoescaped template's output
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)
    return parts


def _scalars(extra: dict) -> tuple:
    """The template's own parameters that change what it shows (hide_group, anchor...);
    objects among them (a comment's post) are in the item's state."""
    return tuple(sorted((k, v) for k, v in extra.items()
                        if v is None or isinstance(v, str | int | bool)))


def _personal(html: str, request) -> str:
    path = request.get_full_path()
    # A `?next=` in a link is URL-encoded (`|urlencode`); the forms' `next` fields are not.
    return (html.replace(_CSRF, _token(request))
            .replace(f"?next={_PATH}", "?next=" + quote(path, safe="/"))
            .replace(_PATH, escape(path)))


def _token(request) -> str:
    """One masked CSRF token for every item of the page (each is a new random mask)."""
    if not hasattr(request, "_fragment_csrf_token"):
        request._fragment_csrf_token = get_token(request)
    return request._fragment_csrf_token


def _key(request, name: str, item, state: tuple) -> str:
    user = request.user
    inputs = (KEY_VERSION, name, translation.get_language(),
              timezone.get_current_timezone_name(), user.is_authenticated,
              getattr(item, "author_id", None) == user.pk, state)
    return f"{name}:" + hashlib.sha1(repr(inputs).encode()).hexdigest()


def cached(name: str, inputs: tuple, render: Callable[[], str]) -> str:
    """HTML that is the same for every reader, rendered once per `inputs`: everything it
    shows."""
    return cached_each(name, [None], lambda _item: inputs, lambda _item: render())[0]


def cached_each(name: str, items: list, inputs: Callable[[Any], tuple],
                render: Callable[[Any], str]) -> list[str]:
    """`cached` for each of `items` (the same for every reader), in one cache round trip."""
    keys = [f"{name}:" + hashlib.sha1(repr(
        (KEY_VERSION, translation.get_language(), timezone.get_current_timezone_name(),
         inputs(item))).encode()).hexdigest() for item in items]
    found = cache.get_many(keys) if keys else {}
    fresh, parts = {}, []
    for key, item in zip(keys, items, strict=True):
        html = found.get(key)
        if html is None:
            html = fresh[key] = render(item)
        parts.append(html)
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)
    return parts


def person(user) -> tuple:
    """What a page shows of a person beside their content: name, verified, avatar (a
    minor's photo is not shown in lists: the `avatar` tag)."""
    profile = getattr(user, "profile", None)
    return (user.pk, user.username, user.display_name, user.is_verified, user.is_active,
            profile.avatar.name if profile is not None and profile.avatar else "",
            is_minor(user))


def _post_state(post) -> tuple:
    original = getattr(post, "shown_original", None)
    return (
        getattr(post, "viewer_liked", False), getattr(post, "viewer_manages", False),
        getattr(post, "viewer_can_delete", False), getattr(post, "can_repost", False),
        getattr(post, "lost_original", False), post.comment_count,
        _post_content(post), _post_content(original) if original is not None else None,
        _poll_state(getattr(post, "poll_view", None)),
    )


def _poll_state(view) -> tuple | None:
    """A poll as this reader sees it (feeds.poll_selectors.PollView)."""
    if view is None:
        return None
    return (
        view.pk, view.multiple, view.anonymous, view.results_hidden, view.voter_count,
        view.closes_at.isoformat(), view.is_open, view.viewer_voted, view.may_vote,
        view.sees_results, view.sees_voters,
        tuple((option.pk, option.text, option.count, option.percent, option.chosen,
               None if option.voters is None
               else tuple((voter.username, voter.display_name) for voter in option.voters))
              for option in view.options),
    )


def _post_content(post) -> tuple:
    group = post.group if post.group_id else None
    return (
        post.pk, post.text, post.mention_links and sorted(post.mention_links.items()),
        post.created_at.isoformat(), when(post.created_at), post.edited_at,
        post.is_announcement, post.visibility, post.like_count, post.repost_count,
        person(post.author),
        (group.pk, group.name, group.kind) if group is not None else None,
        tuple(picture.image.url for picture in post.image_list()),
    )


def _comment_state(comment, post) -> tuple:
    reply_to = comment.reply_to if comment.reply_to_id else None
    return (
        getattr(comment, "viewer_liked", False), getattr(comment, "viewer_can_delete", False),
        post.pk, comment.pk, comment.parent_id, comment.text,
        comment.mention_links and sorted(comment.mention_links.items()),
        comment.created_at.isoformat(), when(comment.created_at), comment.like_count,
        person(comment.author),
        (reply_to.username, reply_to.display_name) if reply_to is not None else None,
    )


def _resource_state(resource) -> tuple:
    course = resource.course if resource.course_id else None
    group = resource.group if resource.group_id else None
    owner = resource.owner
    return (
        resource.pk, resource.title, resource.icon, str(resource.icon_label),
        resource.subject, resource.visibility, resource.rating_count, resource.rating_average,
        resource.stars_filled, resource.download_count,
        (course.pk, course.code, course.name) if course is not None else None,
        group.name if group is not None else None,
        (owner.username, owner.display_name),
        resource.created_at.isoformat(), when(resource.created_at),
    )
