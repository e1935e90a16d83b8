"""The world the leak matrix looks into, built once through the real services.

Two schools. At school A: the author, a verified member of the private interest
group 摄影社 (the insider), a verified teacher, a vocational student with a signed
training record, an unverified teacher (who follows the author), and school apps.
At school B: a verified student (who follows the author) and its school app.
Everything private carries a marker: a word nobody else writes, so a page, a
payload or a search answer that holds it has leaked the thing.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from feeds import services as feeds
from feeds.models import Visibility
from openapi_plugins.vocational import services as vocational
from openapi_plugins.webhooks import services as webhooks
from openapi_plugins.webhooks.events import all_events
from resources import services as resources
from tests.factories import actor_for, make_interest_group, make_school, make_user
from tests.openapi.helpers import make_school_app, make_user_app, mint_token
from yiban_core.accounts import services as accounts
from yiban_core.accounts.models import School, User
from yiban_core.credits import services as credits
from yiban_core.groups import services as groups
from yiban_core.groups.models import Group, Invitation
from yiban_core.moderation.models import Action, SensitiveWord
from yiban_core.moderation.normalise import fold, pinyin_of
from yiban_core.notifications.models import Notification

# What a school app of the matrix is granted: every read its school may approve.
SCHOOL_APP_SCOPES = ("profile", "profile:verified", "feed:read", "groups:read",
                     "resources:read", "school:training")
# What a user's own app may hold: every user scope (the matrix takes one away).
USER_SCOPES = ("openid", "profile", "profile:verified", "feed:read", "feed:write",
               "groups:read", "groups:write", "resources:read", "resources:write",
               "notifications:read", "training:read", "training:write", "messages:read",
               "messages:write")

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"qzfilebytes" * 40


def png(colour=(17, 171, 205)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (9, 7), colour).save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


@dataclass
class World:
    school_a: School
    school_b: School
    author: User          # verified at A; owns the private group
    member: User          # verified at A; in the group; follows the author and the poster
    poster: User          # posts for followers only; only the member follows them
    teacher: User         # verified teacher at A: supervises training
    trainee: User         # verified vocational student at A
    hidden_member: User   # a member of the private group and nothing else
    stranger: User        # no school; follows the author
    unverified: User      # an unverified teacher claiming school A; follows the author
    other_school: User    # verified student at B; follows the author
    group: Group          # 摄影社: private interest group of school A
    app_a: object         # school apps (AppProfile), installed, subscribed to every event
    app_b: object
    user_app: object      # a user app for the people's own tokens
    things: dict = field(default_factory=dict)  # kind name -> what it created
    media_root: str = ""

    def token(self, user: User, scopes) -> str:
        return mint_token(self.user_app, user=user, scopes=sorted(scopes))


def run_worker() -> None:
    """Every queued task, as `manage.py db_worker` runs them; inside the world's transaction,
    whose connection the worker must not close as "old" between tasks."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


def verify(user: User, school: School, admin: User) -> User:
    accounts.verify_member(actor=actor_for(admin), school=school, username=user.username,
                           member_number=f"qzno{user.pk:05d}")
    user.refresh_from_db()
    return user


