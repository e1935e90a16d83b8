"""Polls through every door: GraphQL, the pages, the results file, the webhook.

An anonymous poll's voters are named by none of them; a named poll's are shown to the
post's readers; a private group's poll is its members' only.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from feeds import poll_services, services
from feeds.models import Poll, PollBallot, Post
from feeds.poll_services import PollSpec
from tests.factories import actor_for, make_class_group, make_school, make_teacher, make_user
from tests.graphql.conftest import GraphQLClient, gid
from yiban_core.graphql.relay import global_id
from yiban_core.groups import services as group_services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def klass(no_redis):
    school = make_school()
    teacher = make_teacher("wang_laoshi", school=school)
    group = make_class_group(teacher, is_private=True)
    students = [make_user(f"stu{i}", school=school, display_name=f"学生{i}") for i in range(2)]
    for student in students:
        group_services.join_by_code(actor=actor_for(student), code=group.join_code)
    return teacher, group, students


def poll_post(author, group, **kwargs) -> Post:
    spec = PollSpec(options=["周五下午", "周六上午"],
                    closes_at=timezone.now() + timedelta(days=1), **kwargs)
    return services.publish_post(actor=actor_for(author), text="班会时间投票", group=group,
                                 poll=spec)


def vote(user, post, position=0):
    option = post.poll.options.get(position=position)
    poll_services.vote(actor=actor_for(user), post_id=post.pk, option_ids=[option.pk])


POLL = """query($id: ID!) { post(id: $id) { id poll {
  id multiple anonymous resultsHidden isOpen voterCount resultsVisible viewerHasVoted viewerCanVote
  options { id text voteCount percent viewerChose voters { username } } } } }"""

PUBLISH = """mutation($input: PublishPostInput!) { publishPost(input: $input) {
  errors { code field } post { id poll { options { id text } closesAt multiple } } } }"""

VOTE = """mutation($input: VoteInput!) { vote(input: $input) { errors { code field }
  poll { voterCount viewerHasVoted options { text voteCount viewerChose } } } }"""


def payload_errors(body, name):
    return [(e["code"], e["field"]) for e in body["data"][name]["errors"]]


def test_publish_and_vote_through_graphql(client, klass):
    teacher, group, (a, _b) = klass
    gql = GraphQLClient(client).as_user(teacher)
    closes = (timezone.now() + timedelta(hours=3)).isoformat()
    payload = gql.mutate("publishPost", PUBLISH, input={
        "text": "周末去哪儿？", "groupId": gid(group),
        "poll": {"options": ["香山", "颐和园", "圆明园"], "closesAt": closes, "multiple": True}})
    post_id = payload["post"]["id"]
    options = payload["post"]["poll"]["options"]
    assert [o["text"] for o in options] == ["香山", "颐和园", "圆明园"]
    assert payload["post"]["poll"]["multiple"] is True

    gql.as_user(a)
    voted = gql.mutate("vote", VOTE, input={"postId": post_id,
                                            "optionIds": [options[0]["id"], options[2]["id"]]})
    assert voted["poll"]["voterCount"] == 1 and voted["poll"]["viewerHasVoted"]
    assert [o["voteCount"] for o in voted["poll"]["options"]] == [1, 0, 1]

    again = gql(VOTE, input={"postId": post_id, "optionIds": [options[1]["id"]]})
    assert payload_errors(again, "vote") == [("CONFLICT", "poll")]
    data = gql.data(POLL, id=post_id)["post"]["poll"]
    assert [o["voteCount"] for o in data["options"]] == [1, 0, 1]
    assert data["options"][0]["voters"] == [{"username": a.username}]


def test_a_bad_poll_through_graphql_is_invalid_and_publishes_nothing(client, klass):
    teacher, group, _students = klass
    gql = GraphQLClient(client).as_user(teacher)
    body = gql(PUBLISH, input={"text": "投票", "groupId": gid(group), "poll": {
        "options": ["只有一个"], "closesAt": (timezone.now() + timedelta(days=1)).isoformat()}})
    assert payload_errors(body, "publishPost") == [("INVALID", "poll")]
    assert not Post.objects.exists()


def test_an_option_of_another_poll_or_another_type_is_refused(client, klass):
    teacher, group, (a, _b) = klass
    first, second = poll_post(teacher, group), poll_post(teacher, group)
    gql = GraphQLClient(client).as_user(a)
    other = global_id("PollOption", second.poll.options.first().pk)
    body = gql(VOTE, input={"postId": gid(first), "optionIds": [other]})
    assert payload_errors(body, "vote") == [("INVALID", "optionIds")]
    body = gql(VOTE, input={"postId": gid(first), "optionIds": [gid(first)]})
    assert payload_errors(body, "vote") == [("INVALID", "optionIds")]
    assert not PollBallot.objects.exists()


def test_an_anonymous_poll_names_nobody_through_graphql_node_or_csv(client, klass):
    teacher, group, (a, b) = klass
    post = poll_post(teacher, group, anonymous=True)
    vote(a, post, 0)
    gql = GraphQLClient(client)
    for reader in (teacher, b):
        gql.as_user(reader)
        poll = gql.data(POLL, id=gid(post))["post"]["poll"]
        assert poll["options"][0]["voteCount"] == 1
        assert all(o["voters"] is None for o in poll["options"])
        node = gql.data("""query($id: ID!) { node(id: $id) { ... on PollOption {
            voteCount voters { username } } } }""",
                        id=global_id("PollOption", post.poll.options.get(position=0).pk))
        assert node["node"] == {"voteCount": 1, "voters": None}
        csv = client.get(f"/posts/{post.pk}/poll.csv")
        assert csv.status_code == 200
        text = csv.content.decode("utf-8-sig")
        assert "周五下午" in text and a.username not in text and "学生0" not in text
        page = client.get(f"/posts/{post.pk}/").content.decode()
        assert "学生0" not in page and "谁投了这项" not in page


def test_a_named_poll_shows_its_voters_on_the_page_and_in_the_file(client, klass):
    teacher, group, (a, b) = klass
    post = poll_post(teacher, group)
    vote(a, post, 1)
    client.force_login(b)
    page = client.get(f"/groups/{group.pk}/").content.decode()
    assert "周六上午" in page and "学生0" in page
    text = client.get(f"/posts/{post.pk}/poll.csv").content.decode("utf-8-sig")
    assert "学生0" in text.splitlines()[2]


def test_outsiders_see_nothing_of_a_private_groups_poll(client, klass):
    teacher, group, (a, _b) = klass
    post = poll_post(teacher, group)
    vote(a, post, 0)
    outsider = make_user("outsider")
    gql = GraphQLClient(client).as_user(outsider)
    body = gql(POLL, id=gid(post))
    assert body["data"]["post"] is None and "周五下午" not in json.dumps(body)
    node = gql("""query($id: ID!) { node(id: $id) { id } }""",
               id=global_id("Poll", post.poll.pk))
    assert node["data"]["node"] is None
    assert client.get(f"/posts/{post.pk}/poll.csv").status_code == 404
    response = client.post(f"/posts/{post.pk}/vote/",
                           {"option": post.poll.options.first().pk})
    assert response.status_code == 302
    assert Poll.objects.get(pk=post.poll.pk).voter_count == 1


def test_a_student_votes_from_the_group_page(client, klass):
    teacher, group, (a, _b) = klass
    post = poll_post(teacher, group)
    client.force_login(a)
    page = client.get(f"/groups/{group.pk}/").content.decode()
    assert 'data-testid="poll-submit"' in page
    second = post.poll.options.get(position=1)
    response = client.post(f"/posts/{post.pk}/vote/",
                           {"option": second.pk, "next": f"/groups/{group.pk}/"}, follow=True)
    assert "投票成功" in response.content.decode()
    second.refresh_from_db()
    assert second.vote_count == 1
    again = client.post(f"/posts/{post.pk}/vote/", {"option": second.pk},
                        headers={"Accept": "application/json"})
    assert again.status_code == 409 and again.json()["code"] == "CONFLICT"
    second.refresh_from_db()
    assert second.vote_count == 1


def test_the_composer_publishes_a_poll(client, klass):
    teacher, group, _students = klass
    client.force_login(teacher)
    response = client.post("/posts/new/", {
        "text": "下周班会时间", "group": group.pk, "next": f"/groups/{group.pk}/",
        "poll_options": "周一\n\n周三\n", "poll_hours": "72", "poll_anonymous": "1"})
    assert response.status_code == 302
    poll = Poll.objects.get()
    assert [o.text for o in poll.options.all()] == ["周一", "周三"] and poll.anonymous
    refused = client.post("/posts/new/", {"text": "只有一个选项", "group": group.pk,
                                          "poll_options": "周一", "poll_hours": "24"})
    assert refused.status_code == 400 and "2 到 10 个选项" in refused.content.decode()
    odd = client.post("/posts/new/", {"text": "奇怪的截止", "group": group.pk,
                                      "poll_options": "甲\n乙", "poll_hours": "5"})
    assert odd.status_code == 400
    assert Post.objects.count() == 1


def test_poll_closed_reaches_the_schools_app_with_counts_and_no_voters(klass, run_worker):
    from openapi_plugins.webhooks import services as webhook_services
    from openapi_plugins.webhooks.models import Delivery
    from tests.openapi.helpers import make_school_app
    from tests.openapi.test_webhooks import Receiver

    teacher, group, (a, _b) = klass
    app, _secret = make_school_app(group.school, scopes=("feed:read", "groups:read"))
    group.school_apps_may_read = True
    group.save(update_fields=["school_apps_may_read"])
    receiver = Receiver()
    try:
        webhook_services.subscribe(actor=actor_for(app.application.user), app=app,
                                   url=receiver.url, events=["poll.closed"])
        post = poll_post(teacher, group)
        vote(a, post, 1)
        Poll.objects.filter(pk=post.poll.pk).update(closes_at=timezone.now()
                                                    - timedelta(seconds=1))
        assert poll_services.close_due_polls() == 1
        run_worker()
        assert Delivery.objects.count() == 1
        body = json.loads(receiver.requests[0]["body"])
        assert body["event"] == "poll.closed"
        assert [o["voteCount"] for o in body["data"]["poll"]["options"]] == [0, 1]
        assert a.username.encode() not in receiver.requests[0]["body"]
    finally:
        receiver.stop()


# As many requests at once as the pool leaves room for beside the test's own connection
# (DB_POOL_MAX=4 in the suite's PostgreSQL run).
TABS = 3


@pytest.mark.postgresql  # two writers at once: what PostgreSQL serves (tests/conftest.py)
def test_concurrent_votes_of_one_student_count_once(klass):
    """The same student votes from several tabs at once: real concurrent requests, each
    on its own connection; one vote counts, the others are told they already voted."""
    teacher, group, (a, _b) = klass
    post = poll_post(teacher, group)
    options = [o.pk for o in post.poll.options.all()]
    statuses: list[int] = []
    tabs = [Client() for _tab in range(TABS)]
    for tab in tabs:
        tab.force_login(a)
    barrier = threading.Barrier(TABS)

    def run(index):
        try:
            barrier.wait(timeout=10)
            response = tabs[index].post(f"/posts/{post.pk}/vote/",
                                        {"option": options[index % 2]},
                                        headers={"Accept": "application/json"})
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert connection.vendor == "postgresql"
    assert sorted(statuses) == [200] + [409] * (TABS - 1)
    poll = Poll.objects.get(pk=post.poll.pk)
    assert poll.voter_count == 1
    assert sum(o.vote_count for o in poll.options.all()) == 1
    assert PollBallot.objects.filter(poll=poll).count() == 1


@pytest.mark.postgresql
def test_concurrent_votes_of_a_class_all_count(klass):
    teacher, group, students = klass
    more = make_user("extra")
    group_services.join_by_code(actor=actor_for(more), code=group.join_code)
    voters = [*students, more][:TABS]
    post = poll_post(teacher, group)
    option = post.poll.options.get(position=0).pk
    statuses: list[int] = []
    tabs = []
    for user in voters:
        tabs.append(Client())
        tabs[-1].force_login(user)
    barrier = threading.Barrier(len(voters))

    def run(tab):
        try:
            barrier.wait(timeout=10)
            statuses.append(tab.post(f"/posts/{post.pk}/vote/", {"option": option},
                                     headers={"Accept": "application/json"}).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200] * len(voters)
    poll = Poll.objects.get(pk=post.poll.pk)
    assert poll.voter_count == len(voters)
    assert poll.options.get(pk=option).vote_count == len(voters)
