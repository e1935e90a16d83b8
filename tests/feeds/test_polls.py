"""Polls (投票) on posts: what voters, authors and outsiders notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from feeds import poll_selectors, poll_services, services
from feeds.models import Poll, PollBallot, PollOption, PollVote, Post
from feeds.poll_services import PollSpec
from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_teacher,
    make_user,
)
from yiban_core import events
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups import services as group_services

pytestmark = pytest.mark.django_db(transaction=True)


def spec(options=("周五下午", "周六上午", "周日晚上"), hours=24, **kwargs) -> PollSpec:
    return PollSpec(options=list(options), closes_at=timezone.now() + timedelta(hours=hours),
                    **kwargs)


@pytest.fixture
def klass(no_redis):
    teacher = make_teacher("wang_laoshi")
    group = make_class_group(teacher)
    students = [make_user(f"stu{i}", display_name=f"学生{i}") for i in range(3)]
    for student in students:
        group_services.join_by_code(actor=actor_for(student), code=group.join_code)
    return teacher, group, students


def poll_post(author, group=None, **kwargs) -> Post:
    options = kwargs.pop("options", ("周五下午", "周六上午", "周日晚上"))
    return services.publish_post(actor=actor_for(author), text="班会时间投票", group=group,
                                 poll=spec(options, **kwargs))


def option(post: Post, position: int) -> PollOption:
    return post.poll.options.get(position=position)


def vote(user, post, *positions):
    return poll_services.vote(actor=actor_for(user), post_id=post.pk,
                              option_ids=[option(post, p).pk for p in positions])


def view(user, post):
    return poll_selectors.poll_of(actor=actor_for(user), post=post)


def counts(post) -> list[int]:
    return list(post.poll.options.order_by("position").values_list("vote_count", flat=True))


# --- creating ---------------------------------------------------------------------------------


def test_a_group_post_carries_a_poll_with_its_options(klass):
    teacher, group, _students = klass
    post = poll_post(teacher, group)
    poll = Poll.objects.get(post=post)
    assert [o.text for o in poll.options.all()] == ["周五下午", "周六上午", "周日晚上"]
    assert not poll.multiple and not poll.anonymous and poll.closed_at is None


@pytest.mark.parametrize(("options", "hours", "field"), [
    (["只有一个"], 24, "poll"),
    ([f"选项{i}" for i in range(11)], 24, "poll"),
    (["一样", "一样"], 24, "poll"),
    (["可以", "  "], 24, "poll"),
    (["长" * 51, "短"], 24, "poll"),
    (["可以", "不行"], -1, "closes_at"),
    (["可以", "不行"], 24 * 91, "closes_at"),
])
def test_a_bad_poll_is_refused_and_nothing_is_published(klass, options, hours, field):
    teacher, group, _students = klass
    with pytest.raises(Invalid) as error:
        poll_post(teacher, group, options=options, hours=hours)
    assert error.value.field == field
    assert not Post.objects.exists() and not Poll.objects.exists()


# --- voting -----------------------------------------------------------------------------------


def test_a_member_votes_once_and_the_counts_move_once(klass):
    teacher, group, (a, b, _c) = klass
    post = poll_post(teacher, group)
    vote(a, post, 1)
    vote(b, post, 1)
    with pytest.raises(Conflict) as error:
        vote(a, post, 0)
    assert "已经投过" in error.value.message
    assert counts(post) == [0, 2, 0]
    post.poll.refresh_from_db()
    assert post.poll.voter_count == 2
    assert PollBallot.objects.filter(user=a).count() == 1
    seen = view(a, post)
    assert seen.viewer_voted and not seen.may_vote
    assert [o.chosen for o in seen.options] == [False, True, False]


def test_a_single_choice_poll_takes_one_option(klass):
    teacher, group, (a, _b, _c) = klass
    post = poll_post(teacher, group)
    with pytest.raises(Invalid) as error:
        vote(a, post, 0, 1)
    assert error.value.field == "options"
    with pytest.raises(Invalid):
        poll_services.vote(actor=actor_for(a), post_id=post.pk, option_ids=[])
    with pytest.raises(Invalid):
        poll_services.vote(actor=actor_for(a), post_id=post.pk, option_ids=["x"])
    assert not PollBallot.objects.exists() and counts(post) == [0, 0, 0]


def test_a_multiple_choice_poll_counts_each_option_and_the_voter_once(klass):
    teacher, group, (a, b, _c) = klass
    post = poll_post(teacher, group, multiple=True)
    vote(a, post, 0, 2)
    vote(b, post, 2)
    assert counts(post) == [1, 0, 2]
    post.poll.refresh_from_db()
    assert post.poll.voter_count == 2
    assert PollVote.objects.filter(ballot__user=a).count() == 2
    with pytest.raises(Conflict):
        vote(b, post, 0)
    assert counts(post) == [1, 0, 2]


def test_an_option_of_another_poll_is_refused(klass):
    teacher, group, (a, _b, _c) = klass
    post = poll_post(teacher, group)
    other = poll_post(teacher, group, options=("去", "不去"))
    with pytest.raises(Invalid) as error:
        poll_services.vote(actor=actor_for(a), post_id=post.pk,
                           option_ids=[option(other, 0).pk])
    assert error.value.field == "options"
    assert not PollBallot.objects.exists()


def test_a_vote_after_the_deadline_is_refused_and_closes_the_poll(klass):
    teacher, group, (a, _b, _c) = klass
    post = poll_post(teacher, group)
    Poll.objects.filter(post=post).update(closes_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Conflict) as error:
        vote(a, post, 0)
    assert "截止" in error.value.message
    assert counts(post) == [0, 0, 0]
    assert Poll.objects.get(post=post).closed_at is not None


def test_outsiders_cannot_vote_in_a_private_groups_poll_nor_see_it(klass):
    teacher, group, _students = klass
    group.is_private = True
    group.save(update_fields=["is_private"])
    post = poll_post(teacher, group)
    outsider = make_user("outsider")
    with pytest.raises(NotFound):
        vote(outsider, post, 0)
    assert counts(post) == [0, 0, 0]


def test_a_visitor_of_a_public_group_sees_the_poll_but_only_members_vote(no_redis):
    owner = make_user("club_owner")
    group = make_interest_group(owner)
    post = poll_post(owner, group)
    visitor = make_user("visitor")
    assert view(visitor, post) is not None
    assert not view(visitor, post).may_vote
    with pytest.raises(PermissionDenied):
        vote(visitor, post, 0)
    assert counts(post) == [0, 0, 0]


def test_anyone_who_sees_a_public_post_may_vote(no_redis):
    author, reader = make_user("author"), make_user("reader")
    post = poll_post(author)
    vote(reader, post, 0)
    assert counts(post) == [1, 0, 0]


# --- results ----------------------------------------------------------------------------------


def test_hidden_results_wait_for_the_deadline_except_for_the_author(klass):
    teacher, group, (a, b, _c) = klass
    post = poll_post(teacher, group, results_hidden=True)
    vote(a, post, 0)
    mine = view(b, post)
    assert not mine.sees_results
    assert [o.count for o in mine.options] == [None, None, None]
    assert view(teacher, post).options[0].count == 1
    Poll.objects.filter(post=post).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert view(b, post).options[0].count == 1


def test_a_named_poll_shows_who_voted_what_to_its_readers(klass):
    teacher, group, (a, b, _c) = klass
    post = poll_post(teacher, group)
    vote(a, post, 0)
    assert [u.username for u in view(b, post).options[0].voters] == [a.username]


def test_an_anonymous_poll_names_nobody_even_to_its_author(klass):
    teacher, group, (a, b, _c) = klass
    post = poll_post(teacher, group, anonymous=True)
    vote(a, post, 0)
    for reader in (teacher, a, b):
        seen = view(reader, post)
        assert seen.options[0].count == 1
        assert all(o.voters is None for o in seen.options)


# --- closing ----------------------------------------------------------------------------------


def test_a_poll_past_its_deadline_is_closed_once_with_one_event(klass):
    teacher, group, _students = klass
    post = poll_post(teacher, group)
    closed = []
    events.subscribe(events.PollClosed, closed.append, durable=True)
    assert poll_services.close_due_polls() == 0
    Poll.objects.filter(post=post).update(closes_at=timezone.now() - timedelta(minutes=1))
    assert poll_services.close_due_polls() == 1
    assert poll_services.close_due_polls() == 0
    view(teacher, post)  # a read after the deadline closes nothing again
    assert [event.post_id for event in closed] == [post.pk]
    assert Poll.objects.get(post=post).closed_at is not None
