"""After the grace period: nothing of the person is left but what they chose to keep,
anonymised (yiban_core/privacy/closure.py and every app's erasure.py)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from classroom import services as classroom_services
from classroom.models import Attendance
from feeds import services as feed_services
from feeds.models import Comment, Post, PostImage
from feeds.poll_services import PollSpec, vote
from messages import services as message_services
from messages.models import Conversation, Message
from openapi_plugins.academic_affairs import services as roster
from openapi_plugins.academic_affairs.models import SourcedUser
from resources import services as resource_services
from resources.models import Rating, Resource
from tests.factories import (
    PASSWORD,
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from tests.openapi.helpers import make_user_app, mint_token
from yiban_core.accounts import services as account_services
from yiban_core.accounts.models import Follow, Profile
from yiban_core.actor import Actor
from yiban_core.audit.models import AuditEntry
from yiban_core.credits import boards
from yiban_core.credits import services as credit_services
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group, Membership
from yiban_core.notifications.models import Notification
from yiban_core.privacy import closure as closures
from yiban_core.privacy.models import AccountClosure
from yiban_core.sso import services as sso_services
from yiban_core.sso.models import SchoolIdentityProvider, SsoIdentity
from yiban_core.sso.protocols import Assertion
from yiban_core.verification.models import ActivationCode, VerificationRequest

pytestmark = pytest.mark.django_db

User = get_user_model()
NAME, NUMBER = "王晓雨", "2023010001"
# What may still point at the erased account, and why: content they chose to keep (it
# reads 已注销用户), other people's records that name them, the emptied profile (every
# account has one), the closure itself, and the append-only audit log.
KEPT = {"accounts.Profile", "feeds.Post", "feeds.Comment", "resources.Resource", "resources.Rating",
        "conversations.Message", "conversations.Conversation", "classroom.Attendance",
        "privacy.AccountClosure", "audit.AuditEntry"}
REMOVED_WHEN_DELETED = {"feeds.Post", "feeds.Comment", "resources.Resource",
                        "resources.Rating"}


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def rows_naming(user) -> dict[str, int]:
    """Every row of every model with a foreign key to the user model that points at
    `user`, by model."""
    found = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is User:
                lookup = field.name if not field.many_to_many else f"{field.name}__pk"
                count = model._base_manager.filter(**{lookup: user.pk}).count()
                if count:
                    label = model._meta.label
                    found[label] = found.get(label, 0) + count
    return found


@pytest.fixture
def life():
    """A verified student with a bit of everything: posts (an image, a poll), comments,
    likes, a vote, follows, a block, groups (one their own), messages, points, a resource
    and a review, a check-in, notifications, a school sign-in, a roster link, a
    verification request, an activation code, an app's token, an authenticator."""
    school = make_school("北京测试大学")
    person = verify(make_user("wangxiaoyu", school=school, display_name=NAME), NUMBER)
    person.email = "wxy@example.com"
    person.save()
    Profile.objects.filter(user=person).update(bio="喜欢摄影", major="软件工程")
    profile = Profile.objects.get(user=person)
    profile.avatar.save("me.png", ContentFile(png().read()))
    friend, teacher = make_user("friend", school=school), make_teacher(school=school)
    me, them = actor_for(person), actor_for(friend)

    post = feed_services.publish_post(actor=me, text="我的摄影作品", images=[png()])
    poll_post = feed_services.publish_post(actor=them, text="周末去哪", poll=PollSpec(
        options=["颐和园", "798"], closes_at=timezone.now() + timedelta(days=1)))
    vote(actor=me, post_id=poll_post.pk, option_ids=[poll_post.poll.options.first().pk])
    feed_services.add_comment(actor=me, post_id=poll_post.pk, text="我选颐和园")
    feed_services.like_post(actor=me, post_id=poll_post.pk)
    feed_services.like_post(actor=them, post_id=post.pk)
    account_services.follow(actor=me, username="friend")
    account_services.follow(actor=them, username=person.username)
    account_services.block_user(actor=me, username=make_user("stranger").username)

    club = make_interest_group(person, name="摄影社")
    group_services.join_group(actor=them, group=club)
    other_club = make_interest_group(friend, name="读书会")
    group_services.join_group(actor=me, group=other_club)
    klass = make_class_group(teacher)
    group_services.join_by_code(actor=me, code=klass.join_code)
    checkin = classroom_services.start_checkin(actor=actor_for(teacher), group=klass)
    classroom_services.check_in(actor=me, checkin_id=checkin.pk)

    chat = message_services.open_direct(actor=me, username="friend")
    message_services.send_message(actor=me, conversation_id=chat.pk, text="周末一起拍照吗")
    message_services.send_message(actor=them, conversation_id=chat.pk, text="好呀")

    resource = resource_services.publish_resource(
        actor=me, title="摄影入门笔记", subject="computing", url="https://example.com/notes")
    theirs = resource_services.publish_resource(
        actor=them, title="高等数学笔记", subject="mathematics", url="https://example.com/m")
    resource_services.rate_resource(actor=me, resource_id=theirs.pk, stars=5,
                                    review="整理得很清楚")
    credit_services.daily_checkin(actor=me)

    Notification.objects.create(recipient=person, kind="followed", actor=friend,
                                event_key="f1")
    Notification.objects.create(recipient=friend, kind="followed", actor=person,
                                event_key="f2")
    provider = SchoolIdentityProvider.objects.create(school=school, kind="cas",
                                                     cas_server_url="https://cas.example.edu")
    sso_services.account_for(provider=provider,
                             assertion=Assertion(subject="wxy", member_number=NUMBER))
    roster_actor = Actor(school=school, scopes=frozenset({"school:roster"}))
    roster.upsert_users(actor=roster_actor, rows=[
        {"sourced_id": "stu-1", "role": "student", "given_name": "晓雨", "family_name": "王",
         "identifier": NUMBER}])
    VerificationRequest.objects.create(user=person, school=school, member_number=NUMBER)
    ActivationCode.objects.create(school=school, user=person, code_hash="x" * 64,
                                  expires_at=timezone.now() + timedelta(days=30))
    app, _secret = make_user_app(scopes=("profile",))
    mint_token(app, user=person, scopes=["profile"])
    TOTPDevice.objects.create(user=person, name="手机")
    assert SourcedUser.objects.filter(user=person).exists()
    return {"person": person, "friend": friend, "school": school, "post": post,
            "poll_post": poll_post, "club": club, "resource": resource, "theirs": theirs,
            "chat": chat, "provider": provider, "roster": roster_actor,
            "avatar": profile.avatar.name, "image": PostImage.objects.get(post=post).image.name}


