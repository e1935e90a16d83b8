"""Who finds which group in a list: the groups page (my groups, then my school's groups I
may join, then the rest), the API's `groups` and search apply one rule
(yiban_core/groups/selectors.py): another school's class groups and private groups are
never listed to me."""

import pytest
from django.urls import reverse

from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from tests.graphql.conftest import GraphQLClient
from yiban_core.actor import ANONYMOUS
from yiban_core.groups import selectors, services
from yiban_core.groups.models import Group, Membership

pytestmark = pytest.mark.django_db

GROUPS = "query($q: String) { groups(query: $q, first: 50) { edges { node { name } } } }"


def grow(group: Group, by: int) -> Group:
    """`by` more members in an open group (each part of the page is biggest first)."""
    for _i in range(by):
        services.join_group(actor=actor_for(make_user()), group=group)
    group.refresh_from_db()
    return group


@pytest.fixture
def world():
    mine, other = make_school("北京大学"), make_school("清华大学")
    me = make_user("li_ming", school=mine)
    teacher, stranger_teacher = make_teacher(school=mine), make_teacher(school=other)
    managed = make_interest_group(me, name="我的读书会", school=mine)
    joined = make_interest_group(teacher, name="围棋社")
    services.join_group(actor=actor_for(me), group=joined)
    big_club = grow(make_interest_group(teacher, name="北大摄影社", school=mine), 2)
    small_club = make_interest_group(teacher, name="北大吉他社", school=mine)
    asks = make_interest_group(teacher, name="北大考研群", school=mine, is_private=True,
                               join_policy=Group.JoinPolicy.APPROVAL)
    my_class = make_class_group(teacher, name="北大软件2024级1班")
    invite_only = make_interest_group(teacher, name="北大辩论队", school=mine,
                                      join_policy=Group.JoinPolicy.CLOSED)
    their_class = make_class_group(stranger_teacher, name="清华计算机2023级2班")
    their_public_class = make_class_group(stranger_teacher, name="清华公开班级",
                                          is_private=False)
    their_private = make_interest_group(stranger_teacher, name="清华心理互助",
                                        school=other, is_private=True,
                                        join_policy=Group.JoinPolicy.APPROVAL)
    their_club = make_interest_group(stranger_teacher, name="清华登山社", school=other)
    return {
        "me": me, "mine": mine, "other": other, "managed": managed, "joined": joined,
        "big_club": big_club, "small_club": small_club, "asks": asks, "my_class": my_class,
        "invite_only": invite_only, "their_class": their_class,
        "their_public_class": their_public_class, "their_private": their_private,
        "their_club": their_club, "stranger_teacher": stranger_teacher,
    }


HIDDEN_FROM_ME = ("their_class", "their_public_class", "their_private")


def names(qs) -> set[str]:
    return {group.name for group in qs}


def test_the_groups_page_starts_with_mine_then_my_schools_joinable(client, world):
    client.force_login(world["me"])
    response = client.get(reverse("group_list"))
    parts = [(str(title), [g.name for g in groups]) for title, groups in
             response.context["parts"]]
    assert parts == [
        ("我的群组", ["围棋社", "我的读书会"]),  # biggest first, then newest
        ("本校可加入的群组", ["北大摄影社", "北大考研群", "北大吉他社"]),
        ("更多群组", ["清华登山社", "北大辩论队", "北大软件2024级1班"]),
    ]
    page = response.content.decode()
    assert page.index("我的群组") < page.index("本校可加入的群组") < page.index("更多群组")
    for key in HIDDEN_FROM_ME:
        assert world[key].name not in page
    # The buttons that work: join the open club, ask to join the one that approves.
    assert reverse("group_join", args=[world["small_club"].pk]) in page
    assert reverse("group_request", args=[world["asks"].pk]) in page
    assert reverse("group_join", args=[world["invite_only"].pk]) not in page
    assert reverse("group_join", args=[world["my_class"].pk]) not in page


def test_joining_from_the_page_moves_the_group_to_mine(client, world):
    client.force_login(world["me"])
    club = world["small_club"]
    response = client.post(reverse("group_join", args=[club.pk]),
                           {"next": reverse("group_list")})
    assert response.url == reverse("group_list")
    parts = dict((str(t), [g.name for g in gs])
                 for t, gs in client.get(reverse("group_list")).context["parts"])
    assert club.name in parts["我的群组"]
    assert club.name not in parts["本校可加入的群组"]


