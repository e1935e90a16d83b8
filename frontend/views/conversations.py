"""The messages pages (私信 and 群聊): the inbox, a conversation, the request box.

On a wide screen the inbox and the open conversation sit side by side; on a phone
one at a time (site.css). Everything goes through messages.selectors and
messages.services; messages.js posts the composer without a reload and fetches the
thread again when the live socket says a message arrived (ids only come over it).
Named `conversations`: `messages` is the app (and Django's contrib app).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frontend.errors import domain_errors, error_page, perform, show_error
from messages import rules, selectors, services
from messages.models import MESSAGE_MAX_LENGTH, Conversation
from yiban_core.errors import DomainError, RateLimited

HISTORY_PAGE = 50


class ComposeForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("消息"), required=False,
                           max_length=MESSAGE_MAX_LENGTH, strip=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(label=gettext_lazy("图片或文件"), required=False)


def _inbox_context(request, *, requests: bool = False) -> dict:
    actor = request.actor
    page = selectors.inbox(actor=actor, first=50, after=request.GET.get("after"),
                           requests=requests)
    for conversation in page.items:
        conversation.other = selectors.other_person(conversation, actor.user_id)
    return {"inbox": page, "request_count": selectors.request_count(actor=actor),
            "showing_requests": requests}


@login_required
@domain_errors
def inbox(request):
    return render(request, "frontend/messages/inbox.html", _inbox_context(request))


@login_required
@domain_errors
def requests_box(request):
    return render(request, "frontend/messages/inbox.html",
                  _inbox_context(request, requests=True))


@login_required
@domain_errors
def conversation(request, conversation_id: int, form: ComposeForm | None = None,
                 status: int = 200):
    """A conversation: its newest messages (older ones with ?before), marked read."""
    actor = request.actor
    current = selectors.get_conversation(actor=actor, pk=conversation_id)
    page = selectors.messages_of(actor=actor, conversation_id=current.pk, first=HISTORY_PAGE,
                                 after=request.GET.get("before"))
    if current.seat.unread_count:
        services.mark_read(actor=actor, conversation_id=current.pk)
        current.seat.unread_count = 0
    selectors.attach_seats(actor.user_id, [current])
    current.other = selectors.other_person(
        Conversation.objects.select_related("user_low", "user_high").get(pk=current.pk),
        actor.user_id)
    thread = list(reversed(page.items))
    for message in thread:
        message.can_recall = rules.may_recall(actor.user, message)
    context = _inbox_context(request, requests=current.state == Conversation.State.REQUEST
                             and current.requested_by_id != actor.user_id)
    context.update({
        "current": current, "thread": thread, "older": page.end_cursor if page.has_next else None,
        "form": form or ComposeForm(),
        "request_to_me": current.state == Conversation.State.REQUEST
        and current.requested_by_id != actor.user_id,
        "waiting_for_answer": current.state in (Conversation.State.REQUEST,
                                                Conversation.State.DECLINED)
        and current.requested_by_id == actor.user_id and current.last_message_id,
    })
    return render(request, "frontend/messages/conversation.html", context, status=status)


@require_POST
@login_required
@domain_errors
def send(request, conversation_id: int):
    form = ComposeForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.send_message(actor=request.actor, conversation_id=conversation_id,
                                  text=form.cleaned_data["text"],
                                  attachment=form.cleaned_data["attachment"])
        except RateLimited as error:
            return error_page(request, error)
        except DomainError as error:
            if error.code == "NOT_FOUND":
                raise
            show_error(request, error, form)
    if not form.errors:
        if request.headers.get("x-requested-with") == "fetch":
            return HttpResponse(status=204)
        return redirect(reverse("conversation", args=[conversation_id]) + "#composer")
    return conversation(request, conversation_id, form=form, status=400)


def _one_button(request, conversation_id: int, action, success: str | None, next_url=None):
    return perform(request, action, success=success,
                   next_url=next_url or reverse("conversation", args=[conversation_id]))


@require_POST
@login_required
def recall(request, conversation_id: int, message_id: int):
    return _one_button(request, conversation_id, lambda: services.recall_message(
        actor=request.actor, message_id=message_id), success=_("消息已撤回"))


@require_POST
@login_required
def mute(request, conversation_id: int):
    muted = request.POST.get("muted") == "1"
    return _one_button(request, conversation_id, lambda: services.set_muted(
        actor=request.actor, conversation_id=conversation_id, muted=muted),
        success=_("已开启消息免打扰") if muted else _("已关闭消息免打扰"))


@require_POST
@login_required
def leave(request, conversation_id: int):
    return _one_button(request, conversation_id, lambda: services.leave_conversation(
        actor=request.actor, conversation_id=conversation_id), success=_("已退出会话"),
        next_url=reverse("messages_inbox"))


@require_POST
@login_required
def answer(request, conversation_id: int):
    accept = request.POST.get("accept") == "1"
    return _one_button(request, conversation_id, lambda: services.answer_request(
        actor=request.actor, conversation_id=conversation_id, accept=accept),
        success=_("已接受消息请求") if accept else _("已拒绝消息请求"),
        next_url=None if accept else reverse("messages_requests"))


@require_POST
@login_required
@domain_errors
def message_person(request, username: str):
    """发私信 on a profile: the conversation with them, opened when there is none."""
    opened = services.open_direct(actor=request.actor, username=username)
    return redirect("conversation", opened.pk)


@login_required
@domain_errors
def group_chat(request, group_id: int):
    """群聊 on a group's page: its chat, for a member (made on first use)."""
    chat = services.open_group_chat(actor=request.actor, group_id=group_id)
    return redirect("conversation", chat.pk)
