"""Hide after reports: once MODERATION_HIDE_AFTER_REPORTS distinct verified school members
have reported a post, comment, resource or review, nobody but its author sees it, through
every door: the page, GraphQL and node(id:), both home timelines (Redis cards and the
database), group timelines, comments and their count, the library, reviews and search."""

import pytest

from feeds import selectors as feed_selectors
from feeds import services as feed_services
from feeds import timeline_store
from feeds.models import Comment
from feeds.timeline_rebuild import rebuild_home_timeline
from resources import selectors as resource_selectors
from resources import services as resource_services
from resources.models import Rating, Resource
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from tests.graphql.conftest import GraphQLClient
from yiban_core import events
from yiban_core.accounts import services as account_services
from yiban_core.errors import NotFound
from yiban_core.graphql.relay import global_id
from yiban_core.groups import services as group_services
from yiban_core.moderation.models import Case, CaseOrigin, ContentState
from yiban_core.moderation.services import report_content
from yiban_core.search import selectors as search_selectors
from yiban_core.search.models import SearchDocument

pytestmark = pytest.mark.django_db

NODE = """query($id: ID!) { node(id: $id) { id ... on Post { text moderationState }
  ... on Comment { text moderationState } ... on Resource { title moderationState }
  ... on Rating { review moderationState } } }"""


@pytest.fixture
def school():
    return make_school("武汉大学")


@pytest.fixture
def author(school):
    return verify(make_user("chen_jie", school=school))


@pytest.fixture
def reader(school, author):
    """A classmate who follows the author."""
    reader = verify(make_user("liu_yang", school=school))
    account_services.follow(actor=actor_for(reader), username=author.username)
    return reader


@pytest.fixture
def reporters(school):
    return [verify(make_user(f"reporter{n}", school=school)) for n in range(3)]


@pytest.fixture
def held_events(monkeypatch):
    """The ContentHeld events sent."""
    heard = []
    monkeypatch.setitem(events._subscribers, events.ContentHeld, [])
    events.subscribe(events.ContentHeld, heard.append, durable=True)
    return heard


def report_by(people, target, reason="abuse"):
    for person in people:
        report_content(actor=actor_for(person), target=target, reason=reason)


def state(obj) -> str:
    obj.refresh_from_db(fields=["moderation"])
    return obj.moderation


def test_three_verified_reporters_hold_a_post_fewer_or_unverified_do_not(
        settings, school, author, reporters, held_events):
    post = feed_services.publish_post(actor=actor_for(author), text="某某老师收红包")
    unverified = [make_user(f"new{n}", school=school) for n in range(3)]
    report_by([*reporters[:2], *unverified], post)
    assert state(post) == ContentState.VISIBLE and held_events == []
    report_by(reporters[2:], post)
    assert state(post) == ContentState.HELD
    case = Case.objects.get()
    assert case.report_count == 6 and case.origin == CaseOrigin.REPORTS
    assert held_events == [events.ContentHeld(case_id=case.pk)]


def test_the_threshold_comes_from_the_settings(settings, author, reporters):
    settings.MODERATION_HIDE_AFTER_REPORTS = 1
    post = feed_services.publish_post(actor=actor_for(author), text="广告：代写作业")
    report_by(reporters[:1], post, reason="ad")
    assert state(post) == ContentState.HELD


def test_a_held_post_leaves_the_page_graphql_and_timelines_of_everyone_but_its_author(
        client, author, reader, reporters, no_redis):
    post = feed_services.publish_post(actor=actor_for(author), text="期末答案已流出")
    assert [p.pk for p in feed_selectors.home_timeline(actor=actor_for(reader)).items] == [
        post.pk]
    report_by(reporters, post)
    gql = GraphQLClient(client)

    assert feed_selectors.home_timeline(actor=actor_for(reader)).items == []
    assert feed_selectors.user_timeline(actor=actor_for(reader), user=author).items == []
    assert gql.as_user(reader).data(NODE, id=global_id("Post", post.pk))["node"] is None
    assert client.get(f"/posts/{post.pk}/").status_code == 404

    # The author still reads it, marked as held.
    mine = feed_selectors.home_timeline(actor=actor_for(author)).items
    assert [p.pk for p in mine] == [post.pk]
    node = gql.as_user(author).data(NODE, id=global_id("Post", post.pk))["node"]
    assert node["moderationState"] == "HELD"
    page = client.get(f"/posts/{post.pk}/")
    assert page.status_code == 200 and page.context["post"].moderation == ContentState.HELD


def test_the_redis_cards_drop_a_post_held_after_they_were_filled(author, reader, reporters,
                                                                 redis_timelines):
    kept = feed_services.publish_post(actor=actor_for(author), text="周末去爬山")
    held = feed_services.publish_post(actor=actor_for(author), text="晒出同学隐私照片")
    redis_timelines.flushdb()
    rebuild_home_timeline.call(user_id=reader.pk)
    for pk in (kept.pk, held.pk):
        timeline_store.fan_out(pk, [timeline_store.key(reader.pk)])
    first = feed_selectors.home_timeline(actor=actor_for(reader)).items  # fills the cards
    assert [p.pk for p in first] == [held.pk, kept.pk]
    report_by(reporters, held)
    assert [p.pk for p in feed_selectors.home_timeline(actor=actor_for(reader)).items] == [
        kept.pk]
    assert [p.pk for p in feed_selectors.home_timeline(actor=actor_for(author)).items] == [
        held.pk, kept.pk]


