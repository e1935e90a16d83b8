"""Sensitive words `review` and `flag` (issue 19 item 4): `review` saves a post, comment,
resource or review held (its author sees it, nobody else) with a word_review case;
`flag` publishes it with a word_flag case. Group names and people's names cannot be held:
the text is kept and a word_review case opens on the group or the person."""

import pytest

from feeds import selectors as feed_selectors
from feeds import services as feed_services
from resources import selectors as resource_selectors
from resources import services as resource_services
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from tests.graphql.conftest import GraphQLClient
from yiban_core import events
from yiban_core.accounts import services as account_services
from yiban_core.groups import services as group_services
from yiban_core.moderation.models import Case, CaseOrigin, ContentState

pytestmark = pytest.mark.django_db

PUBLISH = """mutation($text: String!) {
  publishPost(input: {text: $text}) { post { id text moderationState } errors { code } }
}"""


@pytest.fixture(autouse=True)
def word_list(listed):
    listed("包过", "review")
    listed("兼职", "flag")


@pytest.fixture
def school():
    return make_school("南京大学")


@pytest.fixture
def author(school):
    return verify(make_user("zhou_min", school=school))


@pytest.fixture
def reader(school, author):
    reader = verify(make_user("sun_li", school=school))
    account_services.follow(actor=actor_for(reader), username=author.username)
    return reader


@pytest.fixture
def held_events(monkeypatch):
    heard = []
    monkeypatch.setitem(events._subscribers, events.ContentHeld, [])
    events.subscribe(events.ContentHeld, heard.append, durable=True)
    return heard


def case_of(obj) -> Case:
    return Case.objects.get(target_id=obj.pk, target_type__model=obj._meta.model_name)


def test_a_review_word_holds_the_post_for_everyone_but_its_author(author, reader,
                                                                  held_events, no_redis):
    post = feed_services.publish_post(actor=actor_for(author), text="计算机二级包过，加微信")
    assert post.moderation == ContentState.HELD
    case = case_of(post)
    assert case.origin == CaseOrigin.WORD_REVIEW and case.report_count == 0
    assert held_events == [events.ContentHeld(case_id=case.pk)]
    assert feed_selectors.home_timeline(actor=actor_for(reader)).items == []
    assert [p.pk for p in feed_selectors.home_timeline(actor=actor_for(author)).items] == [
        post.pk]


def test_a_flag_word_publishes_and_opens_a_case(author, reader, held_events, no_redis):
    post = feed_services.publish_post(actor=actor_for(author), text="招聘校园兼职")
    assert post.moderation == ContentState.VISIBLE
    assert case_of(post).origin == CaseOrigin.WORD_FLAG and held_events == []
    assert [p.pk for p in feed_selectors.home_timeline(actor=actor_for(reader)).items] == [
        post.pk]


def test_review_wins_over_flag_and_an_edit_can_hold_a_post(author):
    both = feed_services.publish_post(actor=actor_for(author), text="兼职代课，包过")
    assert both.moderation == ContentState.HELD
    assert case_of(both).origin == CaseOrigin.WORD_REVIEW
    clean = feed_services.publish_post(actor=actor_for(author), text="今天图书馆人好多")
    assert clean.moderation == ContentState.VISIBLE and not Case.objects.filter(
        target_id=clean.pk, target_type__model="post").exists()
    feed_services.edit_post(actor=actor_for(author), post_id=clean.pk, text="英语四级包过")
    clean.refresh_from_db()
    assert clean.moderation == ContentState.HELD


def test_a_review_word_holds_a_comment_outside_the_count(author, reader):
    post = feed_services.publish_post(actor=actor_for(author), text="求推荐考研资料")
    comment = feed_services.add_comment(actor=actor_for(reader), post_id=post.pk,
                                        text="我这有包过班")
    comment.refresh_from_db()
    post.refresh_from_db()
    assert comment.moderation == ContentState.HELD and post.comment_count == 0
    assert feed_selectors.comments(actor=actor_for(author), post=post).items == []
    assert case_of(comment).origin == CaseOrigin.WORD_REVIEW


def test_a_review_word_holds_a_resource_and_a_review(author, reader):
    resource = resource_services.publish_resource(
        actor=actor_for(author), title="教资面试资料", description="内部资料，包过",
        subject="education", url="https://example.edu.cn/a")
    assert resource.moderation == ContentState.HELD
    assert list(resource_selectors.browse(actor=actor_for(reader))) == []
    good = resource_services.publish_resource(
        actor=actor_for(author), title="教资笔试真题", subject="education",
        url="https://example.edu.cn/b", tags=["兼职"])
    assert good.moderation == ContentState.VISIBLE
    assert case_of(good).origin == CaseOrigin.WORD_FLAG
    rating = resource_services.rate_resource(actor=actor_for(reader), resource_id=good.pk,
                                             stars=5, review="报我的班包过")
    rating.refresh_from_db()
    assert rating.moderation == ContentState.HELD
    assert list(resource_selectors.reviews(actor=actor_for(author), resource=good)) == []


def test_group_and_people_names_keep_their_text_and_open_a_case(author, reader):
    club = make_interest_group(author, name="四六级包过群")
    assert club.name == "四六级包过群"
    assert case_of(club).origin == CaseOrigin.WORD_REVIEW
    account_services.update_profile(actor=actor_for(reader), bio="接兼职")
    assert case_of(reader).origin == CaseOrigin.WORD_FLAG
    stranger = make_user("baoguo_teacher", display_name="包过老师")
    assert case_of(stranger).origin == CaseOrigin.WORD_REVIEW
    group_services.update_group(actor=actor_for(author), group=club, description="真的包过")
    assert Case.objects.filter(target_type__model="group").count() == 1  # joins the open case


def test_graphql_shows_the_author_their_held_post(client, author, reader):
    gql = GraphQLClient(client).as_user(author)
    post = gql.mutate("publishPost", PUBLISH, text="期末包过秘籍")["post"]
    assert post["moderationState"] == "HELD" and post["text"] == "期末包过秘籍"
    query = "query($id: ID!) { node(id: $id) { id } }"
    assert gql.as_user(reader).data(query, id=post["id"])["node"] is None


def test_a_held_post_is_not_announced_live(author, reader):
    from realtime.tasks import push_new_post

    held = feed_services.publish_post(actor=actor_for(author), text="六级包过")
    shown = feed_services.publish_post(actor=actor_for(author), text="今晚班会")
    assert push_new_post.call(post_id=shown.pk) == 2  # the follower and the author
    assert push_new_post.call(post_id=held.pk) == 0
