"""yiban_core/groups/rules.py on the members page: the remove and ban menu is shown on a
member exactly when the service would remove them."""

import pytest
from django.urls import reverse

from tests.factories import actor_for, make_interest_group, make_user
from yiban_core.errors import PermissionDenied
from yiban_core.groups import services
from yiban_core.groups.models import Membership

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("viewer", ["owner", "admin", "member"])
def test_the_remove_button_is_on_whom_the_service_removes(client, viewer):
    owner = make_user("owner")
    group = make_interest_group(owner, name="围棋社")
    people = {"owner": owner}
    for name in ("admin", "admin2", "member", "member2"):
        people[name] = make_user(name)
        services.join_group(actor=actor_for(people[name]), group=group)
    for name in ("admin", "admin2"):
        services.set_member_role(actor=actor_for(owner), group=group, username=name,
                                 role=Membership.Role.ADMIN)
    client.force_login(people[viewer])
    page = client.get(reverse("group_members", args=[group.pk])).content.decode()
    for target in ("owner", "admin2", "member2"):
        button = reverse("group_member_action", args=[group.pk, target, "remove"])
        try:
            services.remove_member(actor=actor_for(people[viewer]), group=group,
                                   username=target)
            removed = True
        except PermissionDenied:
            removed = False
        assert (button in page) is removed, (viewer, target)
        assert removed is ((viewer, target) in {("owner", "admin2"), ("owner", "member2"),
                                                ("admin", "member2")})
