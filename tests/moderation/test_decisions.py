"""The review queue: who sees which cases, what each decision does to the content and the
author, who is told what, and appeals decided by another moderator. Bad input changes
nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feeds import selectors as feed_selectors
from feeds import services as feed_services
from feeds.models import Post
from tests.factories import actor_for, make_user
from tests.moderation.queue_world import POST_TEXT, file_report, make_world
from yiban_core import events
from yiban_core.actor import Actor
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups.models import Ban, Membership
from yiban_core.moderation import rules, selectors, services
from yiban_core.moderation.models import Case, Sanction
from yiban_core.notifications.models import Notification
from yiban_core.notifications.texts import MODERATION_KINDS

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture(autouse=True)
def _deliver_immediately(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def case(world):
    file_report(world.post, world.reporter, reason="ad", detail="他在群里卖实验报告")
    return file_report(world.post, world.classmate, reason="other")


def queue_of(user, **kwargs) -> list[Case]:
    return selectors.moderation_queue(actor=actor_for(user), **kwargs).items


def kinds_for(user) -> list[str]:
    """The moderation notifications of a person, newest first."""
    return list(Notification.objects.filter(recipient=user, kind__in=MODERATION_KINDS)
                .order_by("-pk").values_list("kind", flat=True))


def state_of(post) -> str:
    return Post.objects.get(pk=post.pk).moderation


def unchanged(case: Case) -> bool:
    fresh = Case.objects.get(pk=case.pk)
    return (fresh.status, fresh.decision, fresh.decided_by_id) == ("open", "", None)


# --- the queue ------------------------------------------------------------------------------


def test_the_group_teacher_and_the_school_admin_see_the_case_with_its_reports(world, case):
    for moderator in (world.teacher, world.school_admin):
        [item] = queue_of(moderator)
        assert item.pk == case.pk
        assert item.report_count == 2
        assert item.excerpt == POST_TEXT
        assert item.author == world.author and item.group == world.group
        assert [(reason, n) for reason, _label, n in item.reason_counts] == [("ad", 1),
                                                                             ("other", 1)]
        assert {r.reporter for r in item.reports.all()} == {world.reporter, world.classmate}
        assert item.path == f"/posts/{world.post.pk}/"
        assert item.viewer_may_decide


def test_outsiders_and_the_author_see_an_empty_queue(world, case):
    for user in (world.other_teacher, world.reporter, world.author):
        assert queue_of(user) == []


def test_a_manager_never_sees_reports_about_their_own_post(world):
    own = feed_services.publish_post(actor=actor_for(world.teacher), text="明天交作业",
                                     group=world.group)
    file_report(own, world.reporter)
    assert queue_of(world.teacher) == []
    assert [c.target_id for c in queue_of(world.school_admin)] == [own.pk]


def test_the_queue_pages_by_cursor_and_filters_by_status_and_kind(world):
    posts = [feed_services.publish_post(actor=actor_for(world.author), text=f"第 {n} 条",
                                        group=world.group) for n in range(3)]
    for post in posts:
        file_report(post, world.reporter)
    file_report(world.classmate, world.reporter)  # a user: the school admin's, not the group's
    first = selectors.moderation_queue(actor=actor_for(world.teacher), page_size=2)
    second = selectors.moderation_queue(actor=actor_for(world.teacher), page_size=2,
                                        cursor=first.end_cursor)
    assert [c.target_id for c in first.items + second.items] == [p.pk for p in posts]
    assert first.has_next and not second.has_next
    users = queue_of(world.school_admin, kind="User")
    assert [c.target_id for c in users] == [world.classmate.pk]
    assert queue_of(world.teacher, status="decided") == []
    with pytest.raises(Invalid):
        queue_of(world.teacher, kind="Nonsense")
    with pytest.raises(Invalid):
        queue_of(world.teacher, status="everything")


def test_a_token_without_the_moderation_scope_reads_no_queue(world, case):
    token_actor = Actor(user=world.teacher, scopes=frozenset({"feed:read"}))
    with pytest.raises(PermissionDenied):
        selectors.moderation_queue(actor=token_actor)
    with_scope = Actor(user=world.teacher, scopes=frozenset({"moderation"}))
    assert [c.pk for c in selectors.moderation_queue(actor=with_scope).items] == [case.pk]


# --- decisions ------------------------------------------------------------------------------


def test_remove_hides_the_post_tells_the_author_why_and_the_reporters_the_outcome(world, case):
    decided = []
    events.subscribe(events.ModerationDecided, decided.append, durable=True)
    services.decide_case(actor=actor_for(world.teacher), case_id=case.pk, decision="remove",
                         reason="在班级群出售作业答案，违反课程诚信要求")
    case.refresh_from_db()
    assert (case.status, case.decision, case.decided_by) == ("decided", "remove", world.teacher)
    assert state_of(world.post) == "removed"
    with pytest.raises(NotFound):
        feed_selectors.get_post(actor=actor_for(world.classmate), pk=world.post.pk)
    [told] = Notification.objects.filter(recipient=world.author, kind__in=MODERATION_KINDS)
    assert told.kind == Kind.CONTENT_REMOVED
    assert told.excerpt == "在班级群出售作业答案，违反课程诚信要求"
    assert told.actor_id is None  # the moderator is not named
    assert kinds_for(world.reporter) == [Kind.REPORT_HANDLED]
    assert kinds_for(world.classmate) == [Kind.REPORT_HANDLED]
    assert not Notification.objects.filter(recipient=world.reporter, excerpt__gt="").exists()
    assert any(e.case_id == case.pk and e.decision == "remove" for e in decided)


def test_dismiss_tells_the_reporters_no_violation_and_leaves_the_author_in_peace(world, case):
    services.decide_case(actor=actor_for(world.school_admin), case_id=case.pk,
                         decision="dismiss")
    assert state_of(world.post) == "visible"
    assert kinds_for(world.reporter) == [Kind.REPORT_NO_VIOLATION]
    assert kinds_for(world.author) == []


def test_approving_held_content_makes_it_visible_and_tells_the_author(world, case):
    Post.objects.filter(pk=world.post.pk).update(moderation="held")
    services.decide_case(actor=actor_for(world.teacher), case_id=case.pk, decision="approve")
    assert state_of(world.post) == "visible"
    assert kinds_for(world.author) == [Kind.CONTENT_APPROVED]


def test_a_mute_stops_posting_and_commenting_until_it_ends(world, case):
    services.decide_case(actor=actor_for(world.teacher), case_id=case.pk, decision="mute",
                         reason="多次在群里发广告", mute_days=7)
    sanction = Sanction.objects.get(user=world.author)
    assert sanction.kind == "mute" and sanction.case_id == case.pk
    assert timedelta(days=6, hours=23) < sanction.until - timezone.now() <= timedelta(days=7)
    assert state_of(world.post) == "removed"
    other = feed_services.publish_post(actor=actor_for(world.reporter), text="下周考试",
                                       group=world.group)
    with pytest.raises(PermissionDenied, match="禁言"):
        feed_services.publish_post(actor=actor_for(world.author), text="我又来了")
    with pytest.raises(PermissionDenied, match="禁言"):
        feed_services.add_comment(actor=actor_for(world.author), post_id=other.pk, text="好的")
    assert kinds_for(world.author) == [Kind.MUTED]
    Sanction.objects.filter(pk=sanction.pk).update(until=timezone.now() - timedelta(seconds=1))
    assert not rules.is_muted(world.author)
    feed_services.add_comment(actor=actor_for(world.author), post_id=other.pk, text="好的")


@pytest.mark.parametrize("days", [None, 0, 366, "七", True])
def test_a_mute_needs_one_to_365_days(world, case, days):
    with pytest.raises(Invalid) as error:
        services.decide_case(actor=actor_for(world.teacher), case_id=case.pk, decision="mute",
                             reason="刷屏", mute_days=days)
    assert error.value.field == "mute_days"
    assert unchanged(case) and not Sanction.objects.exists()
    assert state_of(world.post) == "visible"


def test_a_warning_is_recorded_and_removes_the_post(world, case):
    services.decide_case(actor=actor_for(world.teacher), case_id=case.pk, decision="warn",
                         reason="请勿在群内交易作业")
    assert Sanction.objects.get(user=world.author).kind == "warn"
    assert state_of(world.post) == "removed"
    assert kinds_for(world.author) == [Kind.WARNED]


def test_only_school_and_site_admins_suspend_an_account(world, case):
    with pytest.raises(PermissionDenied):
        services.decide_case(actor=actor_for(world.teacher), case_id=case.pk,
                             decision="suspend", reason="严重违规")
    assert unchanged(case)
    services.decide_case(actor=actor_for(world.school_admin), case_id=case.pk,
                         decision="suspend", reason="严重违规")
    world.author.refresh_from_db()
    assert not world.author.is_active
    with pytest.raises(PermissionDenied):
        feed_services.publish_post(actor=actor_for(world.author), text="还能发吗")


def test_a_ban_puts_the_author_out_of_the_group(world, case):
    services.decide_case(actor=actor_for(world.teacher), case_id=case.pk, decision="ban",
                         reason="在班级群出售作业")
    assert Ban.objects.filter(group=world.group, user=world.author).exists()
    assert not Membership.objects.filter(group=world.group, user=world.author).exists()
    [told] = Notification.objects.filter(recipient=world.author, kind__in=MODERATION_KINDS)
    assert (told.kind, told.group_id) == (Kind.BANNED_FROM_GROUP, world.group.pk)


def test_deciding_outside_ones_jurisdiction_is_refused(world, case):
    for outsider in (world.other_teacher, world.reporter):
        with pytest.raises(PermissionDenied):
            services.decide_case(actor=actor_for(outsider), case_id=case.pk, decision="remove",
                                 reason="违规")
    assert unchanged(case) and state_of(world.post) == "visible"
    assert not Notification.objects.filter(kind__in=[Kind.CONTENT_REMOVED,
                                                     Kind.REPORT_HANDLED]).exists()


def test_nobody_decides_a_case_about_their_own_content(world):
    own = feed_services.publish_post(actor=actor_for(world.teacher), text="通知：周五停课",
                                     group=world.group)
    case = file_report(own, world.reporter)
    with pytest.raises(PermissionDenied, match="自己"):
        services.decide_case(actor=actor_for(world.teacher), case_id=case.pk,
                             decision="dismiss")
    assert unchanged(case)


def test_deciding_a_decided_case_is_a_conflict(world, case):
    services.decide_case(actor=actor_for(world.teacher), case_id=case.pk, decision="dismiss")
    with pytest.raises(Conflict):
        services.decide_case(actor=actor_for(world.school_admin), case_id=case.pk,
                             decision="remove", reason="违规")
    assert state_of(world.post) == "visible"
    assert Case.objects.get(pk=case.pk).decision == "dismiss"


@pytest.mark.parametrize("decision, reason, field", [
    ("remove", "", "reason"),          # the author is owed a reason
    ("remove", "理" * 1001, "reason"),
    ("delete_everything", "违规", "decision"),
    ("uphold", "违规", "decision"),       # only for an appeal
])
def test_bad_decisions_change_nothing(world, case, decision, reason, field):
    with pytest.raises(Invalid) as error:
        services.decide_case(actor=actor_for(world.teacher), case_id=case.pk,
                             decision=decision, reason=reason)
    assert error.value.field == field
    assert unchanged(case) and state_of(world.post) == "visible"


def test_an_unknown_case_is_not_found(world):
    for case_id in (987654, "abc", None):
        with pytest.raises(NotFound):
            services.decide_case(actor=actor_for(world.teacher), case_id=case_id,
                                 decision="dismiss")


def test_a_user_case_cannot_be_removed_only_judged(world):
    case = file_report(world.author, world.reporter, reason="abuse")
    with pytest.raises(Invalid):
        services.decide_case(actor=actor_for(world.school_admin), case_id=case.pk,
                             decision="remove", reason="辱骂同学")
    services.decide_case(actor=actor_for(world.school_admin), case_id=case.pk,
                         decision="warn", reason="辱骂同学")
    assert Sanction.objects.get(user=world.author).kind == "warn"


# --- appeals --------------------------------------------------------------------------------


def removed(world, case) -> Case:
    return services.decide_case(actor=actor_for(world.teacher), case_id=case.pk,
                                decision="remove", reason="出售作业")


def test_an_appeal_reopens_the_case_for_another_moderator_who_may_restore(world, case):
    removed(world, case)
    services.appeal_case(actor=actor_for(world.author), case_id=case.pk,
                         text="我只是开玩笑，并没有真的出售")
    case.refresh_from_db()
    assert (case.status, case.first_moderator, case.appeal_text) == (
        "open", world.teacher, "我只是开玩笑，并没有真的出售")
    [item] = queue_of(world.school_admin)
    assert item.appeal_text and item.viewer_decisions == ["approve", "uphold"]
    [mine] = queue_of(world.teacher)
    assert not mine.viewer_may_decide
    with pytest.raises(PermissionDenied, match="另一位"):
        services.decide_case(actor=actor_for(world.teacher), case_id=case.pk,
                             decision="approve")
    assert Case.objects.get(pk=case.pk).status == "open"

    services.decide_case(actor=actor_for(world.school_admin), case_id=case.pk,
                         decision="approve", reason="经核实为玩笑，恢复")
    case.refresh_from_db()
    assert (case.status, case.appeal_decided, case.decision) == ("decided", True, "approve")
    assert state_of(world.post) == "visible"
    assert kinds_for(world.author) == [Kind.APPEAL_GRANTED, Kind.CONTENT_REMOVED]
    assert kinds_for(world.reporter) == [Kind.REPORT_NO_VIOLATION, Kind.REPORT_HANDLED]


def test_an_upheld_appeal_keeps_the_content_removed(world, case):
    removed(world, case)
    services.appeal_case(actor=actor_for(world.author), case_id=case.pk, text="请复核")
    services.decide_case(actor=actor_for(world.school_admin), case_id=case.pk,
                         decision="uphold", reason="截图证据确凿")
    assert state_of(world.post) == "removed"
    assert Case.objects.get(pk=case.pk).decision == "remove"
    assert kinds_for(world.author)[0] == Kind.APPEAL_UPHELD
    assert kinds_for(world.reporter) == [Kind.REPORT_HANDLED, Kind.REPORT_HANDLED]


def test_restoring_lifts_the_sanction_and_the_ban(world, case):
    services.decide_case(actor=actor_for(world.school_admin), case_id=case.pk,
                         decision="suspend", reason="严重违规")
    services.appeal_case(actor=actor_for(world.author), case_id=case.pk, text="误会")
    site_admin = make_user("site_root")
    site_admin.is_superuser = site_admin.is_staff = True
    site_admin.role = "site_admin"
    site_admin.save()
    assert actor_for(site_admin).is_site_admin
    services.decide_case(actor=actor_for(site_admin), case_id=case.pk, decision="approve",
                         reason="误判")
    world.author.refresh_from_db()
    assert world.author.is_active
    assert Sanction.objects.get(user=world.author).lifted_at is not None


def test_a_ban_is_lifted_when_its_appeal_is_granted(world, case):
    services.decide_case(actor=actor_for(world.teacher), case_id=case.pk, decision="ban",
                         reason="出售作业")
    services.appeal_case(actor=actor_for(world.author), case_id=case.pk, text="误会")
    services.decide_case(actor=actor_for(world.school_admin), case_id=case.pk,
                         decision="approve", reason="误判")
    assert not Ban.objects.filter(group=world.group, user=world.author).exists()


def test_appealing_twice_is_a_conflict(world, case):
    removed(world, case)
    services.appeal_case(actor=actor_for(world.author), case_id=case.pk, text="请复核")
    services.decide_case(actor=actor_for(world.school_admin), case_id=case.pk,
                         decision="uphold", reason="维持")
    with pytest.raises(Conflict):
        services.appeal_case(actor=actor_for(world.author), case_id=case.pk, text="再申诉")
    assert Case.objects.get(pk=case.pk).status == "decided"


def test_only_the_author_appeals_in_time_with_words(world, case):
    removed(world, case)
    with pytest.raises(PermissionDenied):
        services.appeal_case(actor=actor_for(world.reporter), case_id=case.pk, text="帮他申诉")
    with pytest.raises(Invalid) as error:
        services.appeal_case(actor=actor_for(world.author), case_id=case.pk, text="   ")
    assert error.value.field == "text"
    Case.objects.filter(pk=case.pk).update(decided_at=timezone.now() - timedelta(days=31))
    with pytest.raises(Invalid, match="期限"):
        services.appeal_case(actor=actor_for(world.author), case_id=case.pk, text="请复核")
    case.refresh_from_db()
    assert (case.status, case.appealed_at) == ("decided", None)


def test_nothing_to_appeal_in_a_dismissed_or_open_case(world, case):
    with pytest.raises(Invalid):
        services.appeal_case(actor=actor_for(world.author), case_id=case.pk, text="请复核")
    services.decide_case(actor=actor_for(world.teacher), case_id=case.pk, decision="dismiss")
    with pytest.raises(Invalid):
        services.appeal_case(actor=actor_for(world.author), case_id=case.pk, text="请复核")


def test_the_author_sees_their_case_without_its_reporters(world, case):
    removed(world, case)
    mine = selectors.my_case(actor=actor_for(world.author), case_id=case.pk)
    assert mine.appeal_open and mine.reason == "出售作业" and mine.state == "removed"
    with pytest.raises(NotFound):
        selectors.my_case(actor=actor_for(world.reporter), case_id=case.pk)
