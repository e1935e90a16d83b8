"""Every root query field and mutation declares its scope, and the declaration is true.

The schema shows each field's scope in its description ("Scope: `feed:read`.",
yiban_core.graphql.scopes); the services and selectors are what enforce it. So
for every field this asks the API, as an app would, with real objects: a token
lacking one of the declared scopes is refused (PERMISSION_DENIED naming the
scope, or, for a field that filters by scope, an empty answer), and a token with
only the declared scopes is refused for none. A field that returns several kinds
of object (node, search, leaderboard) is asked for each kind. A field missing
from the tables here fails until it is added.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property

import pytest

from feeds import services as feed_services
from openapi_plugins.scopes import SCHOOL_READ_SCOPES, SCHOOL_SCOPES, all_scopes
from resources import services as resource_services
from tests.factories import (
    PASSWORD,
    actor_for,
    agreed_input,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from tests.openapi.helpers import graphql, make_school_app, make_user_app, mint_token
from yiban_core.accounts.models import Block
from yiban_core.graphql.relay import global_id
from yiban_core.graphql.schema import schema
from yiban_core.graphql.scopes import NO_SCOPE
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group
from yiban_core.moderation import services as moderation_services
from yiban_core.notifications.services import notify
from yiban_core.verification import services as verification_services

USER_SCOPES = tuple(s for s in all_scopes() if not s.startswith("school:"))
SCHOOL_APP_SCOPES = (*SCHOOL_SCOPES, *SCHOOL_READ_SCOPES)


class World:
    """The objects the operations below name, made when first asked for."""

    @cached_property
    def school(self):
        return make_school("华东师范大学")

    @cached_property
    def me(self):
        return verify(make_user("token_owner", school=self.school))

    @cached_property
    def other(self):
        return make_user("classmate", school=self.school)

    @cached_property
    def teacher(self):
        return verify(make_teacher("supervisor", school=self.school))

    @cached_property
    def my_group(self):
        group = make_interest_group(self.me, name="我的摄影社", school=self.school)
        group_services.join_group(actor=actor_for(self.other), group=group)
        return group

    @cached_property
    def closed_group(self):
        """Mine, joined by request: the classmate asked."""
        group = make_interest_group(self.me, name="审核群", join_policy=Group.JoinPolicy.APPROVAL)
        group_services.request_to_join(actor=actor_for(self.other), group=group)
        return group

    @cached_property
    def their_group(self):
        """The classmate's open group, which I joined."""
        group = make_interest_group(self.other, name="篮球社")
        group_services.join_group(actor=actor_for(self.me), group=group)
        return group

    @cached_property
    def their_closed_group(self):
        return make_interest_group(self.other, name="读书会",
                                   join_policy=Group.JoinPolicy.APPROVAL)

    @cached_property
    def verification_request(self):
        return verification_services.request_verification(
            actor=actor_for(self.other), school=self.school, member_number="20269999")

    @cached_property
    def join_request_to_me(self):
        return self.closed_group.join_requests.get()

    @cached_property
    def my_join_request(self):
        return group_services.request_to_join(actor=actor_for(self.me),
                                              group=self.their_closed_group)

    @cached_property
    def invitation(self):
        group = make_interest_group(self.other, name="邀请制小组",
                                    join_policy=Group.JoinPolicy.CLOSED)
        return group_services.invite(actor=actor_for(self.other), group=group,
                                     username=self.me.username)

    @cached_property
    def post(self):
        return feed_services.publish_post(actor=actor_for(self.me), text="高等数学 #期末复习# 加油")

    @cached_property
    def announcement(self):
        post = feed_services.publish_post(actor=actor_for(self.me), text="下周六外拍",
                                          group=self.my_group)
        return feed_services.set_pinned(actor=actor_for(self.me), post_id=post.pk, pinned=True)

    @cached_property
    def poll_post(self):
        from datetime import timedelta

        from django.utils import timezone

        from feeds.poll_services import PollSpec

        return feed_services.publish_post(
            actor=actor_for(self.other), text="期末复习去哪儿？",
            poll=PollSpec(options=["图书馆", "自习室"],
                          closes_at=timezone.now() + timedelta(days=1)))

    @cached_property
    def comment(self):
        return feed_services.add_comment(actor=actor_for(self.other), post_id=self.post.pk,
                                         text="一起复习")

    @cached_property
    def my_resource(self):
        return resource_services.publish_resource(
            actor=actor_for(self.me), title="线性代数笔记", url="https://example.com/la",
            subject="mathematics")

    @cached_property
    def their_resource(self):
        return resource_services.publish_resource(
            actor=actor_for(self.other), title="概率论讲义", url="https://example.com/p",
            subject="mathematics")

    @cached_property
    def review(self):
        return resource_services.rate_resource(actor=actor_for(make_user("reviewer")),
                                               resource_id=self.their_resource.pk, stars=4,
                                               review="讲得清楚")

    @cached_property
    def course(self):
        return resource_services.course_for(school=self.school, code="MA201", name="线性代数")

    @cached_property
    def case_in_my_group(self):
        """A classmate's post in my group, reported by a third member: mine to decide."""
        post = feed_services.publish_post(actor=actor_for(self.other), text="出售作业答案",
                                          group=self.my_group)
        reporter = make_user("reporter_in_my_group")
        group_services.join_group(actor=actor_for(reporter), group=self.my_group)
        return moderation_services.report_content(actor=actor_for(reporter), target=post,
                                                  reason="ad").case

    @cached_property
    def my_removed_case(self):
        """My post, reported and removed by a site admin: mine to appeal."""
        report = moderation_services.report_content(actor=actor_for(self.other),
                                                    target=self.post, reason="ad")
        admin = make_user("site_admin_of_test")
        admin.is_superuser = True
        admin.save(update_fields=["is_superuser"])
        return moderation_services.decide_case(actor=actor_for(admin), case_id=report.case_id,
                                               decision="remove", reason="广告")

    @cached_property
    def notification(self):
        notify(recipient_ids=[self.me.pk], kind="followed", actor_id=self.other.pk,
               event_key=f"test-follow-{self.other.pk}")
        return self.me.notifications.latest("pk")

    @cached_property
    def klass(self):
        """A class group the supervisor teaches, where I (a student) am the class monitor."""
        from tests.factories import make_class_group

        group = make_class_group(self.teacher, name="软工2401班", school=self.school)
        for user in (self.me, self.other):
            group_services.join_by_code(actor=actor_for(user), code=group.join_code)
        group_services.set_member_role(actor=actor_for(self.teacher), group=group,
                                       username=self.me.username, role="admin")
        return group

    @cached_property
    def checkin(self):
        from classroom import services as classroom_services

        return classroom_services.start_checkin(actor=actor_for(self.teacher), group=self.klass,
                                                title="第一节课", grace_minutes=5)

    @cached_property
    def conversation(self):
        """Mine with the classmate (we share my group): one message each way."""
        from messages import services as message_services

        self.my_group  # noqa: B018 (the group we share)
        conversation = message_services.open_direct(actor=actor_for(self.me),
                                                    username=self.other.username)
        message_services.send_message(actor=actor_for(self.other),
                                      conversation_id=conversation.pk, text="明天交作业吗")
        return conversation

    @cached_property
    def my_message(self):
        from messages import services as message_services

        return message_services.send_message(actor=actor_for(self.me),
                                             conversation_id=self.conversation.pk, text="交")

    @cached_property
    def message_request(self):
        """A stranger's first message to me, waiting in my request box."""
        from messages import services as message_services

        stranger = make_user("stranger_writes")
        conversation = message_services.open_direct(actor=actor_for(stranger),
                                                    username=self.me.username)
        message_services.send_message(actor=actor_for(stranger),
                                      conversation_id=conversation.pk, text="你好")
        return conversation

    @cached_property
    def record(self):
        from openapi_plugins.vocational import services as vocational

        return vocational.log_record(
            actor=actor_for(self.me), kind="training", title="数控车床实训", workplace="实训车间",
            start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 3, 6), hours="16",
            tasks="车削零件")


