"""Conversations as their people notice them: requests, group chats, recalls, unread
counts, attachments, sensitive words and reports; bad input is refused with a clear
error and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from messages import selectors, services
from messages.models import MESSAGE_MAX_LENGTH, Conversation, Message, Participant
from tests.factories import actor_for, make_interest_group, make_user
from tests.messages.helpers import befriend, png, say_in_group, send
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups import services as groups
from yiban_core.moderation import services as moderation
from yiban_core.moderation.models import Action, Case, ContentState, SensitiveWord
from yiban_core.moderation.normalise import fold, pinyin_of

pytestmark = pytest.mark.django_db


def texts(user, conversation_id) -> list[str]:
    page = selectors.messages_of(actor=actor_for(user), conversation_id=conversation_id)
    return [m.text for m in reversed(page.items)]


def unread(user) -> int:
    return selectors.unread_total(actor=actor_for(user))


# --- message requests ----------------------------------------------------------------------


def test_a_stranger_waits_for_an_answer_before_a_second_message():
    stranger, student = make_user(), make_user()
    first = send(stranger, student, "你好，我是隔壁班的")
    with pytest.raises(PermissionDenied, match="接受"):
        send(stranger, student, "在吗？")
    assert texts(student, first.conversation_id) == ["你好，我是隔壁班的"]
    assert unread(student) == 0  # a request is not on the badge
    assert selectors.request_count(actor=actor_for(student)) == 1


def test_accepting_a_request_moves_it_to_the_inbox_and_both_talk():
    stranger, student = make_user(), make_user()
    first = send(stranger, student, "请问周末的志愿活动还缺人吗")
    services.answer_request(actor=actor_for(student), conversation_id=first.conversation_id,
                            accept=True)
    assert [c.pk for c in selectors.inbox(actor=actor_for(student)).items] == [
        first.conversation_id]
    assert unread(student) == 1
    send(stranger, student, "我可以报名")
    send(student, stranger, "欢迎！")
    assert texts(stranger, first.conversation_id) == [
        "请问周末的志愿活动还缺人吗", "我可以报名", "欢迎！"]


def test_a_reply_accepts_the_request():
    stranger, student = make_user(), make_user()
    first = send(stranger, student)
    services.send_message(actor=actor_for(student), conversation_id=first.conversation_id,
                          text="好呀")
    assert Conversation.objects.get(pk=first.conversation_id).state == Conversation.State.OPEN
    send(stranger, student, "那明天见")


def test_a_declined_request_leaves_the_box_and_its_sender_sends_no_more():
    stranger, student = make_user(), make_user()
    first = send(stranger, student, "加个好友吧")
    services.answer_request(actor=actor_for(student), conversation_id=first.conversation_id,
                            accept=False)
    assert selectors.inbox(actor=actor_for(student), requests=True).items == []
    with pytest.raises(NotFound):
        selectors.messages_of(actor=actor_for(student), conversation_id=first.conversation_id)
    with pytest.raises(PermissionDenied, match="没有接受"):
        send(stranger, student, "为什么拒绝")
    assert Message.objects.filter(conversation_id=first.conversation_id).count() == 1


def test_only_the_recipient_answers_a_request():
    stranger, student = make_user(), make_user()
    first = send(stranger, student)
    with pytest.raises(Invalid):
        services.answer_request(actor=actor_for(stranger),
                                conversation_id=first.conversation_id, accept=True)


# --- group chats ---------------------------------------------------------------------------


def test_history_before_joining_a_group_is_not_yours():
    owner, early, late = make_user(), make_user(), make_user()
    group = make_interest_group(owner, name="摄影社")
    groups.join_group(actor=actor_for(early), group=group)
    before = say_in_group(owner, group, "周六外拍集合地点：东门")
    groups.join_group(actor=actor_for(late), group=group)
    say_in_group(owner, group, "记得带三脚架")
    assert texts(early, before.conversation_id) == ["周六外拍集合地点：东门", "记得带三脚架"]
    assert texts(late, before.conversation_id) == ["记得带三脚架"]
    with pytest.raises(NotFound):
        selectors.get_message(actor=actor_for(late), pk=before.pk)
    assert unread(late) == 1


def test_leaving_the_group_leaves_its_chat():
    owner, member = make_user(), make_user()
    group = make_interest_group(owner, name="考研交流群")
    groups.join_group(actor=actor_for(member), group=group)
    message = say_in_group(member, group, "求推荐数学复习资料")
    groups.leave_group(actor=actor_for(member), group=group)
    with pytest.raises(NotFound):
        services.send_message(actor=actor_for(member), conversation_id=message.conversation_id,
                              text="我回来了")
    with pytest.raises(NotFound):
        selectors.messages_of(actor=actor_for(member), conversation_id=message.conversation_id)
    assert selectors.inbox(actor=actor_for(member)).items == []
    say_in_group(owner, group, "第一章先看完")
    assert Message.objects.filter(conversation_id=message.conversation_id).count() == 2
    # Back in the group, the chat reads from the return on.
    groups.join_group(actor=actor_for(member), group=group)
    say_in_group(owner, group, "欢迎回来")
    assert texts(member, message.conversation_id) == ["欢迎回来"]


def test_leaving_a_group_chat_is_leaving_the_group():
    owner, member = make_user(), make_user()
    group = make_interest_group(owner, name="篮球社")
    groups.join_group(actor=actor_for(member), group=group)
    message = say_in_group(member, group)
    services.leave_conversation(actor=actor_for(member), conversation_id=message.conversation_id)
    assert not group.memberships.filter(user=member).exists()
    with pytest.raises(NotFound):
        selectors.get_conversation(actor=actor_for(member), pk=message.conversation_id)


def test_outsiders_cannot_open_a_group_chat():
    owner, outsider = make_user(), make_user()
    group = make_interest_group(owner, name="读书会")
    say_in_group(owner, group)
    with pytest.raises(NotFound):
        services.open_group_chat(actor=actor_for(outsider), group_id=group.pk)


# --- recalls -------------------------------------------------------------------------------


def test_recall_within_two_minutes_leaves_a_note_for_everyone(
        django_capture_on_commit_callbacks):
    a, b = make_user(), make_user()
    befriend(a, b)
    message = send(a, b, "发错了，不好意思", attachment=png())
    stored = message.attachment.name
    storage = message.attachment.storage
    with django_capture_on_commit_callbacks(execute=True):
        recalled = services.recall_message(actor=actor_for(a), message_id=message.pk)
    assert recalled.is_recalled and recalled.text == "" and not recalled.attachment
    seen = selectors.get_message(actor=actor_for(b), pk=message.pk)
    assert seen.is_recalled and seen.text == ""
    assert not storage.exists(stored)


def test_recall_after_two_minutes_is_refused_and_changes_nothing():
    a, b = make_user(), make_user()
    befriend(a, b)
    message = send(a, b, "三分钟前的消息")
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    with pytest.raises(PermissionDenied, match="2 分钟"):
        services.recall_message(actor=actor_for(a), message_id=message.pk)
    message.refresh_from_db()
    assert message.text == "三分钟前的消息" and message.recalled_at is None


def test_only_its_sender_recalls_a_message_and_only_once():
    a, b = make_user(), make_user()
    befriend(a, b)
    message = send(a, b)
    with pytest.raises(PermissionDenied):
        services.recall_message(actor=actor_for(b), message_id=message.pk)
    services.recall_message(actor=actor_for(a), message_id=message.pk)
    with pytest.raises(Conflict):
        services.recall_message(actor=actor_for(a), message_id=message.pk)


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n ", "字" * (MESSAGE_MAX_LENGTH + 1)])
def test_empty_or_too_long_text_is_refused_and_nothing_is_sent(text):
    a, b = make_user(), make_user()
    befriend(a, b)
    conversation = services.open_direct(actor=actor_for(a), username=b.username)
    with pytest.raises(Invalid) as refused:
        services.send_message(actor=actor_for(a), conversation_id=conversation.pk, text=text)
    assert refused.value.field == "text"
    assert not Message.objects.filter(conversation=conversation).exists()
    assert selectors.inbox(actor=actor_for(b)).items == []


def test_a_file_that_is_not_allowed_is_refused():
    a, b = make_user(), make_user()
    befriend(a, b)
    fake = SimpleUploadedFile("作业.png", b"MZ\x90\x00" + b"\x00" * 200,
                              content_type="image/png")
    with pytest.raises(Invalid) as refused:
        send(a, b, "", attachment=fake)
    assert refused.value.field == "attachment"
    assert not Message.objects.exists()


def test_a_pdf_and_an_image_are_sent():
    a, b = make_user(), make_user()
    befriend(a, b)
    pdf = SimpleUploadedFile("实验报告.pdf", b"%PDF-1.7\n" + b"x" * 100,
                             content_type="application/pdf")
    sent = send(a, b, "", attachment=pdf)
    assert sent.attachment_type == "application/pdf" and sent.attachment_name == "实验报告.pdf"
    image = send(a, b, "黑板照片", attachment=png())
    assert image.is_image


def test_someone_elses_conversation_is_not_found():
    a, b, c = make_user(), make_user(), make_user()
    befriend(a, b)
    message = send(a, b)
    with pytest.raises(NotFound):
        services.send_message(actor=actor_for(c), conversation_id=message.conversation_id,
                              text="插一句")
    with pytest.raises(NotFound):
        selectors.messages_of(actor=actor_for(c), conversation_id=message.conversation_id)
    with pytest.raises(NotFound):
        services.send_message(actor=actor_for(c), conversation_id="not-a-number", text="x")


# --- unread counts -------------------------------------------------------------------------


def test_unread_counts_follow_reading_and_muting():
    a, b = make_user(), make_user()
    befriend(a, b)
    message = send(a, b, "第一条")
    send(a, b, "第二条")
    assert unread(b) == 2 and unread(a) == 0
    services.mark_read(actor=actor_for(b), conversation_id=message.conversation_id)
    assert unread(b) == 0
    send(a, b, "第三条")
    services.set_muted(actor=actor_for(b), conversation_id=message.conversation_id, muted=True)
    assert unread(b) == 0
    seat = Participant.objects.get(conversation_id=message.conversation_id, user=b)
    assert seat.unread_count == 1 and seat.muted


def test_closing_a_conversation_hides_its_past_until_a_new_message():
    a, b = make_user(), make_user()
    befriend(a, b)
    message = send(a, b, "旧消息")
    services.leave_conversation(actor=actor_for(b), conversation_id=message.conversation_id)
    assert selectors.inbox(actor=actor_for(b)).items == []
    send(a, b, "新消息")
    assert texts(b, message.conversation_id) == ["新消息"]


# --- sensitive words and reports -----------------------------------------------------------


def _word(word: str, action: str) -> None:
    SensitiveWord.objects.create(word=word, normalised=fold(word), pinyin=pinyin_of(fold(word)),
                                 action=action)


def test_a_blocked_word_refuses_the_message():
    a, b = make_user(), make_user()
    befriend(a, b)
    _word("出售答案", Action.BLOCK)
    with pytest.raises(Invalid, match="出售答案"):
        send(a, b, "期末出售答案，私聊")
    assert not Message.objects.exists()


def test_a_review_word_holds_the_message_until_a_moderator_approves_it():
    a, b = make_user(), make_user()
    befriend(a, b)
    _word("代写论文", Action.REVIEW)
    message = send(a, b, "毕业季代写论文")
    assert message.moderation == ContentState.HELD
    assert texts(a, message.conversation_id) == ["毕业季代写论文"]
    assert selectors.inbox(actor=actor_for(b)).items == [] and unread(b) == 0
    admin = make_user("site_admin_for_messages")
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    case = Case.objects.get()
    moderation.decide_case(actor=actor_for(admin), case_id=case.pk, decision="approve",
                           reason="")
    assert texts(b, message.conversation_id) == ["毕业季代写论文"] and unread(b) == 1


def test_a_participant_reports_a_message_and_an_outsider_cannot():
    a, b, c = make_user(), make_user(), make_user()
    befriend(a, b)
    message = send(a, b, "广告：低价代考")
    report = moderation.report_content(actor=actor_for(b), target=message, reason="ad")
    assert report.case.target_id == message.pk
    with pytest.raises(NotFound):
        moderation.report_content(actor=actor_for(c), target=message, reason="ad")