def test_a_held_group_post_leaves_the_group_timeline(author, reader, reporters):
    club = make_interest_group(author, name="考研交流群")
    for person in [reader, *reporters]:
        group_services.join_group(actor=actor_for(person), group=club)
    post = feed_services.publish_post(actor=actor_for(author), text="加群买资料", group=club)
    report_by(reporters, post, reason="ad")
    assert feed_selectors.group_timeline(actor=actor_for(reader), group=club).items == []
    assert [p.pk for p in feed_selectors.group_timeline(actor=actor_for(author),
                                                        group=club).items] == [post.pk]


def test_a_held_comment_leaves_the_comments_and_their_count(client, author, reader,
                                                           reporters):
    post = feed_services.publish_post(actor=actor_for(author), text="高数作业第三题怎么做")
    bad = feed_services.add_comment(actor=actor_for(reader), post_id=post.pk,
                                    text="你是猪吗这都不会")
    feed_services.add_comment(actor=actor_for(reporters[0]), post_id=post.pk, text="用洛必达")
    report_by(reporters, bad)
    assert state(bad) == ContentState.HELD
    post.refresh_from_db()
    assert post.comment_count == 1
    shown = feed_selectors.comments(actor=actor_for(author), post=post).items
    assert [c.text for c in shown] == ["用洛必达"]
    # Its author still reads it; nobody else, by node(id:) or on the page.
    theirs = feed_selectors.comments(actor=actor_for(reader), post=post).items
    assert {c.text for c in theirs} == {"你是猪吗这都不会", "用洛必达"}
    gql = GraphQLClient(client)
    assert gql.as_user(author).data(NODE, id=global_id("Comment", bad.pk))["node"] is None
    node = gql.as_user(reader).data(NODE, id=global_id("Comment", bad.pk))["node"]
    assert node["moderationState"] == "HELD"
    client.force_login(author)
    assert "你是猪吗" not in client.get(f"/posts/{post.pk}/").content.decode()


def test_a_held_resource_and_review_leave_the_library_and_the_reviews(client, author, reader,
                                                                      reporters):
    resource = resource_services.publish_resource(
        actor=actor_for(author), title="盗版教材 PDF", subject="mathematics",
        url="https://pan.example.com/x")
    good = resource_services.publish_resource(
        actor=actor_for(author), title="线性代数笔记", subject="mathematics",
        url="https://example.edu.cn/la")
    review = resource_services.rate_resource(actor=actor_for(reader), resource_id=good.pk,
                                             stars=1, review="作者是骗子，大家别信")
    report_by(reporters, resource, reason="infringement")
    report_by(reporters, review)
    assert state(resource) == ContentState.HELD and state(review) == ContentState.HELD

    assert list(resource_selectors.browse(actor=actor_for(reader))) == [good]
    with pytest.raises(NotFound):
        resource_selectors.get_resource(actor=actor_for(reader), pk=resource.pk)
    assert client.get(f"/resources/{resource.pk}/").status_code == 404
    assert list(resource_selectors.reviews(actor=actor_for(author), resource=good)) == []
    assert list(resource_selectors.reviews(actor=actor_for(reader), resource=good)) == [review]
    gql = GraphQLClient(client)
    assert gql.as_user(reader).data(NODE, id=global_id("Resource", resource.pk))["node"] is None
    assert gql.as_user(author).data(NODE, id=global_id("Rating", review.pk))["node"] is None
    mine = gql.as_user(author).data(NODE, id=global_id("Resource", resource.pk))["node"]
    assert mine["moderationState"] == "HELD"
    assert Resource.objects.count() == 2 and Rating.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # the index tasks run after the commit
def test_held_posts_and_resources_leave_the_search(settings, author, reader, reporters,
                                                    run_worker, no_redis):
    settings.ELASTICSEARCH_URL = ""
    post = feed_services.publish_post(actor=actor_for(author), text="出售微积分期末试卷答案")
    resource = resource_services.publish_resource(
        actor=actor_for(author), title="微积分试卷答案合集", subject="mathematics",
        url="https://pan.example.com/y")
    run_worker()

    def found(actor):
        page = search_selectors.search(actor=actor, query="微积分")
        return {(r.kind, r.object.pk) for r in page.items}

    assert found(actor_for(reader)) == {("post", post.pk), ("resource", resource.pk)}
    report_by(reporters, post)
    report_by(reporters, resource, reason="infringement")
    assert found(actor_for(reader)) == set()  # at once: the results are checked
    run_worker()
    assert found(actor_for(reader)) == set()  # and out of the index
    assert not SearchDocument.objects.filter(kind__in=["post", "resource"]).exists()


def test_notifications_no_longer_quote_a_held_comment(author, reader, reporters):
    post = feed_services.publish_post(actor=actor_for(author), text="周末球赛")
    bad = feed_services.add_comment(actor=actor_for(reader), post_id=post.pk, text="裁判是傻子")
    report_by(reporters, bad)
    excerpts = feed_selectors.notification_excerpts(actor_for(author),
                                                    [("commented", post.pk, bad.pk)])
    assert excerpts[("commented", post.pk, bad.pk)].detail is None
    assert Comment.objects.get().moderation == ContentState.HELD
