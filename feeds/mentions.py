"""Which people a post or comment mentions, kept by who they are, not by the words.

A mention is stored as the words written after @ mapped to the username of the person
meant (`Post.mention_links`, `Comment.mention_links`: {"李月婷": "liyueting"}); pages link
those words to that person (frontend/rich_text.py), so a later change of display name,
or a second 李月婷 joining, never moves the link. The person is known:

- when the composer's autocomplete chose them (their id comes with the text, and the
  text still names them by display name or username);
- by a typed @username, as before;
- by a typed @名字 that is the display name of exactly one person the author knows
  (follows, shares a group with, same school). Two such 李月婷 and the text stays text:
  a mention notifies someone, so it is never a guess.

Nobody a block stands between with the author (accounts/rules.py, either made it) is
mentioned: the words stay plain text, link nowhere and notify nobody.

Chinese has no spaces: "@李月婷明天见" names 李月婷 when she is known, the longest
known name wins.

`@所有人` names nobody: in a group post by its owner, an admin or a teacher among its
members it notifies every member (feeds.rules.may_mention_everyone); anyone else's is
refused. It is never read as a person's name.
"""

from __future__ import annotations

import re

from feeds.text import MAX_MENTIONS, mentioned_usernames
from yiban_core.accounts.models import User
from yiban_core.accounts.selectors import blocked_between_q, people_known_by_name
from yiban_core.ids import parse_id

MAX_NAME = 40  # User.display_name's length
# What a typed name runs up to: space, @, # and punctuation end it.
_NAME_RUN_RE = re.compile(
    r"(?<![A-Za-z0-9_.\-@])@([^\s@#,，.。!！?？:：;；、()（）\[\]【】<>《》\"'“”‘’~～/\\|]{1,40})")


EVERYONE = "所有人"
_EVERYONE_RE = re.compile(r"(?<![A-Za-z0-9_.\-@])@" + EVERYONE)


def mentions_everyone(text: str) -> bool:
    """Whether the text says @所有人."""
    return bool(_EVERYONE_RE.search(text or ""))


def _ids(values) -> list[int]:
    ids = []
    for value in list(values or [])[:MAX_MENTIONS]:
        pk = parse_id(value)
        if pk and pk not in ids:
            ids.append(pk)
    return ids


def resolve(*, author: User, text: str, chosen_ids=(), kept: dict[str, str] | None = None
            ) -> dict[str, User]:
    """The people `text` mentions: {words after @: user}."""
    links = _resolve(author=author, text=text or "", chosen_ids=chosen_ids, kept=kept)
    if not links:
        return links
    barred = set(User.objects.filter(blocked_between_q(author),
                                     pk__in=[user.pk for user in links.values()])
                 .values_list("pk", flat=True))
    return {name: user for name, user in links.items() if user.pk not in barred}


def _resolve(*, author: User, text: str, chosen_ids, kept) -> dict[str, User]:
    links: dict[str, User] = {}

    def link(name: str, user: User) -> None:
        if name not in links and len(links) < MAX_MENTIONS:
            links[name] = user

    # Chosen in the autocomplete, or kept from before an edit: only while still written.
    chosen = User.objects.filter(pk__in=_ids(chosen_ids), is_active=True)
    for user in chosen:
        for name in (user.display_name, user.username):
            if name and f"@{name}" in text:
                link(name, user)
                break
    if kept:
        written = {name: username for name, username in kept.items() if f"@{name}" in text}
        by_username = User.objects.filter(username__in=written.values(), is_active=True) \
            .in_bulk(field_name="username")
        for name, username in written.items():
            if username in by_username:
                link(name, by_username[username])
    usernames = [name for name in mentioned_usernames(text) if name not in links]
    for user in User.objects.filter(username__in=usernames, is_active=True):
        link(user.username, user)

    runs = [run for run in _NAME_RUN_RE.findall(text)
            if not run.startswith(EVERYONE)
            and not any(run.startswith(name) for name in links)][:MAX_MENTIONS]
    prefixes = {run[:n] for run in runs for n in range(1, len(run) + 1)}
    if not prefixes:
        return links
    known = people_known_by_name(user=author, names=sorted(prefixes))
    typed = {}
    for run in runs:
        for n in range(len(run), 0, -1):  # the longest known name wins
            ids = known.get(run[:n])
            if ids:
                if len(ids) == 1:
                    typed[run[:n]] = ids[0]
                break  # two people of that name: not a guess, and no shorter name either
    for user in User.objects.filter(pk__in=typed.values()):
        link(user.display_name, user)
    return links


def as_links(mentioned: dict[str, User]) -> dict[str, str]:
    return {name: user.username for name, user in mentioned.items()}
