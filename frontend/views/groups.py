"""Group pages: list and search, create, detail, members, join, manage, invitations.

Who may see or do what is decided by yiban_core.groups (rules, selectors,
services); these views only ask and show. Buttons are hidden when they could
not work, but the service is what refuses.
"""

from itertools import groupby
from operator import attrgetter
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from frontend.csv_export import csv_response
from frontend.errors import domain_errors, perform, retry_later, show_error
from frontend.forms import (
    PREMODERATE_VALUES,
    BanForm,
    GroupCreateForm,
    GroupSearchForm,
    GroupSettingsForm,
    InviteForm,
    JoinCodeForm,
    JoinRequestForm,
)
from frontend.views.feeds import group_feed_context
from yiban_core import redirects
from yiban_core.errors import DomainError
from yiban_core.groups import rules, selectors, services
from yiban_core.groups.models import Group, Membership
from yiban_core.pagination import paginate
from yiban_core.privacy import access_log
from yiban_core.ratelimit import client_ip

PAGE_SIZE = 20
# The groups page's parts (selectors.directory), titled for a signed-in viewer.
SECTION_TITLES = {
    selectors.MINE: gettext_lazy("我的群组"),
    selectors.MY_SCHOOL: gettext_lazy("本校可加入的群组"),
    selectors.OTHERS: gettext_lazy("更多群组"),
}
ROSTER_PLUGIN = "openapi_plugins.academic_affairs"


@domain_errors
def group_list(request):
    form = GroupSearchForm(request.GET or None)
    query, kind = "", ""
    if form.is_valid():
        query, kind = form.cleaned_data["q"], form.cleaned_data["kind"]
    qs = selectors.directory(actor=request.actor, query=query, kind=kind or None)
    page = paginate(qs, first=PAGE_SIZE, after=request.GET.get("after"))
    viewer = request.user if request.user.is_authenticated else None
    for group in page.items:  # the button each card offers, if any
        group.join_route = (None if group.viewer_role else
                            rules.join_route(viewer, group, banned=group.viewer_banned))
    more = None
    if page.has_next:
        more = "?" + urlencode({k: v for k, v in
                                {"q": query, "kind": kind, "after": page.end_cursor}.items() if v})
    return render(request, "frontend/groups/list.html", {
        "form": form if form.is_bound else GroupSearchForm(), "page": page, "more": more,
        "query": query, "parts": [(SECTION_TITLES[part], list(items)) for part, items
                                  in groupby(page.items, key=attrgetter("part"))],
    })


@login_required
def group_create(request):
    form = GroupCreateForm(request.POST or None)
    if not request.user.school_id:
        form.fields.pop("at_my_school")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = services.create_group(
                actor=request.actor, name=data["name"], kind=data["kind"],
                description=data["description"], is_private=form.is_private(),
                join_policy=data["join_policy"] or None, member_cap=data["member_cap"],
                school=request.user.school if data.get("at_my_school") else None,
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("群已创建"))
            return redirect("group_detail", pk=group.pk)
    return render(request, "frontend/groups/create.html", {"form": form})


def _group_context(request, group: Group) -> dict:
    me = selectors.viewer_membership(actor=request.actor, group=group)
    role = me.role if me is not None else None
    return {
        "group": group,
        "me": me,
        "is_manager": rules.may_manage(request.actor, role),
        "is_owner": rules.may_set_roles(request.actor, role),
        "can_see_content": rules.can_see_content(request.actor, group),
    }


@domain_errors
def group_detail(request, pk):
    group = selectors.get_group(actor=request.actor, pk=pk)
    context = _group_context(request, group)
    me = context["me"]
    context.update({
        "show_join_code": rules.sees_join_code(group, me.role if me is not None else None),
        "pending_request": (selectors.pending_request_of(actor=request.actor, group=group)
                            if me is None else None),  # a member has no request waiting
        "request_form": JoinRequestForm(),
    })
    if context["can_see_content"]:
        context.update(group_feed_context(request, group, context["me"]))
    return render(request, "frontend/groups/detail.html", context)