def build_world(kinds) -> World:
    """People, groups and apps, then each kind's thing (kind.create(world))."""
    school_a = make_school("青岛海滨职业学院", kind=School.Kind.VOCATIONAL)
    school_b = make_school("烟台山大学")
    admin_a = make_user("qz_admin_a", school=school_a, role=User.Role.STAFF)
    admin_b = make_user("qz_admin_b", school=school_b, role=User.Role.STAFF)
    school_a.administrators.add(admin_a)
    school_b.administrators.add(admin_b)

    def person(username, school=None, role=User.Role.STUDENT, verified=True):
        user = make_user(username, school=school, role=role, display_name=username)
        if verified and school is not None:
            user = verify(user, school, admin_a if school == school_a else admin_b)
        return user

    author = person("qz_author", school_a)
    User.objects.filter(pk=author.pk).update(last_name="秦", first_name="作者")
    member = person("qz_member", school_a)
    User.objects.filter(pk=member.pk).update(last_name="钱", first_name="同学")
    member.refresh_from_db()
    poster = person("qz_poster", school_a)
    teacher = person("qz_teacher", school_a, role=User.Role.TEACHER)
    trainee = person("qz_trainee", school_a)
    hidden = person("qz_hidden_member", school_a)
    stranger = person("qz_stranger")
    unverified = person("qz_unverified", school_a, role=User.Role.TEACHER, verified=False)
    other = person("qz_other_school", school_b)
    for follower, followee in [(member, author), (member, poster), (stranger, author),
                               (unverified, author), (other, author)]:
        accounts.follow(actor=actor_for(follower), username=followee.username)

    group = make_interest_group(author, name="摄影社", is_private=True, school=school_a,
                                join_policy=Group.JoinPolicy.CLOSED)
    for user in (member, hidden):
        groups.invite(actor=actor_for(author), group=group, username=user.username)
        invitation = Invitation.objects.get(group=group, invitee=user)
        groups.answer_invitation(actor=actor_for(user), invitation_id=invitation.pk, accept=True)
    credits.daily_checkin(actor=actor_for(hidden))  # so the group's people board ranks them

    app_a, _ = make_school_app(school_a, scopes=SCHOOL_APP_SCOPES, admin=admin_a, name="海滨教务")
    app_b, _ = make_school_app(school_b, scopes=SCHOOL_APP_SCOPES, admin=admin_b, name="烟台教务")
    user_app, _ = make_user_app(scopes=USER_SCOPES, name="学习助手")

    world = World(school_a=school_a, school_b=school_b, author=author, member=member,
                  poster=poster, teacher=teacher, trainee=trainee, hidden_member=hidden,
                  stranger=stranger, unverified=unverified, other_school=other, group=group,
                  app_a=app_a, app_b=app_b, user_app=user_app)
    _public_twins(world)
    for kind in kinds:
        world.things[kind.name] = kind.create(world)
    run_worker()  # indexing and the rest of the work after commit
    # Subscribed last, so no delivery is made while the world is built.
    for app in (app_a, app_b):
        webhooks.subscribe(actor=actor_for(app.application.user), app=app,
                           url="https://hooks.example.edu.cn/yiban",
                           events=[name for name, event in all_events().items()
                                   if event.scope in SCHOOL_APP_SCOPES])
    return world


def _public_twins(world: World) -> None:
    """Public things beside the private ones, so every board has rows to show."""
    author = actor_for(world.author)
    club = make_interest_group(world.author, name="公开读书会")
    feeds.publish_post(actor=author, text="读书会本周读《平凡的世界》", group=club)
    public = resources.publish_resource(actor=author, title="公开的线性代数笔记",
                                        subject="mathematics", url="https://example.edu.cn/la")
    resources.rate_resource(actor=actor_for(world.member), resource_id=public.pk, stars=4)


# --- the private things --------------------------------------------------------------------


@dataclass
class Thing:
    """What a kind created, and what each door needs to look for it."""

    markers: tuple[str, ...]            # text that shows the thing
    pages: tuple[str, ...] = ()         # pages that show it to an insider
    query: tuple[str, dict] | None = None  # a GraphQL query that shows it to an insider
    node_id: str | None = None          # its Relay global ID
    search: str = ""                    # a search term that finds it
    topic: str = ""                     # the topic page that shows it
    post_id: int | None = None          # its post (live counters, home timeline)
    group_id: int | None = None         # its group (live group stream)
    notification_id: int | None = None  # a notification (live resume)
    message_id: int | None = None       # a message to the insider (live resume)
    webhook: tuple[str, object] | None = None  # (event, object ref) announcing it
    # (URL the site gives an insider, the bytes behind it), asked when a cell looks
    files: Callable[[World], list[tuple[str, bytes]]] | None = None
    boards: tuple[tuple[str, dict], ...] = ()  # leaderboard queries (GraphQL) ...
    board_pages: tuple[str, ...] = ()          # ... and pages
    board_markers: tuple[str, ...] = ()        # what shows it on a board


def group_post(world: World, marker: str, **kwargs):
    return feeds.publish_post(actor=actor_for(world.author), group=world.group,
                              text=f"{marker} 周六去海边拍日出 #qztopic#", **kwargs)


def held_post(world: World, marker: str):
    """A public post held when written (审核中: a `review` word): its author's only."""
    word = "代写论文"
    SensitiveWord.objects.create(word=word, normalised=fold(word), pinyin=pinyin_of(fold(word)),
                                 action=Action.REVIEW)
    return feeds.publish_post(actor=actor_for(world.author),
                              text=f"{marker} 毕业季{word}，价格好商量")


def school_post(world: World, marker: str):
    return feeds.publish_post(actor=actor_for(world.author), visibility=Visibility.SCHOOL,
                              text=f"{marker} 本校同学：图书馆三楼自习室周末开放")


def minor(world: World, marker: str) -> User:
    """A verified student at A in minors mode (marked by the school), with a bio, a major,
    a follower and a post asked for as public (published school-only)."""
    person = verify(make_user("qz_minor", school=world.school_a, display_name="小林"),
                    world.school_a, world.school_a.administrators.first())
    accounts.update_profile(actor=actor_for(person), bio=f"{marker}bio 喜欢天文",
                            major=f"{marker}major", enrolment_year=2025)
    from yiban_core.privacy.minors import mark_minors

    mark_minors(actor=actor_for(world.school_a.administrators.first()),
                school=world.school_a, usernames=[person.username])
    person.profile.refresh_from_db()
    fan = make_user(f"{marker}fan", school=world.school_a)
    accounts.follow(actor=actor_for(fan), username=person.username)
    feeds.publish_post(actor=actor_for(person), text=f"{marker}post 今晚观测木星")
    return person