def test_a_pending_request_and_a_ban_show_no_button(client, world):
    me, asks, club = world["me"], world["asks"], world["small_club"]
    services.request_to_join(actor=actor_for(me), group=asks)
    services.join_group(actor=actor_for(me), group=club)
    services.ban_member(actor=actor_for(club.owner), group=club, username=me.username)
    client.force_login(me)
    response = client.get(reverse("group_list"))
    page = response.content.decode()
    assert "已申请，等待审核" in page
    assert reverse("group_request", args=[asks.pk]) not in page
    parts = dict((str(t), [g.name for g in gs]) for t, gs in response.context["parts"])
    assert club.name in parts["更多群组"]  # banned: not offered as joinable
    assert reverse("group_join", args=[club.pk]) not in page


def test_the_schools_own_people_find_its_class_and_private_groups(world):
    theirs = make_user(school=world["other"])
    found = names(selectors.groups(actor=actor_for(theirs)))
    assert {world[k].name for k in HIDDEN_FROM_ME} <= found
    # ...and I find none of them, unless I am a member.
    mine = names(selectors.groups(actor=actor_for(world["me"])))
    assert not {world[k].name for k in HIDDEN_FROM_ME} & mine
    Membership.objects.create(group=world["their_private"], user=world["me"])
    assert world["their_private"].name in names(selectors.groups(actor=actor_for(world["me"])))


def test_an_anonymous_visitor_lists_only_public_groups(client, world):
    listed = names(selectors.groups(actor=ANONYMOUS))
    assert listed == {"我的读书会", "围棋社", "北大摄影社", "北大吉他社", "北大辩论队",
                      "清华登山社"}
    page = client.get(reverse("group_list")).content.decode()
    assert "北大考研群" not in page and "北大软件2024级1班" not in page


def test_a_site_admin_and_a_school_app_list_what_they_oversee(world):
    admin = make_user(role="admin")
    assert {world[k].name for k in HIDDEN_FROM_ME} <= names(
        selectors.groups(actor=actor_for(admin)))
    from yiban_core.actor import Actor

    app = names(selectors.groups(actor=Actor(school=world["other"])))
    assert {"清华计算机2023级2班", "清华公开班级"} <= app  # its school's classes
    assert "清华心理互助" not in app  # a private interest group that did not opt in
    assert "北大考研群" not in app and "北大软件2024级1班" not in app


def test_the_api_lists_by_the_same_rule(client, world):
    gql = GraphQLClient(client)
    listed = {e["node"]["name"] for e in
              gql.as_user(world["me"]).data(GROUPS)["groups"]["edges"]}
    assert "北大考研群" in listed and "北大软件2024级1班" in listed
    for key in HIDDEN_FROM_ME:
        assert world[key].name not in listed
        # not even when asked for by name
        assert gql.as_user(world["me"]).data(GROUPS, q=world[key].name)["groups"]["edges"] == []
    theirs = make_user(school=world["other"])
    found = gql.as_user(theirs).data(GROUPS, q="清华心理")["groups"]["edges"]
    assert [e["node"]["name"] for e in found] == ["清华心理互助"]


@pytest.mark.django_db(transaction=True)
def test_search_finds_another_schools_class_only_for_that_school(world, run_worker, settings,
                                                                 no_redis):
    from yiban_core.search import selectors as search_selectors

    settings.ELASTICSEARCH_URL = ""
    run_worker()

    def found(user, query):
        page = search_selectors.search(actor=actor_for(user), query=query, kinds=["group"])
        return [result.object.name for result in page.items]

    assert found(world["me"], "清华计算机") == []
    assert found(world["me"], "清华心理互助") == []
    assert found(world["me"], "清华登山社") == ["清华登山社"]
    theirs = make_user(school=world["other"])
    assert found(theirs, "清华计算机") == ["清华计算机2023级2班"]


def test_verified_people_are_offered_their_official_group(world):
    official = services.create_group(actor=actor_for(make_user(role="admin")), name="北京大学易班",
                                     kind=Group.Kind.SCHOOL, school=world["mine"])
    newcomer = make_user(school=world["mine"])
    assert official not in selectors.suggested_groups(actor=actor_for(newcomer))
    verify(newcomer)  # joins it on verification; a later leaver is offered it again
    services.leave_group(actor=actor_for(newcomer), group=official)
    assert official in selectors.suggested_groups(actor=actor_for(newcomer))