@domain_errors
def group_members(request, pk):
    """The members; the group's managers and its school's administrators get the roster
    table instead: 学号 column, search, CSV export (members never see each other's
    numbers)."""
    group = selectors.get_group(actor=request.actor, pk=pk)
    context = _group_context(request, group)
    role = context["me"].role if context["me"] is not None else None
    directory = rules.sees_member_numbers(request.actor, group, role)
    query = (request.GET.get("q") or "").strip()[:40] if directory else ""
    if directory:
        members = selectors.member_directory(actor=request.actor, group=group, query=query)
    else:
        members = selectors.members(actor=request.actor, group=group)
    page = paginate(members, first=50, after=request.GET.get("after"))
    if directory:
        access_log.record_read([m.user for m in page.items if m.user.member_number],
                               actor=request.actor, door="group_members")
    for member in page.items:
        member.viewer_may_remove = (member.user_id != request.user.pk
                                    and rules.may_remove(request.actor, role, member.role))
    more = None
    if page.has_next:
        more = "?" + urlencode({k: v for k, v in
                                {"q": query, "after": page.end_cursor}.items() if v})
    context.update({"page": page, "ban_form": BanForm(), "directory": directory,
                    "query": query, "more": more,
                    "export_query": urlencode({"q": query}) if query else ""})
    return render(request, "frontend/groups/members.html", context)


@login_required
@domain_errors
def group_members_csv(request, pk):
    """The member table as a spreadsheet (frontend/csv_export.py), search applied."""
    group = selectors.get_group(actor=request.actor, pk=pk)
    members = selectors.member_directory(actor=request.actor, group=group,
                                         query=request.GET.get("q") or "")
    roles = dict(Membership.Role.choices)
    header = [_("姓名"), _("用户名"), _("学号/工号"), _("身份"), _("加入时间")]
    listed = list(members.iterator(chunk_size=500))
    access_log.record_read([m.user for m in listed if m.user.member_number],
                           actor=request.actor, door="group_members_csv")
    rows = ((m.user.display_name or m.user.username, m.user.username,
             m.user.member_number or "", roles[m.role],
             timezone.localtime(m.joined_at).strftime("%Y-%m-%d %H:%M"))
            for m in listed)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return csv_response(f"{group.name}-{_('成员')}-{stamp}.csv", header, rows)


@require_POST
@login_required
@domain_errors
def group_join(request, pk):
    group = selectors.get_group(actor=request.actor, pk=pk)
    return perform(request, lambda: services.join_group(actor=request.actor, group=group),
                   success=_("已加入群"),
                   next_url=redirects.next_url(request, reverse("group_detail", args=[group.pk])))


@require_POST
@login_required
@domain_errors
def group_request(request, pk):
    group = selectors.get_group(actor=request.actor, pk=pk)
    form = JoinRequestForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else request.POST.get("message", "")
    return perform(
        request,
        lambda: services.request_to_join(actor=request.actor, group=group, message=message),
        success=_("申请已提交，请等待群主或管理员审核"),
        next_url=redirects.next_url(request, reverse("group_detail", args=[group.pk])),
    )


@require_POST
@login_required
@domain_errors
def cancel_request(request, pk, request_id):
    return perform(
        request,
        lambda: services.cancel_request(actor=request.actor, request_id=request_id),
        success=_("已撤回入群申请"), next_url=reverse("group_detail", args=[pk]),
    )


@require_POST
@login_required
@domain_errors
def group_leave(request, pk):
    group = selectors.get_group(actor=request.actor, pk=pk)
    return perform(request, lambda: services.leave_group(actor=request.actor, group=group),
                   success=_("已退出群"), next_url=reverse("group_detail", args=[group.pk]))