def gid(obj) -> str:
    return global_id(type(obj).__name__, obj.pk)


def page(field: str, args: str = "", select: str = "edges { node { id } }"):
    return lambda w: f"{{ {field}{args} {{ {select} }} }}"


def mutation(field: str, make_input=lambda w: {}):
    """(query, variables) of a mutation, its input made from the world."""
    def operation(w):
        name = field[0].upper() + field[1:]
        query = (f"mutation($input: {name}Input!) {{ {field}(input: $input) "
                 "{ errors { code message } } }")
        return query, {"input": make_input(w)}
    return operation


# field -> how to ask it. Fields that filter by scope instead of refusing are in FILTERS.
QUERIES = {
    "node": lambda w: f'{{ node(id: "{gid(w.post)}") {{ id }} }}',
    "viewer": lambda w: "{ viewer { username } }",
    "user": lambda w: f'{{ user(username: "{w.other.username}") {{ username }} }}',
    "schools": page("schools", "(first: 1)"),
    "school": lambda w: f'{{ school(id: "{gid(w.school)}") {{ name }} }}',
    "groups": page("groups", "(first: 1)"),
    "group": lambda w: f'{{ group(id: "{gid(w.my_group)}") {{ name }} }}',
    "myGroups": page("myGroups", "(first: 1)"),
    "myInvitations": page("myInvitations", "(first: 1)"),
    "suggestedGroups": lambda w: "{ suggestedGroups { id name } }",
    "suggestedPeople": lambda w: "{ suggestedPeople { username } }",
    "myBlockedUsers": page("myBlockedUsers", "(first: 1)"),
    "notifications": page("notifications", "(first: 1)"),
    "notificationGroups": page("notificationGroups", "(first: 1)", "edges { node { count } }"),
    "unreadNotificationCount": lambda w: "{ unreadNotificationCount }",
    "myPoints": lambda w: "{ myPoints { balance } }",
    "homeTimeline": page("homeTimeline", "(first: 1)"),
    "groupTimeline": lambda w: page("groupTimeline", f'(groupId: "{gid(w.my_group)}")')(w),
    "groupAnnouncements": lambda w: (
        f'{{ groupAnnouncements(groupId: "{gid(w.my_group)}") {{ id }} }}'),
    "userTimeline": lambda w: page("userTimeline", f'(username: "{w.me.username}")')(w),
    "topic": lambda w: f'{{ topic(name: "{w.post.topic_list()[0].name}") {{ name }} }}',
    "topicTimeline": lambda w: page("topicTimeline", f'(name: "{w.post.topic_list()[0].name}")')(w),
    "trendingTopics": lambda w: "{ trendingTopics { name } }",
    "schoolSquare": lambda w: page("schoolSquare", f'(schoolId: "{gid(w.school)}")')(w),
    "post": lambda w: f'{{ post(id: "{gid(w.post)}") {{ id }} }}',
    "resources": page("resources", "(first: 1)"),
    "resource": lambda w: f'{{ resource(id: "{gid(w.their_resource)}") {{ title }} }}',
    "course": lambda w: f'{{ course(id: "{gid(w.course)}") {{ name }} }}',
    "courses": page("courses", "(first: 1)"),
    "leaderboard": lambda w: "{ leaderboard(kind: PEOPLE) { rows { rank } } }",
    "search": lambda w: page("search", '(query: "高等数学")')(w),
    "searchSuggestions": lambda w: '{ searchSuggestions(query: "tok") { kind } }',
    "rosterSections": page("rosterSections", "(first: 1)"),
    "myTrainingRecords": page("myTrainingRecords", "(first: 1)"),
    "trainingRecordsToSignOff": page("trainingRecordsToSignOff", "(first: 1)"),
    "trainingRecord": lambda w: f'{{ trainingRecord(id: "{gid(w.record)}") {{ title }} }}',
    "growthRecord": lambda w: f'{{ growthRecord(username: "{w.me.username}") {{ recordCount }} }}',
    "trainingSupervisors": page("trainingSupervisors", "(first: 1)"),
    "moderationQueue": page("moderationQueue", "(first: 1)"),
    "myVerificationRequest": lambda w: "{ myVerificationRequest { status } }",
    "groupCheckins": lambda w: page("groupCheckins", f'(groupId: "{gid(w.klass)}")')(w),
    "checkin": lambda w: f'{{ checkin(id: "{gid(w.checkin)}") {{ title }} }}',
    "conversations": page("conversations", "(first: 1)"),
    "messages": lambda w: page("messages", f'(conversationId: "{gid(w.conversation)}")')(w),
    "unreadMessageCount": lambda w: "{ unreadMessageCount }",
    "verificationRequests": lambda w: page(
        "verificationRequests", f'(schoolId: "{gid(w.school)}")')(w),
}
# Fields whose answer is cut down to the scopes rather than refused; the world must give
# them something to show with the scope.
FILTERS = {"unreadNotificationCount", "trendingTopics"}
PREPARE = {  # what a filtering field needs to have something to show, or a field to act on
    "unreadNotificationCount": lambda w: w.notification,
    "trendingTopics": lambda w: w.post,
    "groupAnnouncements": lambda w: w.announcement,
    "unblockUser": lambda w: Block.objects.create(blocker=w.me, blocked=w.other),
}

