"""feeds/rules.py is what the services enforce, what the pages show and what the API's
viewerCan* fields say: for every kind of person around a group post, the button is on
the page, and the field true, exactly when the service lets the action through."""

import pytest
from django.urls import reverse

from feeds import rules, services
from feeds.models import Comment, Post
from tests.factories import actor_for, make_interest_group, make_user
from tests.graphql.conftest import GraphQLClient, gid
from yiban_core.accounts.models import User
from yiban_core.errors import PermissionDenied
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Membership
from yiban_core.groups.rules import role_in

pytestmark = pytest.mark.django_db

POST = """query($id: ID!) { node(id: $id) { ... on Post {
  viewerCanEdit viewerCanDelete viewerCanPin } } }"""
PEOPLE = ["author", "owner", "admin", "member", "outsider", "site_admin"]


@pytest.fixture
def circle():
    owner = make_user("owner")
    group = make_interest_group(owner, name="读书会")
    people = {"owner": owner, "outsider": make_user("outsider"),
              "site_admin": make_user("site_admin", role=User.Role.ADMIN)}
    for name in ("author", "admin", "member"):
        people[name] = make_user(name)
        group_services.join_group(actor=actor_for(people[name]), group=group)
    group_services.set_member_role(actor=actor_for(owner), group=group, username="admin",
                                   role=Membership.Role.ADMIN)
    return group, people


def _post(group, people) -> Post:
    post = services.publish_post(actor=actor_for(people["author"]), text="第三章读后感",
                                 group=group)
    services.add_comment(actor=actor_for(people["member"]), post_id=post.pk, text="同感")
    return post


def _allowed(action) -> bool:
    try:
        action()
    except PermissionDenied:
        return False
    return True


@pytest.mark.parametrize("who", PEOPLE)
def test_the_delete_and_pin_buttons_show_exactly_what_the_services_allow(client, circle, who):
    group, people = circle
    post = _post(group, people)
    comment = Comment.objects.get(post=post)
    actor = actor_for(people[who])
    role = role_in(actor, group)
    client.force_login(people[who])
    page = client.get(reverse("post_detail", args=[post.pk])).content.decode()
    api = GraphQLClient(client).data(POST, id=gid(post))["node"]

    may_pin = rules.may_pin(actor, post, role)
    assert (reverse("post_pin", args=[post.pk]) in page) is may_pin
    assert api == {"viewerCanPin": may_pin, "viewerCanEdit": who == "author",
                   "viewerCanDelete": rules.may_delete_post(actor, post, role)}
    assert _allowed(lambda: services.set_pinned(actor=actor, post_id=post.pk,
                                                pinned=True)) is may_pin

    may_delete_comment = rules.may_delete_comment(actor, comment, post, role)
    assert (reverse("comment_delete", args=[comment.pk]) in page) is may_delete_comment
    assert _allowed(lambda: services.delete_comment(
        actor=actor, comment_id=comment.pk)) is may_delete_comment
    assert Comment.objects.filter(pk=comment.pk).exists() is not may_delete_comment

    may_delete = rules.may_delete_post(actor, post, role)
    assert (reverse("post_delete", args=[post.pk]) in page) is may_delete
    assert _allowed(lambda: services.delete_post(actor=actor, post_id=post.pk)) is may_delete
    assert Post.objects.filter(pk=post.pk).exists() is not may_delete


def test_who_may_do_what_with_a_group_post(circle):
    group, people = circle
    post = _post(group, people)
    may = {who: (rules.may_delete_post(actor_for(people[who]), post,
                                       role_in(actor_for(people[who]), group)),
                 rules.may_pin(actor_for(people[who]), post,
                               role_in(actor_for(people[who]), group)))
           for who in PEOPLE}
    assert may == {"author": (True, False), "owner": (True, True), "admin": (True, True),
                   "member": (False, False), "outsider": (False, False),
                   "site_admin": (True, False)}


def test_the_composer_is_offered_where_the_service_accepts_a_post(client, circle):
    group, people = circle
    outsider = people["outsider"]
    client.force_login(outsider)
    page = client.get(reverse("group_detail", args=[group.pk])).content.decode()
    assert not rules.may_post_in(group, None)
    assert 'name="text"' not in page
    with pytest.raises(PermissionDenied):
        services.publish_post(actor=actor_for(outsider), text="路过", group=group)
    client.force_login(people["member"])
    page = client.get(reverse("group_detail", args=[group.pk])).content.decode()
    assert 'name="text"' in page
