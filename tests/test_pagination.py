from unittest import mock

import pytest

from tests.factories import make_interest_group, make_user
from yiban_core.accounts.models import User
from yiban_core.errors import Invalid
from yiban_core.groups.models import Group
from yiban_core.pagination import MAX_PAGE_SIZE, encode_cursor, paginate

pytestmark = pytest.mark.django_db


def test_pages_walk_every_row_once_in_order():
    owner = make_user()
    for i in range(7):
        make_interest_group(owner, name=f"兴趣群{i}")
    qs = Group.objects.order_by("-member_count", "-pk")
    seen, after = [], None
    while True:
        page = paginate(qs, first=3, after=after)
        seen += [g.name for g in page.items]
        if not page.has_next:
            break
        after = page.end_cursor
    assert seen == [f"兴趣群{i}" for i in range(6, -1, -1)]


def test_rows_added_meanwhile_do_not_shift_the_next_page():
    for i in range(4):
        make_user(f"user{i}")
    qs = User.objects.order_by("-date_joined", "-pk")
    first = paginate(qs, first=2)
    make_user("newcomer")
    second = paginate(qs, first=2, after=first.end_cursor)
    assert [u.username for u in second.items] == ["user1", "user0"]


def test_the_same_position_gets_the_same_cursor_at_any_time():
    user = make_user()
    qs = User.objects.order_by("-pk")
    with mock.patch("time.time", return_value=1_800_000_000):
        earlier = encode_cursor(qs, user)
    with mock.patch("time.time", return_value=1_800_000_001):
        later = encode_cursor(qs, user)
    assert earlier == later
    assert paginate(qs, first=5, after=later).items == []


@pytest.mark.parametrize("cursor", ["garbage", "W10:1:abc", "eyJ4IjoxfQ"])
def test_forged_cursor_is_refused(cursor):
    with pytest.raises(Invalid) as error:
        paginate(User.objects.order_by("-pk"), first=5, after=cursor)
    assert error.value.field == "after"


def test_page_size_is_capped_and_must_be_positive():
    for i in range(MAX_PAGE_SIZE + 5):
        User.objects.create(username=f"bulk{i}")
    assert len(paginate(User.objects.order_by("pk"), first=1000).items) == MAX_PAGE_SIZE
    with pytest.raises(Invalid):
        paginate(User.objects.order_by("pk"), first=0)


def test_a_cursor_only_opens_the_list_it_came_from():
    owner = make_user()
    make_interest_group(owner, name="甲")
    make_interest_group(owner, name="乙")
    groups_page = paginate(Group.objects.order_by("-member_count", "-pk"), first=1)
    with pytest.raises(Invalid):
        paginate(User.objects.order_by("-date_joined", "-pk"), first=1,
                 after=groups_page.end_cursor)
    with pytest.raises(Invalid):
        paginate(Group.objects.order_by("name", "pk"), first=1, after=groups_page.end_cursor)