def close_and_wait(person, content: str, capture) -> None:
    closures.request_closure(actor=actor_for(person), password=PASSWORD, content=content)
    with capture(execute=True):
        assert closures.erase_due(now=timezone.now() + timedelta(days=15, minutes=1)) == 1


def test_kept_content_stays_as_erased_user_and_nothing_else_of_the_person_is_left(
        life, django_capture_on_commit_callbacks, settings):
    person, friend = life["person"], life["friend"]
    from django.core.files.storage import default_storage

    close_and_wait(person, "keep", django_capture_on_commit_callbacks)

    left = rows_naming(person)
    assert set(left) <= KEPT, set(left) - KEPT
    assert left["feeds.Post"] == 1 and left["feeds.Comment"] == 1
    assert left["resources.Resource"] == 1 and left["resources.Rating"] == 1
    person.refresh_from_db()
    assert person.username.startswith("deleted-")
    assert (person.display_name, person.email, person.member_number, person.verified_at,
            person.school_id, person.is_active, person.has_usable_password()) == (
        "已注销用户", "", None, None, None, False, False)
    profile = Profile.objects.get(user=person)
    assert (profile.bio, profile.major, profile.avatar.name) == ("", "", "")
    assert not default_storage.exists(life["avatar"])
    # Kept: the post, its image; the class keeps the check-in, without place or device.
    assert PostImage.objects.filter(post=life["post"]).exists()
    record = Attendance.objects.get(user=person)
    assert record.latitude is None and record.device_hash is None
    # Counters others see are right again.
    poll_post = Post.objects.get(pk=life["poll_post"].pk)
    assert poll_post.like_count == 0 and poll_post.poll.voter_count == 0
    friend.refresh_from_db()
    assert friend.follower_count == 0 and friend.following_count == 0
    club = Group.objects.get(pk=life["club"].pk)
    assert club.owner_id == friend.pk and club.member_count == 1
    assert Membership.objects.get(group=club, user=friend).role == Membership.Role.OWNER
    # The friend keeps the conversation; the person's words read as 已注销用户's.
    assert Conversation.objects.filter(pk=life["chat"].pk).exists()
    assert Message.objects.filter(conversation=life["chat"], sender=person,
                                  text="周末一起拍照吗").exists()

    # The kept post, read by someone else: 已注销用户, no link to a profile, no old name.
    browser = Client()
    browser.force_login(friend)
    page = browser.get(f"/posts/{life['post'].pk}/").content.decode()
    assert "已注销用户" in page and "我的摄影作品" in page
    assert NAME not in page and "wangxiaoyu" not in page
    assert f"/u/{person.username}/" not in page

    # The school's audit log has the closure, without the person.
    entry = AuditEntry.objects.get(action="account.closed")
    assert entry.school_id == life["school"].pk
    assert (entry.actor_id, entry.actor_username, entry.target_id, entry.target_text) == (
        None, "", "", "")
    assert "wangxiaoyu" not in str(entry.detail) and NAME not in str(entry.detail)
    assert AccountClosure.objects.get(user=person).status == AccountClosure.Status.ERASED


