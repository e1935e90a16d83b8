"""Post cards are rendered once and reused (frontend/fragments.py): what a reader sees
must still be their own, and any change to a post, its author or its group must show on
the next page view."""

import re

import pytest
from django.urls import reverse

from feeds import services as feed_services
from feeds.models import Post
from frontend import fragments
from tests.factories import actor_for, make_interest_group, make_user
from yiban_core.accounts import services as account_services
from yiban_core.groups import services as group_services
from yiban_core.moderation.models import ContentState
from yiban_core.moderation.targets import set_state

pytestmark = pytest.mark.django_db


def publish(user, text, **kwargs) -> Post:
    return feed_services.publish_post(actor=actor_for(user), text=text, **kwargs)


def card(page: str, post: Post) -> str:
    match = re.search(rf'<article [^>]*id="post-{post.pk}".*?</article>', page, re.S)
    assert match, f"no card of post {post.pk} on the page"
    return match.group(0)


def home_card(client, user, post) -> str:
    client.force_login(user)
    return card(client.get("/").content.decode(), post)


@pytest.fixture
def renders(monkeypatch):
    """How many times a card (or comment) template was rendered: not the account menu."""
    count = {"n": 0}
    real = fragments.get_template

    def counting(name):
        template = real(name)
        if name == fragments.USER_MENU_TEMPLATE:
            return template

        class Counted:
            def render(self, *args, **kwargs):
                count["n"] += 1
                return template.render(*args, **kwargs)

        return Counted()

    monkeypatch.setattr(fragments, "get_template", counting)
    return count


def test_a_card_is_rendered_once_for_readers_in_the_same_state(client, renders):
    author = make_user("zhang_san", display_name="张三")
    readers = [make_user(f"reader{i}") for i in range(3)]
    post = publish(author, "期末复习资料整理好了")
    for reader in readers:
        account_services.follow(actor=actor_for(reader), username=author.username)
    cards = [home_card(client, reader, post) for reader in readers]
    assert renders["n"] == 1
    assert all("期末复习资料整理好了" in each for each in cards)


