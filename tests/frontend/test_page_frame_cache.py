"""What every page's frame shows a person is cached per person (yiban_core/personal_cache.py)
and the trending topics once for everyone: each must change on the next page view after
whatever changes it."""

import re

import pytest
from django.urls import reverse

from feeds import services as feed_services
from tests.factories import actor_for, make_interest_group, make_school, make_user
from yiban_core import personal_cache
from yiban_core.accounts.models import User
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Membership
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db


def page(client, user, path="/") -> str:
    client.force_login(user)
    return client.get(path).content.decode()


def badge(html: str) -> int:
    return int(re.search(r"data-unread-badge[^>]*>(\d+)<", html).group(1))


def test_the_unread_badge_follows_new_and_read_notifications(
        client, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    li = make_user("li_hua")
    post = feed_services.publish_post(actor=actor_for(li), text="周末去爬山")
    assert badge(page(client, li)) == 0
    with django_capture_on_commit_callbacks(execute=True):  # the like commits
        feed_services.like_post(actor=actor_for(make_user("fan")), post_id=post.pk)
    assert Notification.objects.filter(recipient=li).count() == 1
    assert badge(page(client, li)) == 1
    client.post(reverse("notifications_read_all"))
    assert badge(page(client, li)) == 0


def test_the_invitation_notice_comes_and_goes(client):
    owner, guest = make_user("owner"), make_user("guest")
    group = make_interest_group(owner, name="摄影社")
    assert "入群邀请待处理" not in page(client, guest)
    invitation = group_services.invite(actor=actor_for(owner), group=group,
                                       username=guest.username)
    assert "你有 1 条入群邀请待处理" in page(client, guest)
    group_services.answer_invitation(actor=actor_for(guest), invitation_id=invitation.pk,
                                     accept=False)
    assert "入群邀请待处理" not in page(client, guest)

    group_services.invite(actor=actor_for(owner), group=group, username=guest.username)
    assert "你有 1 条入群邀请待处理" in page(client, guest)
    group_services.delete_group(actor=actor_for(owner), group=group)
    assert "入群邀请待处理" not in page(client, guest)


def test_the_moderation_queue_link_follows_a_managers_role(client):
    owner, member = make_user("owner"), make_user("member")
    group = make_interest_group(owner, name="摄影社")
    group_services.join_group(actor=actor_for(member), group=group)
    queue = reverse("moderation_queue")
    assert f'href="{queue}"' not in page(client, member)
    group_services.set_member_role(actor=actor_for(owner), group=group,
                                   username=member.username, role=Membership.Role.ADMIN)
    assert f'href="{queue}"' in page(client, member)
    group_services.set_member_role(actor=actor_for(owner), group=group,
                                   username=member.username, role=Membership.Role.MEMBER)
    assert f'href="{queue}"' not in page(client, member)
    assert f'href="{queue}"' in page(client, owner)


def test_the_school_console_link_follows_the_schools_administrators(client):
    school = make_school("清华大学")
    teacher = make_user("teacher", school=school)
    console = reverse("school_console", args=[school.pk])
    assert console not in page(client, teacher)
    school.administrators.add(teacher)  # as the admin site does
    assert console in page(client, teacher)
    teacher.administered_schools.remove(school)
    assert console not in page(client, teacher)


class CountingCache:
    """The calls made to the cache inside the block (not those a call makes itself)."""

    def __enter__(self):
        from django.core.cache import cache

        self.calls, self.patched, self.depth = [], [], 0
        for name in ("get", "get_many", "set", "set_many", "add"):
            real = getattr(cache, name)
            self.patched.append((cache, name, real))
            setattr(cache, name, self._counting(name, real))
        return self

    def _counting(self, name, real):
        def call(*args, **kwargs):
            if not self.depth:
                self.calls.append(name)
            self.depth += 1
            try:
                return real(*args, **kwargs)
            finally:
                self.depth -= 1
        return call

    def __exit__(self, *exc):
        for cache, name, real in self.patched:
            setattr(cache, name, real)


def test_a_read_that_raced_a_change_is_not_kept():
    """A reader that read the rows before a change committed must not leave its value for
    the readers after it."""
    user = make_user("li_hua")
    values = iter(["before", "after"])

    def read_while_changed():
        value = next(values)
        personal_cache.forget([user.pk])  # the change commits while this read runs
        return value

    assert personal_cache.read(user, "thing", read_while_changed) == "before"
    assert personal_cache.read(User.objects.get(pk=user.pk), "thing", lambda: "after") == "after"


def test_one_page_view_asks_the_cache_once_for_all_of_a_persons_reads(client):
    user = make_user("li_hua")
    page(client, user)  # fills the person's entry
    fresh = User.objects.get(pk=user.pk)  # as the next request loads its user
    with CountingCache() as counted:
        personal_cache.read(fresh, "unread-notifications", lambda: pytest.fail("recomputed"))
        personal_cache.read(fresh, "moderates", lambda: pytest.fail("recomputed"))
        personal_cache.read(fresh, "administered-schools", lambda: pytest.fail("recomputed"))
        personal_cache.read(fresh, "unread-messages", lambda: pytest.fail("recomputed"),
                            shelf=personal_cache.CHATTER)
    assert counted.calls == ["get_many"]


def test_a_whole_page_view_fetches_the_persons_entries_once(client, monkeypatch):
    """The badges ask through request.user, a lazy proxy: they must find the snapshot
    the sign-in backend put on the user it wraps, not fetch it again."""
    user = make_user("li_hua")
    page(client, user)
    fetched = []
    real = personal_cache._fetch
    monkeypatch.setattr(personal_cache, "_fetch", lambda pk: fetched.append(pk) or real(pk))
    for path in ("/", reverse("profile", args=[user.username])):
        fetched.clear()
        assert client.get(path).status_code == 200
        assert fetched == [user.pk]


def chat_badge(html: str) -> int | None:
    """The 私信 badge's number, None while hidden."""
    tag = re.search(r"<span[^>]*data-unread-messages-badge[^>]*>(\d*)<", html)
    return None if " hidden" in tag.group(0) else int(tag.group(1))


def test_the_message_badge_follows_every_change_to_a_seat(client):
    from messages import services as message_services
    from tests.messages.helpers import befriend, say_in_group, send

    li, wang = make_user("li_hua"), make_user("wang_wei")
    befriend(li, wang)
    assert chat_badge(page(client, li)) is None
    conversation = send(wang, li).conversation
    assert chat_badge(page(client, li)) == 1
    send(wang, li, "还在吗？")
    assert chat_badge(page(client, li)) == 2
    message_services.set_muted(actor=actor_for(li), conversation_id=conversation.pk, muted=True)
    assert chat_badge(page(client, li)) is None
    message_services.set_muted(actor=actor_for(li), conversation_id=conversation.pk,
                               muted=False)
    assert chat_badge(page(client, li)) == 2
    message_services.mark_read(actor=actor_for(li), conversation_id=conversation.pk)
    assert chat_badge(page(client, li)) is None

    group = make_interest_group(wang, name="摄影社")
    group_services.join_group(actor=actor_for(li), group=group)
    say_in_group(wang, group)
    assert chat_badge(page(client, li)) == 1
    group_services.leave_group(actor=actor_for(li), group=group)  # the seat goes with it
    assert chat_badge(page(client, li)) is None


def test_a_new_message_keeps_the_persons_other_cached_reads(client):
    from tests.messages.helpers import befriend, send

    li, wang = make_user("li_hua"), make_user("wang_wei")
    befriend(li, wang)
    page(client, li)
    send(wang, li)
    fresh = User.objects.get(pk=li.pk)
    personal_cache.read(fresh, "unread-notifications", lambda: pytest.fail("recomputed"))
    assert personal_cache.read(fresh, "unread-messages", lambda: "recomputed",
                               shelf=personal_cache.CHATTER) == "recomputed"


def trending(client, user) -> str:
    html = page(client, user)
    return re.search(r'<section class="card trending".*?</section>', html, re.S).group(0)


def test_trending_topics_lose_a_deleted_or_removed_post_at_once(client):
    from feeds.models import Post
    from yiban_core.moderation.models import ContentState
    from yiban_core.moderation.targets import set_state

    author, reader = make_user("author"), make_user("reader")
    removed = feed_services.publish_post(actor=actor_for(author), text="#不良话题# 内容")
    deleted = feed_services.publish_post(actor=actor_for(author), text="#删掉的话题# 内容")
    shown = trending(client, reader)
    assert "不良话题" in shown and "删掉的话题" in shown
    set_state(Post, removed.pk, ContentState.REMOVED)
    feed_services.delete_post(actor=actor_for(author), post_id=deleted.pk)
    shown = trending(client, reader)
    assert "不良话题" not in shown and "删掉的话题" not in shown


# --- the signed-in user from the cache (yiban_core/accounts/backends.py) ----------------


def test_a_page_view_reads_no_user_or_profile_row_once_warm(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = make_user("li_hua")
    page(client, user)
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"accounts_user"."password"' not in tables  # the user row
    assert 'FROM "accounts_profile"' not in tables


def test_a_changed_password_ends_the_other_sessions_at_once(client):
    from django.test import Client

    user = make_user("li_hua")
    page(client, user)
    elsewhere = Client()
    elsewhere.force_login(user)
    user.set_password("a-new-Passw0rd-2026")
    user.save()
    assert client.get(reverse("notifications")).status_code == 302  # to the login page


def test_a_suspension_ends_the_session_at_once(client):
    user = make_user("li_hua")
    page(client, user)
    User.objects.filter(pk=user.pk).update(is_active=False)  # a bulk write, as moderation's
    personal_cache.forget([user.pk])
    assert client.get(reverse("notifications")).status_code == 302


def test_follower_counts_on_the_home_page_follow_a_follow(client):
    from yiban_core.accounts import services as account_services

    user = make_user("li_hua")
    assert "<strong>0</strong> 粉丝" in page(client, user)
    account_services.follow(actor=actor_for(make_user("fan")), username=user.username)
    assert "<strong>1</strong> 粉丝" in page(client, user)


def test_a_session_made_before_the_cached_backend_stays_signed_in(client):
    user = make_user("li_hua")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert 'data-unread-badge' in client.get("/").content.decode()


def _sidebar_groups(html: str) -> list[str]:
    return re.findall(r'<span class="group-name">([^<]*)</span>', html)


def test_the_home_pages_groups_follow_creating_joining_renaming_and_leaving(client):
    """The home page's 我的群 and its composer's groups are cached per person
    (groups.selectors.my_groups): each change shows on the next page view. Each person
    signs in once (a sign-in saves the user, which forgets their cached reads anyway)."""
    from django.test import Client

    owner, li = make_user("owner"), make_user("li_hua")
    as_owner, as_li = Client(), Client()
    as_owner.force_login(owner)
    as_li.force_login(li)

    def home(browser) -> str:
        return browser.get("/").content.decode()

    assert _sidebar_groups(home(as_owner)) == [] and _sidebar_groups(home(as_li)) == []
    club = make_interest_group(owner, name="摄影社")
    assert _sidebar_groups(home(as_owner)) == ["摄影社"]  # a group they created
    group_services.join_group(actor=actor_for(li), group=club)
    html = home(as_li)
    assert _sidebar_groups(html) == ["摄影社"] and f'<option value="{club.pk}">摄影社<' in html

    group_services.update_group(actor=actor_for(owner), group=club, name="摄影与后期社")
    assert _sidebar_groups(home(as_li)) == ["摄影与后期社"]

    group_services.leave_group(actor=actor_for(li), group=club)
    html = home(as_li)
    assert _sidebar_groups(html) == [] and "摄影与后期社</option>" not in html


def test_the_account_menu_is_the_persons_own_on_every_page(client):
    """The account menu is rendered once per state of the person (frontend.fragments.
    user_menu): each page still gets its own path and a working CSRF token in the menu's
    forms, and a new name shows on the next page."""
    from django.test import Client

    from yiban_core.accounts import services as account_services

    li = make_user("li_hua", display_name="李华")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(li)

    def menu(path: str) -> str:
        html = browser.get(path).content.decode()
        return re.search(r'<details class="usermenu".*?</details>', html, re.S).group(0)

    assert 'name="next" type="hidden" value="/groups/"' in menu("/groups/")
    home = menu("/")
    assert "李华" in home and 'name="next" type="hidden" value="/"' in home
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home).group(1)
    switched = browser.post(reverse("set_language"), {"language": "en", "next": "/",
                                                      "csrfmiddlewaretoken": token})
    assert switched.status_code == 302  # the token in the kept menu is this session's
    assert ">English<" not in menu("/") and ">中文<" in menu("/")

    account_services.update_profile(actor=actor_for(li), display_name="李老师")
    assert "李老师" in menu("/") and "李华" not in menu("/")