def followers_post(world: World, marker: str):
    return feeds.publish_post(actor=actor_for(world.poster), visibility=Visibility.FOLLOWERS,
                              text=f"{marker} 只给关注我的人看：期末复习计划")


def announcement(world: World, marker: str):
    post = group_post(world, marker)
    return feeds.set_pinned(actor=actor_for(world.author), post_id=post.pk, pinned=True)


def group_poll(world: World, marker: str):
    """A named poll in the private group, with the member's vote."""
    from feeds.poll_services import PollSpec, vote

    post = feeds.publish_post(
        actor=actor_for(world.author), group=world.group, text="社团投票：下次外拍去哪儿",
        poll=PollSpec(options=[f"{marker} 石老人海滩", "崂山"],
                      closes_at=timezone.now() + dt.timedelta(days=2)))
    vote(actor=actor_for(world.member), post_id=post.pk,
         option_ids=[post.poll.options.get(position=0).pk])
    return post


def read_announcement(world: World):
    """An announcement of the private group that the member has read."""
    from feeds.poll_services import mark_announcement_read

    post = announcement(world, "社团公告：周六器材室盘点")
    mark_announcement_read(actor=actor_for(world.member), post_id=post.pk)
    return post


def group_comment(world: World, marker: str):
    post = feeds.publish_post(actor=actor_for(world.author), group=world.group,
                              text="社团活动照片征集")
    return feeds.add_comment(actor=actor_for(world.member), post_id=post.pk,
                             text=f"{marker} 我周日能来")


def group_resource(world: World, marker: str):
    upload = SimpleUploadedFile("暗房笔记.pdf", PDF, content_type="application/pdf")
    resource = resources.publish_resource(actor=actor_for(world.author),
                                          title=f"{marker} 暗房冲洗笔记", subject="arts",
                                          upload=upload, group=world.group)
    return resource


def school_resource(world: World, marker: str):
    resource = resources.publish_resource(
        actor=actor_for(world.author), title=f"{marker} 本校实验报告模板", subject="engineering",
        url="https://example.edu.cn/lab", visibility="school")
    return rated(world, resource)


def rated(world: World, resource):
    """Rated (and downloaded, if a file), so that a board leaving it off means something."""
    resources.rate_resource(actor=actor_for(world.member), resource_id=resource.pk, stars=5)
    if resource.kind == "file":
        resources.record_download(actor=actor_for(world.member), resource_id=resource.pk)
    return resource


def review(world: World, marker: str, resource):
    return resources.rate_resource(actor=actor_for(world.member), resource_id=resource.pk,
                                   stars=5, review=f"{marker} 写得很清楚")


def mention(world: World, marker: str) -> Notification:
    feeds.publish_post(actor=actor_for(world.author), group=world.group,
                       text=f"@{world.member.username} {marker} 明天带三脚架")
    run_worker()  # notifies
    return Notification.objects.filter(recipient=world.member,
                                       kind=Notification.Kind.MENTIONED)


def direct_message(world: World, marker: str, **kwargs):
    """The author writes to the member (they share the private group: a conversation at
    once)."""
    from messages import services as messages

    conversation = messages.open_direct(actor=actor_for(world.author),
                                        username=world.member.username)
    return messages.send_message(actor=actor_for(world.author), conversation_id=conversation.pk,
                                 text=f"{marker} 明早八点在暗房门口等你", **kwargs)


def group_chat_message(world: World, marker: str):
    from messages import services as messages

    chat = messages.open_group_chat(actor=actor_for(world.author), group_id=world.group.pk)
    return messages.send_message(actor=actor_for(world.author), conversation_id=chat.pk,
                                 text=f"{marker} 周日暗房开放，社员自带相纸")


def training_record(world: World, marker: str):
    today = timezone.localdate()
    record = vocational.log_record(
        actor=actor_for(world.trainee), kind="internship", title=f"{marker} 数控车床顶岗实习",
        workplace="海尔模具车间", start_date=today - dt.timedelta(days=20),
        end_date=today - dt.timedelta(days=1), hours="120", tasks=f"{marker} 车削与检测",
        reflection="")
    vocational.submit_record(actor=actor_for(world.trainee), record=record,
                             supervisor=world.teacher)
    return vocational.sign_off_record(actor=actor_for(world.teacher), record=record,
                                      comment="合格")
