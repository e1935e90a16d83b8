"""访问记录 at /settings/privacy/access/: the person's own access log (who read their real
name or 学号, their sign-ins, refused attempts on their data), newest first, a page at a
time, with a filter by kind. The records are yiban_core/privacy/access_log.py's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.errors import domain_errors
from yiban_core.pagination import paginate
from yiban_core.privacy import access_log
from yiban_core.privacy.models import AccessRecord

PAGE_SIZE = 30

FILTERS = [
    ("", gettext_lazy("全部")),
    (AccessRecord.Kind.READ, gettext_lazy("读取实名/学号")),
    (AccessRecord.Kind.SIGN_IN, gettext_lazy("登录")),
    (AccessRecord.Kind.REFUSED, gettext_lazy("被拒绝")),
]
FIELDS = {access_log.REAL_NAME: gettext_lazy("实名"),
          access_log.MEMBER_NUMBER: gettext_lazy("学号/工号")}
# Where a read happened, by the `door` its action names.
DOORS = {
    "graphql": gettext_lazy("通过开放平台接口"),
    "oidc": gettext_lazy("在你授权登录时"),
    "webhook": gettext_lazy("通过事件推送"),
    "verification_requests": gettext_lazy("通过开放平台的认证申请接口"),
    "verification_queue": gettext_lazy("在认证申请审核页"),
    "school_members": gettext_lazy("在学校管理后台的成员列表"),
    "school_members_csv": gettext_lazy("导出学校成员名单时"),
    "profile": gettext_lazy("在你的个人主页"),
    "group_members": gettext_lazy("在群组的成员名单"),
    "group_members_csv": gettext_lazy("导出群组成员名单时"),
    "checkin": gettext_lazy("在签到名单"),
    "checkin_csv": gettext_lazy("导出签到名单时"),
}
SIGN_INS = {
    "password": gettext_lazy("密码登录"),
    "sso.cas": gettext_lazy("学校统一身份认证登录（CAS）"),
    "sso.oidc": gettext_lazy("学校统一身份认证登录（OpenID Connect）"),
    "two_factor": gettext_lazy("通过两步验证"),
    "register": gettext_lazy("注册后登录"),
    "claim": gettext_lazy("激活账号后登录"),
}
FAILURES = {
    "password": gettext_lazy("有人用你的用户名登录，密码错误"),
    "locked_out": gettext_lazy("登录失败次数过多，暂时锁定"),
}


@dataclass
class Entry:
    at: datetime
    kind: str
    what: str
    who: str
    place: str
    device: str
    failed: bool


def _reader(record: AccessRecord) -> str:
    name = record.by_name or _("已删除的账号")
    if record.by_app_id is not None or record.detail.get("app"):
        return _("应用「%(name)s」") % {"name": record.by_name or _("已删除的应用")}
    return name


def _entry(record: AccessRecord) -> Entry:
    detail = record.detail if isinstance(record.detail, dict) else {}
    who, failed = "", bool(detail.get("failed"))
    if record.kind == AccessRecord.Kind.READ:
        fields = "、".join(str(FIELDS.get(f, f)) for f in detail.get("fields", []))
        door = record.action.removeprefix("read.")
        what = _("读取了你的%(fields)s") % {"fields": fields or _("实名/学号")}
        if door in DOORS:
            what = f"{what}（{DOORS[door]}）"
        who = _reader(record)
    elif record.kind == AccessRecord.Kind.SIGN_IN:
        how = detail.get("how", "")
        what = (str(FAILURES.get(detail.get("failed"), _("登录失败"))) if failed
                else str(SIGN_INS.get(how, _("登录"))))
    else:
        what = record.get_kind_display()
        action = record.action.removeprefix("privacy.")
        what = f"{what}：{action}" if action else what
        who = _reader(record) if (record.by_name or record.by_app_id) else ""
    return Entry(at=record.at, kind=record.kind, what=what, who=who, place=record.place,
                 device=record.device, failed=failed)


@login_required
@domain_errors
def access_page(request):
    kind = request.GET.get("kind", "")
    records = access_log.records_of(actor=request.actor, kind=kind)
    page = paginate(records, first=PAGE_SIZE, after=request.GET.get("after"))
    return render(request, "frontend/privacy/access.html", {
        "entries": [_entry(record) for record in page.items], "page": page, "kind": kind,
        "filters": FILTERS,
    })