MUTATIONS = {
    "register": mutation("register", lambda w: {"username": "new_app_user",
                                                "password": PASSWORD,
                                                **agreed_input()}),
    "updateProfile": mutation("updateProfile", lambda w: {"bio": "你好"}),
    "follow": mutation("follow", lambda w: {"username": w.other.username}),
    "unfollow": mutation("unfollow", lambda w: {"username": w.other.username}),
    "blockUser": mutation("blockUser", lambda w: {"username": w.other.username}),
    "unblockUser": mutation("unblockUser", lambda w: {"username": w.other.username}),
    "createSchool": mutation("createSchool", lambda w: {"name": "新学校", "kind": "UNIVERSITY"}),
    "requestVerification": mutation("requestVerification", lambda w: {
        "schoolId": gid(w.school), "memberNumber": "20268888"}),
    "decideVerificationRequest": mutation("decideVerificationRequest", lambda w: {
        "requestId": gid(w.verification_request), "approve": False, "reason": "学号不符"}),
    "verifyMember": mutation("verifyMember", lambda w: {
        "schoolId": gid(w.school), "username": w.other.username, "memberNumber": "20260001"}),
    "createGroup": mutation("createGroup", lambda w: {"name": "新群", "kind": "INTEREST"}),
    "updateGroup": mutation("updateGroup", lambda w: {"groupId": gid(w.my_group),
                                                      "description": "新简介"}),
    "joinGroup": mutation("joinGroup", lambda w: {"groupId": gid(make_interest_group(
        w.other, name="开放群"))}),
    "joinByCode": mutation("joinByCode", lambda w: {"code": "ABCDEFGH"}),
    "requestToJoin": mutation("requestToJoin", lambda w: {"groupId": gid(w.their_closed_group)}),
    "approveJoinRequest": mutation("approveJoinRequest", lambda w: {
        "requestId": gid(w.join_request_to_me)}),
    "rejectJoinRequest": mutation("rejectJoinRequest", lambda w: {
        "requestId": gid(w.join_request_to_me)}),
    "decideJoinRequests": mutation("decideJoinRequests", lambda w: {
        "groupId": gid(w.join_request_to_me.group), "requestIds": [gid(w.join_request_to_me)],
        "approve": True}),
    "cancelJoinRequest": mutation("cancelJoinRequest", lambda w: {
        "requestId": gid(w.my_join_request)}),
    "invite": mutation("invite", lambda w: {"groupId": gid(w.my_group),
                                            "username": make_user().username}),
    "answerInvitation": mutation("answerInvitation", lambda w: {
        "invitationId": gid(w.invitation), "accept": True}),
    "leaveGroup": mutation("leaveGroup", lambda w: {"groupId": gid(w.their_group)}),
    "removeMember": mutation("removeMember", lambda w: {"groupId": gid(w.my_group),
                                                        "username": w.other.username}),
    "banMember": mutation("banMember", lambda w: {"groupId": gid(w.my_group),
                                                  "username": w.other.username}),
    "unbanMember": mutation("unbanMember", lambda w: {"groupId": gid(w.my_group),
                                                      "username": w.other.username}),
    "setMemberRole": mutation("setMemberRole", lambda w: {
        "groupId": gid(w.my_group), "username": w.other.username, "role": "ADMIN"}),
    "transferOwnership": mutation("transferOwnership", lambda w: {
        "groupId": gid(w.my_group), "username": w.other.username}),
    "regenerateJoinCode": mutation("regenerateJoinCode", lambda w: {"groupId": gid(w.my_group)}),
    "deleteGroup": mutation("deleteGroup", lambda w: {"groupId": gid(w.my_group)}),
    "markNotificationsRead": mutation("markNotificationsRead"),
    "dailyCheckin": mutation("dailyCheckin"),
    "publishPost": mutation("publishPost", lambda w: {"text": "今天复习了线性代数"}),
    "repost": mutation("repost", lambda w: {"postId": gid(w.post)}),
    "editPost": mutation("editPost", lambda w: {"postId": gid(w.post), "text": "改一下"}),
    "deletePost": mutation("deletePost", lambda w: {"postId": gid(w.post)}),
    "pinPost": mutation("pinPost", lambda w: {"postId": gid(w.post)}),
    "unpinPost": mutation("unpinPost", lambda w: {"postId": gid(w.post)}),
    "likePost": mutation("likePost", lambda w: {"postId": gid(w.post)}),
    "vote": mutation("vote", lambda w: {
        "postId": gid(w.poll_post),
        "optionIds": [global_id("PollOption", w.poll_post.poll.options.first().pk)]}),
    "markAnnouncementRead": mutation("markAnnouncementRead",
                                     lambda w: {"postId": gid(w.announcement)}),
    "remindUnreadMembers": mutation("remindUnreadMembers",
                                    lambda w: {"postId": gid(w.announcement)}),
    "unlikePost": mutation("unlikePost", lambda w: {"postId": gid(w.post)}),
    "addComment": mutation("addComment", lambda w: {"postId": gid(w.post), "text": "好"}),
    "deleteComment": mutation("deleteComment", lambda w: {"commentId": gid(w.comment)}),
    "reportContent": mutation("reportContent", lambda w: {"targetId": gid(w.comment),
                                                           "reason": "AD"}),
    "decideReport": mutation("decideReport", lambda w: {
        "caseId": global_id("ModerationCase", w.case_in_my_group.pk), "decision": "DISMISS"}),
    "appealDecision": mutation("appealDecision", lambda w: {
        "caseId": global_id("ModerationCase", w.my_removed_case.pk), "text": "请复核"}),
    "likeComment": mutation("likeComment", lambda w: {"commentId": gid(w.comment)}),
    "unlikeComment": mutation("unlikeComment", lambda w: {"commentId": gid(w.comment)}),
    "publishResource": mutation("publishResource", lambda w: {
        "title": "微积分公式表", "url": "https://example.com/c", "subject": "MATHEMATICS"}),
    "addResourceVersion": mutation("addResourceVersion", lambda w: {
        "resourceId": gid(w.my_resource), "url": "https://example.com/la2"}),
    "updateResource": mutation("updateResource", lambda w: {"resourceId": gid(w.my_resource),
                                                            "title": "线性代数笔记（新）"}),
    "deleteResource": mutation("deleteResource", lambda w: {"resourceId": gid(w.my_resource)}),
    "rateResource": mutation("rateResource", lambda w: {"resourceId": gid(w.their_resource),
                                                        "stars": 5}),
    "markReviewHelpful": mutation("markReviewHelpful", lambda w: {"ratingId": gid(w.review)}),
    "shareResource": mutation("shareResource", lambda w: {"resourceId": gid(w.their_resource)}),
    "syncTerms": mutation("syncTerms", lambda w: {"rows": []}),
    "syncCourses": mutation("syncCourses", lambda w: {"rows": []}),
    "syncSections": mutation("syncSections", lambda w: {"rows": []}),
    "syncUsers": mutation("syncUsers", lambda w: {"rows": []}),
    "syncEnrolments": mutation("syncEnrolments", lambda w: {"rows": []}),
    "completeBulkRosterSync": mutation("completeBulkRosterSync", lambda w: {
        "classSourcedIds": ["k-none"], "enrolmentSourcedIds": []}),
    "logTrainingRecord": mutation("logTrainingRecord", lambda w: {
        "kind": "TRAINING", "title": "钳工实训", "workplace": "实训楼", "startDate": "2026-03-09",
        "endDate": "2026-03-13", "hours": 8, "tasks": "锉削"}),
    "updateTrainingRecord": mutation("updateTrainingRecord", lambda w: {
        "recordId": gid(w.record), "title": "数控车床实训（二）"}),
    "submitTrainingRecord": mutation("submitTrainingRecord", lambda w: {
        "recordId": gid(w.record), "supervisorId": gid(w.teacher)}),
    "signOffTrainingRecord": mutation("signOffTrainingRecord", lambda w: {
        "recordId": gid(w.record)}),
    "returnTrainingRecord": mutation("returnTrainingRecord", lambda w: {
        "recordId": gid(w.record), "comment": "请补充"}),
    "deleteTrainingRecord": mutation("deleteTrainingRecord", lambda w: {
        "recordId": gid(w.record)}),
    "startCheckin": mutation("startCheckin", lambda w: {"groupId": gid(w.klass)}),
    "closeCheckin": mutation("closeCheckin", lambda w: {"checkinId": gid(w.checkin)}),
    "checkIn": mutation("checkIn", lambda w: {"checkinId": gid(w.checkin)}),
    "markAttendance": mutation("markAttendance", lambda w: {
        "checkinId": gid(w.checkin), "username": w.other.username, "status": "EXCUSED"}),
    "sendMessage": mutation("sendMessage", lambda w: {"recipient": w.other.username,
                                                      "text": "周末一起自习"}),
    "markConversationRead": mutation("markConversationRead", lambda w: {
        "conversationId": gid(w.conversation)}),
    "recallMessage": mutation("recallMessage", lambda w: {"messageId": gid(w.my_message)}),
    "muteConversation": mutation("muteConversation", lambda w: {
        "conversationId": gid(w.conversation), "muted": True}),
    "leaveConversation": mutation("leaveConversation", lambda w: {
        "conversationId": gid(w.conversation)}),
    "answerMessageRequest": mutation("answerMessageRequest", lambda w: {
        "conversationId": gid(w.message_request), "accept": True}),
}

