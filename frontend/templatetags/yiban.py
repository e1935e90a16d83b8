"""Small template helpers for the layout: unread notifications, avatars, post text, times."""

from django import template
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from frontend.rich_text import render_text
from messages.selectors import unread_total as unread_message_total
from yiban_core.accounts.rules import is_minor
from yiban_core.accounts.selectors import administered_school_names
from yiban_core.notifications.selectors import unread_count

register = template.Library()

# Letter avatars come in six soft colours (.avatar-colour-0 .. -5 in site.css), picked by
# user id so a person keeps theirs, and in the sizes the pages use (.avatar-size-N): classes,
# not a style attribute, which the Content-Security-Policy does not allow.
AVATAR_COLOURS = 6
AVATAR_SIZES = (22, 28, 32, 36, 40, 42, 48, 64, 88)


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    if request is None or not hasattr(request, "actor"):
        return 0
    return unread_count(actor=request.actor)


@register.simple_tag(takes_context=True)
def unread_messages(context) -> int:
    """The nav's 私信 badge: unread messages of conversations not muted."""
    request = context.get("request")
    if request is None or not hasattr(request, "actor"):
        return 0
    return unread_message_total(actor=request.actor)


@register.simple_tag(takes_context=True)
def admin_links(context) -> list[dict]:
    """The account menu's 管理后台 entries, only where the user may go: the admin site
    (Django's own test: active staff), and each school they administer (its apps and
    console, /schools/<id>/). Site admins reach every school through the admin site."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    links = []
    if admin.site.has_permission(request):
        links.append({"url": reverse("admin:index"), "label": _("管理后台")})
    schools = administered_school_names(actor=request.actor)
    for pk, name in schools:
        label = (_("管理后台") if not links and len(schools) == 1 else
                 _("%(school)s管理后台") % {"school": name})
        links.append({"url": reverse("school_console", args=[pk]), "label": label})
    return links


@register.simple_tag
def avatar(user, size: int = 40, full: bool = False):
    """The uploaded avatar, or the first character of the display name on a colour. A
    minor's photo only where the page checked who may see it (`full`: their profile page,
    accounts.rules.may_see_full_profile); in lists and cards the letter."""
    profile = getattr(user, "profile", None)
    name = str(user)
    if profile is not None and profile.avatar and (full or not is_minor(user)):
        return format_html(
            '<img class="avatar" src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
            profile.avatar.url, name, size, size,
        )
    colour = (user.pk or 0) % AVATAR_COLOURS
    size = min(AVATAR_SIZES, key=lambda known: abs(known - int(size)))
    return format_html(
        '<span class="avatar avatar-letter avatar-size-{} avatar-colour-{}" '
        'aria-hidden="true">{}</span>',
        size, colour, name[:1].upper(),
    )


@register.simple_tag(takes_context=True)
def user_menu(context):
    """The signed-in person's account menu in the top bar (frontend/_usermenu.html),
    rendered once per state of the person (frontend/fragments.py)."""
    from frontend import fragments

    return fragments.user_menu(context["request"])


@register.simple_tag(takes_context=True)
def post_cards(context, posts, hide_group=False, anchor=""):
    """The cards of `posts` (frontend/feeds/_post.html), each rendered once for every
    viewer in the same state (frontend/fragments.py)."""
    from frontend import fragments

    return fragments.post_cards(context, posts, hide_group=hide_group, anchor=anchor)


@register.simple_tag(takes_context=True)
def post_card(context, post, hide_group=False, anchor=""):
    """One post's card, as post_cards renders them."""
    from frontend import fragments

    return fragments.post_cards(context, [post], hide_group=hide_group, anchor=anchor)


@register.simple_tag(takes_context=True)
def resource_cards(context, resources):
    """The cards of `resources`, each rendered once for every reader (frontend/fragments.py)."""
    from frontend import fragments

    return fragments.resource_cards(context, resources)


@register.simple_tag(takes_context=True)
def comment_body(context, comment):
    """A comment's body: rendered for reuse when the view made the page's bodies at once
    (frontend/fragments.py comment_bodies), else here."""
    bodies = context.get("comment_bodies") or {}
    if comment.pk in bodies:
        return bodies[comment.pk]
    return template.loader.render_to_string("frontend/feeds/_comment_body.html",
                                            context.flatten() | {"comment": comment})


@register.filter
def rich(text: str, links=None):
    """Post or comment text, escaped, with links, @mentions and #话题# linked:
    `{{ post.text|rich:post.mention_links }}` links the mentions to whom they mean."""
    return render_text(text, links if isinstance(links, dict) else None)


@register.filter
def when(moment):
    """A post's time as people say it: 刚刚, 5 分钟前, 3 小时前, then the date."""
    if moment is None:
        return ""
    now = timezone.now()
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return _("刚刚")
    if seconds < 3600:
        return _("%(n)d 分钟前") % {"n": seconds // 60}
    if seconds < 24 * 3600:
        return _("%(n)d 小时前") % {"n": seconds // 3600}
    local = timezone.localtime(moment)
    if local.year == timezone.localtime(now).year:
        return local.strftime("%m-%d %H:%M")
    return local.strftime("%Y-%m-%d")


# Inline icons (no icon font, no CDN, no emoji font needed): 24x24 stroke paths.
_ICONS = {
    "heart": "M12 20s-7-4.35-7-10a4 4 0 0 1 7-2.65A4 4 0 0 1 19 10c0 5.65-7 10-7 10z",
    "comment": "M4 5h16v11H8l-4 4z",
    "repost": "M17 2l3 3-3 3M4 11V9a4 4 0 0 1 4-4h12M7 22l-3-3 3-3M20 13v2a4 4 0 0 1-4 4H4",
    "image": "M4 5h16v14H4zM4 16l5-5 4 4 2-2 5 5M15.5 9.5h.01",
    "pin": "M9 3h6l-1 6 4 3v2H6v-2l4-3zM12 14v7",
    # the navigation: main sections, notifications, the account menu's caret
    "home": "M3 11l9-8 9 8M5 9.5V21h5v-6h4v6h5V9.5",
    "groups": "M16 20v-1.5a3.5 3.5 0 0 0-3.5-3.5h-5A3.5 3.5 0 0 0 4 18.5V20M10 11a3.5 3.5 0 1 0 "
              "0-7 3.5 3.5 0 0 0 0 7zM20 20v-1.5a3.5 3.5 0 0 0-2.5-3.35"
              "M15.5 4.15a3.5 3.5 0 0 1 0 6.7",
    "book": "M4 4.5A1.5 1.5 0 0 1 5.5 3H20v15H5.5A1.5 1.5 0 0 0 4 19.5zM4 19.5A1.5 1.5 0 0 0 "
            "5.5 21H20v-3",
    "chart": "M5 21V11M12 21V4M19 21v-7M3 21h18",
    "briefcase": "M3 8h18v12H3zM8 8V5h8v3M3 13h18",
    "bell": "M18 16v-5a6 6 0 0 0-12 0v5l-2 2h16zM10 21h4",
    "mail": "M3 6h18v12H3zM3 6l9 7 9-7",
    "caret": "M6 9l6 6 6-6",
}


@register.simple_tag
def icon(name: str):
    return format_html(
        '<svg class="icon" viewBox="0 0 24 24" width="16" height="16" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" '
        'aria-hidden="true"><path d="{}"/></svg>', _ICONS[name])