def test_deleted_content_is_gone_with_its_files_and_messages_read_as_recalled(
        life, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    person = life["person"]
    images = PostImage._meta.get_field("image").storage
    assert images.exists(life["image"])
    close_and_wait(person, "delete", django_capture_on_commit_callbacks)

    left = rows_naming(person)
    assert set(left) <= KEPT - REMOVED_WHEN_DELETED, left
    assert not Post.objects.filter(pk=life["post"].pk).exists()
    assert not images.exists(life["image"])
    assert not default_storage.exists(life["avatar"])
    assert not Comment.objects.filter(author=person).exists()
    assert not Resource.objects.filter(pk=life["resource"].pk).exists()
    theirs = Resource.objects.get(pk=life["theirs"].pk)
    assert (theirs.rating_count, theirs.rating_sum) == (0, 0)
    assert not Rating.objects.filter(resource=theirs).exists()
    message = Message.objects.get(conversation=life["chat"], sender=person)
    assert message.text == "" and message.recalled_at is not None
    assert Message.objects.filter(conversation=life["chat"], text="好呀").exists()
    # A group nobody could take over... the club had a member: handed over, not deleted.
    assert Group.objects.filter(pk=life["club"].pk).exists()


def test_a_later_roster_import_or_school_sign_in_does_not_bring_the_person_back(
        life, django_capture_on_commit_callbacks):
    person, school = life["person"], life["school"]
    close_and_wait(person, "keep", django_capture_on_commit_callbacks)
    assert not SourcedUser.objects.filter(user=person).exists()
    assert not SsoIdentity.objects.filter(user=person).exists()

    report = roster.upsert_users(actor=life["roster"], rows=[
        {"sourced_id": "stu-1", "role": "student", "given_name": "晓雨", "family_name": "王",
         "identifier": NUMBER}])
    assert report.created == 1
    mapping = SourcedUser.objects.get(school=school, sourced_id="stu-1")
    assert mapping.user_id != person.pk
    assert mapping.user.member_number == NUMBER
    signed_in = sso_services.account_for(
        provider=life["provider"], assertion=Assertion(subject="wxy", member_number=NUMBER))
    assert signed_in.pk == mapping.user_id != person.pk
    person.refresh_from_db()
    assert (person.member_number, person.is_active, person.school_id) == (None, False, None)
    # The new account starts empty: none of the old one's posts, points or follows.
    assert not Post.objects.filter(author=signed_in).exists()
    assert not Follow.objects.filter(followee=signed_in).exists()


def test_the_leaderboards_no_longer_show_the_person(redis_timelines, life,
                                                    django_capture_on_commit_callbacks):
    person, school = life["person"], life["school"]
    boards.rebuild()
    assert person.pk in [r.user_id for r in boards.top(window="all")]
    assert person.pk in [r.user_id for r in boards.top(window="all", school_id=school.pk)]
    assert person.pk in [r.user_id for r in boards.top(window="day", use_redis=False)]

    close_and_wait(person, "keep", django_capture_on_commit_callbacks)

    for window in ("day", "week", "month", "all"):
        for scope in ({}, {"school_id": school.pk}):
            for use_redis in (True, False):
                ranked = boards.top(window=window, use_redis=use_redis, **scope)
                assert person.pk not in [r.user_id for r in ranked], (window, scope)
                assert boards.rank_of(user_id=person.pk, window=window, use_redis=use_redis,
                                      **scope) == (None, 0)
    # A rebuild from the database agrees.
    boards.rebuild()
    assert person.pk not in [r.user_id for r in boards.top(window="all")]


@pytest.mark.parametrize("content", ["keep", "delete"])
def test_a_group_nobody_can_take_over_is_archived_or_deleted_as_chosen(
        content, django_capture_on_commit_callbacks):
    teacher = make_teacher()
    klass = make_class_group(teacher)
    student = make_user(school=teacher.school)
    group_services.join_by_code(actor=actor_for(student), code=klass.join_code)

    close_and_wait(teacher, content, django_capture_on_commit_callbacks)

    # A class group passes to teachers only: its one student cannot own it.
    if content == "keep":
        klass.refresh_from_db()
        assert klass.archived_at is not None
        assert Membership.objects.filter(group=klass, user=student).exists()
    else:
        assert not Group.objects.filter(pk=klass.pk).exists()
        assert not Membership.objects.filter(user=student).exclude(
            group__kind=Group.Kind.SCHOOL).exists()


def test_the_export_of_an_erased_person_holds_nothing_of_them(
        life, django_capture_on_commit_callbacks, tmp_path):
    """Every app's erasure matches its export: what the archive would show of the person
    after the erasure is nothing that names or describes them."""
    import zipfile

    from django.core.management import call_command

    person = life["person"]
    close_and_wait(person, "delete", django_capture_on_commit_callbacks)
    person.refresh_from_db()
    out = tmp_path / "erased.zip"
    call_command("export_user_data", person.username, "--out", str(out), stdout=io.StringIO())
    archive = zipfile.ZipFile(out)
    text = "".join(archive.read(name).decode("utf-8", "replace")
                   for name in archive.namelist() if name.endswith((".json", ".html")))
    for trace in (NAME, NUMBER, "wangxiaoyu", "wxy@example.com", "喜欢摄影", "软件工程",
                  "我的摄影作品", "我选颐和园", "周末一起拍照吗", "摄影入门笔记", "整理得很清楚",
                  "手机"):
        assert trace not in text, trace
    assert not [name for name in archive.namelist() if name.startswith("files/")]