NOTE = re.compile(r"^Scope: (?P<note>.+)$", re.MULTILINE)


def root_fields(type_name: str) -> dict[str, str]:
    """Field name -> its scope note, as schema.graphql shows it."""
    root = schema.graphql_schema.get_type(type_name)
    notes = {}
    for name, field in root.fields.items():
        found = NOTE.findall(field.description or "")
        notes[name] = found[-1] if found else ""
    return notes


def declared(note: str) -> tuple[str, tuple[str, ...]]:
    """(kind of declaration, the scopes it names)."""
    if note == "none.":
        return "none", ()
    if note.startswith("none; web session only"):
        return "web", ()
    if note.startswith("per kind:"):
        return "per kind", ()
    return "scopes", tuple(re.findall(r"`([^`]+)`", note))


QUERY_NOTES = root_fields("Query")
MUTATION_NOTES = root_fields("Mutation")


def test_every_root_field_and_mutation_declares_a_real_scope():
    for notes in (QUERY_NOTES, MUTATION_NOTES):
        for name, note in notes.items():
            assert note, f"{name} declares no scope"
            kind, scopes = declared(note)
            assert kind != "scopes" or scopes, f"{name}: {note}"
            assert set(scopes) <= set(all_scopes()), f"{name} names an unknown scope: {note}"
    assert set(QUERY_NOTES) == set(QUERIES)
    assert set(MUTATION_NOTES) == set(MUTATIONS)