def test_each_reader_gets_their_own_csrf_token_and_the_like_works(client):
    author = make_user("zhang_san")
    first, reader = make_user("first_reader"), make_user("li_si")
    for each in (first, reader):
        account_services.follow(actor=actor_for(each), username=author.username)
    post = publish(author, "一起去自习")
    home_card(client, first, post)  # renders and caches the card
    client.logout()
    client.force_login(reader)
    client.get("/")  # the CSRF cookie
    page = client.get("/").content.decode()
    html = card(page, post)
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert len(tokens) == 1 and "csrf" not in next(iter(tokens))
    client.enforce_csrf_checks = True
    response = client.post(reverse("post_like", args=[post.pk]),
                           {"csrfmiddlewaretoken": tokens.pop(), "next": "/"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.like_count == 1


def test_the_forms_go_back_to_the_page_they_are_on(client):
    author = make_user("zhang_san")
    reader = make_user("li_si")
    account_services.follow(actor=actor_for(reader), username=author.username)
    post = publish(author, "一起去自习 #自习#")
    client.force_login(reader)
    client.get("/")
    page = client.get("/?after=&x=1&y=<2>").content.decode()
    html = card(page, post)
    assert f'name="next" value="/?after=&amp;x=1&amp;y=%3C2%3E#post-{post.pk}"' in html
    assert "?next=/%3Fafter%3D%26x%3D1%26y%3D%253C2%253E" in html  # the 举报 link
    topic_page = client.get(reverse("topic", args=["自习"])).content.decode()
    assert 'name="next" value="/topics/%E8%87%AA%E4%B9%A0/#post-' in card(topic_page, post)


def test_liked_and_not_liked_readers_do_not_share_a_card(client):
    author = make_user("zhang_san")
    fan, other = make_user("fan"), make_user("other")
    post = publish(author, "点个赞吧")
    for reader in (fan, other):
        account_services.follow(actor=actor_for(reader), username=author.username)
    feed_services.like_post(actor=actor_for(fan), post_id=post.pk)
    assert 'aria-pressed="true"' in home_card(client, fan, post)
    assert 'aria-pressed="false"' in home_card(client, other, post)


def test_changes_to_what_a_card_shows_are_seen_at_once(client):
    author = make_user("zhang_san", display_name="张三")
    reader = make_user("li_si")
    group = make_interest_group(author, name="摄影社")
    group_services.join_group(actor=actor_for(reader), group=group)
    post = publish(author, "周六外拍", group=group)
    first = home_card(client, reader, post)
    assert "张三" in first and "摄影社" in first and "周六外拍" in first

    feed_services.like_post(actor=actor_for(author), post_id=post.pk)
    assert '<span class="count" data-like-count>1</span>' in home_card(client, reader, post)

    feed_services.edit_post(actor=actor_for(author), post_id=post.pk, text="周日外拍")
    html = home_card(client, reader, post)
    assert "周日外拍" in html and "已编辑" in html

    account_services.update_profile(actor=actor_for(author), display_name="张老三")
    assert "张老三" in home_card(client, reader, post)

    group_services.update_group(actor=actor_for(author), group=group, name="光影摄影社")
    assert "光影摄影社" in home_card(client, reader, post)

    feed_services.set_pinned(actor=actor_for(author), post_id=post.pk, pinned=True)
    assert "群公告" in home_card(client, reader, post)


def test_a_repost_card_follows_its_original(client):
    author = make_user("zhang_san")
    reposter = make_user("wang_wu")
    reader = make_user("li_si")
    account_services.follow(actor=actor_for(reader), username=reposter.username)
    original = publish(author, "原来的动态")
    repost = feed_services.repost(actor=actor_for(reposter), post_id=original.pk, text="转一下")
    assert "原来的动态" in home_card(client, reader, repost)
    feed_services.delete_post(actor=actor_for(author), post_id=original.pk)
    html = home_card(client, reader, repost)
    assert "原来的动态" not in html and "原动态已删除/不可见" in html


def test_the_author_of_a_held_post_sees_its_mark(client):
    author = make_user("zhang_san")
    post = publish(author, "一条要审核的动态")
    html = home_card(client, author, post)
    assert "审核中" not in html
    set_state(Post, post.pk, ContentState.HELD)
    post.refresh_from_db()
    assert "正在审核" in home_card(client, author, post)


def test_a_visitor_gets_a_login_link_back_to_the_page(client):
    author = make_user("zhang_san")
    post = publish(author, "公开的动态")
    page = client.get(reverse("profile", args=[author.username]) + "?a=1&b=2").content.decode()
    html = card(page, post)
    assert "/login/?next=/u/zhang_san/%3Fa%3D1%26b%3D2" in html
    assert "csrfmiddlewaretoken" not in html


def comment_html(page: str, comment) -> str:
    start = page.index(f'<div class="comment-body" id="comment-{comment.pk}">')
    ends = [page.find(mark, start + 1) for mark in ('<div class="comment-body"', "</li>")]
    return page[start:min(end for end in ends if end > 0)]


def test_comments_are_rendered_once_and_stay_each_readers_own(client, renders):
    author, fan, other = make_user("zhang_san"), make_user("fan"), make_user("other")
    post = publish(author, "这道题怎么做？")
    comment = feed_services.add_comment(actor=actor_for(author), post_id=post.pk,
                                        text="我先说一个思路")
    reply = feed_services.add_comment(actor=actor_for(fan), post_id=post.pk,
                                      text="同意楼上", parent_id=comment.pk)
    detail = reverse("post_detail", args=[post.pk])

    def read(user):
        client.force_login(user)
        return client.get(detail).content.decode()

    read(other)
    rendered = renders["n"]
    again = read(other)
    assert renders["n"] == rendered  # nothing rendered again for the same reader state
    assert "我先说一个思路" in again and "同意楼上" in again
    # The reply's author may delete it; nobody else sees that button.
    assert f'action="{reverse("comment_delete", args=[reply.pk])}"' in read(fan)
    assert f'action="{reverse("comment_delete", args=[reply.pk])}"' not in read(other)

    feed_services.like_comment(actor=actor_for(fan), comment_id=comment.pk)
    page = read(fan)
    assert f'action="{reverse("comment_unlike", args=[comment.pk])}"' in page
    assert 'aria-pressed="true"' in comment_html(page, comment)
    page = read(other)
    assert 'aria-pressed="false"' in comment_html(page, comment)
    assert '<span class="count" data-like-count>1</span>' in comment_html(page, comment)

    account_services.update_profile(actor=actor_for(fan), display_name="小粉丝")
    assert "小粉丝" in comment_html(read(other), reply)


def test_a_leaderboard_marks_its_readers_own_row_and_follows_the_points(client):
    from yiban_core.credits import services as credits

    first, second = make_user("first", display_name="第一名"), make_user("second")
    credits.daily_checkin(actor=actor_for(first))
    board = reverse("leaderboards") + "?tab=people&window=week"

    def rows(user):
        client.force_login(user)
        html = client.get(board).content.decode()
        return re.findall(r'<li class="board-row( is-me)?" data-person="(\d+)">', html)

    assert rows(first) == [(" is-me", str(first.pk))]
    assert rows(second) == [("", str(first.pk))]
    credits.daily_checkin(actor=actor_for(second))
    assert sorted(rows(second)) == sorted([("", str(first.pk)), (" is-me", str(second.pk))])
    account_services.update_profile(actor=actor_for(first), display_name="改名的第一名")
    client.force_login(second)
    assert "改名的第一名" in client.get(board).content.decode()


def test_resource_cards_are_rendered_once_and_follow_their_ratings(client, renders):
    from resources import services as resource_services
    from tests.frontend.test_resource_pages import publish as publish_resource

    owner, reader, rater = make_user("owner"), make_user("reader"), make_user("rater")
    resource = publish_resource(owner, title="线性代数期末复习提纲")
    library = reverse("resource_library")

    def card_of(user) -> str:
        client.force_login(user)
        html = client.get(library).content.decode()
        match = re.search(rf'<li class="resource-card card" data-resource-id="{resource.pk}">'
                          r".*?</li>", html, re.S)
        assert match, "no card of the resource"
        return match.group(0)

    first = card_of(reader)
    assert "线性代数期末复习提纲" in first and "暂无评分" in first
    rendered = renders["n"]
    assert card_of(rater) == first and renders["n"] == rendered
    resource_services.rate_resource(actor=actor_for(rater), resource_id=resource.pk, stars=4)
    assert "（1 人评分）" in card_of(reader)


def test_a_deploy_that_changes_a_card_template_starts_on_new_keys(tmp_path, monkeypatch):
    """Cached cards outlive a process: after a deploy that edits a template, the old HTML
    must not be served under the same key."""
    app = tmp_path / "frontend"
    (app / "templates" / "frontend" / "feeds").mkdir(parents=True)
    (app / "templatetags").mkdir()
    template = app / "templates" / "frontend" / "feeds" / "_post.html"
    template.write_text("<article>{{ post.text }}</article>")
    monkeypatch.setattr(fragments, "__file__", str(app / "fragments.py"))
    before = fragments._deployed_digest()
    assert fragments._deployed_digest() == before  # the same files, the same keys
    template.write_text("<article class=card>{{ post.text }}</article>")
    assert fragments._deployed_digest() != before


def test_a_group_post_keeps_its_group_badge_on_home_and_drops_it_on_its_group_page(client):
    """The same post in two timelines: cards differ by the page's own parameters."""
    author, reader = make_user("zhang_san"), make_user("li_si")
    group = make_interest_group(author, name="摄影社")
    group_services.join_group(actor=actor_for(reader), group=group)
    post = publish(author, "周六外拍", group=group)
    client.force_login(reader)
    for _ in range(2):  # each page twice: from the cache the second time
        group_card = card(client.get(reverse("group_detail", args=[group.pk])).content.decode(),
                          post)
        assert "group-badge" not in group_card
        assert "group-badge" in home_card(client, reader, post)


def test_a_poll_card_is_shared_until_a_vote_and_shows_each_reader_their_choice(client, renders):
    from datetime import timedelta

    from django.utils import timezone

    from feeds import poll_services
    from feeds.poll_services import PollSpec

    author = make_user("zhang_san")
    voter, other = make_user("voter", display_name="投票人"), make_user("other")
    post = publish(author, "周末去哪", poll=PollSpec(
        options=["图书馆", "操场"], closes_at=timezone.now() + timedelta(hours=2)))
    for reader in (voter, other):
        account_services.follow(actor=actor_for(reader), username=author.username)
    before = home_card(client, voter, post)
    assert 'data-testid="poll-option"' in before
    rendered = renders["n"]
    assert home_card(client, other, post) and renders["n"] == rendered

    library = post.poll.options.get(position=0)
    poll_services.vote(actor=actor_for(voter), post_id=post.pk, option_ids=[library.pk])
    mine = home_card(client, voter, post)
    assert "我的选择" in mine and 'data-testid="poll-option"' not in mine
    assert "投票人" in mine  # a named poll: who voted what
    theirs = home_card(client, other, post)
    assert "我的选择" not in theirs and 'data-testid="poll-option"' in theirs
    assert "1 人参与" in theirs


def test_a_student_the_school_marks_a_minor_loses_her_photo_from_every_card(client):
    """Cards are cached by what they show: whether the author is a minor is part of it
    (a minor's photo is shown as a letter in lists)."""
    from django.core.files.base import ContentFile

    from tests.factories import make_school
    from tests.messages.helpers import png
    from yiban_core.accounts.models import User
    from yiban_core.privacy import minors

    school = make_school("杭州市中策职业学校")
    admin = make_user("zhaojiaowu", school=school, role=User.Role.STAFF)
    school.administrators.add(admin)
    student = make_user("xiao_a", school=school)
    student.profile.avatar.save("me.png", ContentFile(png().read()))
    reader = make_user("reader")
    account_services.follow(actor=actor_for(reader), username=student.username)
    post = publish(student, "今天的实训作品")
    photo = student.profile.avatar.url
    assert photo in home_card(client, reader, post)
    minors.mark_minors(actor=actor_for(admin), school=school, usernames=[student.username])
    assert photo not in home_card(client, reader, post)


def test_a_timeline_of_authors_with_photos_reads_no_row_per_author(client):
    """The Redis cards carry what says whether an author is a minor."""
    from django.core.files.base import ContentFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.messages.helpers import png

    reader = make_user("reader")

    def queries_with(authors: int) -> int:
        for i in range(authors):
            author = make_user(f"author{authors}_{i}")
            author.profile.avatar.save("me.png", ContentFile(png().read()))
            account_services.follow(actor=actor_for(reader), username=author.username)
            publish(author, f"第 {i} 条")
        client.force_login(reader)
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    assert queries_with(1) == queries_with(4)


def test_the_people_board_reads_no_row_per_person(client):
    """The board's people carry what a row shows (credits.selectors.BOARD_ROW_FIELDS):
    a longer board costs no more queries, and each row still has its name and school."""
    from django.core.files.base import ContentFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_school
    from tests.messages.helpers import png
    from yiban_core.credits import services as credits

    school = make_school("浙江大学")
    school.short_name = "浙大"
    school.save()
    reader = make_user("reader", school=school)
    board = reverse("leaderboards") + "?tab=people&window=week"

    def queries_with(people: int) -> tuple[int, str]:
        for i in range(people):
            person = make_user(f"p{people}_{i}", school=school, display_name=f"同学{people}{i}")
            person.profile.avatar.save("me.png", ContentFile(png().read()))
            credits.daily_checkin(actor=actor_for(person))
        client.force_login(reader)
        client.get(board)
        with CaptureQueriesContext(connection) as captured:
            html = client.get(board).content.decode()
        return len(captured), html

    few, _ = queries_with(1)
    many, html = queries_with(4)
    assert few == many
    assert "同学43" in html and "浙大" in html and "/media/avatars/" in html


def test_the_people_board_is_rendered_again_when_someone_on_it_changes(client):
    """The board's HTML is kept per ranking and per state of its people: a new name or a
    new rank shows at once, and an unchanged board reads no person."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yiban_core.credits import services as credits

    reader = make_user("board_reader")
    people = [make_user(f"ranked{i}", display_name=f"榜上{i}") for i in range(3)]
    for person in people:
        credits.daily_checkin(actor=actor_for(person))
    board = reverse("leaderboards") + "?tab=people&window=week"
    client.force_login(reader)
    assert "榜上1" in client.get(board).content.decode()
    with CaptureQueriesContext(connection) as captured:
        client.get(board)
    assert not [q for q in captured if 'FROM "accounts_profile"' in q["sql"]
                or 'LEFT OUTER JOIN "accounts_profile"' in q["sql"]]

    account_services.update_profile(actor=actor_for(people[1]), display_name="改名了")
    html = client.get(board).content.decode()
    assert "改名了" in html and "榜上1" not in html

    credits.daily_checkin(actor=actor_for(reader))  # a new person on the board
    assert f'data-person="{reader.pk}"' in client.get(board).content.decode()

    from tests.factories import make_school

    school = make_school("浙江大学")
    account_services.update_profile(actor=actor_for(people[0]), school=school)
    assert "浙江大学" in client.get(board).content.decode()
    school.short_name = "浙大"
    school.save()  # the school's new name beside its members
    assert " · 浙大</span>" in client.get(board).content.decode()