def join_by_code(request):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    form = JoinCodeForm(request.POST or request.GET or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.join_by_code(actor=request.actor,
                                               code=form.cleaned_data["code"],
                                               client_ip=client_ip(request))
        except DomainError as error:
            show_error(request, error, form)
            refusal = error
        else:
            messages.success(request, _("已加入 %(name)s") % {"name": membership.group.name})
            return redirect("group_detail", pk=membership.group_id)
    elif request.method == "GET":
        form = JoinCodeForm(initial={"code": request.GET.get("code", "")})
    return retry_later(render(request, "frontend/groups/join_code.html", {"form": form}), refusal)


MEMBER_ACTIONS = {
    "remove": (lambda actor, group, username, request: services.remove_member(
        actor=actor, group=group, username=username), gettext_lazy("已移出群")),
    "ban": (lambda actor, group, username, request: services.ban_member(
        actor=actor, group=group, username=username,
        reason=request.POST.get("reason", "")), gettext_lazy("已封禁")),
    "promote": (lambda actor, group, username, request: services.set_member_role(
        actor=actor, group=group, username=username, role=Membership.Role.ADMIN),
        gettext_lazy("已设为管理员")),
    "demote": (lambda actor, group, username, request: services.set_member_role(
        actor=actor, group=group, username=username, role=Membership.Role.MEMBER),
        gettext_lazy("已取消管理员")),
    "transfer": (lambda actor, group, username, request: services.transfer_ownership(
        actor=actor, group=group, username=username), gettext_lazy("群主已转让")),
    "unban": (lambda actor, group, username, request: services.unban_member(
        actor=actor, group=group, username=username), gettext_lazy("已解除封禁")),
}


@require_POST
@login_required
@domain_errors
def member_action(request, pk, username, action):
    group = selectors.get_group(actor=request.actor, pk=pk)
    if action not in MEMBER_ACTIONS:
        return redirect("group_members", pk=group.pk)
    run, done = MEMBER_ACTIONS[action]
    back = redirects.next_url(request, reverse("group_members", args=[group.pk]))
    return perform(request, lambda: run(request.actor, group, username, request),
                   success=str(done), next_url=back)


@login_required
@domain_errors
def group_manage(request, pk):
    group = selectors.get_group(actor=request.actor, pk=pk)
    # Both selectors refuse anyone who is not a manager: nothing below runs for them.
    pending = selectors.pending_requests(actor=request.actor, group=group)
    bans = selectors.bans(actor=request.actor, group=group)
    policies = services.POLICIES_BY_KIND[group.kind]
    initial = {"name": group.name, "description": group.description,
               "is_private": group.is_private, "join_policy": group.join_policy,
               "member_cap": group.member_cap, "school_apps_may_read": group.school_apps_may_read,
               "premoderate": {True: "on", False: "off"}.get(group.premoderate, "")}
    form = GroupSettingsForm(request.POST or None, initial=initial, policies=policies,
                             kind=group.kind, school=group.school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_group(
                actor=request.actor, group=group, name=data["name"],
                description=data["description"], is_private=data["is_private"],
                join_policy=data["join_policy"], member_cap=data["member_cap"],
                school_apps_may_read=data.get("school_apps_may_read"),
                premoderate=PREMODERATE_VALUES[data["premoderate"]],
            )
        except DomainError as error:
            # The service may have changed the in-memory group before refusing.
            group.refresh_from_db()
            show_error(request, error, form)
        else:
            messages.success(request, _("设置已保存"))
            return redirect("group_manage", pk=group.pk)
    context = _group_context(request, group)
    context.update({
        "form": form, "pending": pending, "bans": bans, "invite_form": InviteForm(),
        "show_join_code": selectors.can_see_join_code(actor=request.actor, group=group),
        "roster_students": _roster_students_not_joined(request, group),
    })
    return render(request, "frontend/groups/manage.html", context)


def _roster_students_not_joined(request, group: Group):
    """Asked of the academic-affairs plugin when it is installed (the core knows no
    plugin); None for a group no roster made."""
    if group.kind != Group.Kind.CLASS or not apps.is_installed(ROSTER_PLUGIN):
        return None
    from openapi_plugins.academic_affairs.selectors import roster_students_not_joined

    return roster_students_not_joined(actor=request.actor, group=group)


BULK_DECISIONS = {"approve": True, "reject": False, "approve_all": True}


@require_POST
@login_required
@domain_errors
def decide_requests(request, pk):
    """The join-request list's 批准所选 / 拒绝所选 / 全部批准: one service call."""
    group = selectors.get_group(actor=request.actor, pk=pk)
    decision = request.POST.get("decision")
    back = reverse("group_manage", args=[group.pk])
    if decision not in BULK_DECISIONS:
        return redirect(back)
    if decision == "approve_all":
        ids = list(selectors.pending_requests(actor=request.actor, group=group)
                   .values_list("pk", flat=True)[:services.MAX_BULK_DECISIONS])
    else:
        ids = request.POST.getlist("request_ids")
    approve = BULK_DECISIONS[decision]
    done = (ngettext("已通过 %(n)d 条申请", "已通过 %(n)d 条申请", len(ids)) if approve
            else ngettext("已拒绝 %(n)d 条申请", "已拒绝 %(n)d 条申请", len(ids)))
    return perform(
        request, lambda: services.decide_requests(actor=request.actor, group=group,
                                                  request_ids=ids, approve=approve),
        success=done % {"n": len(ids)}, next_url=back)


@require_POST
@login_required
@domain_errors
def invite_roster_students(request, pk):
    """Invite the chosen (or all invitable) roster students who have not joined."""
    group = selectors.get_group(actor=request.actor, pk=pk)
    back = reverse("group_manage", args=[group.pk])
    if request.POST.get("all") == "1":
        students = _roster_students_not_joined(request, group) or []
        ids = [student.user.pk for student in students if student.invitable]
    else:
        ids = request.POST.getlist("user_ids")
    try:
        made = services.invite_users(actor=request.actor, group=group, user_ids=ids)
    except DomainError as error:
        show_error(request, error)
    else:
        if made:
            messages.success(request, ngettext("已邀请 %(n)d 位同学", "已邀请 %(n)d 位同学",
                                               len(made)) % {"n": len(made)})
        else:
            messages.info(request, _("所选同学都已邀请过或已在群里"))
    return redirect(back)


@require_POST
@login_required
@domain_errors
def decide_request(request, pk, request_id):
    group = selectors.get_group(actor=request.actor, pk=pk)
    approve = request.POST.get("decision") == "approve"
    return perform(
        request,
        lambda: services.decide_request(actor=request.actor, request_id=request_id,
                                        approve=approve),
        success=_("已通过申请") if approve else _("已拒绝申请"),
        next_url=reverse("group_manage", args=[group.pk]),
    )


@require_POST
@login_required
@domain_errors
def invite(request, pk):
    """Invite by username, display name or 学号. One person: invited. Several (two 李月婷):
    a page to pick one, which posts their id back here. Nobody: say so, change nothing."""
    group = selectors.get_group(actor=request.actor, pk=pk)
    manage = reverse("group_manage", args=[group.pk])
    if request.POST.get("user_id"):
        return perform(request, lambda: services.invite(
            actor=request.actor, group=group, user_id=request.POST["user_id"]),
            success=_("邀请已发出"), next_url=manage)
    who = (request.POST.get("username") or "").strip()
    candidates = selectors.invitee_candidates(actor=request.actor, group=group, query=who)
    if len(candidates) == 1:
        return perform(request, lambda: services.invite(
            actor=request.actor, group=group, user_id=candidates[0].pk),
            success=_("邀请已发出"), next_url=manage)
    if not candidates:
        messages.error(request, _("没有这个用户：「%(who)s」不是任何人的用户名、昵称或学号")
                       % {"who": who[:40]})
        return redirect(manage)
    context = _group_context(request, group)
    context.update({"who": who, "candidates": candidates})
    return render(request, "frontend/groups/invite_choose.html", context)


@require_POST
@login_required
@domain_errors
def regenerate_code(request, pk):
    group = selectors.get_group(actor=request.actor, pk=pk)
    return perform(
        request, lambda: services.regenerate_join_code(actor=request.actor, group=group),
        success=_("已生成新的班级码，旧码失效"), next_url=reverse("group_manage", args=[group.pk]),
    )


@login_required
@domain_errors
def invitations(request):
    return render(request, "frontend/groups/invitations.html", {
        "invitations": selectors.my_invitations(actor=request.actor),
    })


@require_POST
@login_required
def answer_invitation(request, invitation_id):
    accept = request.POST.get("decision") == "accept"
    return perform(
        request,
        lambda: services.answer_invitation(actor=request.actor, invitation_id=invitation_id,
                                           accept=accept),
        success=_("已加入群") if accept else _("已拒绝邀请"), next_url=reverse("invitations"),
    )