@pytest.fixture(autouse=True)
def _background_work_at_once(settings):
    """Notifications, search indexing and points happen as they are enqueued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def token_for(world: World, scopes) -> str:
    """A user's token (or, for the school scopes, its school's app) with these scopes."""
    if any(s.startswith("school:") for s in scopes) or scopes is SCHOOL_APP_SCOPES:
        app, _secret = make_school_app(world.school, scopes=SCHOOL_APP_SCOPES)
        return mint_token(app, scopes=list(scopes))
    app, _secret = make_user_app(scopes=USER_SCOPES)
    return mint_token(app, user=world.me, scopes=list(scopes))


def ask(client, world, name: str, scopes) -> tuple[dict, object]:
    operation = {**QUERIES, **MUTATIONS}[name](world)
    query, variables = operation if isinstance(operation, tuple) else (operation, {})
    body = graphql(client, query, token_for(world, scopes), **variables).json()
    return body, (body.get("data") or {}).get(name)


def refusals(body: dict, answer) -> list[tuple[str, str]]:
    errors = list(body.get("errors") or [])
    if isinstance(answer, dict) and isinstance(answer.get("errors"), list):
        errors += [{"extensions": {"code": e["code"]}, "message": e["message"]}
                   for e in answer["errors"]]
    return [(e["extensions"]["code"], e["message"]) for e in errors
            if (e.get("extensions") or {}).get("code") == "PERMISSION_DENIED"]


def empty(answer) -> bool:
    if isinstance(answer, dict) and "edges" in answer:
        return answer["edges"] == []
    if isinstance(answer, dict) and "rows" in answer:
        return answer["rows"] == []
    return not answer


def without(scope: str, every: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s for s in every if s != scope)


CASES = [(name, scope) for notes in (QUERY_NOTES, MUTATION_NOTES)
         for name, note in notes.items() if declared(note)[0] == "scopes"
         for scope in declared(note)[1]]


@pytest.mark.parametrize(("name", "scope"), CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_a_token_without_the_declared_scope_is_refused(client, db, name, scope):
    world = World()
    PREPARE.get(name, lambda w: None)(world)
    every = SCHOOL_APP_SCOPES if scope.startswith("school:") else USER_SCOPES

    body, answer = ask(client, world, name, without(scope, every))
    if name in FILTERS:
        assert empty(answer) or any(scope in m for _c, m in refusals(body, answer)), body
    else:
        assert any(scope in message for _code, message in refusals(body, answer)), body

    # The declaration is the whole of it: its scopes alone are not refused for any scope.
    declared_scopes = declared({**QUERY_NOTES, **MUTATION_NOTES}[name])[1]
    body, answer = ask(client, world, name, ("openid", *declared_scopes))
    assert not [m for _code, m in refusals(body, answer) if any(s in m for s in all_scopes())], body
    if name in FILTERS:
        assert not empty(answer), body


WEB_ONLY = [name for notes in (QUERY_NOTES, MUTATION_NOTES)
            for name, note in notes.items() if declared(note)[0] == "web"]
NEED_NO_SCOPE = [name for notes in (QUERY_NOTES, MUTATION_NOTES)
            for name, note in notes.items() if declared(note)[0] == "none"]


@pytest.mark.parametrize("name", WEB_ONLY)
def test_a_web_session_only_mutation_refuses_a_token_with_every_scope(client, db, name):
    body, answer = ask(client, World(), name, USER_SCOPES)
    assert refusals(body, answer), body


@pytest.mark.parametrize("name", NEED_NO_SCOPE)
def test_a_field_that_needs_no_scope_answers_a_token_without_any(client, db, name):
    world = World()
    world.school  # noqa: B018 (something to list)
    body, answer = ask(client, world, name, ())
    assert not refusals(body, answer), body
    assert not empty(answer) and not (isinstance(answer, dict) and answer.get("errors")), body


def node(obj):
    return lambda w: f'{{ node(id: "{gid(obj(w))}") {{ id }} }}'


def search(query: str, kind: str, prepare):
    def operation(w):
        prepare(w)
        return f'{{ search(query: "{query}", kinds: [{kind}]) {{ edges {{ cursor }} }} }}'
    return operation


def suggestions(query: str, prepare):
    def operation(w):
        prepare(w)
        return f'{{ searchSuggestions(query: "{query}") {{ kind title }} }}'
    return operation


def board(kind: str, prepare):
    def operation(w):
        prepare(w)
        return f"{{ leaderboard(kind: {kind}) {{ rows {{ rank }} }} }}"
    return operation


# (field, scope) -> how to ask for an object of the kind that needs the scope
PER_KIND_CASES = {
    ("node", "feed:read"): node(lambda w: w.post),
    ("node", "resources:read"): node(lambda w: w.their_resource),
    ("node", "groups:read"): node(lambda w: w.my_group),
    ("node", "profile"): node(lambda w: w.other),
    ("node", "messages:read"): node(lambda w: w.my_message),
    ("search", "feed:read"): search("高等数学", "POST", lambda w: w.post),
    ("search", "resources:read"): search("概率论", "RESOURCE", lambda w: w.their_resource),
    ("search", "groups:read"): search("摄影社", "GROUP", lambda w: w.my_group),
    ("search", "profile"): search("classmate", "USER", lambda w: w.other),
    ("searchSuggestions", "feed:read"): suggestions("期末", lambda w: w.post),
    ("searchSuggestions", "groups:read"): suggestions("摄影", lambda w: w.my_group),
    ("searchSuggestions", "profile"): suggestions("classm", lambda w: w.other),
    ("leaderboard", NO_SCOPE): board("PEOPLE", lambda w: w.post),
    ("leaderboard", "resources:read"): board("RESOURCES_BY_SCORE", lambda w: w.review),
    ("leaderboard", "groups:read"): board("GROUPS", lambda w: w.announcement),
}


def test_every_field_with_a_scope_per_kind_is_asked_for_each_kind():
    per_kind = {name for notes in (QUERY_NOTES, MUTATION_NOTES)
                for name, note in notes.items() if declared(note)[0] == "per kind"}
    assert per_kind == {name for name, _scope in PER_KIND_CASES}


@pytest.mark.parametrize(("name", "scope"), PER_KIND_CASES,
                         ids=[f"{n}-{s}" for n, s in PER_KIND_CASES])
def test_a_field_with_a_scope_per_kind_shows_each_kind_only_with_its_scope(client, db, name,
                                                                           scope):
    world = World()
    query = PER_KIND_CASES[name, scope](world)
    tries = [(without(scope, USER_SCOPES), False), (USER_SCOPES, True), (("openid", scope), True)]
    if scope == NO_SCOPE:  # shown to a token with no scope at all
        tries = [((), True)]
    for scopes, shown in tries:
        app, _secret = make_user_app(scopes=USER_SCOPES)
        token = mint_token(app, user=world.me, scopes=list(scopes))
        body = graphql(client, query, token).json()
        answer = (body.get("data") or {}).get(name)
        assert (not empty(answer)) is shown, (scopes, body)
