"""Small template helpers for the layout: unread notifications, avatars."""

from django import template
from django.utils.html import format_html

from yiban_core.notifications.selectors import unread_count

register = template.Library()

# Soft colours for the letter avatars, picked by user id so a person keeps theirs.
AVATAR_COLOURS = ["#2f7de1", "#13a36f", "#e0803a", "#8a5cd1", "#d94c6a", "#1c9bb0"]


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    if request is None or not hasattr(request, "actor"):
        return 0
    return unread_count(actor=request.actor)


@register.simple_tag
def avatar(user, size: int = 40):
    """The uploaded avatar, or the first character of the display name on a colour."""
    profile = getattr(user, "profile", None)
    name = str(user)
    if profile is not None and profile.avatar:
        return format_html(
            '<img class="avatar" src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
            profile.avatar.url, name, size, size,
        )
    colour = AVATAR_COLOURS[(user.pk or 0) % len(AVATAR_COLOURS)]
    return format_html(
        '<span class="avatar avatar-letter" style="--size:{}px;background:{}" '
        'aria-hidden="true">{}</span>',
        size, colour, name[:1].upper(),
    )
